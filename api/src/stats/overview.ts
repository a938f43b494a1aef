// The dashboard's overview: what was created in a window, how it turned out, and how long
// payments took to become final — assembled from the pre-aggregated rows (never the payments).
import type pg from 'pg';
import { formatMinor, isCurrencyCode } from '../domain/money.ts';
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';
import { latencyQuantile, type LatencyCount } from './histogram.ts';
import { successRate } from './outcomes.ts';
import {
  readFinalLatency,
  readSeries,
  readStateMix,
  type SeriesRow,
  readScopedFinalLatency,
  readScopedSeries,
  readScopedStateMix,
} from './queries.ts';
import { SingleFlight } from './single-flight.ts';
import { bucketStarts, resolveWindow, type StatsWindow, type WindowQuery } from './windows.ts';

export interface CurrencyAmount {
  readonly count: number;
  readonly amount_minor: string;
  /** Exact decimal with the currency's places ("12.50", JPY "1250", KWD "1.250"); null for a code the product does not know. */
  readonly amount: string | null;
}

export interface SeriesPoint {
  readonly ts: string;
  readonly payments: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Every currency of the window, zeros included. */
  readonly by_currency: Record<string, CurrencyAmount>;
}

export interface Overview {
  readonly window: { readonly from: string; readonly to: string; readonly bucket_seconds: number };
  readonly totals: {
    readonly payments: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly success_rate: number | null;
    readonly by_currency: (CurrencyAmount & { readonly currency: string })[];
  };
  readonly series: SeriesPoint[];
  readonly state_mix: { readonly state: PaymentState; readonly count: number }[];
  readonly time_to_final: {
    readonly p50_seconds: number | null;
    readonly p95_seconds: number | null;
    readonly samples: number;
  };
  readonly generated_at: string;
}

interface Tally {
  payments: number;
  succeeded: number;
  failed: number;
}

interface Volume {
  count: number;
  amountMinor: bigint;
}

interface Bucket extends Tally {
  readonly byCurrency: Map<string, Volume>;
}

function addTally(into: Tally, t: Tally): void {
  into.payments += t.payments;
  into.succeeded += t.succeeded;
  into.failed += t.failed;
}

function addVolume(into: Map<string, Volume>, currency: string, count: number, amountMinor: bigint): void {
  const v = into.get(currency) ?? { count: 0, amountMinor: 0n };
  v.count += count;
  v.amountMinor += amountMinor;
  into.set(currency, v);
}

function amountJson(currency: string, v: Volume | undefined): CurrencyAmount {
  const amountMinor = v?.amountMinor ?? 0n;
  return {
    count: v?.count ?? 0,
    amount_minor: amountMinor.toString(),
    amount: isCurrencyCode(currency) ? formatMinor(amountMinor, currency) : null,
  };
}

/** Largest count first, then by code; a currency whose rows add up to nothing is left out. */
function currencyOrder(volumes: Map<string, Volume>): string[] {
  return [...volumes.entries()]
    .filter(([, v]) => v.count !== 0 || v.amountMinor !== 0n)
    .sort(([a, va], [b, vb]) => vb.count - va.count || (a < b ? -1 : 1))
    .map(([c]) => c);
}

interface Sums {
  readonly total: Tally;
  readonly byCurrency: Map<string, Volume>;
  readonly buckets: Bucket[];
}

function sumRows(w: StatsWindow, rows: readonly SeriesRow[]): Sums {
  const sums: Sums = {
    total: { payments: 0, succeeded: 0, failed: 0 },
    byCurrency: new Map(),
    buckets: Array.from({ length: w.buckets }, () => ({
      payments: 0,
      succeeded: 0,
      failed: 0,
      byCurrency: new Map<string, Volume>(),
    })),
  };
  for (const row of rows) {
    const bucket = sums.buckets[row.index];
    if (!bucket) continue;
    const amountMinor = BigInt(row.amountMinor);
    addTally(sums.total, row);
    addTally(bucket, row);
    addVolume(sums.byCurrency, row.currency, row.payments, amountMinor);
    addVolume(bucket.byCurrency, row.currency, row.payments, amountMinor);
  }
  return sums;
}

function timeToFinal(latency: readonly LatencyCount[]): Overview['time_to_final'] {
  return {
    p50_seconds: latencyQuantile(latency, 0.5),
    p95_seconds: latencyQuantile(latency, 0.95),
    samples: latency.reduce((n, c) => n + c.payments, 0),
  };
}

/** What the overview is made of, as read from the statistics. */
export interface OverviewParts {
  readonly series: readonly SeriesRow[];
  readonly states: Readonly<Record<PaymentState, number>>;
  readonly latency: readonly LatencyCount[];
}

/** The overview of a window from its statistics. */
export function buildOverview(w: StatsWindow, parts: OverviewParts, now: Date): Overview {
  const sums = sumRows(w, parts.series);
  const currencies = currencyOrder(sums.byCurrency);
  const starts = bucketStarts(w);
  return {
    window: { from: w.from.toISOString(), to: w.to.toISOString(), bucket_seconds: w.bucketSeconds },
    totals: {
      ...sums.total,
      success_rate: successRate(sums.total.succeeded, sums.total.failed),
      by_currency: currencies.map((c) => ({ currency: c, ...amountJson(c, sums.byCurrency.get(c)) })),
    },
    series: sums.buckets.map((b, i) => ({
      ts: (starts[i] ?? w.from).toISOString(),
      payments: b.payments,
      succeeded: b.succeeded,
      failed: b.failed,
      by_currency: Object.fromEntries(currencies.map((c) => [c, amountJson(c, b.byCurrency.get(c))])),
    })),
    state_mix: PAYMENT_STATES.map((state) => ({ state, count: parts.states[state] })),
    time_to_final: timeToFinal(parts.latency),
    generated_at: now.toISOString(),
  };
}

async function readOverview(db: pg.Pool, w: StatsWindow, now: Date): Promise<Overview> {
  const [series, states, latency] = await Promise.all([
    readSeries(db, w),
    readStateMix(db, w),
    readFinalLatency(db, w),
  ]);
  return buildOverview(w, { series, states, latency }, now);
}

/** GET /stats/overview: resolve the window, read its three aggregates at once, assemble. */
export async function paymentOverview(db: pg.Pool, q: WindowQuery, now = new Date()): Promise<Overview> {
  return readOverview(db, resolveWindow(q, now), now);
}

/** The overview of the payments of some merchants only (a scoped caller), read from the payments. */
export async function scopedOverview(
  db: pg.Pool,
  q: WindowQuery,
  scope: readonly string[],
  now = new Date(),
): Promise<Overview> {
  const w = resolveWindow(q, now);
  const [series, states, latency] = await Promise.all([
    readScopedSeries(db, w, scope),
    readScopedStateMix(db, w, scope),
    readScopedFinalLatency(db, w, scope),
  ]);
  return buildOverview(w, { series, states, latency }, now);
}

/**
 * paymentOverview as JSON text, with concurrent requests for the same buckets sharing one read
 * and one serialization (a 30-day answer is ~250 kB; the answer's `window.to` and
 * `generated_at` are those of the read joined).
 */
export function overviewReader(db: pg.Pool): (q: WindowQuery) => Promise<string> {
  const flights = new SingleFlight<string>();
  return (q) => {
    const now = new Date();
    const w = resolveWindow(q, now);
    const key = `${String(w.bucketSeconds)}:${w.from.toISOString()}:${w.end.toISOString()}`;
    return flights.run(key, async () => JSON.stringify(await readOverview(db, w, now)));
  };
}
