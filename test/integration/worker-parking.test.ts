// Events that arrive before the state they need (or before their payment) are parked in
// Postgres and applied when their predecessor is, whatever their occurred_at and however long
// the predecessor takes: replays of month-old history, shuffled and duplicated; a predecessor
// later than every SQS redelivery; a worker killed while it releases parked events; the horizon.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideCommand, idTimestamp, newId } from '@payflow/api/domain';
import { lockPayment, recordTransition } from '@payflow/api/payments';
import { createPool } from '@payflow/api/store';
import { loadWorkerConfig } from '../../worker/src/config.ts';
import { startWorker, type RunningWorker } from '../../worker/src/app.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import {
  createTestQueues,
  drain,
  effects,
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

const MONTH_MS = 30 * 86_400_000;

/** The life of one payment as the processor reports it: the events and the state they lead to. */
const LIVES = [
  { types: ['payment.authorized', 'payment.captured', 'payment.settled'], state: 'settled', refunded: '0' },
  { types: ['payment.authorized', 'payment.voided'], state: 'voided', refunded: '0' },
  {
    types: ['payment.authorized', 'payment.captured', 'payment.refunded'],
    state: 'refunded',
    refunded: '1000',
  },
  {
    types: ['payment.authorized', 'payment.captured', 'payment.partially_refunded'],
    state: 'partially_refunded',
    refunded: '300',
  },
] as const;

/** A month-old history: each payment's events one second apart, from 30 days ago. */
function history(payments: readonly string[]): {
  events: EventSpec[];
  life: Map<string, (typeof LIVES)[number]>;
} {
  let at = Date.now() - MONTH_MS;
  const life = new Map<string, (typeof LIVES)[number]>();
  const events = payments.flatMap((p, i) => {
    const l = LIVES[i % LIVES.length] ?? LIVES[0];
    life.set(p, l);
    return l.types.map((type) => ({
      event_id: newId('evt'),
      type,
      payment_id: p,
      occurred_at: new Date((at += 1000)).toISOString(),
      ...(type === 'payment.partially_refunded' ? { amount_minor: '300' } : {}),
    }));
  });
  return { events, life };
}

