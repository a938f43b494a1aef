// Helpers for the worker's integration tests: private queues per test, payments inserted
// straight into Postgres, events, a worker child process, and the invariants to check.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import pg from 'pg';
import { newId, idTimestamp } from '@payflow/api/domain';
import { createSqsClient } from '../../worker/src/sqs.ts';

export interface TestQueues {
  readonly events: string;
  readonly dlq: string;
  readonly updates: string;
}

export function sqs(endpoint: string, region: string): SQSClient {
  return createSqsClient({ region, endpoint });
}

/** A private events queue (with its DLQ and redrive policy) and updates queue. */
export async function createTestQueues(client: SQSClient, maxReceiveCount = 5): Promise<TestQueues> {
  const tag = randomBytes(4).toString('hex');
  const dlq = (await client.send(new CreateQueueCommand({ QueueName: `w-${tag}-dlq` }))).QueueUrl ?? '';
  const arn = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
  );
  const events =
    (
      await client.send(
        new CreateQueueCommand({
          QueueName: `w-${tag}-events`,
          Attributes: {
            VisibilityTimeout: '30',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn.Attributes?.QueueArn, maxReceiveCount }),
          },
        }),
      )
    ).QueueUrl ?? '';
  const updates =
    (await client.send(new CreateQueueCommand({ QueueName: `w-${tag}-updates` }))).QueueUrl ?? '';
  return { events, dlq, updates };
}

export async function sendAll(client: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  const parts: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) parts.push(bodies.slice(i, i + 10));
  const lanes = 8;
  for (let i = 0; i < parts.length; i += lanes) {
    await Promise.all(
      parts.slice(i, i + lanes).map(async (part) =>
        client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: part.map((b, j) => ({ Id: String(j), MessageBody: b })),
          }),
        ),
      ),
    );
  }
}

/** Receives and deletes everything on a queue (until a receive comes back empty). */
export async function drain(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) return all;
    all.push(...msgs);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

export async function queueCounts(
  client: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Inserts `n` pending payments directly (the API's job; here only the worker is under test). */
export async function insertPayments(
  db: pg.Pool,
  n: number,
  /** `createdAt`: one instant for all of them (else each id's own time, which may differ by a ms). */
  opts: { payer?: (i: number) => string; createdAt?: Date } = {},
): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId('pay'));
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    await db.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state, card_fingerprint)
       select id, created_at, 'mer_1', payer, 1000, 'USD', 'pending', 'card_' || payer
         from unnest($1::text[], $2::timestamptz[], $3::text[]) as t(id, created_at, payer)`,
      [
        part,
        part.map((id) => opts.createdAt ?? new Date(idTimestamp(id))),
        part.map((_, j) => opts.payer?.(i + j) ?? `payer_${String((i + j) % 50)}`),
      ],
    );
  }
  return ids;
}

export interface EventSpec {
  readonly event_id: string;
  readonly type: string;
  readonly payment_id: string;
  readonly occurred_at: string;
  readonly [k: string]: unknown;
}

let clock = Date.now() - 60_000;
export function event(paymentId: string, type: string, extra: Record<string, unknown> = {}): EventSpec {
  clock += 1;
  return {
    event_id: newId('evt'),
    type,
    payment_id: paymentId,
    occurred_at: new Date(clock).toISOString(),
    ...extra,
  };
}

export function shuffle<T>(xs: T[], seed = 42): T[] {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

export interface WorkerEnv {
  readonly databaseUrl: string;
  readonly redisUrl?: string;
  readonly endpoint: string;
  readonly region: string;
  readonly queues: TestQueues;
  readonly extra?: Record<string, string>;
}

export function workerEnvVars(e: WorkerEnv): Record<string, string> {
  return {
    DATABASE_URL: e.databaseUrl,
    ...(e.redisUrl ? { REDIS_URL: e.redisUrl } : {}),
    SQS_ENDPOINT: e.endpoint,
    AWS_REGION: e.region,
    SQS_EVENTS_QUEUE_URL: e.queues.events,
    SQS_EVENTS_DLQ_URL: e.queues.dlq,
    SQS_UPDATES_QUEUE_URL: e.queues.updates,
    WAIT_TIME_SECONDS: '1',
    VISIBILITY_TIMEOUT: '5',
    BACKOFF_BASE_SECONDS: '0.5',
    BACKOFF_CAP_SECONDS: '1',
    PARK_SWEEP_INTERVAL_MS: '200',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    HEARTBEAT_INTERVAL_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    RULES_TTL_MS: '0',
    LOG_LEVEL: 'warn',
    ...e.extra,
  };
}

const ROOT = join(import.meta.dirname, '..', '..');

/** Starts `worker/src/main.ts` as a child process (so that it can be killed with SIGKILL). */
export function spawnWorker(e: WorkerEnv, logFile?: string): ChildProcess {
  const child = spawn(process.execPath, [join(ROOT, 'worker', 'src', 'main.ts')], {
    env: { ...process.env, ...workerEnvVars(e) },
    stdio: ['ignore', logFile ? 'pipe' : 'ignore', 'pipe'],
  });
  child.stderr?.on('data', () => undefined);
  child.stdout?.on('data', () => undefined);
  return child;
}

export async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 90_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Effects per event id and per payment: the invariants of exactly-once. */
export async function effects(db: pg.Pool): Promise<{
  applied: Set<string>;
  rejected: Set<string>;
  duplicatePaymentEvents: number;
  duplicateAudit: number;
  versionMismatch: number;
}> {
  const processed = await db.query<{ event_id: string; outcome: string }>(
    'select event_id, outcome from processed_events',
  );
  const dupPe = await db.query<{ n: string }>(
    'select count(*)::text as n from (select event_id from payment_events group by event_id having count(*) > 1) x',
  );
  const dupAudit = await db.query<{ n: string }>(
    `select count(*)::text as n from (select event_id from audit_log where resource_type = 'payment'
       and action like 'payment.%' and action not in ('payment.event_rejected', 'payment.flagged', 'payment.held')
       group by event_id having count(*) > 1) x`,
  );
  const mismatch = await db.query<{ n: string }>(
    `select count(*)::text as n from payments p
      where p.version - 1 <> (select count(*) from payment_events e where e.payment_id = p.id)`,
  );
  return {
    applied: new Set(processed.rows.filter((r) => r.outcome !== 'rejected').map((r) => r.event_id)),
    rejected: new Set(processed.rows.filter((r) => r.outcome === 'rejected').map((r) => r.event_id)),
    duplicatePaymentEvents: Number(dupPe.rows[0]?.n),
    duplicateAudit: Number(dupAudit.rows[0]?.n),
    versionMismatch: Number(mismatch.rows[0]?.n),
  };
}

export { pg };
