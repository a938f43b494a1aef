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
  /**
   * A local demo only: the sign-in the console's login page fills in (`email password`,
   * separated by the first space). Never set it on an install: GET /api/v1/auth/providers shows it to anyone.
   */
  DEMO_SIGN_IN: z
    .string()
    .regex(/^\S+@\S+ .+$/, 'an email address, a space, then the password')
    .optional(),
  /** A local demo only: the web page of the mailbox the demo's SMTP server fills (linked from the login page). */
  DEMO_MAILBOX_URL: z.url().optional(),
  /** SMTP server for verification and reset emails (`smtp://user:pass@host:port`); unset drops mail with a warning. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  EMAIL_FROM: z.string().min(3).default('PayFlow <no-reply@payflow.local>'),
  /** Failed logins allowed per (account, IP), per account, and per IP within one window. */
  LOGIN_MAX_FAILURES_ACCOUNT_IP: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_ACCOUNT: z.coerce.number().int().min(1).default(20),
  LOGIN_MAX_FAILURES_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * Who may create an account by themselves (POST /api/v1/auth/signup, and a first sign-in with
   * OpenID Connect of an identity no account has): `closed` (default) and `invite`, nobody
   * (accounts come from invitations); `domain`, verified addresses in SIGNUP_DOMAINS; `open`,
   * anyone (for demos only: logged as a warning at start).
   */
  SIGNUP_POLICY: z.enum(['closed', 'invite', 'domain', 'open']).default('closed'),
  /** Comma-separated email domains that may sign up under SIGNUP_POLICY=domain (`example.com,example.org`). */
  SIGNUP_DOMAINS: z
    .string()
    .regex(
      /^\s*(@?[A-Za-z0-9.-]+\.[A-Za-z]{2,}\s*(,\s*|$))*$/,
      'must be comma-separated domains like example.com,example.org',
    )
    .default(''),
  /** The role of a self-signed-up account: `none` (default) waits for an admin to grant one. */
  SIGNUP_ROLE: z.enum(['none', 'viewer', 'operator']).default('none'),
  /** How long an invitation link works, hours. */
  INVITATION_TTL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 24)
    .default(7 * 24),
  /**
   * The first admin, created (or made admin) at start while no admin exists; with its password
   * from ADMIN_PASSWORD_FILE (a mounted secret) or ADMIN_PASSWORD. Without ADMIN_EMAIL, an API
   * that finds no admin prints a one-time setup token in its log (POST /api/v1/auth/setup).
   */
  ADMIN_EMAIL: z.email().optional(),
  /** The first admin's display name, when ADMIN_EMAIL creates the account. */
  ADMIN_NAME: z.string().trim().min(1).max(200).default('Administrator'),
  /** The first admin's password itself (8 to 128 characters), as a chart's Secret key gives it; not with ADMIN_PASSWORD_FILE. */
  ADMIN_PASSWORD: z.string().min(8).max(128).optional(),
  /** A file holding the first admin's password (a mounted secret; one trailing newline is dropped); not with ADMIN_PASSWORD. */
  ADMIN_PASSWORD_FILE: z.string().min(1).optional(),
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
  /** Gemini API key for the console's assistant (stays on the server); unset: the built-in assistant. */
  GEMINI_API_KEY: z.string().min(1).optional(),
  /** The Gemini model the assistant asks. */
  GEMINI_MODEL: z.string().min(1).default('gemini-2.5-flash'),
  /** Another endpoint speaking Gemini's REST protocol (a proxy); unset: Google's. */
  GEMINI_BASE_URL: z.url().optional(),
  /** Questions one user may ask the assistant per minute; 0 turns the limit off. */
  ASSISTANT_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(10_000).default(20),
  /** The help center's Markdown articles, which the built-in assistant answers from; default: docs/help. */
  HELP_DIR: z.string().min(1).optional(),
});

export type ApiConfig = Readonly<z.infer<typeof apiConfigSchema>>;

/** SIGNUP_DOMAINS as a list, lower case, without a leading @. */
export function signupDomains(c: Pick<ApiConfig, 'SIGNUP_DOMAINS'>): string[] {
  return c.SIGNUP_DOMAINS.split(',')
    .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
    .filter((d) => d !== '');
}

/** The settings that must agree with each other, checked after parsing. */
function checkAuthSettings(c: z.infer<typeof apiConfigSchema>, ctx: z.RefinementCtx): void {
  if (c.SIGNUP_POLICY === 'domain' && signupDomains(c).length === 0)
    ctx.addIssue({ code: 'custom', path: ['SIGNUP_DOMAINS'], message: 'required when SIGNUP_POLICY=domain' });
  if (c.ADMIN_PASSWORD && c.ADMIN_PASSWORD_FILE)
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_PASSWORD'],
      message: 'set ADMIN_PASSWORD or ADMIN_PASSWORD_FILE, not both',
    });
  if (c.ADMIN_EMAIL && !c.ADMIN_PASSWORD && !c.ADMIN_PASSWORD_FILE)
    ctx.addIssue({
      code: 'custom',
      path: ['ADMIN_PASSWORD_FILE'],
      message: 'ADMIN_EMAIL needs ADMIN_PASSWORD_FILE (a mounted secret) or ADMIN_PASSWORD',
    });
}

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
  return parseEnv(apiConfigSchema.superRefine(checkAuthSettings), env);
}
