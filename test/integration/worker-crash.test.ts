import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, migrate } from '@payflow/api/store';
import { startRedis, type RedisInstance } from '../../hack/testenv/redis.ts';
import { startPostgres, type PostgresInstance } from '../../hack/testenv/postgres.ts';
import { createDatabase } from '../../hack/testenv/index.ts';
import { startProcess, waitFor } from '../../hack/testenv/proc.ts';
import { loadWorkerConfig } from '../../worker/src/config.ts';
import { startWorker } from '../../worker/src/app.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import {
  createTestQueues,
  drain,
  effects,
  event,
  exited,
  insertPayments,
  queueCounts,
  sendAll,
  shuffle,
  spawnWorker,
  sqs,
  waitUntil,
  workerEnvVars,
  type EventSpec,
  type TestQueues,
} from './worker-support.ts';

/** Events for `payments`: authorized → captured → settled each, plus ~10% duplicates, shuffled. */
function scenario(payments: readonly string[], seed: number): { events: EventSpec[]; bodies: string[] } {
  const events = payments.flatMap((p) => [
    event(p, 'payment.authorized'),
    event(p, 'payment.captured'),
    event(p, 'payment.settled'),
  ]);
  const bodies = events.map((e) => JSON.stringify(e));
  const dupes = bodies.filter((_, i) => i % 10 === 3);
  return { events, bodies: shuffle([...bodies, ...dupes], seed) };
}

