// Merchant-scope benchmark: hack/with-node node test/bench/scope.bench.ts (also `npm run bench -- scope`)
//   Over 1,000,000 stored payments (created over the last 12 months, one monthly partition each)
//   with one audit row per payment and an alert per hundred payments:
//   - the audit log's first page with its capped count (`GET /api/v1/audit`, api/src/payments/
//     audit.ts) for a caller limited to one merchant and to ten, beside the same page for an
//     unscoped caller (the baseline);
//   - an alert inserted with its merchant left to the alerts_merchant_of_payment trigger, beside
//     the insert with the merchant given, as the worker makes it (the baseline); and the
//     triggers' lookup of a payment's merchant (payment_merchant_of: the partition the id names)
//     beside the lookup by id alone, which reads every partition;
//   - a rule's hit counters (`GET /api/v1/rules/:id`) for a scoped caller, beside an unscoped one.
//   Median of five runs each, after one warm-up.
// BENCH_DATABASE_URL reuses a seeded database (payments, audit rows and alerts as they are);
// BENCH_ROWS changes the number of payments seeded.
import { newId } from '@payflow/api/domain';
import { createPool, migrate } from '@payflow/api/store';
import type pg from 'pg';
import { listAudit } from '../../api/src/payments/audit.ts';
import { getRule } from '../../api/src/ops/rules.ts';
import { createDatabase, startTestEnv, type TestEnv } from '../../hack/testenv/index.ts';
import { seedPayments } from './seed-payments.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = 5;
const ALERT_INSERTS = 300;
const ONE = ['merchant_0007'];
const TEN = Array.from({ length: 10 }, (_, i) => `merchant_${String(100 + i * 37).padStart(4, '0')}`);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed(f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const t0 = performance.now();
    await f();
    if (i > 0) times.push(performance.now() - t0);
  }
  return median(times);
}

