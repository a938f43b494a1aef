// Composition of the worker process: pools and clients from the config, the event consumer,
// the outbox relay, heartbeats and the ops HTTP server; stop() shuts down in order.
import { hostname } from 'node:os';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createPool } from '@payflow/api/store';
import { createLogger, type Logger } from '@payflow/api/observability';
import { newId } from '@payflow/api/domain';
import type { WorkerConfig } from './config.ts';
import { runBatchPoller } from './batch-poller.ts';
import { Dedupe } from './dedupe.ts';
import type { ApplyContext } from './apply.ts';
import { EventWorker } from './event-worker.ts';
import { createWorkerMetrics } from './metrics.ts';
import { ParkingLot } from './parking.ts';
import { startOpsServer, startWorkerHeartbeat, WORKER_VERSION } from './ops.ts';
import { runRelay } from './relay.ts';
import { RuleCache } from './rules.ts';
import { createSqsClient } from './sqs.ts';
import { SqsHotPath } from './sqs-hot-path.ts';

export { WORKER_VERSION };

export interface RunningWorker {
  readonly worker: EventWorker;
  readonly port: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

export function instanceIdOf(config: WorkerConfig): string {
  return config.INSTANCE_ID ?? `worker-${hostname()}-${String(process.pid)}-${newId('req').slice(-6)}`;
}

export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const logger = createLogger({ name: 'payflow-worker', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const instanceId = instanceIdOf(config);
  const pool = createPool({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'payflow-worker',
  });
  const sqs = createSqsClient({ region: config.AWS_REGION, endpoint: config.SQS_ENDPOINT });
  const metrics = createWorkerMetrics();
  const dedupe = new Dedupe({
    url: config.REDIS_URL,
    owner: instanceId,
    claimTtlSeconds: config.VISIBILITY_TIMEOUT,
    doneTtlSeconds: config.DEDUPE_TTL_SECONDS,
  });
  const rules = new RuleCache(config.RULES_TTL_MS, logger);
  const hot = new SqsHotPath(sqs);
  const apply: ApplyContext = {
    pool,
    actor: instanceId,
    rules: async (c) => rules.get(c),
    onParking: (s) => {
      metrics.parkedReleased.inc(s.released);
    },
    // Test-only (config.ts refuses it outside NODE_ENV=test on a loopback database).
    doubleApply: config.PAYFLOW_WORKER_FAULT === 'double-apply',
  };
  if (apply.doubleApply)
    logger.warn('PAYFLOW_WORKER_FAULT=double-apply: every applied event takes effect twice');
  const parking = new ParkingLot({
    pool,
    sqs,
    dlqUrl: config.SQS_EVENTS_DLQ_URL,
    apply,
    horizonSeconds: config.PARK_HORIZON_SECONDS,
    intervalMs: config.PARK_SWEEP_INTERVAL_MS,
    metrics,
    logger,
  });
  const worker = new EventWorker({
    sqs,
    hot,
    queueUrl: config.SQS_EVENTS_QUEUE_URL,
    dlqUrl: config.SQS_EVENTS_DLQ_URL,
    apply,
    dedupe,
    metrics,
    logger,
    concurrency: config.CONCURRENCY,
    batchSize: config.BATCH_SIZE,
    writers: config.WRITERS,
    lingerMs: config.BATCH_LINGER_MS,
    waitTimeSeconds: config.WAIT_TIME_SECONDS,
    visibilityTimeout: config.VISIBILITY_TIMEOUT,
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    backoff: { baseSeconds: config.BACKOFF_BASE_SECONDS, capSeconds: config.BACKOFF_CAP_SECONDS },
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    fault: config.PAYFLOW_WORKER_FAULT === 'double-apply' ? undefined : config.PAYFLOW_WORKER_FAULT,
  });
  const server = await startOpsServer({
    host: config.METRICS_HOST,
    port: config.METRICS_PORT,
    registry: metrics.registry,
    checks: {
      postgres: async () => (await pool.query('select 1')).rowCount === 1,
      sqs: () => Promise.resolve(Date.now() - worker.lastPollAt < (config.WAIT_TIME_SECONDS + 30) * 1000),
    },
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  const heartbeat = startWorkerHeartbeat(pool, {
    instanceId,
    intervalMs: config.HEARTBEAT_INTERVAL_MS,
    worker,
    redis: () => dedupe.available,
    logger,
    metrics,
  });
  const backlogTimer = setInterval(() => {
    sqs
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: config.SQS_EVENTS_QUEUE_URL,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      )
      .then((out) => {
        metrics.backlog.set(Number(out.Attributes?.ApproximateNumberOfMessages ?? 0));
      })
      .catch(() => undefined);
  }, 5000);
  const relayAbort = new AbortController();
  const updatesUrl = config.SQS_UPDATES_QUEUE_URL;
  const relay =
    config.RELAY_ENABLED && updatesUrl !== undefined
      ? runRelay({
          pool,
          sqs,
          queueUrl: updatesUrl,
          batchSize: config.RELAY_BATCH_SIZE,
          logger,
          intervalMs: config.RELAY_INTERVAL_MS,
          signal: relayAbort.signal,
          onPublished: (n) => {
            metrics.relayed.inc(n);
          },
        })
      : Promise.resolve();
  const batchAbort = new AbortController();
  const batches =
    config.BATCH_POLL_MS > 0 && config.BATCH_POLL_TYPES.length > 0
      ? runBatchPoller({
          pool,
          owner: instanceId,
          logger,
          sqs,
          eventsQueueUrl: config.SQS_EVENTS_QUEUE_URL,
          intervalMs: config.BATCH_POLL_MS,
          types: config.BATCH_POLL_TYPES,
          signal: batchAbort.signal,
        })
      : Promise.resolve();
  worker.start();
  parking.start();
  logger.info(
    { instanceId, port, concurrency: config.CONCURRENCY, batchSize: config.BATCH_SIZE },
    'worker started',
  );
  return {
    worker,
    port,
    logger,
    async stop() {
      await worker.stop();
      await parking.stop();
      relayAbort.abort();
      batchAbort.abort();
      await relay;
      await batches;
      clearInterval(backlogTimer);
      await heartbeat.stop();
      await new Promise((r) => server.close(r));
      dedupe.close();
      sqs.destroy();
      hot.close();
      await pool.end();
      logger.info('worker stopped');
    },
  };
}
