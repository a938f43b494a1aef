import { Router } from 'express';
import type { KeyValueStore } from '../kv/index.ts';
import type pg from 'pg';
import { sendProblem } from './problem.ts';

export interface HealthDeps {
  pool: pg.Pool;
  kv: KeyValueStore;
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

/**
 * `/livez` checks nothing but the process; `/readyz` checks Postgres and, when the API keeps its
 * counters there, Redis. `kv` says which: `redis`, or `memory` (no REDIS_URL: this process only).
 */
export function healthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get('/livez', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const kv = deps.kv.mode;
    const [postgres, redis] = await Promise.all([
      check(() => deps.pool.query('select 1'), deps.timeoutMs),
      kv === 'redis' ? check(() => deps.kv.ping(), deps.timeoutMs) : undefined,
    ]);
    const checks = redis ? { postgres, redis } : { postgres };
    if (postgres.status === 'ok' && (redis?.status ?? 'ok') === 'ok') {
      res.json({ status: 'ok', kv, checks });
      return;
    }
    sendProblem(res, {
      type: 'https://payflow.dev/problems/not-ready',
      title: 'Not ready',
      status: 503,
      detail: 'a dependency did not answer',
      instance: req.originalUrl,
      kv,
      checks,
    });
  });
  return router;
}
