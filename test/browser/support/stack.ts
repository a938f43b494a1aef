// The product as the browser tests meet it: a fresh database with the demo's seed (payments over
// the last days, the three demo users), the real API serving the built console, and a real
// worker consuming private queues, so that rules raise alerts from real payments.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadApiConfig } from '@payflow/api/config';
import { createPool } from '@payflow/api/store';
import type pg from 'pg';
import { CARD_TESTING, cardTestingRun } from '../../../hack/demo/fraud.ts';
import { DEMO_RULES, DEMO_USERS, seed } from '../../../hack/demo/seed.ts';
import { startApi, type RunningApi } from '../../../api/src/server.ts';
import { newSigningKey, randomIp } from '../../support/auth.ts';
import { migratedDatabase, testenv } from '../../support/env.ts';
import { createTestQueues, exited, spawnWorker, sqs } from '../../integration/worker-support.ts';
import { CONSOLE_DIST } from '../../../hack/console-build.ts';
import { ensureConsole } from './build.ts';

export const PASSWORD = 'browser-tests-pass';
export const USERS = {
  admin: DEMO_USERS[0].email,
  operator: DEMO_USERS[1].email,
  viewer: DEMO_USERS[2].email,
} as const;
export type DemoRole = keyof typeof USERS;

export interface ConsoleStack {
  /** Where the console and the API answer (same origin). */
  readonly url: string;
  readonly api: RunningApi;
  readonly db: pg.Pool;
  /** A bearer token for setting things up through the API (admin). */
  readonly token: string;
  call<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  close(): Promise<void>;
}

export async function startConsoleStack(
  opts: { payments?: number; worker?: boolean; env?: Record<string, string> } = {},
): Promise<ConsoleStack> {
  await ensureConsole();
  const env = testenv();
  const databaseUrl = await migratedDatabase('browser');
  await seed({ databaseUrl, payments: opts.payments ?? 400, days: 7, password: PASSWORD });
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  const queues = await createTestQueues(client);
  const api = await startApi(
    loadApiConfig({
      DATABASE_URL: databaseUrl,
      REDIS_URL: env.redis.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      JWT_PRIVATE_KEY: newSigningKey(),
      AWS_REGION: env.sqs.region,
      SQS_ENDPOINT: env.sqs.endpoint,
      SQS_EVENTS_QUEUE_URL: queues.events,
      SQS_EVENTS_DLQ_URL: queues.dlq,
      SQS_UPDATES_QUEUE_URL: queues.updates,
      CONSOLE_DIST_DIR: CONSOLE_DIST,
      RATE_LIMIT_PER_MINUTE: '0',
      // The admin comes from the configuration, as in an install; the seed has the others.
      ADMIN_EMAIL: DEMO_USERS[0].email,
      ADMIN_NAME: DEMO_USERS[0].name,
      ADMIN_PASSWORD: PASSWORD,
      ...opts.env,
    }),
  );
  const worker: ChildProcess | undefined =
    opts.worker === false
      ? undefined
      : spawnWorker({
          databaseUrl,
          redisUrl: env.redis.url,
          endpoint: env.sqs.endpoint,
          region: env.sqs.region,
          queues,
        });
  const db = createPool({ url: databaseUrl, max: 2 });
  const ip = randomIp();
  const call = async <T>(
    method: string,
    path: string,
    body: unknown,
    opts: { headers?: Record<string, string>; token?: string },
  ) => {
    const { headers = {}, token } = opts;
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-forwarded-for': ip,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${String(res.status)}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const { accessToken } = await call<{ accessToken: string }>(
    'POST',
    '/api/v1/auth/login',
    { email: USERS.admin, password: PASSWORD },
    {},
  );
  return {
    url: api.url,
    api,
    db,
    token: accessToken,
    call: async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
      call<T>(method, path, body, { headers, token: accessToken }),
    async close() {
      if (worker) {
        worker.kill('SIGTERM');
        await exited(worker);
      }
      client.destroy();
      await db.end();
      await api.close();
    },
  };
}

/** The demo's rules, created through the API (the worker evaluates them on every event). */
export async function createDemoRules(stack: ConsoleStack): Promise<void> {
  for (const rule of DEMO_RULES) await stack.call('POST', '/api/v1/rules', rule);
}

/** Polls `probe` until it answers a value (for set-up outside a test, where expect.poll is not allowed). */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A processor event for a payment through the ingest endpoint (the worker applies it and runs the rules). */
export async function sendEvent(stack: ConsoleStack, paymentId: string, type: string): Promise<void> {
  await stack.call('POST', '/api/v1/events', {
    event_id: `evt-browser-${randomUUID()}`,
    type,
    payment_id: paymentId,
    occurred_at: new Date().toISOString(),
  });
}

/** A new payment made through the API, authorized by a processor event so that the rules see it. */
export async function authorizedPayment(
  stack: ConsoleStack,
  body: { merchant_id: string; payer_id: string; amount: string; currency: string },
): Promise<{ id: string }> {
  const p = await stack.call<{ id: string }>('POST', '/api/v1/transactions', body, {
    'idempotency-key': randomUUID(),
  });
  await sendEvent(stack, p.id, 'payment.authorized');
  return p;
}

/** The first alert raised for a payment, waiting for the worker. */
export async function alertOf(
  stack: ConsoleStack,
  paymentId: string,
): Promise<{ id: string; title: string }> {
  return eventually(`an alert for ${paymentId}`, async () => {
    const page = await stack.call<{ data: { id: string; title: string }[] }>(
      'GET',
      `/api/v1/alerts?payment_id=${paymentId}`,
    );
    return page.data[0];
  });
}

/**
 * The demo's card-testing run (hack/demo/fraud.ts) through the API, and the critical alert the
 * card-testing rule raises for it once the worker has applied the events (needs createDemoRules).
 */
export async function cardTestingAlert(
  stack: ConsoleStack,
): Promise<{ alertId: string; paymentId: string; ruleId: string }> {
  const poster = {
    post: async <T>(path: string, body: unknown) =>
      stack.call<T>('POST', path, body, { 'idempotency-key': randomUUID() }),
  };
  await cardTestingRun(poster, (payment, type) => ({
    event_id: `evt-browser-${randomUUID()}`,
    type,
    payment_id: payment.id,
    occurred_at: new Date().toISOString(),
  }));
  const rules = await stack.call<{ data: { id: string; name: string }[] }>('GET', '/api/v1/rules?limit=100');
  const rule = rules.data.find((r) => r.name === CARD_TESTING.rule);
  if (!rule) throw new Error('the card-testing rule is missing: call createDemoRules first');
  const alert = await eventually('the card-testing alert', async () => {
    const page = await stack.call<{ data: { id: string; payment_id: string }[] }>(
      'GET',
      `/api/v1/alerts?rule_id=${rule.id}`,
    );
    return page.data[0];
  });
  return { alertId: alert.id, paymentId: alert.payment_id, ruleId: rule.id };
}
