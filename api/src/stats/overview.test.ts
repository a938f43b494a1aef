import { describe, expect, it } from 'vitest';
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';
import { latencyBucketOf } from './histogram.ts';
import { buildOverview } from './overview.ts';
import { STATE_OUTCOME } from './outcomes.ts';
import type { SeriesRow } from './queries.ts';
import { relativeWindow } from './windows.ts';

const now = new Date('2026-03-10T12:34:56Z');
const w = relativeWindow('15m', now);

/** A row as readSeries returns it, from a bucket start and the counts per state. */
function row(
  at: string,
  currency: string,
  amountMinor: string,
  states: Partial<Record<PaymentState, number>>,
): SeriesRow {
  const count = (keep: (s: PaymentState) => boolean): number =>
    PAYMENT_STATES.filter(keep).reduce((n, s) => n + (states[s] ?? 0), 0);
  return {
    index: (new Date(at).getTime() - w.from.getTime()) / 60_000,
    currency,
    amountMinor,
    payments: count(() => true),
    succeeded: count((s) => STATE_OUTCOME[s] === 'succeeded'),
    failed: count((s) => STATE_OUTCOME[s] === 'failed'),
  };
}

const noStates = Object.fromEntries(PAYMENT_STATES.map((s) => [s, 0])) as Record<PaymentState, number>;

describe('dashboard overview assembly', () => {
  it('when a window has no statistics, then every bucket is there with zeros and the rates are null', () => {
    const o = buildOverview(w, { series: [], states: noStates, latency: [] }, now);
    expect(o.window).toEqual({ from: '2026-03-10T12:20:00.000Z', to: now.toISOString(), bucket_seconds: 60 });
    expect(o.totals).toEqual({ payments: 0, succeeded: 0, failed: 0, success_rate: null, by_currency: [] });
    expect(o.series).toHaveLength(15);
    expect(o.series[0]).toEqual({
      ts: '2026-03-10T12:20:00.000Z',
      payments: 0,
      succeeded: 0,
      failed: 0,
      by_currency: {},
    });
    expect(o.state_mix).toEqual(PAYMENT_STATES.map((state) => ({ state, count: 0 })));
    expect(o.time_to_final).toEqual({ p50_seconds: null, p95_seconds: null, samples: 0 });
    expect(o.generated_at).toBe(now.toISOString());
  });

  it('when rows of several currencies and outcomes are summed, then totals, series and state mix agree exactly', () => {
    const rows = [
      row('2026-03-10T12:21:00Z', 'USD', '1050', { settled: 2, failed: 1, pending: 1 }),
      row('2026-03-10T12:21:00Z', 'JPY', '1234', { captured: 1 }),
      row('2026-03-10T12:34:00Z', 'KWD', '1001', { voided: 1, refunded: 1 }),
      row('2026-03-10T12:34:00Z', 'USD', '99999999999999999999', { disputed: 1 }),
      row('2026-03-10T12:00:00Z', 'USD', '5', { settled: 7 }),
    ];
    const states = {
      ...noStates,
      settled: 2,
      failed: 1,
      pending: 1,
      captured: 1,
      voided: 1,
      refunded: 1,
      disputed: 1,
    };
    const o = buildOverview(w, { series: rows, states, latency: [] }, now);
    expect(o.totals).toMatchObject({ payments: 8, succeeded: 5, failed: 2, success_rate: 5 / 7 });
    expect(o.totals.by_currency).toEqual([
      { currency: 'USD', count: 5, amount_minor: '100000000000000001049', amount: '1000000000000000010.49' },
      { currency: 'KWD', count: 2, amount_minor: '1001', amount: '1.001' },
      { currency: 'JPY', count: 1, amount_minor: '1234', amount: '1234' },
    ]);
    const first = o.series[1]!;
    expect(first).toMatchObject({ ts: '2026-03-10T12:21:00.000Z', payments: 5, succeeded: 3, failed: 1 });
    expect(first.by_currency).toEqual({
      USD: { count: 4, amount_minor: '1050', amount: '10.50' },
      KWD: { count: 0, amount_minor: '0', amount: '0.000' },
      JPY: { count: 1, amount_minor: '1234', amount: '1234' },
    });
    expect(o.series[14]).toMatchObject({ payments: 3, succeeded: 2, failed: 1 });
    expect(o.series[5]!.by_currency.USD).toEqual({ count: 0, amount_minor: '0', amount: '0.00' });
    const mix = Object.fromEntries(o.state_mix.map((s) => [s.state, s.count]));
    expect(mix).toMatchObject({
      settled: 2,
      failed: 1,
      pending: 1,
      captured: 1,
      voided: 1,
      refunded: 1,
      disputed: 1,
    });
    expect(o.state_mix.reduce((n, s) => n + s.count, 0)).toBe(o.totals.payments);
  });

  it('when the rows of a currency add up to nothing (its payments deleted), then it is not listed', () => {
    const series = [
      row('2026-03-10T12:30:00Z', 'EUR', '0', {}),
      row('2026-03-10T12:31:00Z', 'USD', '100', { pending: 1 }),
    ];
    const o = buildOverview(w, { series, states: { ...noStates, pending: 1 }, latency: [] }, now);
    expect(o.totals.by_currency.map((c) => c.currency)).toEqual(['USD']);
    expect(Object.keys(o.series[10]!.by_currency)).toEqual(['USD']);
  });

  it('when a currency is not one the product knows, then its amount is null but its minor units are kept', () => {
    const series = [row('2026-03-10T12:30:00Z', 'XYZ', '15', { pending: 1 })];
    const o = buildOverview(w, { series, states: { ...noStates, pending: 1 }, latency: [] }, now);
    expect(o.totals.by_currency).toEqual([{ currency: 'XYZ', count: 1, amount_minor: '15', amount: null }]);
  });

  it('when latencies were counted, then p50 and p95 come from their buckets with the number of samples', () => {
    const latency = [
      { bucket: latencyBucketOf(1), payments: 50 },
      { bucket: latencyBucketOf(60), payments: 45 },
      { bucket: latencyBucketOf(3600), payments: 5 },
    ];
    const o = buildOverview(w, { series: [], states: noStates, latency }, now);
    expect(o.time_to_final.samples).toBe(100);
    expect(o.time_to_final.p50_seconds).toBeGreaterThan(0.84);
    expect(o.time_to_final.p50_seconds).toBeLessThan(1.2);
    expect(o.time_to_final.p95_seconds).toBeGreaterThan(50);
    expect(o.time_to_final.p95_seconds).toBeLessThan(72);
  });
});
