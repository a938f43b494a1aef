// Reads of the pre-aggregated statistics (migration 0010) and of the alert counts. Each reads a
// few hundred rows at most: a window's buckets (≤ 744) times currencies, summed over shards.
import type pg from 'pg';
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';
import { FAILED_STATES, IN_FLIGHT_STATES, SUCCEEDED_STATES } from './outcomes.ts';
import { statsTiling, tiling, type StatsWindow } from './windows.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** One bucket, currency and shard: the payments created then (by outcome of their current state) and their amount. */
export interface SeriesRow {
  /** The bucket's position in the window (0 = the bucket starting at `from`). */
  readonly index: number;
  readonly currency: string;
  readonly payments: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Sum of amount_minor, as integer text (a sum may exceed 2^63). */
  readonly amountMinor: string;
}

const sumOf = (states: readonly PaymentState[]): string => states.join(' + ');

// Outcomes added up in SQL from the one definition (outcomes.ts). No GROUP BY: the shards of a
// bucket and currency are summed in JS, which sums per bucket and currency anyway. The rows
// travel column by column as ONE JSON text, [indexes, currencies, payments, succeeded, failed,
// amounts] (the bucket as its index in the window, amounts as strings to stay exact), which
// JSON.parse reads natively: grouping, a JSON array per row, or pg's parsing value by value each
// cost more than the rows are worth (a 30-day window is 2,880 rows per shard).
const SERIES_SQL = `
  select json_build_array(
           coalesce(json_agg(((extract(epoch from bucket)::int8 - $4::int8) / $1)::int4), '[]'),
           coalesce(json_agg(currency), '[]'),
           coalesce(json_agg(${sumOf(PAYMENT_STATES)}), '[]'),
           coalesce(json_agg(${sumOf(SUCCEEDED_STATES)}), '[]'),
           coalesce(json_agg(${sumOf(FAILED_STATES)}), '[]'),
           coalesce(json_agg(amount_minor::text), '[]'))::text as columns
    from payment_stats
   where bucket_seconds = $1 and bucket >= $2 and bucket < $3`;

type SeriesColumns = [number[], string[], number[], number[], number[], string[]];

export async function readSeries(db: Queryable, w: StatsWindow): Promise<SeriesRow[]> {
  const { rows } = await db.query<{ columns: string }>({
    name: 'stats_series',
    text: SERIES_SQL,
    // The window start once more, in epoch seconds: computing the index from the timestamptz
    // parameter made the statement ~40 times slower under generic plans (measured).
    values: [w.bucketSeconds, w.from, w.end, Math.floor(w.from.getTime() / 1000)],
  });
  const [index, currency, payments, succeeded, failed, amount] = JSON.parse(
    rows[0]?.columns ?? '[[],[],[],[],[],[]]',
  ) as SeriesColumns;
  return index.map((at, i) => ({
    index: at,
    currency: currency[i] ?? '',
    payments: payments[i] ?? 0,
    succeeded: succeeded[i] ?? 0,
    failed: failed[i] ?? 0,
    amountMinor: amount[i] ?? '0',
  }));
}

// The column names are the states themselves (PAYMENT_STATES is a fixed list of identifiers).
const MIX_SQL = `
  select ${PAYMENT_STATES.map((s) => `coalesce(sum(${s}), 0)::int8 as ${s}`).join(', ')}
    from payment_stats
   where bucket_seconds = $1 and bucket >= $2 and bucket < $3`;

/** How many of the window's payments are in each state now. */
export async function readStateMix(db: Queryable, w: StatsWindow): Promise<Record<PaymentState, number>> {
  const { rows } = await db.query<Record<PaymentState, bigint>>({
    name: 'stats_state_mix',
    text: MIX_SQL,
    values: [w.bucketSeconds, w.from, w.end],
  });
  const row = rows[0];
  return Object.fromEntries(PAYMENT_STATES.map((s) => [s, Number(row?.[s] ?? 0n)])) as Record<
    PaymentState,
    number
  >;
}

