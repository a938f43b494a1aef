// The dashboard's statistics through HTTP against real PostgreSQL: payments created through the
// API, moved by the worker's own apply path (applyBatch → worker_apply_batch, as the SQS
// consumer does) and by the API's commands, counted by migration 0010's triggers; the rebuild
// recounts the same; bad windows are problems naming the field; empty windows are zeros.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { countPaymentsCreated } from '@payflow/api/payments';
import { applyBatch, type ApplyContext } from '../../worker/src/apply.ts';
import { startPaymentsApi, type PaymentsHarness } from './payments-support.ts';
import { event } from './worker-support.ts';

interface Amount {
  count: number;
  amount_minor: string;
  amount: string | null;
}
interface Overview {
  window: { from: string; to: string; bucket_seconds: number };
  totals: {
    payments: number;
    succeeded: number;
    failed: number;
    success_rate: number | null;
    by_currency: (Amount & { currency: string })[];
  };
  series: {
    ts: string;
    payments: number;
    succeeded: number;
    failed: number;
    by_currency: Record<string, Amount>;
  }[];
  state_mix: { state: string; count: number }[];
  time_to_final: { p50_seconds: number | null; p95_seconds: number | null; samples: number };
  generated_at: string;
}
interface Problem {
  status: number;
  field?: string;
  detail?: string;
}

