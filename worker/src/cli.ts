#!/usr/bin/env node
// payflow-worker run | relay | batch run <jobId> | redrive [--max N]
//   run        the event consumer (and the outbox relay unless RELAY_ENABLED=false)
//   relay      the outbox relay alone
//   batch run  one batch job from batch_jobs, resumable (exit 3 when another runner holds it)
//   redrive    move dead-lettered events back to the events queue
import { hostname } from 'node:os';
import { createLogger } from '@payflow/api/observability';
import { createPool } from '@payflow/api/store';
import { loadWorkerConfig, type WorkerConfig } from './config.ts';
import { startWorker } from './app.ts';
import { LeaseHeld, runBatchJob } from './batch.ts';
import { redrive } from './redrive.ts';
import { runRelay } from './relay.ts';
import { createSqsClient } from './sqs.ts';

const USAGE = 'usage: payflow-worker run | relay | batch run <jobId> | redrive [--max N]';

function onSignals(stop: () => void): void {
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function run(config: WorkerConfig): Promise<number> {
  const w = await startWorker(config);
  await new Promise<void>((resolve) => {
    onSignals(resolve);
  });
  await w.stop();
  return 0;
}

async function relay(config: WorkerConfig): Promise<number> {
  if (!config.SQS_UPDATES_QUEUE_URL) throw new Error('SQS_UPDATES_QUEUE_URL is required for relay');
  const logger = createLogger({ name: 'payflow-relay', level: config.LOG_LEVEL });
  const pool = createPool({ url: config.DATABASE_URL, max: 2, applicationName: 'payflow-relay' });
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const abort = new AbortController();
  onSignals(() => {
    abort.abort();
  });
  await runRelay({
    pool,
    sqs,
    queueUrl: config.SQS_UPDATES_QUEUE_URL,
    batchSize: config.RELAY_BATCH_SIZE,
    intervalMs: config.RELAY_INTERVAL_MS,
    logger,
    signal: abort.signal,
  });
  sqs.destroy();
  await pool.end();
  return 0;
}

async function batch(config: WorkerConfig, jobId: string | undefined): Promise<number> {
  if (!jobId) throw new Error(USAGE);
  const pool = createPool({ url: config.DATABASE_URL, max: 2, applicationName: 'payflow-batch' });
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  try {
    const job = await runBatchJob(
      {
        pool,
        owner: config.INSTANCE_ID ?? `batch-${hostname()}-${String(process.pid)}`,
        sqs,
        eventsQueueUrl: config.SQS_EVENTS_QUEUE_URL,
      },
      jobId,
    );
    process.stderr.write(`${JSON.stringify({ id: job.id, status: job.status, result: job.result })}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return err instanceof LeaseHeld ? 3 : 1;
  } finally {
    sqs.destroy();
    await pool.end();
  }
}

async function redriveCommand(config: WorkerConfig, args: string[]): Promise<number> {
  const i = args.indexOf('--max');
  const max = i >= 0 ? Number(args[i + 1]) : undefined;
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  try {
    const moved = await redrive({
      sqs,
      dlqUrl: config.SQS_EVENTS_DLQ_URL,
      queueUrl: config.SQS_EVENTS_QUEUE_URL,
      max,
    });
    process.stderr.write(`moved ${String(moved)} messages back to the events queue\n`);
    return 0;
  } finally {
    sqs.destroy();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub, arg] = argv;
  const config = loadWorkerConfig();
  if (command === 'run') return run(config);
  if (command === 'relay') return relay(config);
  if (command === 'batch' && sub === 'run') return batch(config, arg);
  if (command === 'redrive') return redriveCommand(config, argv.slice(1));
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
