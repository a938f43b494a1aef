import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthApi, type AuthHarness } from '../support/auth.ts';

describe('when a dependency is down, the API answers 503, never 500', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    // Port 1 on loopback: nothing listens, so every Redis command fails at once.
    h = await startAuthApi({ REDIS_URL: 'redis://127.0.0.1:1', READY_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('when Redis is unreachable during a login, then the answer is a 503 problem with Retry-After', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', {
      body: { email: 'nobody@example.test', password: 'correct horse battery' },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ status: 503, code: 'dependency_unavailable' });
  });

  it('when Redis is unreachable, then /readyz says so and /livez does not care', async () => {
    expect((await fetch(`${h.api.url}/livez`)).status).toBe(200);
    expect((await fetch(`${h.api.url}/readyz`)).status).toBe(503);
  });
});