describe('worker: early events are parked in Postgres and applied in order', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  let url: string;
  let db: ReturnType<typeof createPool>;
  const running: RunningWorker[] = [];
  const children: ChildProcess[] = [];

  const start = async (queues: TestQueues, extra: Record<string, string> = {}): Promise<RunningWorker> => {
    const w = await startWorker(
      loadWorkerConfig(
        workerEnvVars({
          databaseUrl: url,
          redisUrl: env.redis.url,
          endpoint: env.sqs.endpoint,
          region: env.sqs.region,
          queues,
          extra: { BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1', ...extra },
        }),
      ),
    );
    running.push(w);
    return w;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.splice(0).map(async (w) => w.stop()));
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
  const parkedCount = async (payments: readonly string[]): Promise<number> => {
    const { rows } = await db.query<{ n: number }>(
      'select count(*)::int as n from parked_events where payment_id = any($1)',
      [payments],
    );
    return rows[0]?.n ?? 0;
  };
  const metricsOf = async (w: RunningWorker): Promise<string> =>
    (await fetch(`http://127.0.0.1:${String(w.port)}/metrics`)).text();
  const metric = (text: string, name: string): number =>
    Number(new RegExp(`^payflow_${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

  /** Every payment in the state its events lead to, with one audit row per event, in order. */
  const expectLives = async (
    events: readonly EventSpec[],
    life: ReadonlyMap<string, (typeof LIVES)[number]>,
  ): Promise<void> => {
    const payments = [...life.keys()];
    const { rows } = await db.query<{ id: string; current_state: string; refunded: string; version: number }>(
      'select id, current_state, refunded_minor::text as refunded, version from payments where id = any($1)',
      [payments],
    );
    const got = new Map(rows.map((r) => [r.id, r]));
    const wrong = payments.filter((p) => {
      const l = life.get(p);
      const r = got.get(p);
      return (
        r?.current_state !== l?.state ||
        r?.refunded !== l?.refunded ||
        r?.version !== (l?.types.length ?? 0) + 1
      );
    });
    expect(wrong).toEqual([]);
    const audit = await db.query<{ resource_id: string; actions: string[]; event_ids: string[] }>(
      `select resource_id, array_agg(action order by chain_seq) as actions,
              array_agg(event_id order by chain_seq) as event_ids
         from audit_log where resource_type = 'payment' and resource_id = any($1) group by resource_id`,
      [payments],
    );
    const trails = new Map(audit.rows.map((r) => [r.resource_id, r]));
    const byPayment = new Map<string, string[]>();
    for (const e of events) byPayment.set(e.payment_id, [...(byPayment.get(e.payment_id) ?? []), e.event_id]);
    const badTrail = payments.filter((p) => {
      const t = trails.get(p);
      return (
        JSON.stringify(t?.actions) !== JSON.stringify(life.get(p)?.types) ||
        JSON.stringify(t?.event_ids) !== JSON.stringify(byPayment.get(p))
      );
    });
    expect(badTrail).toEqual([]);
    const e = await effects(db);
    expect(e.duplicatePaymentEvents).toBe(0);
    expect(e.duplicateAudit).toBe(0);
    expect(e.versionMismatch).toBe(0);
    expect(await parkedCount(payments)).toBe(0);
    const chain = await db.query('select * from audit_verify() where problem is not null');
    expect(chain.rows).toEqual([]);
  };

  beforeAll(async () => {
    url = await migratedDatabase('wpark');
    db = createPool({ url, max: 4 });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await stopAll();
    await db.end();
    client.destroy();
  });

  it('when a month-old history is replayed shuffled with duplicates, some of it before its payments exist, then every payment reaches the state its events lead to, one audit row per event in order, and nothing is dead-lettered', async () => {
    const queues = await createTestQueues(client);
    const known = await insertPayments(db, 240);
    // Payments the replay reaches before they are created: ids made now, rows inserted later.
    const late: string[] = Array.from({ length: 24 }, () => newId('pay'));
    const { events, life } = history([...known, ...late]);
    const bodies = events.map((e) => JSON.stringify(e));
    const dupes = bodies.filter((_, i) => i % 7 === 2);
    await sendAll(client, queues.events, shuffle([...bodies, ...dupes], 3));
    await start(queues, { CONCURRENCY: '4', BATCH_SIZE: '50' });
    await emptied(queues.events);
    // Every event of a payment that does not exist yet waits, once, however many copies came.
    await waitUntil('the late payments’ events to be parked', async () => {
      return (await parkedCount(late)) === events.filter((e) => late.includes(e.payment_id)).length;
    });
    await db.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       select id, created_at, 'mer_1', 'payer_late', 1000, 'USD', 'pending'
         from unnest($1::text[], $2::timestamptz[]) as t(id, created_at)`,
      [late, late.map((id) => new Date(idTimestamp(id)))],
    );
    await waitUntil('the parked events to be applied', async () => (await parkedCount(late)) === 0);
    await stopAll();
    await expectLives(events, life);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });

  it('when a predecessor comes later than maxReceiveCount × the backoff, then the events that waited for it are still applied, and /metrics shows them parked until then', async () => {
    const queues = await createTestQueues(client, 2);
    const [pay] = await insertPayments(db, 1);
    const { events, life } = history([pay!]);
    const [authorized, ...rest] = events;
    const w = await start(queues);
    await sendAll(
      client,
      queues.events,
      rest.map((e) => JSON.stringify(e)),
    );
    await emptied(queues.events);
    await waitUntil('both to be parked and counted', async () => {
      const text = await metricsOf(w);
      return (
        metric(text, 'worker_parked_events') === 2 && metric(text, 'worker_parked_oldest_age_seconds') > 0
      );
    });
    // Longer than SQS would have kept redelivering them (2 receives, backoff capped at 1 s).
    await new Promise((r) => setTimeout(r, 3000));
    await sendAll(client, queues.events, [JSON.stringify(authorized)]);
    await emptied(queues.events);
    await waitUntil('the parked events to be applied', async () => (await parkedCount([pay!])) === 0);
    await waitUntil(
      'the gauge to drop',
      async () => metric(await metricsOf(w), 'worker_parked_events') === 0,
    );
    const text = await metricsOf(w);
    await stopAll();
    expect(metric(text, 'worker_parked_released_total')).toBe(2);
    expect(text).toMatch(/payflow_worker_events_processed_total\{outcome="parked",service="worker"\} 2\n/);
    await expectLives(events, life);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });

  it('when a parked event’s payment is moved by an API command instead, then the parking lot applies it', async () => {
    const queues = await createTestQueues(client);
    const [pay] = await insertPayments(db, 1);
    const at = new Date(Date.now() - MONTH_MS);
    const ev = (type: string, ms: number): EventSpec => ({
      event_id: newId('evt'),
      type,
      payment_id: pay!,
      occurred_at: new Date(at.getTime() + ms).toISOString(),
    });
    await start(queues);
    await sendAll(client, queues.events, [JSON.stringify(ev('payment.authorized', 0))]);
    await emptied(queues.events);
    const settled = ev('payment.settled', 2000);
    await sendAll(client, queues.events, [JSON.stringify(settled)]);
    await emptied(queues.events);
    await waitUntil('the settlement to be parked', async () => (await parkedCount([pay!])) === 1);
    // An operator captures through the API's command path.
    const c = await db.connect();
    try {
      await c.query('begin');
      const p = await lockPayment(c, pay!);
      if (!p) throw new Error('payment not found');
      await recordTransition(c, {
        payment: p,
        decision: decideCommand(p, { kind: 'capture' }),
        type: 'payment.captured',
        source: 'api',
        actor: { actorType: 'user', actorId: 'usr_test' },
        eventId: newId('evt'),
        occurredAt: new Date(),
        data: {},
      });
      await c.query('commit');
    } finally {
      c.release();
    }
    await waitUntil('the parked settlement to be applied', async () => (await parkedCount([pay!])) === 0);
    await stopAll();
    const p = await db.query('select current_state, version from payments where id = $1', [pay]);
    expect(p.rows).toEqual([{ current_state: 'settled', version: 4 }]);
    const applied = await db.query('select outcome from processed_events where event_id = $1', [
      settled.event_id,
    ]);
    expect(applied.rows).toEqual([{ outcome: 'applied' }]);
  });

  it('when a parked event outlives the horizon, then it is rejected, audited and dead-lettered with its body and a reason naming what it waited for', async () => {
    const queues = await createTestQueues(client);
    const [pay] = await insertPayments(db, 1);
    const unknown = newId('pay');
    const captured = {
      event_id: newId('evt'),
      type: 'payment.captured',
      payment_id: pay!,
      occurred_at: new Date(Date.now() - MONTH_MS).toISOString(),
    };
    const orphan = { ...captured, event_id: newId('evt'), type: 'payment.authorized', payment_id: unknown };
    const bodies = [JSON.stringify(captured), JSON.stringify(orphan)];
    await start(queues, { PARK_HORIZON_SECONDS: '1' });
    await sendAll(client, queues.events, [...bodies, bodies[0] ?? '']);
    await emptied(queues.events);
    const dead: Awaited<ReturnType<typeof drain>> = [];
    await waitUntil('both to be dead-lettered', async () => {
      dead.push(...(await drain(client, queues.dlq)));
      return dead.length >= 2;
    });
    await stopAll();
    expect(dead.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    const reason = (id: string): string | undefined =>
      dead.find((m) => m.MessageAttributes?.event_id?.StringValue === id)?.MessageAttributes?.reason
        ?.StringValue;
    expect(reason(captured.event_id)).toMatch(
      /past the parking horizon of 1 s, waiting for the payment to reach authorized \(it is pending\): A pending payment cannot go to captured/,
    );
    expect(reason(orphan.event_id)).toMatch(
      new RegExp(`past the parking horizon of 1 s, waiting for payment ${unknown} to be created`),
    );
    const rejected = await db.query<{ event_id: string }>(
      "select event_id from processed_events where outcome = 'rejected' and event_id = any($1) order by event_id",
      [[captured.event_id, orphan.event_id]],
    );
    expect(rejected.rows).toHaveLength(2);
    const audit = await db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where action = 'payment.event_rejected' and event_id = any($1)",
      [[captured.event_id, orphan.event_id]],
    );
    expect(audit.rows[0]?.n).toBe(2);
    expect(await parkedCount([pay!, unknown])).toBe(0);
    const p = await db.query('select current_state, version from payments where id = $1', [pay]);
    expect(p.rows).toEqual([{ current_state: 'pending', version: 1 }]);
  });

  it('when workers are killed with SIGKILL while they release parked events, then every event still takes effect exactly once', async () => {
    const queues = await createTestQueues(client);
    const payments = await insertPayments(db, 120);
    const { events, life } = history(payments);
    const first = events.filter((e) => e.type === 'payment.authorized');
    const rest = events.filter((e) => e.type !== 'payment.authorized');
    const child = (extra: Record<string, string> = {}): ChildProcess => {
      const c = spawnWorker({
        databaseUrl: url,
        redisUrl: env.redis.url,
        endpoint: env.sqs.endpoint,
        region: env.sqs.region,
        queues,
        extra: {
          CONCURRENCY: '2',
          BATCH_SIZE: '5',
          VISIBILITY_TIMEOUT: '3',
          BACKOFF_BASE_SECONDS: '0.5',
          BACKOFF_CAP_SECONDS: '1',
          ...extra,
        },
      });
      children.push(c);
      return c;
    };
    // Everything after authorization waits, parked.
    await sendAll(
      client,
      queues.events,
      rest.map((e) => JSON.stringify(e)),
    );
    const parker = child({ BATCH_SIZE: '100', CONCURRENCY: '4' });
    await emptied(queues.events);
    await waitUntil('the rest to be parked', async () => (await parkedCount(payments)) === rest.length);
    parker.kill('SIGTERM');
    await exited(parker);
    // The predecessors, with duplicates: each releases its payment's parked events.
    await sendAll(
      client,
      queues.events,
      shuffle(
        [...first, ...first.slice(0, 50)].map((e) => JSON.stringify(e)),
        9,
      ),
    );
    let seed = 5;
    const rnd = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let kills = 0;
    for (let before = rest.length; kills < 3 && before > 0; kills++) {
      const c = child();
      // Killed while it releases: once it has released some, at a random point after that.
      await waitUntil(
        'some parked events to be released',
        async () => (await parkedCount(payments)) < before,
      );
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 400)));
      c.kill('SIGKILL');
      await exited(c);
      before = await parkedCount(payments);
    }
    expect(kills).toBeGreaterThan(0);
    const last = child();
    await emptied(queues.events, 120_000);
    await waitUntil('every parked event to be applied', async () => (await parkedCount(payments)) === 0);
    last.kill('SIGTERM');
    await exited(last);
    await expectLives(events, life);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });
});
