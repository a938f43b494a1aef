// The product's own processes in the health report, from their heartbeats (service_heartbeats,
// written by ops/heartbeat.ts): API instances, workers with their throughput, the controller
// with its leader, and the Kubernetes API server as the controller last saw it.
import type { ParkedSummary } from '../payments/parked.ts';
import type pg from 'pg';

/** An instance is live while it has beaten within three of its intervals, and at least this long. */
export const LIVENESS_MIN_SECONDS = 30;
/** Instances that stopped beating are listed (as down) for this long, then left out. */
export const LISTED_FOR_SECONDS = 600;

export type ComponentStatus = 'up' | 'degraded' | 'down' | 'not_configured';

export interface InstanceReport {
  instance_id: string;
  hostname: string;
  version: string;
  pid: number | null;
  started_at: Date;
  last_seen_at: Date;
  status: 'up' | 'down';
  details: Record<string, unknown>;
}

export interface QueueReport {
  name: string;
  url: string;
  visible: number;
  in_flight: number;
  delayed: number;
  oldest_age_seconds: number | null;
  oldest_age_source: 'dlq_peek' | 'worker_receive' | null;
  dead_letter_queue_of?: string;
  discovered?: boolean;
}

export interface Throughput {
  events_per_second: number;
  events_last_minute: number;
  applied_last_minute: number;
  batches_last_minute: number;
  oldest_message_age_seconds: number | null;
}

export interface HealthComponent {
  name: string;
  kind: 'service' | 'dependency';
  status: ComponentStatus;
  latency_ms?: number;
  last_seen_at?: Date;
  version?: string;
  instances?: InstanceReport[];
  message?: string;
  queue?: QueueReport;
  throughput?: Throughput;
  leader?: { instance_id: string | null; lease: string | null };
  /** worker only: the events parked in Postgres (all workers share them). */
  parked?: ParkedSummary;
}

export interface HeartbeatRow {
  component: string;
  instance_id: string;
  version: string;
  hostname: string;
  pid: number | null;
  started_at: Date;
  last_seen_at: Date;
  details: Record<string, unknown>;
  live: boolean;
  /** Seconds since the last beat, by the database's clock. */
  age_seconds: number;
}

/** The heartbeats read once per report; `error` when they could not be read. */
export interface Beats {
  rows?: HeartbeatRow[];
  error?: string;
}

/** Every row, with liveness judged by the database's clock (rows older than a day are pruned). */
export async function readHeartbeats(pool: pg.Pool): Promise<HeartbeatRow[]> {
  const { rows } = await pool.query<HeartbeatRow>(
    `select component, instance_id, version, hostname, pid, started_at, last_seen_at, details,
            last_seen_at > now() - make_interval(
              secs => greatest($1::float8, 3 * coalesce(interval_ms, 0) / 1000.0)) as live,
            extract(epoch from now() - last_seen_at)::float8 as age_seconds
       from service_heartbeats
      order by component, instance_id`,
    [LIVENESS_MIN_SECONDS],
  );
  return rows;
}

const num = (d: Record<string, unknown>, key: string): number => {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
};

const round = (x: number): number => Math.round(x * 100) / 100;

function instanceOf(r: HeartbeatRow): InstanceReport {
  return {
    instance_id: r.instance_id,
    hostname: r.hostname,
    version: r.version,
    pid: r.pid,
    started_at: r.started_at,
    last_seen_at: r.last_seen_at,
    status: r.live ? 'up' : 'down',
    details: r.details,
  };
}

const newest = (rows: readonly HeartbeatRow[]): HeartbeatRow | undefined =>
  rows.reduce<HeartbeatRow | undefined>(
    (a, r) => (!a || r.last_seen_at.getTime() > a.last_seen_at.getTime() ? r : a),
    undefined,
  );

function versions(rows: readonly HeartbeatRow[]): string | undefined {
  const vs = [...new Set(rows.map((r) => r.version))].sort();
  return vs.length === 0 ? undefined : vs.join(', ');
}

interface Judged {
  status: ComponentStatus;
  message: string;
}

function judge(name: string, rows: readonly HeartbeatRow[], required: boolean): Judged {
  const live = rows.filter((r) => r.live);
  const stale = rows.filter((r) => !r.live && r.age_seconds <= LISTED_FOR_SECONDS);
  if (rows.length === 0)
    return required
      ? { status: 'down', message: `no ${name} instance has reported` }
      : { status: 'not_configured', message: `no ${name} instance has reported` };
  if (live.length === 0) {
    const last = newest(rows)?.last_seen_at.toISOString() ?? 'never';
    return { status: 'down', message: `no ${name} heartbeat within its liveness window; last seen ${last}` };
  }
  if (stale.length > 0)
    return {
      status: 'degraded',
      message: `${String(live.length)} live, ${String(stale.length)} stopped beating without a clean stop`,
    };
  return { status: 'up', message: `${String(live.length)} live instance${live.length === 1 ? '' : 's'}` };
}

