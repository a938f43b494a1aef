import type { Server } from 'node:http';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { ApiConfig } from './config.ts';
import type { ApiDeps } from './deps.ts';
import { bootstrapFirstAdmin } from './auth/first-admin.ts';
import { authFor, authMiddleware } from './auth/index.ts';
import { createApp } from './http/app.ts';
import { MemoryStore, RedisStore, type KeyValueStore } from './kv/index.ts';
import { consoleDistDir } from './http/console.ts';
import type { Authenticator } from './http/principal.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createRegistry } from './observability/metrics.ts';
import { startApiHeartbeat } from './ops/api-heartbeat.ts';
import { apiRoutes } from './routes/index.ts';
import { createPool } from './store/db.ts';
import { migrate } from './store/migrate.ts';
import { ensurePaymentPartitions, keepPaymentPartitions } from './store/partitions.ts';

export interface RunningApi {
  readonly server: Server;
  readonly url: string;
  readonly logger: Logger;
  readonly deps: ApiDeps;
  /** This instance's id in service_heartbeats. */
  readonly instanceId: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** Resolves callers; default: the auth module's (JWT access tokens and API keys). */
  authenticate?: Authenticator;
}

function createSqs(config: ApiConfig): SQSClient | undefined {
  if (!config.SQS_EVENTS_QUEUE_URL) return undefined;
  if (!config.SQS_ENDPOINT) return new SQSClient({ region: config.AWS_REGION });
  return new SQSClient({
    region: config.AWS_REGION,
    endpoint: config.SQS_ENDPOINT,
    useQueueUrlAsEndpoint: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Redis when REDIS_URL is set; otherwise the process' own store (right for one API instance). */
async function keyValueStore(config: ApiConfig, logger: Logger): Promise<KeyValueStore> {
  if (config.REDIS_URL) return RedisStore.connect(config.REDIS_URL, logger);
  logger.info(
    'no REDIS_URL: rate limits, login counters and caches are kept in this process (correct for one API instance)',
  );
  return new MemoryStore();
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
}

/** Starts the API: pool, key-value store, migrations, HTTP server. Used by main.ts and by tests. */
export async function startApi(config: ApiConfig, opts: StartOptions = {}): Promise<RunningApi> {
  const logger = createLogger({ name: 'payflow-api', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const pool = createPool({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'payflow-api',
    genericPlans: true,
  });
  const kv = await keyValueStore(config, logger);
  if (opts.migrate ?? true) {
    const result = await migrate(pool);
    logger.info({ applied: result.applied, schema: result.current }, 'migrations');
    const made = await ensurePaymentPartitions(pool);
    if (made > 0) logger.info({ made }, 'payment partitions created');
  }
  const registry = createRegistry('api');
  const closers: (() => Promise<void>)[] = [];
  const stopPartitions = keepPaymentPartitions(pool, (err) => {
    logger.warn({ err }, 'could not create the next payment partitions');
  });
  closers.push(async () => {
    stopPartitions();
    return Promise.resolve();
  });
  const deps: ApiDeps = {
    config,
    pool,
    kv,
    logger,
    registry,
    sqs: createSqs(config),
    onClose: (fn) => closers.push(fn),
  };
  const auth = authFor(deps);
  await bootstrapFirstAdmin(auth.core);
  const app = createApp({
    pool,
    kv,
    logger,
    registry,
    readyTimeoutMs: config.READY_TIMEOUT_MS,
    routes: apiRoutes(deps),
    authenticate: opts.authenticate ?? auth.authenticate,
    middleware: authMiddleware(config.CONSOLE_ORIGIN),
    rateLimit: { limit: config.RATE_LIMIT_PER_MINUTE, windowSeconds: 60 },
    consoleDir: consoleDistDir(config.CONSOLE_DIST_DIR, logger),
  });
  const server = app.listen(config.PORT, config.HOST);
  await listen(server);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const url = `http://127.0.0.1:${String(port)}`;
  // Every instance reports itself (health lists it); the row goes on close, before the pool ends.
  const heartbeat = startApiHeartbeat(server, pool, { intervalMs: config.HEARTBEAT_INTERVAL_MS, logger });
  await heartbeat.ready;
  closers.push(async () => heartbeat.stop());
  logger.info({ url }, 'api listening');
  return {
    server,
    url,
    logger,
    deps,
    instanceId: heartbeat.instanceId,
    async close() {
      await Promise.all(closers.map((fn) => fn()));
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeIdleConnections();
      await closed;
      deps.sqs?.destroy();
      auth.close();
      kv.close();
      await pool.end();
    },
  };
}
