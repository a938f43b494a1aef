import { z } from 'zod';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** The API's configuration, parsed once from the environment. Secrets have no default. */
export const apiConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  LOG_LEVEL: logLevel,
  LOG_PRETTY: z.stringbool().default(false),
  READY_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** An SQS-compatible endpoint (tests, local demo); unset for AWS itself. */
  SQS_ENDPOINT: z.url().optional(),
  /** The queue processor events are ingested into; unset disables ingest and queue stats. */
  SQS_EVENTS_QUEUE_URL: z.url().optional(),
  SQS_EVENTS_DLQ_URL: z.url().optional(),
  SQS_UPDATES_QUEUE_URL: z.url().optional(),
});

export type ApiConfig = Readonly<z.infer<typeof apiConfigSchema>>;

/**
 * Parses a zod schema over an environment, failing with a message that names
 * every offending variable. Shared by every PayFlow process.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(result.data);
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv(apiConfigSchema, env);
}
