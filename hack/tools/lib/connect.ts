// Connections to the stack's services, each checked at once so that an unreachable service is
// a ServiceUnreachable (exit 3) naming it and its address, not a stack trace minutes later.
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { createSqsClient } from '../../../worker/src/sqs.ts';
import { Failed, NotConfigured, ServiceUnreachable } from './errors.ts';
import { redact, requireDatabase, requireEventsQueue, type Stack } from './stack.ts';

const CONNECT_TIMEOUT_MS = 5000;

// bigint columns (amounts, counts) as bigint: money stays exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));

/** An error's words, also for AggregateError (a refused connection to every address of a host). */
export function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0)
    return [...new Set(err.errors.map((e: unknown) => reasonOf(e)))].join('; ');
  if (err instanceof Error)
    return err.message !== '' ? err.message : ((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

/**
 * A pool on the stack's PostgreSQL, checked with one query; the schema must be PayFlow's.
 * `readOnly`: every transaction of its sessions is read-only (PostgreSQL refuses writes).
 */
export async function openDatabase(
  stack: Stack,
  application: string,
  max = 4,
  o: { readOnly?: boolean } = {},
): Promise<pg.Pool> {
  const url = requireDatabase(stack);
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: application,
    ...(o.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  pool.on('error', () => undefined);
  let schema: string | null | undefined;
  try {
    const { rows } = await pool.query<{ t: string | null }>("select to_regclass('payments')::text as t");
    schema = rows[0]?.t;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new ServiceUnreachable('PostgreSQL', redact(url), new Error(reasonOf(err)));
  }
  if (!schema) {
    await pool.end().catch(() => undefined);
    throw new Failed(
      `PostgreSQL at ${redact(url)} has no PayFlow schema (no payments table): npm run migrate`,
    );
  }
  return pool;
}

export interface Queue {
  readonly client: SQSClient;
  readonly url: string;
  /** Where it is, for messages: the endpoint or "AWS SQS (region)". */
  readonly address: string;
}

function sqsAddress(stack: Stack): string {
  return stack.sqsEndpoint ?? `AWS SQS (${stack.region})`;
}

/** An SQS client and a queue (the events queue unless `queueUrl`), checked with GetQueueAttributes. */
export async function openQueue(stack: Stack, queueUrl?: string): Promise<Queue> {
  const url = queueUrl ?? requireEventsQueue(stack);
  const client = createSqsClient({ region: stack.region, endpoint: stack.sqsEndpoint });
  try {
    await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }), {
      abortSignal: AbortSignal.timeout(CONNECT_TIMEOUT_MS),
    });
  } catch (err) {
    client.destroy();
    const name = (err as { name?: string }).name ?? '';
    if (/NonExistentQueue|QueueDoesNotExist/.test(name))
      throw new NotConfigured(`the queue ${url} does not exist at ${sqsAddress(stack)}`);
    throw new ServiceUnreachable('SQS', sqsAddress(stack), new Error(reasonOf(err)));
  }
  return { client, url, address: sqsAddress(stack) };
}

/** Messages on a queue: visible, in flight and delayed (SQS's approximate counts). */
export async function queueDepth(q: Queue): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const out = await q.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: q.url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return {
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** The API's /livez answers; else ServiceUnreachable('API', url). */
export async function checkApi(apiUrl: string): Promise<void> {
  try {
    const res = await fetch(new URL('/livez', apiUrl), { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`/livez answered ${String(res.status)}`);
  } catch (err) {
    throw new ServiceUnreachable('API', apiUrl, new Error(reasonOf(err)));
  }
}