describe('dashboard statistics against real PostgreSQL', () => {
  let t: PaymentsHarness;
  const ids: Record<'usd1' | 'usd2' | 'jpy' | 'kwd', string> = { usd1: '', usd2: '', jpy: '', kwd: '' };

  const overview = async (query = 'window=15m'): Promise<Overview> => {
    const res = await t.call<Overview>('GET', `/api/v1/stats/overview?${query}`, { role: 'viewer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const mix = (o: Overview): Record<string, number> =>
    Object.fromEntries(o.state_mix.filter((s) => s.count !== 0).map((s) => [s.state, s.count]));
  const create = async (amount: string, currency: string): Promise<string> => {
    const res = await t.call<{ id: string }>('POST', '/api/v1/transactions', {
      headers: { 'idempotency-key': newId('evt') },
      body: { merchant_id: 'merchant_stats', payer_id: 'payer_stats', amount, currency },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const ctx = (): ApplyContext => ({
    pool: t.api.deps.pool,
    actor: 'worker-test',
    rules: () => Promise.resolve([]),
  });
  const work = async (events: [string, string][]): Promise<void> => {
    const items = events.map(([payment, type], i) => ({
      body: JSON.stringify(event(payment, type)),
      messageId: `m-${payment}-${String(i)}`,
      firstReceiveAt: Date.now(),
    }));
    const verdicts = await applyBatch(ctx(), items);
    expect(verdicts.map((v) => v.kind)).toEqual(events.map(() => 'done'));
  };

  beforeAll(async () => {
    t = await startPaymentsApi('stats');
  });
  afterAll(async () => {
    await t.close();
  });

  it('when there are no payments and no alerts, then every window answers zeros and nulls, every bucket present', async () => {
    const shapes: [string, number, number][] = [
      ['', 60, 60],
      ['window=15m', 60, 15],
      ['window=6h', 60, 360],
      ['window=24h', 300, 288],
      ['window=7d', 3600, 168],
      ['window=30d', 3600, 720],
      ['from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z', 300, 288],
    ];
    for (const [query, bucketSeconds, buckets] of shapes) {
      const o = await overview(query);
      expect(o.window.bucket_seconds, query).toBe(bucketSeconds);
      expect(o.series, query).toHaveLength(buckets);
      expect(o.series.every((p) => p.payments === 0 && Object.keys(p.by_currency).length === 0)).toBe(true);
      expect(o.totals).toEqual({ payments: 0, succeeded: 0, failed: 0, success_rate: null, by_currency: [] });
      expect(o.state_mix.every((s) => s.count === 0)).toBe(true);
      expect(o.time_to_final).toEqual({ p50_seconds: null, p95_seconds: null, samples: 0 });
    }
    const alerts = await t.call('GET', '/api/v1/stats/alerts', { role: 'viewer' });
    expect(alerts.status).toBe(200);
    expect(alerts.body).toMatchObject({
      open: { low: 0, medium: 0, high: 0, critical: 0 },
      acknowledged: { low: 0, medium: 0, high: 0, critical: 0 },
      total_open: 0,
    });
  });

  it('when payments are created through the API in three currencies, then totals, series and mix show exact amounts', async () => {
    ids.usd1 = await create('12.34', 'USD');
    ids.usd2 = await create('0.66', 'USD');
    ids.jpy = await create('1500', 'JPY');
    ids.kwd = await create('1.234', 'KWD');
    const o = await overview();
    expect(o.totals).toEqual({
      payments: 4,
      succeeded: 0,
      failed: 0,
      success_rate: null,
      by_currency: [
        { currency: 'USD', count: 2, amount_minor: '1300', amount: '13.00' },
        { currency: 'JPY', count: 1, amount_minor: '1500', amount: '1500' },
        { currency: 'KWD', count: 1, amount_minor: '1234', amount: '1.234' },
      ],
    });
    expect(mix(o)).toEqual({ pending: 4 });
    expect(o.series.reduce((n, p) => n + p.payments, 0)).toBe(4);
    const last = o.series.at(-1)!;
    expect(Object.keys(last.by_currency)).toEqual(['USD', 'JPY', 'KWD']);
    const usd = o.series.reduce((n, p) => n + BigInt(p.by_currency.USD!.amount_minor), 0n);
    expect(usd).toBe(1300n);
    expect(o.time_to_final.samples).toBe(0);
  });

  it('when the worker applies events, then counts move from state to state and final payments are timed', async () => {
    await work([
      [ids.usd1, 'payment.authorized'],
      [ids.jpy, 'payment.authorized'],
      [ids.jpy, 'payment.captured'],
      [ids.jpy, 'payment.settled'],
      [ids.kwd, 'payment.failed'],
    ]);
    const o = await overview();
    expect(mix(o)).toEqual({ pending: 1, authorized: 1, settled: 1, failed: 1 });
    expect(o.totals).toMatchObject({ payments: 4, succeeded: 1, failed: 1, success_rate: 0.5 });
    expect(o.series.reduce((n, p) => n + p.succeeded, 0)).toBe(1);
    expect(o.time_to_final.samples).toBe(2);
    expect(o.time_to_final.p50_seconds).toBeGreaterThanOrEqual(0);
    expect(o.time_to_final.p95_seconds).toBeGreaterThanOrEqual(o.time_to_final.p50_seconds!);
    expect((await overview('window=30d')).time_to_final.samples).toBe(2);
  });

  it('when the API captures and then refunds a payment, then its count moves twice and it is timed once, when it left captured', async () => {
    const capture = await t.call('POST', `/api/v1/transactions/${ids.usd1}/capture`, {
      headers: { 'idempotency-key': newId('evt') },
    });
    expect(capture.status).toBe(200);
    const captured = await overview();
    expect(mix(captured)).toEqual({ pending: 1, captured: 1, settled: 1, failed: 1 });
    expect(captured.totals).toMatchObject({ payments: 4, succeeded: 2, failed: 1 });
    expect(captured.time_to_final.samples).toBe(2);

    const refund = await t.call('POST', `/api/v1/transactions/${ids.usd1}/refund`, {
      headers: { 'idempotency-key': newId('evt') },
      body: { amount: '12.34' },
    });
    expect(refund.status).toBe(200);
    const refunded = await overview();
    expect(mix(refunded)).toEqual({ pending: 1, refunded: 1, settled: 1, failed: 1 });
    expect(refunded.totals).toMatchObject({ payments: 4, succeeded: 2, failed: 1, success_rate: 2 / 3 });
    expect(refunded.totals.by_currency.find((c) => c.currency === 'USD')).toEqual({
      currency: 'USD',
      count: 2,
      amount_minor: '1300',
      amount: '13.00',
    });
    expect(refunded.time_to_final.samples).toBe(3);
  });

  it('when a range is asked for instead of a window, then it covers the same payments', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const ranged = await overview(`from=${from}`);
    expect(ranged.window.bucket_seconds).toBe(60);
    expect(ranged.totals).toEqual((await overview('window=1h')).totals);
    const past = await overview('from=2020-01-01T00:00:00Z&to=2020-01-31T00:00:00Z');
    expect(past.window).toMatchObject({ from: '2020-01-01T00:00:00.000Z', to: '2020-01-31T00:00:00.000Z' });
    expect(past.totals.payments).toBe(0);
  });

  it('when a loader inserts a payment settled 10 days ago after 5 minutes, then only windows holding that day time it', async () => {
    const week = await overview('window=7d');
    const month = await overview('window=30d');
    const created = new Date(Date.now() - 10 * 86400_000);
    await t.api.deps.pool.query(
      `insert into payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency, current_state)
       values ($1, $2, $3, 'merchant_stats', 'payer_stats', 250, 'EUR', 'settled')`,
      [newId('pay'), created, new Date(created.getTime() + 300_000)],
    );
    expect((await overview('window=7d')).time_to_final).toEqual(week.time_to_final);
    const after = await overview('window=30d');
    expect(after.time_to_final.samples).toBe(month.time_to_final.samples + 1);
    expect(after.time_to_final.p95_seconds).toBeGreaterThan(250);
    expect(after.time_to_final.p95_seconds).toBeLessThan(360);
    expect(after.totals.by_currency.find((c) => c.currency === 'EUR')).toEqual({
      currency: 'EUR',
      count: 1,
      amount_minor: '250',
      amount: '2.50',
    });
    expect(mix(after).settled).toBe(mix(month).settled! + 1);
  });

  it('when the statistics are rebuilt from the payments, then every figure is what the triggers kept', async () => {
    const db = t.api.deps.pool;
    const stats = async (): Promise<unknown[]> =>
      (
        await db.query<Record<string, unknown>>(
          `select bucket_seconds, bucket, currency, sum(amount_minor)::text as amount,
                  array[sum(pending), sum(authorized), sum(captured), sum(settled), sum(failed), sum(voided),
                        sum(refunded), sum(partially_refunded), sum(disputed), sum(charged_back)]::text as states
             from payment_stats group by 1, 2, 3
           having sum(pending + authorized + captured + settled + failed + voided + refunded
                      + partially_refunded + disputed + charged_back) <> 0
            order by 1, 2, 3`,
        )
      ).rows;
    const latency = async (): Promise<unknown[]> =>
      (
        await db.query<Record<string, unknown>>(
          `select bucket_seconds, bucket, latency_bucket, sum(payments)::text as n
             from payment_final_latency group by 1, 2, 3 having sum(payments) <> 0 order by 1, 2, 3`,
        )
      ).rows;
    const kept = { stats: await stats(), latency: await latency() };
    const before = await overview('window=30d');
    expect(kept.stats.length).toBeGreaterThan(0);
    const timed = (kept.latency as { n: string }[]).reduce((n, r) => n + Number(r.n), 0);
    expect(timed).toBe(4 * 4); // four timed payments, at each of the four grains
    const rebuilt = await db.query<{ stats_rows: bigint; latency_rows: bigint }>(
      'select * from payment_stats_rebuild()',
    );
    expect(Number(rebuilt.rows[0]?.stats_rows)).toBe(kept.stats.length);
    expect({ stats: await stats(), latency: await latency() }).toEqual(kept);
    const after = await overview('window=30d');
    expect({ ...after, generated_at: '', window: {} }).toEqual({ ...before, generated_at: '', window: {} });
  });

  it('when payments are spread over hours, minutes and seconds, then the payments created in any range, counted from the statistics, are the count of the payments themselves', async () => {
    const db = t.api.deps.pool;
    // 300 payments over two days ending an hour ago, at random milliseconds (a fixed seed).
    let seed = 7;
    const random = (): number => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const end = Date.now() - 3600_000;
    const times = Array.from({ length: 300 }, () => new Date(end - Math.floor(random() * 2 * 86400_000)));
    await db.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       select 'pay_spread_' || i, t, 'merchant_stats', 'payer_spread', 100, 'USD', 'pending'
         from unnest($1::timestamptz[]) with ordinality u(t, i)`,
      [times],
    );
    const exact = async (from: Date, to: Date): Promise<bigint> =>
      (
        await db.query<{ n: bigint }>(
          'select count(*) as n from payments where created_at >= $1 and created_at < $2',
          [from, to],
        )
      ).rows[0]?.n ?? -1n;
    const at = (ms: number): Date => new Date(end - ms);
    const ranges: [Date, Date][] = [
      [at(3 * 86400_000), new Date()], // all of them, and the file's others
      [at(2 * 86400_000), at(0)],
      [at(86400_000 + 1234), at(3600_000 - 5678)], // hours, 5 and 1 minutes, and seconds at both edges
      [at(7_200_000 + 30_000), at(7_200_000 - 30_000)], // under a minute's width, across a minute
      [at(600_500), at(600_499)], // one millisecond
      [at(1000), at(1000)], // empty
      [at(0), at(86400_000)], // reversed: nothing
    ];
    for (let i = 0; i < 40; i++) {
      const a = Math.floor(random() * 2 * 86400_000);
      const b = Math.floor(random() * 2 * 86400_000);
      ranges.push([at(Math.max(a, b)), at(Math.min(a, b))]);
    }
    let nonEmpty = 0;
    for (const [from, to] of ranges) {
      const n = await countPaymentsCreated(db, from, to);
      expect(n, `${from.toISOString()} → ${to.toISOString()}`).toBe(await exact(from, to));
      if (n > 0n) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(40);
    await db.query("delete from payments where payer_id = 'payer_spread'");
  });

  it('when a payment is deleted, then it leaves the counts', async () => {
    await t.api.deps.pool.query('delete from payments where id = $1', [ids.usd2]);
    const o = await overview();
    expect(mix(o)).toEqual({ refunded: 1, settled: 1, failed: 1 });
    expect(o.totals.by_currency.find((c) => c.currency === 'USD')).toMatchObject({
      count: 1,
      amount: '12.34',
    });
  });

  it('when the window, range or parameters are wrong, then a 400 problem names the field', async () => {
    const cases: [string, string][] = [
      ['window=2h', 'window'],
      ['window=1h&from=2026-01-01T00:00:00Z', 'window'],
      ['from=yesterday', 'from'],
      ['to=2026-01-01T00:00:00Z', 'from'],
      ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', 'from'],
      ['from=2026-01-01T00:00:00Z&to=2026-02-15T00:00:00Z', 'from'],
      ['window=1h&window=6h', 'window'],
    ];
    for (const [query, field] of cases) {
      const res = await t.call<Problem>('GET', `/api/v1/stats/overview?${query}`, { role: 'viewer' });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/application\/problem\+json/);
      expect(res.body.field, query).toBe(field);
    }
  });

  it('when unresolved alerts exist, then they are counted by status and severity, resolved ones not', async () => {
    const insert = (severity: string, status: string): Promise<unknown> =>
      t.api.deps.pool.query(
        `insert into alerts (id, severity, status, title, dedupe_key) values ($1, $2, $3, 'x', $1)`,
        [newId('alt'), severity, status],
      );
    for (const [severity, status] of [
      ['critical', 'open'],
      ['critical', 'open'],
      ['high', 'open'],
      ['low', 'acknowledged'],
      ['medium', 'resolved'],
    ]) {
      await insert(severity!, status!);
    }
    const res = await t.call('GET', '/api/v1/stats/alerts', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      open: { low: 0, medium: 0, high: 1, critical: 2 },
      acknowledged: { low: 1, medium: 0, high: 0, critical: 0 },
      total_open: 4,
    });
  });

  it('when the caller has no credentials, then both endpoints answer 401', async () => {
    for (const path of ['/api/v1/stats/overview', '/api/v1/stats/alerts']) {
      expect((await t.call('GET', path, { role: 'none' })).status).toBe(401);
    }
  });
});
