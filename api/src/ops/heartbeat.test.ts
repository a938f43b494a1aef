import { describe, expect, it } from 'vitest';
import { packageVersion, RecentMax, RecentRate } from './heartbeat.ts';

describe('heartbeat helpers', () => {
  it('when a count is sampled at each beat, then the rate covers about the last minute', () => {
    const r = new RecentRate(60_000, 0, 0);
    expect(r.sample(100, 10_000)).toEqual({ count: 100, perSecond: 10 });
    // From the newest sample at or before the window's start (10 s): 600 over 60 s.
    expect(r.sample(700, 70_000)).toEqual({ count: 600, perSecond: 10 });
    expect(r.sample(1000, 130_000)).toEqual({ count: 300, perSecond: 5 });
  });

  it('when nothing has elapsed, then the rate is 0 rather than a division by zero', () => {
    expect(new RecentRate(60_000, 5, 1000).sample(5, 1000)).toEqual({ count: 0, perSecond: 0 });
  });

  it('when values are added, then the largest within the window is kept and older ones fall out', () => {
    const m = new RecentMax(60_000);
    expect(m.add(undefined, 0)).toBeNull();
    expect(m.add(5, 1000)).toBe(5);
    expect(m.add(2, 30_000)).toBe(5);
    expect(m.add(undefined, 62_000)).toBe(2);
    expect(m.add(undefined, 100_000)).toBeNull();
  });

  it('when the package file is missing, then the version is 0.0.0', () => {
    expect(packageVersion(new URL('file:///nonexistent/package.json'))).toBe('0.0.0');
    expect(packageVersion(new URL('../../package.json', import.meta.url))).toMatch(/^\d+\.\d+\.\d+/);
  });
});
