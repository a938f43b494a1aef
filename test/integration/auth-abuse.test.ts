import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '@payflow/api/config';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { testenv } from '../support/env.ts';
import {
  randomIp,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

const PASSWORD = 'correct horse battery';
const WINDOW_SECONDS = 900;

describe('failed-login limits in Redis: bursts get 429, victims are not locked out, every API instance agrees', () => {
  let h: AuthHarness;
  let second: RunningApi;
  let redis: Redis;
  let victim: SignedInBody;
  const victimEmail = uniqueEmail('victim');
  const attackerIp = randomIp();

  const login = async (email: string, password: string, ip: string, base?: string): Promise<Response> =>
    fetch(`${base ?? h.api.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
      body: JSON.stringify({ email, password }),
    });
  const sessions = async (userId: string): Promise<number> =>
    Number(
      (
        await h.pool.query<{ n: string }>(
          'select count(*)::text as n from refresh_tokens where user_id = $1',
          [userId],
        )
      ).rows[0]?.n,
    );

  beforeAll(async () => {
    const limits = {
      LOGIN_MAX_FAILURES_ACCOUNT_IP: '3',
      LOGIN_MAX_FAILURES_ACCOUNT: '5',
      LOGIN_MAX_FAILURES_IP: '8',
      LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW_SECONDS),
    };
    h = await startAuthApi(limits);
    // A second API instance on the same database and Redis, as behind a load balancer.
    const dbUrl = h.api.deps.config.DATABASE_URL;
    second = await startApi(
      loadApiConfig({
        ...limits,
        DATABASE_URL: dbUrl,
        REDIS_URL: testenv().redis.url,
        PORT: '0',
        LOG_LEVEL: 'silent',
        JWT_PRIVATE_KEY: h.key,
      }),
      { migrate: false },
    );
    redis = new Redis(testenv().redis.url);
    victim = await registerAndLogin(h, victimEmail, PASSWORD);
  });
  afterAll(async () => {
    redis.disconnect();
    await second.close();
    await h.close();
  });

  it('when one IP bursts failed logins at an account, then after the limit it gets 429 with Retry-After, even with the right password, audited, and no session is created', async () => {
    const before = await sessions(victim.user.id);
    for (let i = 0; i < 3; i += 1)
      expect((await login(victimEmail, `guess-${String(i)}-xx`, attackerIp)).status).toBe(401);
    const blocked = await login(victimEmail, 'guess-3-xx', attackerIp);
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(await blocked.json()).toMatchObject({ status: 429, code: 'rate_limited' });
    expect((await login(victimEmail, PASSWORD, attackerIp)).status).toBe(429);
    const throttled = await h.audit('auth.login_throttled');
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled.at(-1)?.after).toMatchObject({ ip: attackerIp });
    expect(await sessions(victim.user.id)).toBe(before);
  });

  it('when another API instance gets the next attempt from that IP, then it refuses it too (counters are shared in Redis)', async () => {
    const res = await login(victimEmail, PASSWORD, attackerIp, second.url);
    expect(res.status).toBe(429);
  });

  it('when the account is under attack, then its owner still signs in from their usual IP', async () => {
    expect((await login(victimEmail, PASSWORD, h.ip)).status).toBe(200);
  });

  it('when failures from many IPs pass the per-account limit, then unknown IPs get 429 but the owner known IP is exempt', async () => {
    const spray = [randomIp(), randomIp()];
    for (const ip of spray) expect((await login(victimEmail, 'spray-guess-xx', ip)).status).toBe(401);
    // 3 + 2 failures: the per-account limit of 5 is reached, for every IP the account has not signed in from.
    expect((await login(victimEmail, 'spray-guess-xx', randomIp())).status).toBe(429);
    expect((await login(victimEmail, PASSWORD, randomIp())).status).toBe(429);
    expect((await login(victimEmail, PASSWORD, h.ip)).status).toBe(200);
  });

  it('when one IP sprays many accounts, then the per-IP limit answers 429', async () => {
    const ip = randomIp();
    for (let i = 0; i < 8; i += 1)
      expect((await login(uniqueEmail('spray'), 'whatever-123', ip)).status).toBe(401);
    const res = await login(uniqueEmail('spray'), 'whatever-123', ip);
    expect(res.status).toBe(429);
  });

  it('when counters exist, then every one of them expires within the window (no permanent lockout)', async () => {
    const keys = await redis.keys('pf:auth:fail:*');
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(WINDOW_SECONDS * 1000);
    }
  });
});