/** One audit row per payment (as the worker's first event makes it), and an alert per hundred payments. */
async function seedAudit(pool: pg.Pool): Promise<void> {
  const t0 = Date.now();
  await pool.query(
    `insert into audit_log (id, chain, chain_seq, occurred_at, actor_type, actor_id, action, resource_type,
                            resource_id, before, after, prev_hash, hash)
     select 'aud_' || p.id, (n % 8)::smallint, n, p.created_at, 'worker', 'bench', 'payment.authorized',
            'payment', p.id, jsonb_build_object('id', p.id, 'current_state', 'pending'),
            jsonb_build_object('id', p.id, 'merchant_id', p.merchant_id, 'current_state', p.current_state),
            '', ''
       from (select id, created_at, merchant_id, current_state, row_number() over () as n from payments) p`,
  );
  await pool.query(
    `insert into alerts (id, payment_id, merchant_id, severity, title, dedupe_key, created_at)
     select 'alt_' || p.id, p.id, p.merchant_id, 'high', 'bench', 'alt_' || p.id, p.created_at
       from payments p where abs(hashtext(p.id)) % 100 = 0`,
  );
  await pool.query(
    `insert into audit_log (id, chain, chain_seq, occurred_at, actor_type, actor_id, action, resource_type,
                            resource_id, after, prev_hash, hash)
     select 'aud_' || a.id, 0, 1000000000 + row_number() over (), a.created_at, 'worker', 'bench',
            'alert.created', 'alert', a.id, jsonb_build_object('id', a.id), '', ''
       from alerts a`,
  );
  await pool.query('vacuum analyze audit_log, alerts');
  const { rows } = await pool.query<{ audit: string; alerts: string }>(
    'select (select count(*) from audit_log)::text as audit, (select count(*) from alerts)::text as alerts',
  );
  console.log(
    `seeded ${rows[0]?.audit ?? '?'} audit rows and ${rows[0]?.alerts ?? '?'} alerts in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
}

async function benchAudit(pool: pg.Pool): Promise<void> {
  const page = { limit: 50, offset: 0 };
  const base = await timed(() => listAudit(pool, {}, page));
  console.log(`audit   unscoped first page + count (baseline): ${base.toFixed(1)} ms`);
  for (const [label, scope] of [
    ['one merchant', ONE],
    ['ten merchants', TEN],
  ] as const) {
    const result = await listAudit(pool, { merchantScope: scope }, page);
    const ms = await timed(() => listAudit(pool, { merchantScope: scope }, page));
    console.log(
      `audit   scoped to ${label} (${String(result.total)}${result.totalExact ? '' : '+'} rows): ` +
        `${ms.toFixed(1)} ms = ${(ms / base).toFixed(2)}× the unscoped page`,
    );
  }
}

async function insertAlerts(pool: pg.Pool, sample: string[], withMerchant: boolean): Promise<number> {
  const client = await pool.connect();
  try {
    const t0 = performance.now();
    for (let i = 0; i < ALERT_INSERTS; i++) {
      const payment = sample[(i * 7919) % sample.length] ?? '';
      const id = newId('alt');
      await client.query(
        withMerchant
          ? `insert into alerts (id, payment_id, merchant_id, severity, title, dedupe_key)
             values ($1, $2, $3, 'low', 'bench', $1)`
          : `insert into alerts (id, payment_id, severity, title, dedupe_key) values ($1, $2, 'low', 'bench', $1)`,
        withMerchant ? [id, payment, merchantOf.get(payment) ?? null] : [id, payment],
      );
    }
    return (performance.now() - t0) / ALERT_INSERTS;
  } finally {
    client.release();
  }
}

const merchantOf = new Map<string, string>();

/** Mean microseconds of one statement per sample id, on one connection. */
async function perId(pool: pg.Pool, sql: string, sample: string[]): Promise<number> {
  const client = await pool.connect();
  try {
    const t0 = performance.now();
    for (let i = 0; i < ALERT_INSERTS; i++) await client.query(sql, [sample[(i * 7919) % sample.length]]);
    return ((performance.now() - t0) / ALERT_INSERTS) * 1000;
  } finally {
    client.release();
  }
}

async function benchAlertTrigger(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ id: string; merchant_id: string }>(
    'select id, merchant_id from payments tablesample system (0.5) limit 5000',
  );
  for (const r of rows) merchantOf.set(r.id, r.merchant_id);
  const sample = rows.map((r) => r.id);
  const given: number[] = [];
  const looked: number[] = [];
  const pruned: number[] = [];
  const everyPartition: number[] = [];
  // Interleaved, so that the machine's load weighs on each alike; the first round warms up.
  for (let round = 0; round <= RUNS; round++) {
    const g = (await insertAlerts(pool, sample, true)) * 1000;
    const l = (await insertAlerts(pool, sample, false)) * 1000;
    const p = await perId(pool, 'select payment_merchant_of($1)', sample);
    const e = await perId(pool, 'select merchant_id from payments where id = $1 limit 1', sample);
    if (round === 0) continue;
    given.push(g);
    looked.push(l);
    pruned.push(p);
    everyPartition.push(e);
  }
  const { rows: parts } = await pool.query<{ n: string }>(
    "select count(*)::text as n from pg_inherits where inhparent = 'payments'::regclass",
  );
  const [g, l, p, e] = [median(given), median(looked), median(pruned), median(everyPartition)];
  console.log(
    `alert   insert with the merchant given (baseline, the worker's path): ${g.toFixed(0)} µs each`,
  );
  console.log(
    `alert   insert with the merchant left to the trigger: ${l.toFixed(0)} µs each = ${(l / g).toFixed(2)}× the baseline`,
  );
  console.log(
    `lookup  a payment's merchant as the triggers do (payment_merchant_of, the id's partition): ${p.toFixed(0)} µs`,
  );
  console.log(
    `lookup  the same by id alone, in every partition (${parts[0]?.n ?? '?'}): ${e.toFixed(0)} µs = ` +
      `${(e / p).toFixed(2)}× the pruned lookup`,
  );
}

async function benchRuleHits(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query<{ id: string }>(
    `insert into rules (id, name, mode, action, severity, definition)
     values ($1, $1, 'enforce', 'flag', 'low', '{"field":"amount_minor","op":"gt","value":0}') returning id`,
    [newId('rul')],
  );
  const id = rows[0]?.id ?? '';
  // A hit per payment of the last 24 hours of history, spread over the day, 10 times over.
  await pool.query(
    `insert into rule_hits (rule_id, payment_id, merchant_id, mode, action, acted, matched_at)
     select $1, p.id, p.merchant_id, 'enforce', 'flag', true, now() - (random() * interval '24 hours')
       from payments p, generate_series(1, 10) where p.created_at > now() - interval '2 days'`,
    [id],
  );
  await pool.query('vacuum analyze rule_hits');
  const base = await timed(() => getRule(pool, id));
  const ms = await timed(() => getRule(pool, id, TEN));
  const hits = (await getRule(pool, id)).hits_24h;
  console.log(`rule    hit counters, unscoped (baseline, ${String(hits)} hits): ${base.toFixed(1)} ms`);
  console.log(
    `rule    hit counters, scoped to ten merchants (${String((await getRule(pool, id, TEN)).hits_24h)} hits): ` +
      `${ms.toFixed(1)} ms = ${(ms / base).toFixed(2)}× the unscoped`,
  );
}

async function main(): Promise<void> {
  const reuse = process.env.BENCH_DATABASE_URL === '' ? undefined : process.env.BENCH_DATABASE_URL;
  const env: TestEnv | undefined = reuse ? undefined : await startTestEnv({ kube: false });
  try {
    const url =
      reuse ?? (await createDatabase(env!.info.postgres.url, `bench_scope_${String(Date.now() % 100000)}`));
    const pool = createPool({ url, max: 4 });
    if (!reuse) {
      await migrate(pool);
      await seedPayments(url, ROWS);
      await seedAudit(pool);
    }
    await benchAudit(pool);
    await benchAlertTrigger(pool);
    await benchRuleHits(pool);
    await pool.end();
  } finally {
    await env?.stop();
  }
}

await main();
