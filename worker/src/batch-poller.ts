// Runs batch jobs requested through the API (source 'api') inside `payflow-worker run`: every
// BATCH_POLL_MS it takes the oldest pending job of the types it serves and runs it to the end
// with the resumable runner (batch.ts), one job at a time per process. Jobs owned by a Kubernetes
// BatchJob resource are left to the Job the controller creates. Two workers may see the same
// pending row; the runner's lease lets one of them have it (the other gets LeaseHeld and moves on).
// A job whose runner stopped (SIGTERM: the lease released after a chunk) or died (the lease
// expired) while running is resumed from its checkpoint.
import type { SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import type { Logger } from '@payflow/api/observability';
import { LeaseHeld, runBatchJob } from './batch.ts';

export interface BatchPollerOptions {
  readonly pool: pg.Pool;
  readonly owner: string;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Job types this process runs. */
  readonly types: readonly string[];
  readonly signal: AbortSignal;
  /** For replays: where the events go. */
  readonly sqs?: SQSClient | undefined;
  readonly eventsQueueUrl?: string | undefined;
}

async function nextPending(o: BatchPollerOptions): Promise<string | undefined> {
  const { rows } = await o.pool.query<{ id: string }>(
    `select id from batch_jobs
      where status in ('pending', 'running') and source = 'api' and type = any($1::text[])
        and (lease_expires_at is null or lease_expires_at < now())
      order by created_at, id limit 1`,
    [o.types],
  );
  return rows[0]?.id;
}

const sleep = async (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Resolves when `signal` aborts (after the job in hand, if any, reaches a checkpoint or ends). */
export async function runBatchPoller(o: BatchPollerOptions): Promise<void> {
  while (!o.signal.aborted) {
    let id: string | undefined;
    try {
      id = await nextPending(o);
      if (id !== undefined) {
        const { pool, owner, sqs, eventsQueueUrl, signal } = o;
        const job = await runBatchJob({ pool, owner, sqs, eventsQueueUrl, signal }, id);
        o.logger.info({ jobId: id, status: job.status }, 'batch job finished');
        continue;
      }
    } catch (err) {
      if (!(err instanceof LeaseHeld))
        o.logger.warn({ jobId: id, err: (err as Error).message }, 'batch job failed');
    }
    await sleep(o.intervalMs, o.signal);
  }
}
