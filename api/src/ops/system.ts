// System health as operators see it: every component of the product, each up / degraded / down /
// not configured with what was measured (latencies, versions, instances from their heartbeats,
// queue depths and ages), a 0–100 score with the inputs it was computed from, and the older
// summary fields (status, checks, services). Also the depth of the events queue and its DLQ.
// /livez and /readyz stay the probes.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KeyValueStore } from '../kv/index.ts';
import type pg from 'pg';
import { ServiceUnavailable } from '../domain/errors.ts';
import { parkedSummary, type ParkedSummary } from '../payments/parked.ts';
import {
  controllerComponent,
  kubernetesComponent,
  LIVENESS_MIN_SECONDS,
  readHeartbeats,
  serviceComponent,
  workerComponent,
  workerThroughput,
  type Beats,
  type HealthComponent,
  type HeartbeatRow,
  type QueueReport,
} from './health-services.ts';
import {
  QUEUE_NAMES,
  readDepth,
  readDlq,
  type QueueDepth,
  type QueueProbe,
  type QueueReading,
} from './health-queues.ts';
import { count, healthScore, type HealthScore, type ScoreFacts } from './health-score.ts';

export type { HealthComponent } from './health-services.ts';
export type { QueueDepth } from './health-queues.ts';

const CHECK_TIMEOUT_MS = 2000;
/** A worker whose heartbeat is older than this (or three of its intervals) is not counted as live. */
export const WORKER_LIVENESS_SECONDS = LIVENESS_MIN_SECONDS;
/** A dependency slower than this to answer is degraded. */
export const SLOW_MS = 1000;

export interface CheckResult {
  status: 'up' | 'down' | 'not_configured';
  latency_ms: number;
  error?: string;
}

