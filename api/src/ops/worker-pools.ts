// Worker pools as the console shows them. The API has no cluster credentials: the controller
// mirrors each WorkerPool's spec and status into Postgres (worker_pools) with a sample of backlog
// against replicas at every poll (worker_pool_samples); the workers themselves are known from
// their heartbeats (a pool's pods are named after its Deployment). The dead-letter queue the API
// is configured with (SQS_EVENTS_DLQ_URL) can be listed and redriven; redrives are audited.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import { NotFound, ServiceUnavailable } from '../domain/errors.ts';
import { appendAudit } from '../store/tx.ts';
import { auditBy, type Actor } from './common.ts';
import { listDeadLetters, redriveDeadLetters, type DeadLetter, type RedriveResult } from './dlq.ts';
import { queueName } from './health-queues.ts';
import { readHeartbeats, workerThroughput, type HeartbeatRow } from './health-services.ts';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A mirrored status older than this is flagged stale (the controller stopped polling it). */
const STALE_SECONDS = 120;

export interface QueueUrlsConfig {
  readonly events: string | undefined;
  readonly eventsDlq: string | undefined;
}

interface PoolRow {
  namespace: string;
  name: string;
  uid: string;
  generation: bigint | null;
  spec: Json;
  status: Json;
  queue_url: string | null;
  dlq_url: string | null;
  observed_at: Date;
  age_seconds: number;
}

export interface PoolSample {
  at: string;
  backlog: number | null;
  dead_letter: number | null;
  desired: number;
  ready: number;
}

function queueRef(ref: unknown, url: string | null): { name: string | null; url: string | null } {
  const r = obj(ref);
  const u = str(r.url) ?? url;
  return { name: str(r.name) ?? (u ? queueName(u) : null), url: u };
}

function workersOf(name: string, beats: readonly HeartbeatRow[]): HeartbeatRow[] {
  return beats.filter((b) => b.component === 'worker' && b.live && b.hostname.startsWith(`${name}-`));
}

const perSecond = (milli: unknown): number | null => {
  const n = num(milli);
  return n === null ? null : n / 1000;
};

function backlogJson(backlog: Json): Json | null {
  if (Object.keys(backlog).length === 0) return null;
  return {
    visible: num(backlog.visible) ?? 0,
    in_flight: num(backlog.inFlight) ?? 0,
    delayed: num(backlog.delayed) ?? 0,
  };
}

function specJson(spec: Json): Json {
  return {
    min_replicas: num(spec.minReplicas),
    max_replicas: num(spec.maxReplicas),
    target_backlog_per_replica: num(spec.targetBacklogPerReplica),
    polling_interval_seconds: num(spec.pollingIntervalSeconds),
  };
}

function statusJson(st: Json): Json {
  const backlog = obj(st.backlog);
  return {
    desired_replicas: num(st.desiredReplicas),
    ready_replicas: num(st.readyReplicas),
    replicas: num(st.replicas),
    backlog: backlogJson(backlog),
    dead_letter_depth: num(backlog.deadLetter),
    arrival_rate: perSecond(st.arrivalRateMilli),
    drain_rate: perSecond(st.drainRateMilli),
    last_scale_time: str(st.lastScaleTime),
    last_scale_reason: str(st.lastScaleReason),
    conditions: Array.isArray(st.conditions) ? st.conditions : [],
    observed_generation: num(st.observedGeneration),
  };
}

function poolJson(r: PoolRow, beats: readonly HeartbeatRow[], dlq: string | undefined): Json {
  const queue = obj(r.spec.queue);
  const dead = queueRef(queue.deadLetterQueue, r.dlq_url);
  const workers = workersOf(r.name, beats);
  return {
    namespace: r.namespace,
    name: r.name,
    uid: r.uid,
    queue: queueRef(queue, r.queue_url),
    dead_letter_queue: dead.name === null ? null : dead,
    ...specJson(r.spec),
    ...statusJson(r.status),
    oldest_message_age_seconds:
      workers.length > 0 ? workerThroughput(workers).oldest_message_age_seconds : null,
    workers_reporting: workers.length,
    generation: r.generation === null ? null : Number(r.generation),
    observed_at: r.observed_at.toISOString(),
    stale: r.age_seconds > STALE_SECONDS,
    dlq_browsable: dlq !== undefined && dead.name !== null && dead.name === queueName(dlq),
  };
}

