import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../kv/index.ts';
import { createLogger } from '../observability/logger.ts';
import { problemHandler } from './problem.ts';
import { authenticateOnce, rateLimit } from './rate-limit.ts';

describe('rate limiter without Redis', () => {
  // A real client pointed at a port nobody listens on: every command fails at once.
  const redis = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => undefined);
  afterAll(() => {
    redis.disconnect();
  });

  it('when Redis cannot be reached, then requests go through (fail open) and the failure is logged once', async () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'test', level: 'warn' });
    const child = Object.assign(Object.create(logger) as typeof logger, {
      warn: (_o: unknown, msg: string) => lines.push(msg),
    });
    const app = express();
    app.use(
      rateLimit({
        limit: 1,
        windowSeconds: 60,
        kv: new RedisStore(redis),
        logger: child,
        authenticate: () => Promise.resolve(undefined),
      }),
    );
    app.get('/x', (_req, res) => res.json({ ok: true }));
    app.use(problemHandler());
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`http://127.0.0.1:${String(port)}/x`)).status);
    server.close();
    expect(statuses).toEqual([200, 200, 200]);
    expect(lines).toEqual(['rate limiter cannot reach the key-value store; letting requests through']);
  });
});

describe('authenticateOnce', () => {
  it('when the limiter and the route both ask, then the authenticator runs once per request', async () => {
    let calls = 0;
    const once = authenticateOnce(() => {
      calls++;
      return Promise.resolve({ kind: 'user', id: 'usr_1', role: 'viewer' });
    });
    const request = (): express.Request => new IncomingMessage(new Socket()) as express.Request;
    const req = request();
    await once(req);
    await once(req);
    await once(request());
    expect(calls).toBe(2);
  });
});
