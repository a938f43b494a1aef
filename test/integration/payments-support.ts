// Test harness for the payments API tests: the real API (fresh database, shared Redis) with a
// test-only Authenticator that trusts an `x-test-role` header. This injection exists only in
// tests; the product's authenticator is the auth module's.
import { loadApiConfig } from '@payflow/api/config';
import { ROLES, type Authenticator, type Role } from '../../api/src/http/principal.ts';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { freshDatabase, testenv } from '../support/env.ts';

export const testAuthenticate: Authenticator = async (req) => {
  const role = req.get('x-test-role');
  if (role === undefined || !(ROLES as readonly string[]).includes(role)) return Promise.resolve(undefined);
  return Promise.resolve({
    kind: 'user',
    id: req.get('x-test-user') ?? `usr_test_${role}`,
    role: role as Role,
  });
};

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  role?: Role | 'none';
  user?: string;
  body?: unknown;
  /** Sent as is (for malformed JSON and the like); wins over `body`. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface PaymentsHarness {
  api: RunningApi;
  url: string;
  call<T = Record<string, unknown>>(method: string, path: string, opts?: CallOptions): Promise<Reply<T>>;
  close(): Promise<void>;
}

export async function startPaymentsApi(
  prefix: string,
  env: Record<string, string> = {},
): Promise<PaymentsHarness> {
  const api = await startApi(
    loadApiConfig({
      DATABASE_URL: await freshDatabase(prefix),
      REDIS_URL: testenv().redis.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_POOL_MAX: '30',
      // Test files share Redis and the test principals: keep rate limiting out of these tests.
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    }),
    { authenticate: testAuthenticate },
  );
  return {
    api,
    url: api.url,
    async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<Reply<T>> {
      const headers: Record<string, string> = { ...opts.headers };
      const role = opts.role ?? 'operator';
      if (role !== 'none') headers['x-test-role'] = role;
      if (opts.user) headers['x-test-user'] = opts.user;
      let body: string | undefined;
      if (opts.raw !== undefined) body = opts.raw;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${api.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
    },
    close: () => api.close(),
  };
}

export const newPayment = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  merchant_id: 'merchant_123',
  amount: 100.0,
  currency: 'USD',
  payer_id: 'payer_123',
  current_state: 'pending',
  metadata: {},
  ...over,
});
