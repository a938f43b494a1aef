import { z } from 'zod';
import { parseEnv } from '@payflow/api/config';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
const int = (min: number, max: number, def: number): z.ZodDefault<z.ZodCoercedNumber> =>
  z.coerce.number().int().min(min).max(max).default(def);

/** The worker's configuration, parsed once from the environment. Secrets have no default. */
export const workerConfigSchema = z.object({
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: int(2, 200, 8),
  /** Redis is the fast-path duplicate check only; unset runs without it. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** An SQS-compatible endpoint (tests, local demo); unset for AWS itself. */
  SQS_ENDPOINT: z.url().optional(),
  SQS_EVENTS_QUEUE_URL: z.string().min(1),
  SQS_EVENTS_DLQ_URL: z.string().min(1),
  SQS_UPDATES_QUEUE_URL: z.string().min(1).optional(),
  /** Receive loops per process (each holds up to 10 messages). */
  CONCURRENCY: int(1, 256, 8),
  /** Most events applied in one Postgres transaction. */
  BATCH_SIZE: int(1, 1000, 100),
  /** Parallel database writers (transactions in flight). */
  WRITERS: int(1, 32, 2),
  /** How long to wait for more events before committing a partial batch, ms. */
  BATCH_LINGER_MS: int(0, 1000, 2),
  WAIT_TIME_SECONDS: int(0, 20, 20),
  /** Visibility while a message is processed; renewed by the heartbeat, seconds. */
  VISIBILITY_TIMEOUT: int(1, 43_200, 30),
  /** The queue's redrive maxReceiveCount (SQS moves the message to the DLQ after it). */
  MAX_RECEIVE_COUNT: int(1, 1000, 5),
  /** Retry backoff through ChangeMessageVisibility: base and cap, seconds. */
  BACKOFF_BASE_SECONDS: z.coerce.number().min(0).max(3600).default(2),
  BACKOFF_CAP_SECONDS: z.coerce.number().min(0).max(43_200).default(300),
  /**
   * An event that arrives before its payment or the state it needs is parked in Postgres; one
   * still parked this long after it was first parked goes to the DLQ, seconds (7 days; its
   * occurred_at never counts).
   */
  PARK_HORIZON_SECONDS: z.coerce
    .number()
    .min(0)
    .max(365 * 86_400)
    .default(7 * 86_400),
  /** How often the parking lot re-decides parked events whose payment moved, expires and dead-letters, ms. */
  PARK_SWEEP_INTERVAL_MS: int(50, 600_000, 1000),
  /** SIGTERM: how long in-flight work may take before the rest is released, ms. */
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000, 20_000),
  /** Rules are re-read at most this often (and when one changes), ms. */
  RULES_TTL_MS: int(0, 3_600_000, 5000),
  /** How long Redis remembers processed event ids, seconds. */
  DEDUPE_TTL_SECONDS: int(1, 30 * 86_400, 86_400),
  METRICS_PORT: int(0, 65_535, 9464),
  METRICS_HOST: z.string().default('0.0.0.0'),
  HEARTBEAT_INTERVAL_MS: int(100, 600_000, 10_000),
  RELAY_BATCH_SIZE: int(1, 1000, 100),
  RELAY_INTERVAL_MS: int(10, 60_000, 200),
  /** Run the outbox relay inside `run` as well. */
  RELAY_ENABLED: z.stringbool().default(true),
  /** How often `run` looks for pending API-requested batch jobs (BATCH_POLL_TYPES), ms; 0 = never. */
  BATCH_POLL_MS: int(0, 600_000, 1000),
  /** The batch job types `run` executes itself (comma-separated). */
  BATCH_POLL_TYPES: z
    .string()
    .default('replay,backfill,reconcile,backtest,export')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  INSTANCE_ID: z.string().min(1).max(128).optional(),
  LOG_LEVEL: logLevel,
  LOG_PRETTY: z.stringbool().default(false),
  /**
   * Test-only faults: crash points (`after-claim`, `after-commit`: the process kills itself there)
   * and `double-apply` (every applied event's effect written twice, so that the chaos tool's
   * checks can be seen to fail); `double-apply` is refused unless NODE_ENV=test and the database is on loopback.
   */
  PAYFLOW_WORKER_FAULT: z.enum(['after-claim', 'after-commit', 'double-apply']).optional(),
});

export type WorkerConfig = Readonly<z.infer<typeof workerConfigSchema>>;

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const config = parseEnv(workerConfigSchema, env);
  if (config.PAYFLOW_WORKER_FAULT === 'double-apply') assertTestOnly(env, config.DATABASE_URL);
  return config;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The `double-apply` fault corrupts data on purpose (it breaks exactly-once), so a worker with
 * it set starts only in a test run (NODE_ENV=test, which the product's image and chart never
 * set: the image sets NODE_ENV=production) against a database on this machine's loopback. Set
 * anywhere else, the worker refuses to start, naming the variable, rather than ignoring it.
 */
function assertTestOnly(env: NodeJS.ProcessEnv, databaseUrl: string): void {
  const problems: string[] = [];
  if (env.NODE_ENV !== 'test') problems.push(`NODE_ENV is ${env.NODE_ENV ?? 'unset'}, not test`);
  const host = new URL(databaseUrl).hostname;
  if (!LOOPBACK_HOSTS.has(host)) problems.push(`DATABASE_URL's host ${host} is not loopback`);
  if (problems.length > 0) {
    throw new Error(
      `invalid configuration:\n  PAYFLOW_WORKER_FAULT: double-apply is a test-only fault (${problems.join('; ')})`,
    );
  }
}