const POOL_COLUMNS = `namespace, name, uid, generation, spec, status, queue_url, dlq_url, observed_at,
  extract(epoch from now() - observed_at)::float8 as age_seconds`;

async function beatsOrNone(pool: pg.Pool): Promise<HeartbeatRow[]> {
  return readHeartbeats(pool).catch(() => []);
}

export async function listWorkerPools(pool: pg.Pool, queues: QueueUrlsConfig): Promise<{ data: Json[] }> {
  const [{ rows }, beats] = await Promise.all([
    pool.query<PoolRow>(`select ${POOL_COLUMNS} from worker_pools order by namespace, name`),
    beatsOrNone(pool),
  ]);
  return { data: rows.map((r) => poolJson(r, beats, queues.eventsDlq)) };
}

/** One pool with its samples over the last `minutes`. */
export async function getWorkerPool(
  pool: pg.Pool,
  queues: QueueUrlsConfig,
  key: { namespace: string; name: string; minutes: number },
): Promise<Json> {
  const [{ rows }, samples, beats] = await Promise.all([
    pool.query<PoolRow>(`select ${POOL_COLUMNS} from worker_pools where namespace = $1 and name = $2`, [
      key.namespace,
      key.name,
    ]),
    pool.query<{
      at: Date;
      backlog: number | null;
      dead_letter: number | null;
      desired: number;
      ready: number;
    }>(
      `select at, backlog, dead_letter, desired, ready from worker_pool_samples
        where namespace = $1 and name = $2 and at > now() - make_interval(mins => $3) order by at`,
      [key.namespace, key.name, key.minutes],
    ),
    beatsOrNone(pool),
  ]);
  const row = rows[0];
  if (!row) throw new NotFound('Worker pool', `${key.namespace}/${key.name}`);
  return {
    ...poolJson(row, beats, queues.eventsDlq),
    samples: samples.rows.map((s) => ({ ...s, at: s.at.toISOString() })),
  };
}

// ---------------------------------------------------------------------------------------------
// The dead-letter queue

interface DlqTarget {
  sqs: SQSClient;
  dlqUrl: string;
  queueUrl: string;
}

function target(sqs: SQSClient | undefined, queues: QueueUrlsConfig): DlqTarget {
  if (!sqs || !queues.eventsDlq || !queues.events)
    throw new ServiceUnavailable(
      'No events queue and dead-letter queue are configured (SQS_EVENTS_QUEUE_URL, SQS_EVENTS_DLQ_URL).',
    );
  return { sqs, dlqUrl: queues.eventsDlq, queueUrl: queues.events };
}

export async function deadLetters(
  sqs: SQSClient | undefined,
  queues: QueueUrlsConfig,
  limit: number,
): Promise<{ queue: string; source_queue: string; messages: DeadLetter[] }> {
  const t = target(sqs, queues);
  return {
    queue: queueName(t.dlqUrl),
    source_queue: queueName(t.queueUrl),
    messages: await listDeadLetters(t.sqs, t.dlqUrl, limit),
  };
}

export async function redriveMessages(
  deps: { tx: pg.ClientBase; sqs: SQSClient | undefined; queues: QueueUrlsConfig },
  input: { messageIds?: string[] | undefined },
  actor: Actor,
): Promise<RedriveResult & { queue: string }> {
  const t = target(deps.sqs, deps.queues);
  const result = await redriveDeadLetters({ ...t, messageIds: input.messageIds });
  const queue = queueName(t.dlqUrl);
  await appendAudit(deps.tx, {
    ...auditBy(actor),
    action: 'dead_letters.redriven',
    resourceType: 'queue',
    resourceId: queue,
    after: {
      ...result,
      to: queueName(t.queueUrl),
      selected: input.messageIds === undefined ? 'all' : 'some',
    },
  });
  return { ...result, queue };
}

export type { Json as WorkerPoolJson };
