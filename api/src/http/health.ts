import { Router } from 'express';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { sendProblem } from './problem.ts';

export interface HealthDeps {
  pool: pg.Pool;
  redis: Redis;
  timeoutMs: number;
}

type CheckResult = { status: 'ok' } | { status: 'failed'; error: string };

async function withTimeout(what: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${String(ms)} ms`));
    }, ms);
  });
  try {
    await Promise.race([what, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function check(probe: () => Promise<unknown>, ms: number): Promise<CheckResult> {
  try {
    await withTimeout(probe(), ms);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'failed', error: (err as Error).message };
  }
}

/** `/livez` checks nothing but the process; `/readyz` checks Postgres and Redis. */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const [postgres, redis] = await Promise.all([
      check(() => deps.pool.query('select 1'), deps.timeoutMs),
      check(() => deps.redis.ping(), deps.timeoutMs),
    ]);
    const checks = { postgres, redis };
    if (postgres.status === 'ok' && redis.status === 'ok') {
      res.json({ status: 'ok', checks });
      return;
    }
    sendProblem(res, {
      type: 'https://payflow.dev/problems/not-ready',
      title: 'Not ready',
      status: 503,
      detail: 'a dependency did not answer',
      instance: req.originalUrl,
      checks,
    });
  });
  return router;
}
