import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { ApiConfig } from './config.ts';
import { createApp } from './http/app.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createRegistry } from './observability/metrics.ts';
import { createPool } from './store/db.ts';
import { migrate } from './store/migrate.ts';

export interface RunningApi {
  readonly server: Server;
  readonly url: string;
  readonly logger: Logger;
  close(): Promise<void>;
}

/** Starts the API: pool, Redis, migrations, HTTP server. Used by main.ts and by tests. */
export async function startApi(config: ApiConfig, opts: { migrate?: boolean } = {}): Promise<RunningApi> {
  const logger = createLogger({ name: 'payflow-api', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
  const pool = createPool({
    url: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    applicationName: 'payflow-api',
  });
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
  });
  redis.on('error', (err: Error) => {
    logger.warn({ err: err.message }, 'redis connection error');
  });
  await redis.connect().catch((err: unknown) => {
    logger.warn({ err: (err as Error).message }, 'redis not reachable at start; readyz will say so');
  });
  if (opts.migrate ?? true) {
    const result = await migrate(pool);
    logger.info({ applied: result.applied, schema: result.current }, 'migrations');
  }
  const app = createApp({
    pool,
    redis,
    logger,
    registry: createRegistry('api'),
    readyTimeoutMs: config.READY_TIMEOUT_MS,
  });
  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.PORT;
  const url = `http://127.0.0.1:${String(port)}`;
  logger.info({ url }, 'api listening');
  return {
    server,
    url,
    logger,
    async close() {
      const closed = new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      server.closeIdleConnections();
      await closed;
      redis.disconnect();
      await pool.end();
    },
  };
}