/**
 * How many payments became final in the window, per latency bucket: summed over the window's
 * tiling (whole days, hours, 5 and 1 minutes), each run read by a range scan of its grain.
 */
export async function readFinalLatency(
  db: Queryable,
  w: StatsWindow,
): Promise<{ bucket: number; payments: number }[]> {
  const runs = tiling(w);
  const { rows } = await db.query<{ latency_bucket: number; payments: bigint }>({
    name: 'stats_final_latency',
    // One index range scan per run (the lateral subquery, kept apart by offset 0, is not turned
    // into a hash join over the whole table).
    text: `select f.latency_bucket, sum(f.payments)::int8 as payments
             from unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) r(grain, lo, hi)
            cross join lateral (
              select x.latency_bucket, x.payments from payment_final_latency x
               where x.bucket_seconds = r.grain and x.bucket >= r.lo and x.bucket < r.hi
              offset 0) f
            group by f.latency_bucket`,
    values: [runs.map((r) => r.bucketSeconds), runs.map((r) => r.from), runs.map((r) => r.to)],
  });
  return rows.map((r) => ({ bucket: r.latency_bucket, payments: Number(r.payments) }));
}

/**
 * How many payments were created in [from, to), exactly: the statistics' counts (every state
 * summed) for the window's whole hours, 5 and 1 minutes, and the payments themselves for the
 * seconds at its edges that no grain covers. A month of payments is then a few hundred rows
 * rather than a count over every payment (what a batch job's progress total would cost); the
 * counts are the triggers', kept in the writers' transactions, so they agree with count(*) in
 * any snapshot (stats.test.ts compares them).
 */
export async function countPaymentsCreated(db: Queryable, from: Date, to: Date): Promise<bigint> {
  const { runs, rest } = statsTiling(from, to);
  const { rows } = await db.query<{ n: bigint }>({
    name: 'stats_payments_created',
    text: `select coalesce((select sum(f.n)
                              from unnest($1::integer[], $2::timestamptz[], $3::timestamptz[]) r(grain, lo, hi)
                             cross join lateral (
                               select ${sumOf(PAYMENT_STATES)} as n from payment_stats x
                                where x.bucket_seconds = r.grain and x.bucket >= r.lo and x.bucket < r.hi
                               offset 0) f), 0)::int8
                + (select count(*) from unnest($4::timestamptz[], $5::timestamptz[]) e(lo, hi)
                    cross join lateral (
                      select 1 from payments p where p.created_at >= e.lo and p.created_at < e.hi offset 0) c)
                as n`,
    values: [
      runs.map((r) => r.bucketSeconds),
      runs.map((r) => r.from),
      runs.map((r) => r.to),
      rest.map((r) => r.from),
      rest.map((r) => r.to),
    ],
  });
  return rows[0]?.n ?? 0n;
}

/** Unresolved alerts per status and severity (index-only on alerts_unresolved). */
export async function readUnresolvedAlerts(
  db: Queryable,
): Promise<{ status: string; severity: string; alerts: number }[]> {
  const { rows } = await db.query<{ status: string; severity: string; alerts: bigint }>({
    name: 'stats_unresolved_alerts',
    text: `select status, severity, count(*)::int8 as alerts
             from alerts where status <> 'resolved'
            group by status, severity`,
  });
  return rows.map((r) => ({ status: r.status, severity: r.severity, alerts: Number(r.alerts) }));
}

// ---------------------------------------------------------------------------------------------
// The same aggregates for a caller limited to some merchants. The pre-aggregated statistics are
// per currency, not per merchant, so these read the payments themselves, with the scope and the
// window in the query (the merchant indexes lead with merchant_id, created_at). They cost a scan
// of the scoped merchants' payments in the window instead of a few hundred rows.

const inList = (states: readonly PaymentState[]): string => states.map((s) => `'${s}'`).join(', ');

