// The rate limiter sends the increments of requests that arrive together as one Redis pipeline.
// Batching must not change what each caller is told: every request is counted once, in Redis,
// and the budget is shared by every process (two limiters here stand for two API instances).
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimit } from '../../api/src/http/rate-limit.ts';
import { RedisStore } from '../../api/src/kv/index.ts';
import { problemHandler } from '../../api/src/http/problem.ts';
import { createLogger } from '../../api/src/observability/logger.ts';
import { testenv } from '../support/env.ts';

async function limitedApp(
  redis: Redis,
  limit: number,
  prefix: string,
): Promise<{ url: string; close(): void }> {
  const app = express();
  app.set('trust proxy', 'loopback');
  app.use(
    rateLimit({
      limit,
      windowSeconds: 60,
      kv: new RedisStore(redis),
      prefix,
      logger: createLogger({ name: 'test', level: 'silent' }),
      authenticate: (req) => Promise.resolve({ kind: 'user', id: req.get('x-user') ?? 'x', role: 'viewer' }),
    }),
  );
  app.get('/x', (_req, res) => res.json({ ok: true }));
  app.use(problemHandler());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${String(port)}`, close: () => server.close() };
}

describe('rate limiter batching', () => {
  let redis: Redis;
  let other: Redis;
  let a: { url: string; close(): void };
  let b: { url: string; close(): void };
  const prefix = `payflow:rl:test:${String(process.pid)}:${String(Date.now())}:`;

  beforeAll(async () => {
    redis = new Redis(testenv().redis.url);
    a = await limitedApp(redis, 10, prefix);
    // The second instance has its own Redis connection, as another process would.
    other = new Redis(testenv().redis.url);
    b = await limitedApp(other, 10, prefix);
  });
  afterAll(() => {
    a.close();
    b.close();
    redis.disconnect();
    other.disconnect();
  });

  it('when many requests of one caller arrive at once on two instances, then exactly the limit goes through and each is counted once', async () => {
    const headers = { 'x-user': 'usr_burst' };
    const replies = await Promise.all(
      Array.from({ length: 16 }, (_, i) => fetch(`${i % 2 === 0 ? a.url : b.url}/x`, { headers })),
    );
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    // Each admitted request saw its own count: remaining 9, 8, …, 0, once each.
    const remaining = replies
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers.get('ratelimit-remaining')))
      .sort((x, y) => y - x);
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const keys = await redis.keys(`${prefix}p:usr_burst:*`);
    expect(keys).toHaveLength(1);
    expect(Number(await redis.get(keys[0]!))).toBe(16);
    expect(await redis.pttl(keys[0]!)).toBeGreaterThan(0);
  });

  it('when callers differ within one batch, then each has its own budget', async () => {
    const replies = await Promise.all(
      ['usr_p', 'usr_q', 'usr_p', 'usr_q'].map((u) => fetch(`${a.url}/x`, { headers: { 'x-user': u } })),
    );
    const remaining = replies.map((r) => r.headers.get('ratelimit-remaining')).sort();
    expect(remaining).toEqual(['8', '8', '9', '9']);
  });
});
