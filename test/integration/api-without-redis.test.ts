// The API with no REDIS_URL (the local demo, a single-replica install): rate limits, failed-login
// counters and caches live in the process. Readiness and health say so, and the limits still hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomIp, registerAndLogin, startAuthApi, uniqueEmail, type AuthHarness } from '../support/auth.ts';

const PASSWORD = 'correct horse battery';

describe('API without Redis', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthApi({
      REDIS_URL: '',
      RATE_LIMIT_PER_MINUTE: '20',
      LOGIN_MAX_FAILURES_ACCOUNT_IP: '3',
      LOGIN_FAILURE_WINDOW_SECONDS: '900',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

  it('when probed, then /readyz is ready, says the store is in memory, and checks only Postgres', async () => {
    const res = await fetch(`${h.api.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', kv: 'memory', checks: { postgres: { status: 'ok' } } });
  });

  it('when health is read, then the redis component is up, in-process, and says what that means', async () => {
    const { accessToken: token } = await registerAndLogin(h, uniqueEmail('health'), PASSWORD);
    const res = await h.call('GET', '/api/v1/health', { token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      components: { name: string; status: string; version?: string; message?: string }[];
    };
    const redis = body.components.find((c) => c.name === 'redis');
    expect(redis).toMatchObject({ status: 'up', version: 'in-process' });
    expect(redis?.message).toMatch(/one API instance/);
  });

  it('when one caller passes the rate limit, then it gets 429 with Retry-After, and another caller does not', async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await fetch(`${h.api.url}/api/v1/auth/providers`, from(ip))).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
    const over = await fetch(`${h.api.url}/api/v1/auth/providers`, from(ip));
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(over.headers.get('ratelimit-remaining')).toBe('0');
    expect((await fetch(`${h.api.url}/api/v1/auth/providers`, from(randomIp()))).status).toBe(200);
  });

  it('when an IP fails to sign in too often, then even the right password gets 429', async () => {
    const email = uniqueEmail('throttled');
    await registerAndLogin(h, email, PASSWORD);
    const ip = randomIp();
    const login = async (password: string): Promise<number> =>
      (
        await fetch(`${h.api.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
          body: JSON.stringify({ email, password }),
        })
      ).status;
    const failures = [await login('wrong-1'), await login('wrong-2'), await login('wrong-3')];
    expect(failures).toEqual([401, 401, 401]);
    expect(await login(PASSWORD)).toBe(429);
  });
});
