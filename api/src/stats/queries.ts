// Reads of the pre-aggregated statistics (migration 0010) and of the alert counts. Each reads a
// few hundred rows at most: a window's buckets (≤ 744) times currencies, summed over shards.
import type pg from 'pg';
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';
import { tiling, type StatsWindow } from './windows.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** One bucket and currency: the payments created then, by current state, and their amount. */
export interface StatsRow {
  readonly bucket: Date;
  readonly currency: string;
  /** Sum of amount_minor, as integer text (a sum may exceed 2^63). */
  readonly amountMinor: string;
  readonly states: Readonly<Record<PaymentState, number>>;
}

type StatsDbRow = { bucket: Date; currency: string; amount_minor: string } & Record<PaymentState, bigint>;

// The column names are the states themselves (PAYMENT_STATES is a fixed list of identifiers).
const STATS_SQL = `
  select bucket, currency, sum(amount_minor)::text as amount_minor,
         ${PAYMENT_STATES.map((s) => `sum(${s})::int8 as ${s}`).join(', ')}
    from payment_stats
   where bucket_seconds = $1 and bucket >= $2 and bucket < $3
   group by bucket, currency
   order by bucket, currency`;

export async function readPaymentStats(db: Queryable, w: StatsWindow): Promise<StatsRow[]> {
  const { rows } = await db.query<StatsDbRow>({
    name: 'stats_payments',
    text: STATS_SQL,
    values: [w.bucketSeconds, w.from, w.end],
  });
  return rows.map((r) => ({
    bucket: r.bucket,
    currency: r.currency,
    amountMinor: r.amount_minor,
    states: Object.fromEntries(PAYMENT_STATES.map((s) => [s, Number(r[s])])) as Record<PaymentState, number>,
  }));
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
