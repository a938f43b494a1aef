import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { loadApiConfig } from '@payflow/api/config';
import type pg from 'pg';
import { createPool } from '@payflow/api/store';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { freshDatabase, testenv } from './env.ts';
import { startSmtp, tokenFrom, type TestSmtp } from './smtp.ts';

/** A fresh P-256 key in PEM, as JWT_PRIVATE_KEY would hold it. */
export function newSigningKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** A random documentation-range address, so test files do not share per-IP counters in Redis. */
export function randomIp(): string {
  const b = randomBytes(2);
  return `198.51.${String(b[0])}.${String(b[1])}`;
}

export function uniqueEmail(name: string): string {
  return `${name}.${randomBytes(4).toString('hex')}@example.test`;
}

export const ADMIN_PASSWORD = 'configured admin password';

export interface AuthHarness {
  api: RunningApi;
  /** The first admin's address, from ADMIN_EMAIL (password ADMIN_PASSWORD); undefined when the test unset it. */
  adminEmail: string | undefined;
  smtp: TestSmtp;
  pool: pg.Pool;
  key: string;
  ip: string;
  /** JSON request against the API, from this harness's client IP. */
  call(
    method: string,
    path: string,
    opts?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<Response>;
  /** Audit rows with this action, oldest first. */
  audit(
    action: string,
  ): Promise<{ actor_id: string | null; resource_id: string; reason: string | null; after: unknown }[]>;
  close(): Promise<void>;
}

/**
 * The API with the real auth module, a fresh database, the shared Redis and a real SMTP server.
 * By default sign-up is open (self-signed-up accounts are viewers) and the first admin comes from
 * ADMIN_EMAIL; `env` overrides either (an empty string unsets a variable).
 */
export async function startAuthApi(env: Record<string, string> = {}): Promise<AuthHarness> {
  const smtp = await startSmtp();
  const key = newSigningKey();
  const databaseUrl = await freshDatabase('auth');
  const settings: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: testenv().redis.url,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JWT_PRIVATE_KEY: key,
    SMTP_URL: smtp.url,
    APP_BASE_URL: 'http://127.0.0.1:8080',
    CONSOLE_ORIGIN: 'http://console.test:5173',
    SIGNUP_POLICY: 'open',
    SIGNUP_ROLE: 'viewer',
    ADMIN_EMAIL: uniqueEmail('admin'),
    ADMIN_PASSWORD,
    ...env,
  };
  const merged = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== ''));
  const api = await startApi(loadApiConfig(merged));
  const pool = createPool({ url: databaseUrl, max: 2 });
  const ip = randomIp();
  return {
    api,
    adminEmail: merged.ADMIN_EMAIL,
    smtp,
    pool,
    key,
    ip,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { 'x-forwarded-for': ip, ...opts.headers };
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      return fetch(`${api.url}${path}`, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        redirect: 'manual',
      });
    },
    async audit(action) {
      const { rows } = await pool.query<{
        actor_id: string | null;
        resource_id: string;
        reason: string | null;
        after: unknown;
      }>(
        'select actor_id, resource_id, reason, after from audit_log where action = $1 order by occurred_at, chain_seq',
        [action],
      );
      return rows;
    },
    async close() {
      await api.close();
      await pool.end();
      await smtp.close();
    },
  };
}

export interface SignedInBody {
  user: { id: string; email: string; role: string; email_verified: boolean };
  accessToken: string;
  refreshToken: string;
}

/** Signup, follow the emailed verification link, log in: the full path a person takes. */
export async function registerAndLogin(
  h: AuthHarness,
  email: string,
  password = 'correct horse battery',
): Promise<SignedInBody> {
  const signup = await h.call('POST', '/api/v1/auth/signup', {
    body: { email, password, name: 'Test User' },
  });
  expect(signup.status).toBe(202);
  const mail = await h.smtp.next(email);
  const verify = await h.call(
    'GET',
    `/api/v1/auth/verify-email?token=${encodeURIComponent(tokenFrom(mail))}`,
  );
  expect(verify.status).toBe(200);
  const login = await h.call('POST', '/api/v1/auth/login', { body: { email, password } });
  expect(login.status).toBe(200);
  return (await login.json()) as SignedInBody;
}

/** Signs in as the configured first admin. */
export async function loginAdmin(h: AuthHarness): Promise<SignedInBody> {
  if (!h.adminEmail) throw new Error('this harness has no ADMIN_EMAIL');
  const login = await h.call('POST', '/api/v1/auth/login', {
    body: { email: h.adminEmail, password: ADMIN_PASSWORD },
  });
  expect(login.status).toBe(200);
  return (await login.json()) as SignedInBody;
}
