import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, latencyBucketBounds, latencyBucketOf, latencyQuantile } from './histogram.ts';

describe('time-to-final histogram', () => {
  it('when the buckets are laid out, then they are contiguous, four per doubling, from 0 to about 42 days', () => {
    for (let k = 0; k < LATENCY_BUCKETS - 2; k++) {
      expect(latencyBucketBounds(k).upper).toBeCloseTo(latencyBucketBounds(k + 1).lower, 12);
    }
    expect(latencyBucketBounds(0)).toEqual({ lower: 0, upper: 2 ** 0.25 / 1000 });
    expect(latencyBucketBounds(40)).toEqual({ lower: 1.024, upper: 2 ** (41 / 4) / 1000 });
    const last = latencyBucketBounds(LATENCY_BUCKETS - 1);
    expect(last.upper).toBe(last.lower);
    expect(last.lower / 86400).toBeCloseTo(41.8, 1);
  });

  it('when any latency is bucketed, then it lies within its bucket (or beyond the last one)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (seconds) => {
        const k = latencyBucketOf(seconds);
        const { lower, upper } = latencyBucketBounds(k);
        expect(seconds).toBeGreaterThanOrEqual(lower * (1 - 1e-12));
        if (k < LATENCY_BUCKETS - 1) expect(seconds).toBeLessThanOrEqual(upper * (1 + 1e-12));
      }),
    );
  });

  it('when there are no samples, then every quantile is null', () => {
    expect(latencyQuantile([], 0.5)).toBeNull();
    expect(latencyQuantile([{ bucket: 10, payments: 0 }], 0.95)).toBeNull();
  });

  it('when all samples share a bucket, then quantiles interpolate inside it', () => {
    const k = latencyBucketOf(2);
    const { lower, upper } = latencyBucketBounds(k);
    const p50 = latencyQuantile([{ bucket: k, payments: 10 }], 0.5)!;
    expect(p50).toBeCloseTo((lower + upper) / 2, 3);
    expect(latencyQuantile([{ bucket: k, payments: 10 }], 1)).toBeCloseTo(upper, 3);
  });

  it('when samples are spread, then each quantile estimate lies in the bucket of the true quantile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 200_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.95),
        (samples, q) => {
          const counts = new Map<number, number>();
          for (const s of samples) counts.set(latencyBucketOf(s), (counts.get(latencyBucketOf(s)) ?? 0) + 1);
          const estimate = latencyQuantile(
            [...counts].map(([bucket, payments]) => ({ bucket, payments })),
            q,
          )!;
          const sorted = [...samples].sort((a, b) => a - b);
          const truth = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
          const { lower, upper } = latencyBucketBounds(latencyBucketOf(truth));
          expect(estimate).toBeGreaterThanOrEqual(Math.round(lower * 1000) / 1000 - 0.001);
          expect(estimate).toBeLessThanOrEqual(Math.round(upper * 1000) / 1000 + 0.001);
        },
      ),
    );
  });
});
