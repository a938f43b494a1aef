// The time windows the dashboard asks for, cut into the buckets the statistics are kept in
// (migration 0010: 60, 300 and 3600 s, aligned to UTC).
import { ValidationError } from '../domain/errors.ts';

export const WINDOW_NAMES = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

const WINDOW_SECONDS: Readonly<Record<WindowName, number>> = Object.freeze({
  '15m': 15 * 60,
  '1h': 3600,
  '6h': 6 * 3600,
  '24h': 24 * 3600,
  '7d': 7 * 24 * 3600,
  '30d': 30 * 24 * 3600,
});

export const DEFAULT_WINDOW: WindowName = '1h';
/** The longest `from`–`to` range. */
export const MAX_RANGE_DAYS = 31;

export type BucketSeconds = 60 | 300 | 3600;

export interface StatsWindow {
  /** Start of the first bucket. */
  readonly from: Date;
  /** End of what is covered: the end of the last bucket, or now when that is later. */
  readonly to: Date;
  readonly bucketSeconds: BucketSeconds;
  /** How many buckets, the last one possibly still filling. */
  readonly buckets: number;
  /** End of the last bucket (exclusive): the rows read are in [from, end). */
  readonly end: Date;
}

/** By the minute up to 6 hours, by 5 minutes up to 24 hours, by the hour beyond. */
export function bucketSecondsFor(spanSeconds: number): BucketSeconds {
  if (spanSeconds <= 6 * 3600) return 60;
  if (spanSeconds <= 24 * 3600) return 300;
  return 3600;
}

// Buckets are aligned to the Unix epoch, as Postgres' date_bin from 2000-01-01 UTC aligns them
// (that origin is a whole number of hours after the epoch).
function floorTo(ms: number, bucketSeconds: number): number {
  const size = bucketSeconds * 1000;
  return Math.floor(ms / size) * size;
}

function ceilTo(ms: number, bucketSeconds: number): number {
  const size = bucketSeconds * 1000;
  return Math.ceil(ms / size) * size;
}

/** The last `name` up to now: its buckets end with the one now falls in. */
export function relativeWindow(name: WindowName, now: Date): StatsWindow {
  const span = WINDOW_SECONDS[name];
  const bucketSeconds = bucketSecondsFor(span);
  const buckets = span / bucketSeconds;
  const end = floorTo(now.getTime(), bucketSeconds) + bucketSeconds * 1000;
  const from = end - buckets * bucketSeconds * 1000;
  return { from: new Date(from), to: now, bucketSeconds, buckets, end: new Date(end) };
}

/** [from, to), widened to whole buckets; at most MAX_RANGE_DAYS long. */
export function rangeWindow(from: Date, to: Date, now: Date): StatsWindow {
  const span = (to.getTime() - from.getTime()) / 1000;
  if (span <= 0) throw ValidationError.of('from', 'must be before to');
  if (span > MAX_RANGE_DAYS * 24 * 3600) {
    throw ValidationError.of('from', `must be at most ${String(MAX_RANGE_DAYS)} days before to`);
  }
  const bucketSeconds = bucketSecondsFor(span);
  const start = floorTo(from.getTime(), bucketSeconds);
  const end = ceilTo(to.getTime(), bucketSeconds);
  return {
    from: new Date(start),
    to: new Date(Math.min(end, now.getTime())),
    bucketSeconds,
    buckets: (end - start) / (bucketSeconds * 1000),
    end: new Date(end),
  };
}

export interface WindowQuery {
  readonly window?: WindowName | undefined;
  readonly from?: Date | undefined;
  readonly to?: Date | undefined;
}

/** `window=…` (default 1h), or `from` with an optional `to` (default now); not both. */
export function resolveWindow(q: WindowQuery, now: Date): StatsWindow {
  const ranged = q.from !== undefined || q.to !== undefined;
  if (q.window !== undefined && ranged) {
    throw ValidationError.of('window', 'cannot be combined with from and to');
  }
  if (!ranged) return relativeWindow(q.window ?? DEFAULT_WINDOW, now);
  if (q.from === undefined) throw ValidationError.of('from', 'is required with to');
  return rangeWindow(q.from, q.to ?? now, now);
}

/** A run of whole buckets of one grain: [from, to). */
export interface GrainRange {
  readonly bucketSeconds: 60 | 300 | 3600 | 86400;
  readonly from: Date;
  readonly to: Date;
}

const TILE_GRAINS = [86400, 3600, 300, 60] as const;

function tile(from: number, to: number, grains: readonly GrainRange['bucketSeconds'][]): GrainRange[] {
  const [grain, ...smaller] = grains;
  if (grain === undefined || from >= to) return [];
  const lo = ceilTo(from, grain);
  const hi = floorTo(to, grain);
  if (lo >= hi) return tile(from, to, smaller);
  return [
    ...tile(from, lo, smaller),
    { bucketSeconds: grain, from: new Date(lo), to: new Date(hi) },
    ...tile(hi, to, smaller),
  ];
}

/**
 * The window as the fewest whole buckets of the histogram's grains (days, hours, 5 and 1
 * minutes; never finer than the window's own buckets): the largest grain in the middle, smaller
 * ones towards the edges. Each grain nests in the next, so the runs tile the window exactly.
 */
export function tiling(w: StatsWindow): GrainRange[] {
  return tile(
    w.from.getTime(),
    w.end.getTime(),
    TILE_GRAINS.filter((g) => g >= w.bucketSeconds),
  );
}

/**
 * [from, to) as the whole hours, 5 and 1 minutes the payment statistics keep (never days: only the
 * histogram has those), and the seconds before its first whole minute and after its last, which
 * no grain covers: `rest`, empty ranges left out.
 */
export function statsTiling(from: Date, to: Date): { runs: GrainRange[]; rest: { from: Date; to: Date }[] } {
  const a = from.getTime();
  const b = to.getTime();
  const lo = ceilTo(a, 60);
  const hi = floorTo(b, 60);
  if (lo >= hi) return { runs: [], rest: a < b ? [{ from, to }] : [] };
  const rest = [
    { from, to: new Date(lo) },
    { from: new Date(hi), to },
  ].filter((r) => r.from < r.to);
  return { runs: tile(lo, hi, [3600, 300, 60]), rest };
}

/** The start of every bucket of the window, in order. */
export function bucketStarts(w: StatsWindow): Date[] {
  const size = w.bucketSeconds * 1000;
  return Array.from({ length: w.buckets }, (_, i) => new Date(w.from.getTime() + i * size));
}
