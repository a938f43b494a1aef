// Pure shaping of the API's answers into what the cards draw: no React here, so it is tested alone.
import { getDisplayTimeZone } from '../../lib/format';
import type {
  HealthComponent,
  HealthInstance,
  HealthReport,
  Overview,
  QueueStats,
  SeverityCounts,
} from './data';

export const WINDOWS = ['15m', '1h', '6h', '24h', '7d', '30d'] as const;
export type DashboardWindow = (typeof WINDOWS)[number];
export const DEFAULT_WINDOW: DashboardWindow = '1h';

const WINDOW_WORDS: Record<DashboardWindow, string> = {
  '15m': 'the last 15 minutes',
  '1h': 'the last hour',
  '6h': 'the last 6 hours',
  '24h': 'the last 24 hours',
  '7d': 'the last 7 days',
  '30d': 'the last 30 days',
};

export function parseWindow(value: string | null | undefined): DashboardWindow {
  return (WINDOWS as readonly string[]).includes(value ?? '') ? (value as DashboardWindow) : DEFAULT_WINDOW;
}

export function windowWords(w: DashboardWindow): string {
  return WINDOW_WORDS[w];
}

/** One point of the payments-per-minute chart: rates per minute, split by outcome. */
export interface RatePoint {
  x: Date;
  ts: string;
  succeeded: number;
  failed: number;
  /** Neither succeeded nor failed (yet): pending, authorized, captured … */
  other: number;
  total: number;
}

const perMinute = (count: number, bucketSeconds: number): number =>
  bucketSeconds > 0 ? (count * 60) / bucketSeconds : count;

/** Rounds a rate for display: one decimal below 100, whole numbers above. */
export function roundRate(rate: number): number {
  return rate >= 100 ? Math.round(rate) : Math.round(rate * 10) / 10;
}

/** A bucket still filling is divided by the time it has had, unless that is too short to say anything. */
const MIN_PARTIAL_SECONDS = 5;

/**
 * The series as rates per minute (a 1-hour bucket of 600 payments is 10 per minute). The bucket
 * still filling at `window.to` is a rate over the seconds it has had, so the line does not dip at
 * the right edge; one younger than a few seconds is left out.
 */
export function rateSeries(overview: Pick<Overview, 'series' | 'window'>): RatePoint[] {
  const b = overview.window.bucket_seconds;
  const to = Date.parse(overview.window.to);
  const points: RatePoint[] = [];
  for (const p of overview.series) {
    const x = new Date(p.ts);
    if (Number.isNaN(x.getTime())) continue;
    const elapsed = Number.isFinite(to) ? Math.min(b, (to - x.getTime()) / 1000) : b;
    if (elapsed < Math.min(b, MIN_PARTIAL_SECONDS)) continue;
    const other = Math.max(0, p.payments - p.succeeded - p.failed);
    points.push({
      x,
      ts: p.ts,
      succeeded: perMinute(p.succeeded, elapsed),
      failed: perMinute(p.failed, elapsed),
      other: perMinute(other, elapsed),
      total: perMinute(p.payments, elapsed),
    });
  }
  return points.sort((a, c) => a.x.getTime() - c.x.getTime());
}

export interface RateSummary {
  /** The newest complete bucket's rate (the bucket still filling would read low). */
  latest: number | null;
  average: number | null;
  peak: number | null;
}

/** The newest bucket that ended by `to`, else the newest there is. */
function newestComplete(
  points: readonly RatePoint[],
  bucketSeconds: number,
  to: string,
): RatePoint | undefined {
  const end = Date.parse(to);
  const done = points.filter((p) => p.x.getTime() + bucketSeconds * 1000 <= end);
  return done[done.length - 1] ?? points[points.length - 1];
}

export function rateSummary(
  points: readonly RatePoint[],
  overview: Pick<Overview, 'window' | 'totals'>,
): RateSummary {
  if (points.length === 0) return { latest: null, average: null, peak: null };
  const last = newestComplete(points, overview.window.bucket_seconds, overview.window.to);
  const seconds = windowSeconds(overview);
  return {
    latest: last ? roundRate(last.total) : null,
    average: seconds > 0 ? roundRate((overview.totals.payments * 60) / seconds) : null,
    peak: roundRate(Math.max(...points.map((p) => p.total))),
  };
}

export function windowSeconds(overview: Pick<Overview, 'window'>): number {
  const from = Date.parse(overview.window.from);
  const to = Date.parse(overview.window.to);
  return Number.isFinite(from) && Number.isFinite(to) && to > from ? (to - from) / 1000 : 0;
}

/** Axis tick text: times of day for short windows, dates for days and weeks. */
export function tickFormatter(w: DashboardWindow): (d: Date | number) => string {
  const long = w === '7d' || w === '30d';
  const f = new Intl.DateTimeFormat(undefined, {
    timeZone: getDisplayTimeZone(),
    ...(long ? { month: 'short', day: 'numeric' } : { hour: '2-digit', minute: '2-digit' }),
  });
  return (d) => f.format(typeof d === 'number' ? new Date(d) : d);
}

