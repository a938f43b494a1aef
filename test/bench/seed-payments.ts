// Seeds payments fast for benchmarks: ids are real ULIDs (createIdFactory with a moving clock)
// whose timestamp is created_at, spread evenly over the last 12 months (or `days`), loaded with
// COPY. A payment in a final state was last updated some seconds to hours after its creation
// (failures fast, settlement slow), so the dashboard's time to final has a spread. The dashboard
// statistics' insert trigger is off during the COPY and the statistics are rebuilt once after,
// as bulk loaders are meant to (migration 0010).
import { createWriteStream, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createIdFactory, idTimestamp } from '@payflow/api/domain';

export const MERCHANTS = 1000;
const PAYERS = 200_000;
const SAMPLE_IDS = 10_000;

const STATES: [string, number][] = [
  ['settled', 0.55],
  ['captured', 0.15],
  ['authorized', 0.05],
  ['pending', 0.05],
  ['failed', 0.08],
  ['voided', 0.03],
  ['refunded', 0.04],
  ['partially_refunded', 0.03],
  ['disputed', 0.01],
  ['charged_back', 0.01],
];
const CURRENCIES: [string, number][] = [
  ['USD', 0.6],
  ['EUR', 0.25],
  ['GBP', 0.1],
  ['JPY', 0.05],
];

const IN_FLIGHT = new Set(['pending', 'authorized', 'captured']);

/** Milliseconds from creation to the last update: log-uniform, 0.2 s–2 min for failures, 10 s–2 days otherwise. */
function lastUpdateAfter(state: string): number {
  if (IN_FLIGHT.has(state)) return 0;
  const [lo, hi] = state === 'failed' || state === 'voided' ? [200, 120_000] : [10_000, 172_800_000];
  return Math.round(lo * (hi / lo) ** Math.random());
}

function pick(table: [string, number][], r: number): string {
  let acc = 0;
  for (const [v, p] of table) {
    acc += p;
    if (r < acc) return v;
  }
  return table[0]![0];
}

/** Writes rows payments as CSV (ascending created_at over the last `days`); returns sample ids. */
async function writeCsv(file: string, rows: number, days: number): Promise<string[]> {
  const end = Date.now() - 60_000;
  const start = end - days * 24 * 3600 * 1000;
  const step = (end - start) / rows;
  let clock = start;
  const nextId = createIdFactory({ now: () => Math.floor(clock) });
  const out = createWriteStream(file);
  const sample: string[] = [];
  let buf = '';
  for (let i = 0; i < rows; i++) {
    clock = start + i * step + Math.random() * step * 0.5;
    const id = nextId('pay');
    const created = new Date(idTimestamp(id));
    const state = pick(STATES, Math.random());
    const currency = pick(CURRENCIES, Math.random());
    const amount =
      currency === 'JPY'
        ? 100 + Math.floor(Math.random() * 50_000)
        : 100 + Math.floor(Math.random() * 500_000);
    const refunded =
      state === 'refunded' ? amount : state === 'partially_refunded' ? Math.floor(amount / 2) : 0;
    const merchant = `merchant_${String(Math.floor(Math.random() * MERCHANTS)).padStart(4, '0')}`;
    const payer = `payer_${String(Math.floor(Math.random() * PAYERS)).padStart(6, '0')}`;
    const updated = new Date(Math.min(end, created.getTime() + lastUpdateAfter(state)));
    buf += `${id},${created.toISOString()},${updated.toISOString()},${merchant},${payer},${String(amount)},${currency},${String(refunded)},${state},1,\n`;
    if (i % Math.floor(rows / SAMPLE_IDS) === 0) sample.push(id);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return sample;
}

/**
 * Seeds `rows` payments into the database at `url` (superuser: server-side COPY), created over
 * the last `days` (default 365); returns sample ids.
 */
export async function seedPayments(
  url: string,
  rows: number,
  options: { days?: number } = {},
): Promise<string[]> {
  const file = join(tmpdir(), `payflow-bench-${String(process.pid)}.csv`);
  const t0 = Date.now();
  const ids = await writeCsv(file, rows, options.days ?? 365);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One partition per month of the seeded history, before any row lands in the default one.
    await client.query(
      `select ensure_payment_partitions((date_trunc('month', now()) - interval '12 months')::date, 16)`,
    );
    await client.query('alter table payments disable trigger payment_stats_insert');
    try {
      await client.query(
        `copy payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency,
           refunded_minor, current_state, version, card_fingerprint) from '${file}' with (format csv)`,
      );
    } finally {
      await client.query('alter table payments enable trigger payment_stats_insert');
    }
    await client.query('select payment_stats_rebuild()');
    await client.query('vacuum analyze payments, payment_stats, payment_final_latency');
    const { rows } = await client.query<{ n: string }>('select count(*)::text n from payments');
    process.stdout.write(
      `seeded ${rows[0]?.n ?? '?'} payments in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  } finally {
    await client.end();
    rmSync(file, { force: true });
  }
  return ids;
}