describe('worker: crashes and outages lose or double nothing', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  const children: ChildProcess[] = [];

  const child = (url: string, queues: TestQueues, extra: Record<string, string> = {}): ChildProcess => {
    const c = spawnWorker({
      databaseUrl: url,
      redisUrl: env.redis.url,
      endpoint: env.sqs.endpoint,
      region: env.sqs.region,
      queues,
      extra: { CONCURRENCY: '4', ...extra },
    });
    children.push(c);
    return c;
  };
  const emptied = async (q: string, timeoutMs?: number): Promise<void> => {
    await waitUntil(
      'the queue to empty',
      async () => {
        const c = await queueCounts(client, q);
        return c.visible + c.inFlight === 0;
      },
      timeoutMs,
    );
  };
  /** sent = applied + dead-lettered (by event id), and no effect twice. */
  const check = async (
    db: ReturnType<typeof createPool>,
    queues: TestQueues,
    events: EventSpec[],
  ): Promise<void> => {
    const dead = new Set(
      (await drain(client, queues.dlq)).map(
        (m) => (JSON.parse(m.Body ?? '{}') as { event_id: string }).event_id,
      ),
    );
    const e = await effects(db);
    const sent = new Set(events.map((x) => x.event_id));
    const accounted = new Set([...e.applied, ...[...dead].filter((id) => !e.applied.has(id))]);
    expect([...sent].filter((id) => !accounted.has(id))).toEqual([]);
    expect(accounted.size).toBe(sent.size);
    expect(e.duplicatePaymentEvents).toBe(0);
    expect(e.duplicateAudit).toBe(0);
    expect(e.versionMismatch).toBe(0);
    const chain = await db.query('select * from audit_verify() where problem is not null');
    expect(chain.rows).toEqual([]);
  };

  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    client.destroy();
  });

  it('when a worker is killed with SIGKILL at random points of a run with duplicates and shuffled order, then sent = applied + dead-lettered and no effect is doubled', async () => {
    // CI size: 2,000 events (+10% duplicates). The benchmark-size run is WORKER_KILL_EVENTS=20000.
    const total = Number(process.env.WORKER_KILL_EVENTS ?? 2000);
    const url = await migratedDatabase('wkill');
    const db = createPool({ url, max: 4 });
    const queues = await createTestQueues(client);
    const payments = await insertPayments(db, Math.ceil(total / 3));
    const { events, bodies } = scenario(payments, 7);
    await sendAll(client, queues.events, bodies);
    let seed = 99;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const extra = { VISIBILITY_TIMEOUT: '3', BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1' };
    for (let kill = 0; kill < 6; kill++) {
      const c = child(url, queues, extra);
      await new Promise((r) => setTimeout(r, 700 + Math.floor(rnd() * 1500)));
      c.kill('SIGKILL');
      await exited(c);
    }
    const last = child(url, queues, extra);
    await emptied(queues.events, 150_000);
    last.kill('SIGTERM');
    await exited(last);
    const { rows } = await db.query<{ n: string }>(
      "select count(*)::text as n from processed_events where outcome = 'applied'",
    );
    expect(Number(rows[0]?.n)).toBeGreaterThan(0);
    await check(db, queues, events);
    await db.end();
  });

  /**
   * `count` payment.authorized events; a worker with the fault point crashes (SIGKILL) on them,
   * `afterCrash` inspects the database, a healthy worker finishes the queue; then every event
   * took effect exactly once.
   */
  async function crashThenRecover(
    fault: 'after-commit' | 'after-claim',
    count: number,
    afterCrash: (processed: number) => void,
  ): Promise<void> {
    const url = await migratedDatabase(fault === 'after-commit' ? 'wcommit' : 'wclaim');
    const db = createPool({ url, max: 2 });
    const queues = await createTestQueues(client);
    const payments = await insertPayments(db, count);
    const events = payments.map((p) => event(p, 'payment.authorized'));
    await sendAll(
      client,
      queues.events,
      events.map((e) => JSON.stringify(e)),
    );
    const crashing = child(url, queues, { PAYFLOW_WORKER_FAULT: fault, VISIBILITY_TIMEOUT: '2' });
    await exited(crashing);
    expect(crashing.signalCode).toBe('SIGKILL');
    const processed = await db.query<{ n: string }>('select count(*)::text as n from processed_events');
    afterCrash(Number(processed.rows[0]?.n));
    const c = child(url, queues, {
      VISIBILITY_TIMEOUT: '2',
      BACKOFF_BASE_SECONDS: '0.5',
      BACKOFF_CAP_SECONDS: '1',
    });
    await emptied(queues.events);
    c.kill('SIGTERM');
    await exited(c);
    await check(db, queues, events);
    const states = await db.query('select distinct current_state, version from payments');
    expect(states.rows).toEqual([{ current_state: 'authorized', version: 2 }]);
    await db.end();
  }

  it('when a worker dies after commit but before delete, then the redelivered events are recognised and not applied again', async () => {
    await crashThenRecover('after-commit', 30, (processed) => {
      expect(processed).toBeGreaterThan(0);
    });
  });

  it('when a worker dies after its Redis claim but before commit, then the events are applied once after the claim expires', async () => {
    await crashThenRecover('after-claim', 20, (processed) => {
      expect(processed).toBe(0);
    });
  });

  describe('with a private Redis', () => {
    let redis: RedisInstance;
    beforeAll(async () => {
      redis = await startRedis(mkdtempSync(join(tmpdir(), 'payflow-wredis-')));
    });
    afterAll(async () => {
      await redis.service.stop();
    });

    it('when Redis stops mid-run, then the worker goes on with Postgres alone and duplicates are still recognised', async () => {
      const url = await migratedDatabase('wredis');
      const db = createPool({ url, max: 2 });
      const queues = await createTestQueues(client);
      const payments = await insertPayments(db, 100);
      const { events, bodies } = scenario(payments, 11);
      const half = Math.floor(bodies.length / 2);
      const w = await startWorker(
        loadWorkerConfig(
          workerEnvVars({
            databaseUrl: url,
            redisUrl: redis.url,
            endpoint: env.sqs.endpoint,
            region: env.sqs.region,
            queues,
            extra: { BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1' },
          }),
        ),
      );
      await sendAll(client, queues.events, bodies.slice(0, half));
      await waitUntil('some events to be applied', async () => {
        const { rows } = await db.query<{ n: string }>('select count(*)::text as n from processed_events');
        return Number(rows[0]?.n) > 20;
      });
      await redis.service.stop();
      // The second half plus every body again: Redis cannot say "done" any more; Postgres must.
      await sendAll(client, queues.events, [...bodies.slice(half), ...bodies]);
      await emptied(queues.events);
      await w.stop();
      await check(db, queues, events);
      await db.end();
    });
  });

  describe('with a private Postgres', () => {
    let pgi: PostgresInstance;
    let restarted: { stop(): Promise<void> } | undefined;
    beforeAll(async () => {
      pgi = await startPostgres(mkdtempSync(join(tmpdir(), 'payflow-wpg-')));
    });
    afterAll(async () => {
      await restarted?.stop();
      await pgi.service.stop();
    });

    it('when Postgres restarts mid-run, then transactions in flight are retried and nothing is lost or doubled', async () => {
      const url = await createDatabase(pgi.url, 'wpgrestart');
      const db = createPool({ url, max: 2 });
      await migrate(db);
      const queues = await createTestQueues(client);
      const payments = await insertPayments(db, 150);
      const { events, bodies } = scenario(payments, 5);
      const w = await startWorker(
        loadWorkerConfig(
          workerEnvVars({
            databaseUrl: url,
            redisUrl: env.redis.url,
            endpoint: env.sqs.endpoint,
            region: env.sqs.region,
            queues,
            extra: {
              BACKOFF_BASE_SECONDS: '0.5',
              BACKOFF_CAP_SECONDS: '1',
              CONCURRENCY: '2',
            },
          }),
        ),
      );
      await sendAll(client, queues.events, bodies);
      await waitUntil('some events to be applied', async () => {
        const { rows } = await db.query<{ n: string }>('select count(*)::text as n from processed_events');
        return Number(rows[0]?.n) > 30;
      });
      // Stop the server (fast shutdown: open transactions abort) and start it again on the same data.
      const [command = '', ...args] = pgi.service.child.spawnargs;
      pgi.service.child.kill('SIGINT');
      await exited(pgi.service.child);
      await new Promise((r) => setTimeout(r, 1000));
      const again = startProcess({
        name: 'postgres',
        command,
        args,
        logFile: `${pgi.service.logFile}.2`,
        ...(process.getuid?.() === 0 ? await postgresIds() : {}),
      });
      restarted = again;
      await waitFor(
        'postgres after restart',
        async () => {
          try {
            await db.query('select 1');
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 60_000, service: again },
      );
      await emptied(queues.events, 120_000);
      await w.stop();
      await check(db, queues, events);
      await db.end();
    });
  });
});

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { execFileSync } = await import('node:child_process');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
