// System health as operators see it (database, Redis, the events queue, live workers) and the
// depth of the events queue and its dead-letter queue. /livez and /readyz stay the probes.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { ServiceUnavailable } from '../domain/errors.ts';

const CHECK_TIMEOUT_MS = 2000;
/** A worker whose heartbeat is older than this is not counted as live. */
export const WORKER_LIVENESS_SECONDS = 30;

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

export interface QueueDepth {
  name: string;
  url: string;
  visible: number;
  in_flight: number;
  delayed: number;
}

export interface QueueStats extends QueueDepth {
  dlq: QueueDepth | null;
  dlq_depth: number | null;
  /** SQS reports no message ages through GetQueueAttributes (only CloudWatch does). */
  oldest_age_seconds: number | null;
}

export interface QueueSettings {
  readonly sqs: SQSClient | undefined;
  readonly eventsUrl: string | undefined;
  readonly dlqUrl: string | undefined;
}

function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

async function depth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    name: queueName(url),
    url,
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    in_flight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** Depths of the events queue and its DLQ; 503 when no queue is configured. */
export async function queueStats(q: QueueSettings): Promise<{ sampled_at: string; queues: QueueStats[] }> {
  const { sqs, eventsUrl } = q;
  if (!sqs || !eventsUrl) throw new ServiceUnavailable('No SQS queue is configured (SQS_EVENTS_QUEUE_URL).');
  const [main, dlq] = await Promise.all([
    depth(sqs, eventsUrl),
    q.dlqUrl ? depth(sqs, q.dlqUrl) : Promise.resolve(null),
  ]).catch((err: unknown) => {
    throw new ServiceUnavailable(`SQS did not answer: ${(err as Error).message}`);
  });
  return {
    sampled_at: new Date().toISOString(),
    queues: [
      {
        ...main,
        dlq,
        dlq_depth: dlq ? dlq.visible + dlq.in_flight + dlq.delayed : null,
        oldest_age_seconds: null,
      },
    ],
  };
}

export interface HealthDeps {
  readonly pool: pg.Pool;
  readonly redis: Redis;
  readonly queue: QueueSettings;
}

interface WorkerInstance {
  instance_id: string;
  version: string;
  last_seen_at: Date;
}

interface LiveInstance extends WorkerInstance {
  component: string;
}

const COMPONENTS = ['api', 'worker', 'controller', 'relay'] as const;

/** Every process with a heartbeat in the last 30 s (the table holds one row per instance). */
async function liveInstances(pool: pg.Pool): Promise<LiveInstance[]> {
  const { rows } = await pool.query<LiveInstance>(
    `select component, instance_id, version, last_seen_at from service_heartbeats
      where last_seen_at > now() - make_interval(secs => $1)
      order by component, instance_id`,
    [WORKER_LIVENESS_SECONDS],
  );
  return rows;
}

function liveCounts(instances: readonly LiveInstance[]): Record<string, number> {
  return Object.fromEntries(COMPONENTS.map((c) => [c, instances.filter((i) => i.component === c).length]));
}

async function queueCheck(
  q: QueueSettings,
): Promise<CheckResult & { depth?: number; dlq_depth?: number | null }> {
  if (!q.sqs || !q.eventsUrl) return { status: 'not_configured', latency_ms: 0 };
  const { result, value } = await timed(() => queueStats(q));
  const main = value?.queues[0];
  return main ? { ...result, depth: main.visible + main.delayed, dlq_depth: main.dlq_depth } : result;
}

function overall(db: CheckResult, others: readonly CheckResult[]): 'healthy' | 'degraded' | 'unhealthy' {
  if (db.status === 'down') return 'unhealthy';
  return others.some((c) => c.status === 'down') ? 'degraded' : 'healthy';
}

export async function systemHealth(deps: HealthDeps) {
  const [database, redis, queue, workers] = await Promise.all([
    timed(() => deps.pool.query('select 1')),
    timed(() => deps.redis.ping()),
    queueCheck(deps.queue),
    timed(() => liveInstances(deps.pool)),
  ]);
  const live = workers.value ?? [];
  const instances: WorkerInstance[] = live
    .filter((i) => i.component === 'worker')
    .map(({ instance_id, version, last_seen_at }) => ({ instance_id, version, last_seen_at }));
  const workerCheck: CheckResult & { live: number; instances: WorkerInstance[] } = {
    ...workers.result,
    status: workers.result.status === 'up' && instances.length === 0 ? 'down' : workers.result.status,
    live: instances.length,
    instances,
  };
  if (workers.result.status === 'up' && instances.length === 0) {
    workerCheck.error = `no worker heartbeat in the last ${String(WORKER_LIVENESS_SECONDS)} s`;
  }
  return {
    status: overall(database.result, [redis.result, queue, workerCheck]),
    checked_at: new Date().toISOString(),
    components: { database: database.result, redis: redis.result, queue, workers: workerCheck },
    /** Live instances per process kind, from their heartbeats. */
    services: liveCounts(live),
  };
}
