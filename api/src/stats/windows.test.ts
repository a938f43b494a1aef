import { describe, expect, it } from 'vitest';
import { ValidationError } from '../domain/errors.ts';
import { bucketStarts, rangeWindow, relativeWindow, resolveWindow, tiling } from './windows.ts';

const now = new Date('2026-03-10T12:34:56.789Z');

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.field;
    throw err;
  }
  return undefined;
}

describe('stats windows', () => {
  it('when the last hour is asked for, then it is 60 minute buckets ending with the one now is in', () => {
    const w = relativeWindow('1h', now);
    expect(w).toEqual({
      from: new Date('2026-03-10T11:35:00Z'),
      to: now,
      bucketSeconds: 60,
      buckets: 60,
      end: new Date('2026-03-10T12:35:00Z'),
    });
  });

  it('when each named window is asked for, then its buckets are 1 min up to 6 h, 5 min for 24 h, 1 h beyond', () => {
    const shapes = (['15m', '1h', '6h', '24h', '7d', '30d'] as const).map((n) => {
      const w = relativeWindow(n, now);
      return [n, w.bucketSeconds, w.buckets];
    });
    expect(shapes).toEqual([
      ['15m', 60, 15],
      ['1h', 60, 60],
      ['6h', 60, 360],
      ['24h', 300, 288],
      ['7d', 3600, 168],
      ['30d', 3600, 720],
    ]);
    expect(relativeWindow('24h', now).from).toEqual(new Date('2026-03-09T12:35:00Z'));
    expect(relativeWindow('7d', now).end).toEqual(new Date('2026-03-10T13:00:00Z'));
  });

  it('when a range is given, then it is widened to whole buckets and ends at now at the latest', () => {
    const past = rangeWindow(new Date('2026-03-01T10:00:30Z'), new Date('2026-03-01T11:59:10Z'), now);
    expect(past).toMatchObject({
      from: new Date('2026-03-01T10:00:00Z'),
      to: new Date('2026-03-01T12:00:00Z'),
      bucketSeconds: 60,
      buckets: 120,
    });
    const open = rangeWindow(new Date('2026-03-03T00:00:00Z'), new Date('2026-03-20T00:00:00Z'), now);
    expect(open).toMatchObject({ bucketSeconds: 3600, buckets: 17 * 24, to: now });
    const day = rangeWindow(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-02T00:00:00Z'), now);
    expect(day).toMatchObject({ bucketSeconds: 300, buckets: 288 });
  });

  it('when a range is empty, reversed or longer than 31 days, then the error names from', () => {
    const a = new Date('2026-01-01T00:00:00Z');
    expect(fieldOf(() => rangeWindow(a, a, now))).toBe('from');
    expect(fieldOf(() => rangeWindow(now, a, now))).toBe('from');
    expect(fieldOf(() => rangeWindow(a, new Date('2026-02-01T00:00:01Z'), now))).toBe('from');
    expect(rangeWindow(a, new Date('2026-02-01T00:00:00Z'), now).buckets).toBe(31 * 24);
  });

  it('when the query has no window, a window, or a range, then each resolves, and mixing them names the field', () => {
    expect(resolveWindow({}, now)).toEqual(relativeWindow('1h', now));
    expect(resolveWindow({ window: '7d' }, now)).toEqual(relativeWindow('7d', now));
    const from = new Date('2026-03-10T10:00:00Z');
    expect(resolveWindow({ from }, now)).toEqual(rangeWindow(from, now, now));
    expect(fieldOf(() => resolveWindow({ window: '1h', from }, now))).toBe('window');
    expect(fieldOf(() => resolveWindow({ to: now }, now))).toBe('from');
  });

  it('when bucket starts are listed, then there is one per bucket, evenly spaced from the window start', () => {
    const starts = bucketStarts(relativeWindow('15m', now));
    expect(starts).toHaveLength(15);
    expect(starts[0]).toEqual(new Date('2026-03-10T12:20:00Z'));
    expect(starts[14]).toEqual(new Date('2026-03-10T12:34:00Z'));
  });
});

describe('stats window tiling for the histogram', () => {
  const covered = (runs: ReturnType<typeof tiling>): number =>
    runs.reduce((n, r) => n + (r.to.getTime() - r.from.getTime()), 0);

  it('when a 30-day window is tiled, then whole days fill the middle and hours the two edges, contiguously', () => {
    const w = relativeWindow('30d', now);
    const runs = tiling(w);
    expect(runs.map((r) => r.bucketSeconds)).toEqual([3600, 86400, 3600]);
    expect(runs[0]!.from).toEqual(w.from);
    expect(runs.at(-1)!.to).toEqual(w.end);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.from).toEqual(runs[i - 1]!.to);
    expect(covered(runs)).toBe(w.end.getTime() - w.from.getTime());
  });

  it('when a minute-aligned window is tiled, then no run is finer than a minute and nothing is left out', () => {
    for (const name of ['15m', '1h', '6h', '24h', '7d'] as const) {
      const w = relativeWindow(name, now);
      const runs = tiling(w);
      expect(runs.every((r) => r.bucketSeconds >= w.bucketSeconds)).toBe(true);
      expect(covered(runs), name).toBe(w.end.getTime() - w.from.getTime());
      for (const r of runs) {
        expect(r.from.getTime() % (r.bucketSeconds * 1000)).toBe(0);
        expect(r.to.getTime() % (r.bucketSeconds * 1000)).toBe(0);
      }
    }
    expect(tiling(relativeWindow('6h', now)).map((r) => r.bucketSeconds)).toEqual([300, 3600, 300]);
    const odd = tiling(relativeWindow('6h', new Date('2026-03-10T12:37:10Z')));
    expect(
      odd.map((r) => [r.bucketSeconds, r.from.toISOString().slice(11, 16), r.to.toISOString().slice(11, 16)]),
    ).toEqual([
      [60, '06:38', '06:40'],
      [300, '06:40', '07:00'],
      [3600, '07:00', '12:00'],
      [300, '12:00', '12:35'],
      [60, '12:35', '12:38'],
    ]);
  });
});
