import { describe, expect, it } from 'vitest';
import { backoffSeconds } from './backoff.ts';

describe('backoffSeconds', () => {
  const opts = { baseSeconds: 2, capSeconds: 60 };

  it('when the receive count grows, then the delay doubles until the cap', () => {
    const max = (n: number): number => backoffSeconds(n, opts, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(max)).toEqual([2, 4, 8, 16, 32, 60, 60, 60]);
  });

  it('when jitter is at its low end, then the delay is half the exponential value', () => {
    expect(backoffSeconds(4, opts, () => 0)).toBe(8);
  });

  it('when the cap is beyond 12 hours, then the delay stays within what SQS accepts', () => {
    expect(backoffSeconds(40, { baseSeconds: 3600, capSeconds: 100_000 }, () => 1)).toBe(43_200);
  });
});