/** api, worker or controller: its instances seen recently, and up / degraded / down. */
export function serviceComponent(name: string, beats: Beats, required: boolean): HealthComponent {
  if (!beats.rows)
    return {
      name,
      kind: 'service',
      status: 'degraded',
      message: `unknown: heartbeats could not be read (${beats.error ?? 'no answer'})`,
      instances: [],
    };
  const rows = beats.rows.filter((r) => r.component === name);
  const listed = rows.filter((r) => r.live || r.age_seconds <= LISTED_FOR_SECONDS);
  const live = rows.filter((r) => r.live);
  const { status, message } = judge(name, rows, required);
  const c: HealthComponent = { name, kind: 'service', status, message, instances: listed.map(instanceOf) };
  const seen = newest(rows)?.last_seen_at;
  if (seen) c.last_seen_at = seen;
  const version = versions(live.length > 0 ? live : listed);
  if (version) c.version = version;
  return c;
}

/** The live workers' details summed (rates) or maximised (the oldest message's age). */
export function workerThroughput(rows: readonly HeartbeatRow[]): Throughput {
  const live = rows.filter((r) => r.component === 'worker' && r.live);
  const sum = (key: string): number => round(live.reduce((s, r) => s + num(r.details, key), 0));
  const ages = live
    .map((r) => r.details.oldest_message_age_seconds)
    .filter((a): a is number => typeof a === 'number');
  return {
    events_per_second: sum('events_per_second'),
    events_last_minute: sum('events_last_minute'),
    applied_last_minute: sum('applied_last_minute'),
    batches_last_minute: sum('batches_last_minute'),
    oldest_message_age_seconds: ages.length === 0 ? null : Math.max(...ages),
  };
}

export function workerComponent(beats: Beats): HealthComponent {
  const c = serviceComponent('worker', beats, true);
  if (beats.rows) c.throughput = workerThroughput(beats.rows);
  return c;
}

/** The live controller that says it leads, else the holder the others saw on the Lease. */
function leaderOf(live: readonly HeartbeatRow[]): { id: string | null; reporting: boolean } {
  const leading = newest(live.filter((r) => r.details.leader === true));
  if (leading) return { id: leading.instance_id, reporting: true };
  const holders = live.map((r) => r.details.lease_holder).filter((h): h is string => typeof h === 'string');
  return { id: holders[0] ?? null, reporting: false };
}

export function controllerComponent(beats: Beats): HealthComponent {
  const c = serviceComponent('controller', beats, false);
  if (!beats.rows || c.status === 'not_configured') return c;
  const live = beats.rows.filter((r) => r.component === 'controller' && r.live);
  const leader = leaderOf(live);
  const lease = live.map((r) => r.details.lease).find((l): l is string => typeof l === 'string') ?? null;
  c.leader = { instance_id: leader.id, lease };
  if (live.length > 0 && !leader.reporting) {
    c.status = 'degraded';
    c.message = leader.id
      ? `${String(live.length)} live, none leads here; the Lease names ${leader.id}, which has no live heartbeat`
      : `${String(live.length)} live, none holds the Lease`;
  } else if (leader.reporting) {
    c.message = `${c.message ?? ''}; ${leader.id ?? ''} leads`;
  }
  return c;
}

interface KubeReport {
  reachable?: unknown;
  latency_ms?: unknown;
  version?: unknown;
  error?: unknown;
}

function fromReport(from: HeartbeatRow, k: KubeReport): HealthComponent {
  const c: HealthComponent = {
    name: 'kubernetes',
    kind: 'dependency',
    status: k.reachable === true ? 'up' : 'down',
    last_seen_at: from.last_seen_at,
  };
  if (typeof k.latency_ms === 'number') c.latency_ms = k.latency_ms;
  if (typeof k.version === 'string') c.version = k.version;
  const error = typeof k.error === 'string' ? k.error : 'no answer';
  c.message =
    k.reachable === true
      ? `reported by controller ${from.instance_id}`
      : `controller ${from.instance_id} cannot reach the API server: ${error}`;
  return c;
}

/** The Kubernetes API server as the leading (else the freshest live) controller last probed it. */
export function kubernetesComponent(beats: Beats): HealthComponent {
  const base = { name: 'kubernetes', kind: 'dependency' as const };
  if (!beats.rows) return { ...base, status: 'degraded', message: 'unknown: heartbeats could not be read' };
  const rows = beats.rows.filter((r) => r.component === 'controller');
  if (rows.length === 0)
    return {
      ...base,
      status: 'not_configured',
      message: 'no controller has reported: not running on Kubernetes',
    };
  const live = rows.filter((r) => r.live);
  const from = newest(live.filter((r) => r.details.leader === true)) ?? newest(live);
  const k = from?.details.kubernetes as KubeReport | undefined;
  if (!from || !k)
    return {
      ...base,
      status: 'degraded',
      message: 'unknown: no live controller has reported on the API server',
    };
  return fromReport(from, k);
}