export interface CurrencyRow {
  currency: string;
  count: number;
  amount: string;
  share: number;
  /** Minor units per bucket, for the sparkline only (drawn, never added up for display). */
  spark: { x: Date; y: number }[];
}

/** Currencies by number of payments, with each one's trend over the window. */
export function currencyRows(overview: Pick<Overview, 'totals' | 'series'>): CurrencyRow[] {
  const all = overview.totals.by_currency.reduce((s, c) => s + c.count, 0);
  return [...overview.totals.by_currency]
    .sort((a, b) => b.count - a.count || a.currency.localeCompare(b.currency))
    .map((c) => ({
      currency: c.currency,
      count: c.count,
      amount: c.amount,
      share: all > 0 ? c.count / all : 0,
      spark: overview.series.map((p) => ({
        x: new Date(p.ts),
        y: Number(p.by_currency?.[c.currency]?.amount_minor ?? 0),
      })),
    }));
}

export interface StateSlice {
  state: string;
  count: number;
  share: number;
}

/** The lifecycle order, so the donut and its legend read pending → … → charged back. */
const STATE_ORDER = [
  'pending',
  'authorized',
  'captured',
  'settled',
  'failed',
  'voided',
  'refunded',
  'partially_refunded',
  'disputed',
  'charged_back',
];

export function stateSlices(mix: Overview['state_mix']): StateSlice[] {
  const total = mix.reduce((s, m) => s + m.count, 0);
  const rank = (s: string) => {
    const i = STATE_ORDER.indexOf(s);
    return i < 0 ? STATE_ORDER.length : i;
  };
  return mix
    .filter((m) => m.count > 0)
    .sort((a, b) => rank(a.state) - rank(b.state) || a.state.localeCompare(b.state))
    .map((m) => ({ state: m.state, count: m.count, share: total > 0 ? m.count / total : 0 }));
}

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

export function severityCount(counts: SeverityCounts | undefined, s: (typeof SEVERITIES)[number]): number {
  return counts?.[s] ?? 0;
}

export interface WorkerSummary {
  live: number;
  /** Instances that stopped beating but are still listed. */
  down: number;
  instances: HealthInstance[];
  eventsPerSecond: number | null;
  status: string | null;
}

function liveOf(instances: readonly HealthInstance[]): number {
  return instances.filter((i) => i.status !== 'down').length;
}

function fromComponents(
  components: readonly HealthComponent[],
  services: HealthReport['services'],
): WorkerSummary {
  const worker = components.find((c) => c.name === 'worker' || c.name === 'workers');
  if (!worker)
    return { live: services?.worker ?? 0, down: 0, instances: [], eventsPerSecond: null, status: null };
  const instances = worker.instances ?? [];
  const live = liveOf(instances);
  return {
    live,
    down: instances.length - live,
    instances,
    eventsPerSecond: worker.throughput?.events_per_second ?? null,
    status: worker.status,
  };
}

/** Live workers from either shape of the health report (component list, or the first map of checks). */
export function workerSummary(report: HealthReport): WorkerSummary {
  const { components } = report;
  if (Array.isArray(components)) return fromComponents(components, report.services);
  const w = components.workers;
  const instances = w?.instances ?? [];
  return {
    live: w?.live ?? report.services?.worker ?? liveOf(instances),
    down: 0,
    instances,
    eventsPerSecond: null,
    status: w?.status ?? null,
  };
}

export type ScoreTier = 'up' | 'degraded' | 'down';

/** 90 and above is healthy, 70 and above degraded, below that down (as HealthLabel words it). */
export function scoreTier(value: number): ScoreTier {
  if (value >= 90) return 'up';
  if (value >= 70) return 'degraded';
  return 'down';
}

/** "dead_letters" → "Dead letters". */
export function inputName(name: string): string {
  const t = name.replaceAll('_', ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

export interface QueueSummary {
  name: string;
  waiting: number;
  inFlight: number;
  delayed: number;
  dlqName: string | null;
  dlq: number | null;
  oldestAgeSeconds: number | null;
  dlqOldestAgeSeconds: number | null;
}

export function queueSummaries(stats: QueueStats): QueueSummary[] {
  return stats.queues.map((q) => ({
    name: q.name,
    waiting: q.visible + q.delayed,
    inFlight: q.in_flight,
    delayed: q.delayed,
    dlqName: q.dlq?.name ?? null,
    dlq: q.dlq_depth ?? (q.dlq ? q.dlq.visible + q.dlq.in_flight + q.dlq.delayed : null),
    oldestAgeSeconds: q.oldest_age_seconds,
    dlqOldestAgeSeconds: q.dlq?.oldest_age_seconds ?? null,
  }));
}
