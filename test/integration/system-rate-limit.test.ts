import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

describe('rate limiting of /api/v1 in Redis', () => {
  let t: OpsApi;

  beforeAll(async () => {
    t = await startOpsApi({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a caller exceeds the limit, then it gets a 429 problem with Retry-After and RateLimit headers', async () => {
    const user = { role: 'viewer' as const, user: `usr_rl_${String(Date.now())}` };
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.call('GET', '/api/v1/rules', user);
      statuses.push(res.status);
      expect(res.headers.get('ratelimit-limit')).toBe('3');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    expect(statuses).toEqual([200, 200, 200]);
    const over = await t.call('GET', '/api/v1/rules', user);
    expect(over.status).toBe(429);
    expect(over.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(over.body.code).toBe('rate_limited');
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(over.headers.get('ratelimit-remaining')).toBe('0');
    expect(over.headers.get('ratelimit-policy')).toBe('3;w=60');
  });

  it('when another principal calls, then its budget is its own', async () => {
    const a = { role: 'viewer' as const, user: `usr_a_${String(Date.now())}` };
    const b = { role: 'viewer' as const, user: `usr_b_${String(Date.now())}` };
    for (let i = 0; i < 4; i++) await t.call('GET', '/api/v1/rules', a);
    expect((await t.call('GET', '/api/v1/rules', a)).status).toBe(429);
    expect((await t.call('GET', '/api/v1/rules', b)).status).toBe(200);
  });

  it('when the probes and metrics are scraped, then they are not limited', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${t.api.url}/livez`)).status).toBe(200);
  });
});
