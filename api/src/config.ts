import { z } from 'zod';

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** The API's configuration, parsed once from the environment. Secrets have no default. */
export const apiConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(500).default(20),
  /**
   * Redis for rate limits, login counters and caches, shared by every API instance. Unset: kept in
   * the process, which is correct for ONE API instance only (the local demo, a single replica).
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
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
  /** The updates queue's dead-letter queue, for health; unset: found through the queue's RedrivePolicy. */
  SQS_UPDATES_DLQ_URL: z.url().optional(),
  /** How often this instance writes its row in service_heartbeats (read by /api/v1/health), ms. */
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** Requests per minute per caller (principal, or client IP when anonymous) on /api/v1; 0 turns it off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(6000),

  // Authentication. The signing key is a secret: no default. The API refuses to
  // start without it (main.ts); tests that inject their own authenticator may omit it.
  /**
   * ES256 (P-256) private key, PEM (PKCS#8 or SEC1); access tokens are signed with it, ES256 only.
   * Make one with `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`.
   */
  JWT_PRIVATE_KEY: z.string().min(1).optional(),
  /** The previous public key (PEM), still accepted for verification while keys rotate. */
  JWT_PREVIOUS_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).default('payflow'),
  JWT_AUDIENCE: z.string().min(1).default('payflow-api'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  /** Absolute lifetime of a refresh-token family, counted from sign-in; rotation never extends it. */
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .max(90 * 86_400)
    .default(14 * 86_400),
  /** Where the API is reached from browsers: links in emails point here. */
  APP_BASE_URL: z.url().default('http://localhost:8080'),
  /** The console's origin, the only one CORS allows; unset allows none. */
  CONSOLE_ORIGIN: z.url().optional(),
  /**
   * The console's build (`vite build` output: index.html, assets/) served on the API's origin;
   * default: this repository's console/dist, when built. Without an index.html there, no console.
   */
  CONSOLE_DIST_DIR: z.string().min(1).optional(),
  /** SMTP server for verification and reset emails (`smtp://user:pass@host:port`); unset drops mail with a warning. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  EMAIL_FROM: z.string().min(3).default('PayFlow <no-reply@payflow.local>'),
  /** Failed logins allowed per (account, IP), per account, and per IP within one window. */
  LOGIN_MAX_FAILURES_ACCOUNT_IP: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_ACCOUNT: z.coerce.number().int().min(1).default(20),
  LOGIN_MAX_FAILURES_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /** Any OpenID Connect issuer (Google is `https://accounts.google.com`); unset disables sign-in with OIDC. */
  OIDC_PROVIDER: z
    .string()
    .regex(/^[a-z0-9-]{1,32}$/)
    .default('google'),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_REDIRECT_URI: z.url().optional(),
  /** Tests only: lets openid-client talk to an issuer over plain http (refused unless the issuer is on loopback). */
  OIDC_ALLOW_INSECURE_HTTP: z.stringbool().default(false),
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
