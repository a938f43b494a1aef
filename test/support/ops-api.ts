// Test harness for the operational endpoints: a real API on port 0 with a test-only
// authenticator that reads `x-test-role` and `x-test-user` (the auth module replaces it in
// production), and a small client that sends them.
import type { Request } from 'express';
import { loadApiConfig } from '@payflow/api/config';
import { ROLES, type Principal, type Role } from '../../api/src/http/principal.ts';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { freshDatabase, testenv } from './env.ts';

function testAuthenticate(req: Request): Promise<Principal | undefined> {
  const role = req.get('x-test-role');
  if (role === undefined || !(ROLES as readonly string[]).includes(role)) return Promise.resolve(undefined);
  const kind = req.get('x-test-kind') === 'api_key' ? 'api_key' : 'user';
  const merchants = req.get('x-test-merchants');
  return Promise.resolve({
    kind,
    id: req.get('x-test-user') ?? `usr_test_${role}`,
    role: role as Role,
    ...(merchants === undefined ? {} : { merchantScope: merchants.split(',') }),
  });
}

export interface CallOptions {
  role?: Role;
  user?: string;
  /** Limits the caller to these merchants (a merchant-scoped user). */
  merchants?: readonly string[];
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface OpsApi {
  api: RunningApi;
  call<T = Record<string, unknown>>(method: string, path: string, opts?: CallOptions): Promise<Reply<T>>;
  close(): Promise<void>;
}

export async function startOpsApi(extraEnv: Record<string, string> = {}): Promise<OpsApi> {
  const env = {
    DATABASE_URL: await freshDatabase('ops'),
    REDIS_URL: testenv().redis.url,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...extraEnv,
  };
  const api = await startApi(loadApiConfig(env), { authenticate: testAuthenticate });
  return {
    api,
    async call<T>(method: string, path: string, opts: CallOptions = {}): Promise<Reply<T>> {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.role) headers['x-test-role'] = opts.role;
      if (opts.user) headers['x-test-user'] = opts.user;
      if (opts.merchants) headers['x-test-merchants'] = opts.merchants.join(',');
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      const res = await fetch(`${api.url}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as T };
    },
    close: () => api.close(),
  };
}