async function timed<T>(probe: () => Promise<T>): Promise<{ result: CheckResult; value?: T }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(CHECK_TIMEOUT_MS)} ms`));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    const value = await Promise.race([probe(), timeout]);
    return { result: { status: 'up', latency_ms: elapsed(started) }, value };
  } catch (err) {
    return { result: { status: 'down', latency_ms: elapsed(started), error: (err as Error).message } };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

export interface QueueStats extends QueueDepth {
  dlq: (QueueDepth & { oldest_age_seconds: number | null }) | null;
  dlq_depth: number | null;
  /**
   * The age at receive of the oldest message the live workers received in the last minute
   * (SQS reports no message ages through its API); null when no worker reports one.
   */
  oldest_age_seconds: number | null;
  /** Events the workers parked in Postgres (early: waiting for their payment or predecessor); null when unreadable. */
  parked: ParkedSummary | null;
}

export interface QueueSettings {
  readonly sqs: SQSClient | undefined;
  readonly eventsUrl: string | undefined;
  readonly dlqUrl: string | undefined;
}

const total = (d: QueueDepth): number => d.visible + d.in_flight + d.delayed;

/** The parked events' figures for /queue/stats; null when they cannot be read. */
export async function readParked(pool: pg.Pool): Promise<ParkedSummary | null> {
  return parkedSummary(pool).catch(() => null);
}

/** The live workers' oldest message age at receive, seconds; null when unknown. */
export async function workerOldestAge(pool: pg.Pool): Promise<number | null> {
  const rows = await readHeartbeats(pool).catch(() => [] as HeartbeatRow[]);
  return workerThroughput(rows).oldest_message_age_seconds;
}

/** Depths of the events queue and its DLQ (with its oldest message's age); 503 when no queue is configured. */
export async function queueStats(
  q: QueueSettings,
  oldestAge: () => Promise<number | null> = () => Promise.resolve(null),
  parked: () => Promise<ParkedSummary | null> = () => Promise.resolve(null),
): Promise<{ sampled_at: string; queues: QueueStats[] }> {
  const { sqs, eventsUrl } = q;
  if (!sqs || !eventsUrl) throw new ServiceUnavailable('No SQS queue is configured (SQS_EVENTS_QUEUE_URL).');
  const [main, dlq, age, waiting] = await Promise.all([
    readDepth(sqs, eventsUrl),
    q.dlqUrl ? readDlq(sqs, q.dlqUrl) : Promise.resolve(null),
    oldestAge(),
    parked().catch(() => null),
  ]).catch((err: unknown) => {
    throw new ServiceUnavailable(`SQS did not answer: ${(err as Error).message}`);
  });
  return {
    sampled_at: new Date().toISOString(),
    queues: [
      {
        ...main,
        dlq: dlq ? { ...dlq.depth, oldest_age_seconds: dlq.oldest } : null,
        dlq_depth: dlq ? total(dlq.depth) : null,
        oldest_age_seconds: age,
        parked: waiting,
      },
    ],
  };
}

export interface HealthDeps {
  readonly pool: pg.Pool;
  readonly kv: KeyValueStore;
  readonly queues: QueueProbe;
}

const COMPONENTS = ['api', 'worker', 'controller', 'relay'] as const;

function liveCounts(rows: readonly HeartbeatRow[]): Record<string, number> {
  return Object.fromEntries(
    COMPONENTS.map((c) => [c, rows.filter((i) => i.component === c && i.live).length]),
  );
}

// ——— dependencies ———

async function postgresVersion(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ v: string }>("select current_setting('server_version') as v");
  return rows[0]?.v ?? 'unknown';
}

async function redisVersion(kv: KeyValueStore): Promise<string> {
  return kv.version();
}

function dependencyComponent(
  name: string,
  probe: { result: CheckResult; value?: string | undefined },
): HealthComponent {
  const { result, value } = probe;
  const c: HealthComponent = {
    name,
    kind: 'dependency',
    status: result.status,
    latency_ms: result.latency_ms,
  };
  if (value !== undefined) c.version = value;
  if (result.error) c.message = result.error;
  else if (result.latency_ms > SLOW_MS) {
    c.status = 'degraded';
    c.message = `slow: ${String(result.latency_ms)} ms (over ${String(SLOW_MS)} ms)`;
  }
  return c;
}

// ——— queues ———

const DLQ_OF: Partial<Record<string, string>> = {
  'events-dlq': 'events-queue',
  'updates-dlq': 'updates-queue',
};

function queueReport(r: QueueReading, depth: QueueDepth, workerAge: number | null): QueueReport {
  const dlqOf = DLQ_OF[r.component];
  const report: QueueReport = { ...depth, oldest_age_seconds: null, oldest_age_source: null };
  if (dlqOf) {
    report.dead_letter_queue_of = dlqOf;
    report.oldest_age_seconds = r.oldestAgeSeconds ?? null;
    if (report.oldest_age_seconds !== null) report.oldest_age_source = 'dlq_peek';
    if (r.discovered) report.discovered = true;
  } else if (r.component === 'events-queue' && workerAge !== null) {
    report.oldest_age_seconds = workerAge;
    report.oldest_age_source = 'worker_receive';
  }
  return report;
}

function ageText(q: QueueReport): string {
  if (q.oldest_age_seconds === null) return '';
  const s = String(q.oldest_age_seconds);
  return q.oldest_age_source === 'worker_receive'
    ? `; the oldest message received in the last minute had waited ${s} s`
    : `; the oldest is ${s} s old`;
}

interface QueueJudgement {
  status: HealthComponent['status'];
  message: string;
}

function judgeQueue(name: string, q: QueueReport, liveWorkers: number): QueueJudgement {
  const counts = `${String(q.visible)} visible, ${String(q.in_flight)} in flight, ${String(q.delayed)} delayed`;
  const age = ageText(q);
  if (q.dead_letter_queue_of) {
    const n = total(q);
    return n === 0
      ? { status: 'up', message: 'empty' }
      : {
          status: 'degraded',
          message: `${count(n, 'message')} dead-lettered (${counts})${age}`,
        };
  }
  if (name === 'events-queue' && q.visible > 0 && liveWorkers === 0)
    return { status: 'degraded', message: `${counts}${age}; no live worker drains it` };
  return { status: 'up', message: `${counts}${age}` };
}

function queueComponent(r: QueueReading, workerAge: number | null, liveWorkers: number): HealthComponent {
  const base = { name: r.component, kind: 'dependency' as const };
  if (!r.url) return { ...base, status: 'not_configured', message: 'no queue URL is configured' };
  if (!r.depth)
    return {
      ...base,
      status: 'down',
      latency_ms: r.latencyMs,
      message: `SQS did not answer: ${r.error ?? 'no answer'}`,
    };
  const queue = queueReport(r, r.depth, workerAge);
  const { status, message } = judgeQueue(r.component, queue, liveWorkers);
  return { ...base, status, latency_ms: r.latencyMs, message, queue };
}

// ——— the report ———

async function openAlerts(pool: pg.Pool): Promise<{ critical: number; high: number }> {
  const { rows } = await pool.query<{ critical: number; high: number }>(
    `select count(*) filter (where severity = 'critical')::int as critical,
            count(*) filter (where severity = 'high')::int as high
       from (select severity from alerts
              where status = 'open' and severity in ('critical', 'high') limit 10000) a`,
  );
  return rows[0] ?? { critical: 0, high: 0 };
}

interface Gathered {
  database: { result: CheckResult; value?: string };
  redis: { result: CheckResult; value?: string };
  /** Where the API keeps counters and caches. */
  kv: KeyValueStore['mode'];
  queues: QueueReading[];
  beats: { result: CheckResult; value?: HeartbeatRow[] };
  alerts: { result: CheckResult; value?: { critical: number; high: number } };
  parked: { result: CheckResult; value?: ParkedSummary };
}

async function gather(deps: HealthDeps): Promise<Gathered> {
  const [database, redis, queues, beats, alerts, parked] = await Promise.all([
    timed(() => postgresVersion(deps.pool)),
    timed(() => redisVersion(deps.kv)),
    deps.queues.read(),
    timed(() => readHeartbeats(deps.pool)),
    timed(() => openAlerts(deps.pool)),
    timed(() => parkedSummary(deps.pool)),
  ]);
  return { database, redis, kv: deps.kv.mode, queues, beats, alerts, parked };
}

function components(g: Gathered): HealthComponent[] {
  const beats: Beats = g.beats.value
    ? { rows: g.beats.value }
    : { error: g.beats.result.error ?? 'no answer' };
  const worker = workerComponent(beats);
  if (g.parked.value) withParked(worker, g.parked.value);
  const liveWorkers = worker.instances?.filter((i) => i.status === 'up').length ?? 0;
  const age = worker.throughput?.oldest_message_age_seconds ?? null;
  return [
    serviceComponent('api', beats, true),
    worker,
    controllerComponent(beats),
    dependencyComponent('postgres', g.database),
    g.kv === 'redis' ? dependencyComponent('redis', g.redis) : inProcessStore(),
    ...g.queues.map((r) => queueComponent(r, age, liveWorkers)),
    kubernetesComponent(beats),
  ];
}

/** Without REDIS_URL: the API's counters and caches are kept in the process, which is no failure. */
function inProcessStore(): HealthComponent {
  return {
    name: 'redis',
    kind: 'dependency',
    status: 'up',
    latency_ms: 0,
    version: 'in-process',
    message:
      'not configured (no REDIS_URL): rate limits, login counters and caches are kept in the API process, correct for one API instance',
  };
}

/** The worker component with the parked events: counted, and said in its message when there are any. */
function withParked(worker: HealthComponent, parked: ParkedSummary): void {
  worker.parked = parked;
  if (parked.count === 0 && parked.dead_letter_pending === 0) return;
  const age =
    parked.oldest_age_seconds === null ? '' : `, the oldest for ${String(parked.oldest_age_seconds)} s`;
  const dead =
    parked.dead_letter_pending > 0
      ? `; ${count(parked.dead_letter_pending, 'parked event')} to dead-letter`
      : '';
  const text = `${count(parked.count, 'event')} parked for ${count(parked.payments, 'payment')}${age}${dead}`;
  worker.message = worker.message ? `${worker.message}; ${text}` : text;
}

const instanceCounts = (c: HealthComponent | undefined): { live: number; stale: number } => ({
  live: c?.instances?.filter((i) => i.status === 'up').length ?? 0,
  stale: c?.instances?.filter((i) => i.status === 'down').length ?? 0,
});

/** The controller's share of the score: undefined when none has reported (or heartbeats are unreadable). */
function controllerFacts(c: HealthComponent | undefined): ScoreFacts['controller'] {
  if (!c || c.status === 'not_configured' || !c.instances) return undefined;
  const leaderId = c.leader?.instance_id;
  const leader = c.instances.some((i) => i.status === 'up' && i.instance_id === leaderId);
  return { live: instanceCounts(c).live, leader };
}

function scoreOf(list: readonly HealthComponent[], g: Gathered): HealthScore {
  const byName = new Map(list.map((c) => [c.name, c]));
  const configured = list.filter((c) => c.kind === 'dependency' && c.status !== 'not_configured');
  const worker = byName.get('worker');
  const dlqs = QUEUE_NAMES.flatMap((n) => {
    const q = byName.get(n)?.queue;
    return q?.dead_letter_queue_of === undefined ? [] : [q];
  });
  const events = byName.get('events-queue')?.queue;
  return healthScore({
    dependencies: configured.map((c) => ({ name: c.name, reachable: c.status !== 'down' })),
    workers: g.beats.value ? instanceCounts(worker) : undefined,
    deadLetters: dlqs.length === 0 ? undefined : dlqs.reduce((s, q) => s + total(q), 0),
    backlog: events
      ? { visible: events.visible, drainPerSecond: worker?.throughput?.events_per_second ?? 0 }
      : undefined,
    alerts: g.alerts.value,
    controller: controllerFacts(byName.get('controller')),
  });
}

// ——— the older summary fields ———

function queueCheck(
  queues: readonly QueueReading[],
): CheckResult & { depth?: number; dlq_depth?: number | null } {
  const main = queues.find((q) => q.component === 'events-queue');
  const dlq = queues.find((q) => q.component === 'events-dlq');
  if (!main?.url) return { status: 'not_configured', latency_ms: 0 };
  if (!main.depth) return { status: 'down', latency_ms: main.latencyMs, error: main.error ?? 'no answer' };
  return {
    status: 'up',
    latency_ms: main.latencyMs,
    depth: main.depth.visible + main.depth.delayed,
    dlq_depth: dlq?.depth ? total(dlq.depth) : null,
  };
}

function workersCheck(g: Gathered) {
  const rows = g.beats.value ?? [];
  const instances = rows
    .filter((i) => i.component === 'worker' && i.live)
    .map(({ instance_id, version, last_seen_at }) => ({ instance_id, version, last_seen_at }));
  const none = g.beats.result.status === 'up' && instances.length === 0;
  const check: CheckResult & { live: number; instances: typeof instances } = {
    ...g.beats.result,
    status: none ? 'down' : g.beats.result.status,
    live: instances.length,
    instances,
  };
  if (none) check.error = `no worker heartbeat in the last ${String(WORKER_LIVENESS_SECONDS)} s`;
  return check;
}

function overall(db: CheckResult, others: readonly CheckResult[]): 'healthy' | 'degraded' | 'unhealthy' {
  if (db.status === 'down') return 'unhealthy';
  return others.some((c) => c.status === 'down') ? 'degraded' : 'healthy';
}

export async function systemHealth(deps: HealthDeps) {
  const g = await gather(deps);
  const list = components(g);
  const queue = queueCheck(g.queues);
  const workers = workersCheck(g);
  return {
    status: overall(g.database.result, [g.redis.result, queue, workers]),
    checked_at: new Date().toISOString(),
    /** Every component, service or dependency, with what was measured. */
    components: list,
    score: scoreOf(list, g),
    /** The summary checks of the first health report (database, Redis, events queue, workers). */
    checks: { database: g.database.result, redis: g.redis.result, queue, workers },
    /** Live instances per process kind, from their heartbeats. */
    services: liveCounts(g.beats.value ?? []),
  };
}