/** readSeries over the payments of `scope`'s merchants. */
export async function readScopedSeries(
  db: Queryable,
  w: StatsWindow,
  scope: readonly string[],
): Promise<SeriesRow[]> {
  const { rows } = await db.query<{
    index: number;
    currency: string;
    payments: bigint;
    succeeded: bigint;
    failed: bigint;
    amount: string;
  }>(
    `select ((extract(epoch from created_at)::int8 - $4::int8) / $1)::int4 as index, currency,
            count(*)::int8 as payments,
            count(*) filter (where current_state in (${inList(SUCCEEDED_STATES)}))::int8 as succeeded,
            count(*) filter (where current_state in (${inList(FAILED_STATES)}))::int8 as failed,
            sum(amount_minor)::text as amount
       from payments
      where merchant_id = any($5::text[]) and created_at >= $2 and created_at < $3
      group by 1, 2`,
    [w.bucketSeconds, w.from, w.end, Math.floor(w.from.getTime() / 1000), scope],
  );
  return rows.map((r) => ({
    index: r.index,
    currency: r.currency,
    payments: Number(r.payments),
    succeeded: Number(r.succeeded),
    failed: Number(r.failed),
    amountMinor: r.amount,
  }));
}

/** readStateMix over the payments of `scope`'s merchants. */
export async function readScopedStateMix(
  db: Queryable,
  w: StatsWindow,
  scope: readonly string[],
): Promise<Record<PaymentState, number>> {
  const { rows } = await db.query<{ state: PaymentState; n: bigint }>(
    `select current_state as state, count(*)::int8 as n from payments
      where merchant_id = any($3::text[]) and created_at >= $1 and created_at < $2
      group by 1`,
    [w.from, w.end, scope],
  );
  const counts = Object.fromEntries(PAYMENT_STATES.map((s) => [s, 0])) as Record<PaymentState, number>;
  for (const r of rows) counts[r.state] = Number(r.n);
  return counts;
}

/**
 * readFinalLatency over the payments of `scope`'s merchants: payments that became final in the
 * window (the first event out of the in-flight states, else the last change), by time from creation.
 */
export async function readScopedFinalLatency(
  db: Queryable,
  w: StatsWindow,
  scope: readonly string[],
): Promise<{ bucket: number; payments: number }[]> {
  const { rows } = await db.query<{ latency_bucket: number; payments: bigint }>(
    `select payment_latency_bucket(x.final_at - x.created_at) as latency_bucket, count(*)::int8 as payments
       from (
         select p.created_at,
                coalesce((select min(e.recorded_at) from payment_events e
                           where e.payment_id = p.id and e.payment_created_at = p.created_at
                             and e.from_state in (${inList(IN_FLIGHT_STATES)})
                             and e.to_state not in (${inList(IN_FLIGHT_STATES)})), p.updated_at) as final_at
           from payments p
          where p.merchant_id = any($3::text[])
            and p.current_state not in (${inList(IN_FLIGHT_STATES)})
            and p.created_at < $2 and p.updated_at >= $1
       ) x
      where x.final_at >= $1 and x.final_at < $2
      group by 1`,
    [w.from, w.end, scope],
  );
  return rows.map((r) => ({ bucket: r.latency_bucket, payments: Number(r.payments) }));
}

/** readUnresolvedAlerts for the alerts of `scope`'s merchants. */
export async function readScopedUnresolvedAlerts(
  db: Queryable,
  scope: readonly string[],
): Promise<{ status: string; severity: string; alerts: number }[]> {
  const { rows } = await db.query<{ status: string; severity: string; alerts: bigint }>(
    `select status, severity, count(*)::int8 as alerts
       from alerts where status <> 'resolved' and merchant_id = any($1::text[])
      group by status, severity`,
    [scope],
  );
  return rows.map((r) => ({ status: r.status, severity: r.severity, alerts: Number(r.alerts) }));
}
