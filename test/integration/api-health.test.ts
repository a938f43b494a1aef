import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '@payflow/api/config';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { freshDatabase, testenv } from '../support/env.ts';

describe('API health endpoints against real PostgreSQL and Redis', () => {
  let api: RunningApi;
  let down: RunningApi | undefined;

  beforeAll(async () => {
    const env = {
      DATABASE_URL: await freshDatabase('api'),
      REDIS_URL: testenv().redis.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
    };
    api = await startApi(loadApiConfig(env));
  });
  afterAll(async () => {
    await api.close();
    await down?.close();
  });

  it('when the process runs, then /livez answers 200 without touching dependencies', async () => {
    const res = await fetch(`${api.url}/livez`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('when Postgres and Redis answer, then /readyz is 200 and lists both checks', async () => {
    const res = await fetch(`${api.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      kv: 'redis',
      checks: { postgres: { status: 'ok' }, redis: { status: 'ok' } },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when Redis cannot be reached, then /readyz is a 503 problem naming redis', async () => {
    const env = {
      DATABASE_URL: await freshDatabase('api'),
      REDIS_URL: 'redis://127.0.0.1:1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      READY_TIMEOUT_MS: '500',
    };
    down = await startApi(loadApiConfig(env));
    const res = await fetch(`${down.url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as {
      checks: { postgres: { status: string }; redis: { status: string } };
    };
    expect(body.checks.postgres.status).toBe('ok');
    expect(body.checks.redis.status).toBe('failed');
  });

  it('when the root is opened, then it points to the API document, the probes and the metrics, and each answers', async () => {
    const res = await fetch(`${api.url}/`);
    expect(res.status).toBe(200);
    const { links } = (await res.json()) as { links: Record<string, string> };
    expect(links.openapi).toBe('/api/v1/openapi.json');
    for (const name of ['openapi', 'livez', 'readyz', 'metrics']) {
      expect((await fetch(`${api.url}${links[name] ?? ''}`)).status, name).toBe(200);
    }
  });

  it('when a route does not exist, then the answer is a 404 problem+json', async () => {
    const res = await fetch(`${api.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found', instance: '/nope' });
  });

  it('when scraped, then /metrics exposes the request histogram by route template', async () => {
    await fetch(`${api.url}/livez`);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).toMatch(/payflow_http_request_duration_seconds_count\{[^}]*route="\/livez"/);
  });
});
