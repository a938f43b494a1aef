// The dashboard's overview: what was created in a window, how it turned out, and how long
// payments took to become final — assembled from the pre-aggregated rows (never the payments).
import type pg from 'pg';
import { formatMinor, isCurrencyCode } from '../domain/money.ts';
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';
import { latencyQuantile, type LatencyCount } from './histogram.ts';
import { STATE_OUTCOME, successRate } from './outcomes.ts';
import { readFinalLatency, readPaymentStats, type StatsRow } from './queries.ts';
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

function tallyOf(states: Readonly<Record<PaymentState, number>>): Tally {
  const t: Tally = { payments: 0, succeeded: 0, failed: 0 };
  for (const s of PAYMENT_STATES) {
    const n = states[s];
    t.payments += n;
    const outcome = STATE_OUTCOME[s];
    if (outcome !== 'open') t[outcome] += n;
  }
  return t;
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

/** Largest count first, then by code. */
function currencyOrder(volumes: Map<string, Volume>): string[] {
  return [...volumes.entries()]
    .sort(([a, va], [b, vb]) => vb.count - va.count || (a < b ? -1 : 1))
    .map(([c]) => c);
}

interface Sums {
  readonly total: Tally;
  readonly byCurrency: Map<string, Volume>;
  readonly states: Record<PaymentState, number>;
  readonly buckets: Bucket[];
}

function sumRows(w: StatsWindow, rows: readonly StatsRow[]): Sums {
  const sums: Sums = {
    total: { payments: 0, succeeded: 0, failed: 0 },
    byCurrency: new Map(),
    states: Object.fromEntries(PAYMENT_STATES.map((s) => [s, 0])) as Record<PaymentState, number>,
    buckets: Array.from({ length: w.buckets }, () => ({
      payments: 0,
      succeeded: 0,
      failed: 0,
      byCurrency: new Map<string, Volume>(),
    })),
  };
  const size = w.bucketSeconds * 1000;
  for (const row of rows) {
    const bucket = sums.buckets[Math.round((row.bucket.getTime() - w.from.getTime()) / size)];
    if (!bucket) continue;
    const tally = tallyOf(row.states);
    const amountMinor = BigInt(row.amountMinor);
    addTally(sums.total, tally);
    addTally(bucket, tally);
    addVolume(sums.byCurrency, row.currency, tally.payments, amountMinor);
    addVolume(bucket.byCurrency, row.currency, tally.payments, amountMinor);
    for (const s of PAYMENT_STATES) sums.states[s] += row.states[s];
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

/** The overview of a window from its statistics rows and latency counts. */
export function buildOverview(
  w: StatsWindow,
  rows: readonly StatsRow[],
  latency: readonly LatencyCount[],
  now: Date,
): Overview {
  const sums = sumRows(w, rows);
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
    state_mix: PAYMENT_STATES.map((state) => ({ state, count: sums.states[state] })),
    time_to_final: timeToFinal(latency),
    generated_at: now.toISOString(),
  };
}

async function readOverview(db: pg.Pool, w: StatsWindow, now: Date): Promise<Overview> {
  const [rows, latency] = await Promise.all([readPaymentStats(db, w), readFinalLatency(db, w)]);
  return buildOverview(w, rows, latency, now);
}

/** GET /stats/overview: resolve the window, read its two aggregates at once, assemble. */
export async function paymentOverview(db: pg.Pool, q: WindowQuery, now = new Date()): Promise<Overview> {
  return readOverview(db, resolveWindow(q, now), now);
}

/**
 * paymentOverview with concurrent requests for the same buckets sharing one read (the answer's
 * `window.to` and `generated_at` are then those of the read they joined).
 */
export function overviewReader(db: pg.Pool): (q: WindowQuery) => Promise<Overview> {
  const flights = new SingleFlight<Overview>();
  return (q) => {
    const now = new Date();
    const w = resolveWindow(q, now);
    const key = `${String(w.bucketSeconds)}:${w.from.toISOString()}:${w.end.toISOString()}`;
    return flights.run(key, () => readOverview(db, w, now));
  };
}
