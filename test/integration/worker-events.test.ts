import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '@payflow/api/store';
import { idTimestamp, newId } from '@payflow/api/domain';
import { redrive } from '../../worker/src/redrive.ts';
import { loadWorkerConfig } from '../../worker/src/config.ts';
import { startWorker, type RunningWorker } from '../../worker/src/app.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import {
  createTestQueues,
  drain,
  effects,
  event,
  insertPayments,
  queueCounts,
  sendAll,
  spawnWorker,
  exited,
  sqs,
  waitUntil,
  workerEnvVars,
  type TestQueues,
} from './worker-support.ts';

describe('worker: payment events from SQS applied exactly once in effect', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  let url: string;
  let db: ReturnType<typeof createPool>;
  const running: RunningWorker[] = [];

  const start = async (queues: TestQueues, extra: Record<string, string> = {}): Promise<RunningWorker> => {
    const w = await startWorker(
      loadWorkerConfig(
        workerEnvVars({
          databaseUrl: url,
          redisUrl: env.redis.url,
          endpoint: env.sqs.endpoint,
          region: env.sqs.region,
          queues,
          extra,
        }),
      ),
    );
    running.push(w);
    return w;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(running.splice(0).map(async (w) => w.stop()));
  };
  const emptied = async (q: string): Promise<void> => {
    await waitUntil('the queue to empty', async () => {
      const c = await queueCounts(client, q);
      return c.visible + c.inFlight === 0;
    });
  };

  beforeAll(async () => {
    url = await migratedDatabase('worker');
    db = createPool({ url, max: 4 });
  });
  afterAll(async () => {
    await stopAll();
    await db.end();
    client.destroy();
  });

  it('when the same event is delivered 10 times at once to two workers, then it moves the payment once with one audit row', async () => {
    const queues = await createTestQueues(client);
    const [pay] = await insertPayments(db, 1);
    const ev = event(pay!, 'payment.authorized');
    const body = JSON.stringify(ev);
    await start(queues, { INSTANCE_ID: 'w-a', CONCURRENCY: '4' });
    await start(queues, { INSTANCE_ID: 'w-b', CONCURRENCY: '4' });
    await Promise.all(
      Array.from({ length: 10 }, async () =>
        client.send(new SendMessageCommand({ QueueUrl: queues.events, MessageBody: body })),
      ),
    );
    await emptied(queues.events);
    await stopAll();
    const p = await db.query<{ current_state: string; version: number }>(
      'select current_state, version from payments where id = $1',
      [pay],
    );
    expect(p.rows).toEqual([{ current_state: 'authorized', version: 2 }]);
    const audit = await db.query<{ action: string; before: Record<string, unknown>; after: unknown }>(
      'select action, before, after from audit_log where event_id = $1',
      [ev.event_id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['payment.authorized']);
    // The full payment after the change (made in SQL as before || the changed fields).
    const before = audit.rows[0]?.before ?? {};
    expect(before).toMatchObject({ id: pay, current_state: 'pending', version: 1 });
    const after: Record<string, unknown> = {
      ...before,
      current_state: 'authorized',
      version: 2,
      updated_at: expect.any(String) as unknown,
    };
    expect(audit.rows[0]?.after).toEqual(after);
    const pe = await db.query('select from_state, to_state, source from payment_events where event_id = $1', [
      ev.event_id,
    ]);
    expect(pe.rows).toEqual([{ from_state: 'pending', to_state: 'authorized', source: 'sqs' }]);
    const outbox = await db.query('select topic, event_type, payload from outbox where aggregate_id = $1', [
      pay,
    ]);
    expect(outbox.rows).toEqual([
      {
        topic: 'payment-updates',
        event_type: 'payment.authorized',
        payload: { event_id: ev.event_id, type: 'payment.authorized', from_state: 'pending', payment: after },
      },
    ]);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });

  it('when events are invalid, illegal or in the wrong currency, then each is rejected with its reason, audited and dead-lettered with the body intact', async () => {
    const queues = await createTestQueues(client);
    const [pay] = await insertPayments(db, 1);
    // A voided payment accepts nothing: no event can ever become legal on it (never parked).
    await db.query("update payments set current_state = 'voided' where id = $1", [pay]);
    const illegal = event(pay!, 'payment.captured');
    const currency = event(pay!, 'payment.authorized', { currency: 'EUR' });
    const noType = { ...event(pay!, 'payment.authorized'), type: 'payment.teleported' };
    const bodies = [
      JSON.stringify(illegal),
      JSON.stringify(currency),
      JSON.stringify(noType),
      '{"truncated":',
    ];
    await sendAll(client, queues.events, bodies);
    await start(queues);
    await emptied(queues.events);
    await stopAll();
    const dead = await drain(client, queues.dlq);
    expect(dead.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    const reasons: Record<string, string | undefined> = Object.fromEntries(
      dead.map((m) => [m.Body ?? '', m.MessageAttributes?.reason?.StringValue]),
    );
    expect(reasons[JSON.stringify(illegal)]).toMatch(/voided payment cannot go to captured/);
    expect(reasons[JSON.stringify(currency)]).toMatch(/currency EUR does not match the payment's USD/);
    expect(reasons[JSON.stringify(noType)]).toMatch(/^invalid event: type /);
    expect(reasons['{"truncated":']).toMatch(/not valid JSON/);
    const rejected = await db.query<{ event_id: string; reason: string }>(
      "select event_id, reason from processed_events where outcome = 'rejected' and event_id = any($1)",
      [[illegal.event_id, currency.event_id, noType.event_id]],
    );
    expect(rejected.rows).toHaveLength(3);
    const audit = await db.query<{ n: string }>(
      "select count(*)::text as n from audit_log where action = 'payment.event_rejected' and event_id = any($1)",
      [[illegal.event_id, currency.event_id, noType.event_id]],
    );
    expect(audit.rows[0]?.n).toBe('3');
    const p = await db.query('select current_state, version from payments where id = $1', [pay]);
    expect(p.rows).toEqual([{ current_state: 'voided', version: 1 }]);
    const parked = await db.query('select 1 from parked_events where payment_id = $1', [pay]);
    expect(parked.rows).toEqual([]);
  });

  it('when a message keeps failing, then SQS moves it to the DLQ after exactly maxReceiveCount receives, body intact', async () => {
    const queues = await createTestQueues(client, 3);
    // A database error on this event alone (a trigger refuses its processed_events row) is
    // retried on every receive: the safety net for failures, not for early events.
    const [pay] = await insertPayments(db, 1);
    const poisonEvent = event(pay!, 'payment.authorized');
    const poison = JSON.stringify(poisonEvent);
    await db.query(`create function poison_event() returns trigger language plpgsql as $$
      begin
        if new.event_id = '${poisonEvent.event_id}' then raise exception 'poisoned for the test'; end if;
        return new;
      end $$`);
    await db.query(
      'create trigger poison_event before insert on processed_events for each row execute function poison_event()',
    );
    await sendAll(client, queues.events, [poison]);
    const w = await start(queues, { BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1' });
    await emptied(queues.events);
    const metrics = await (await fetch(`http://127.0.0.1:${String(w.port)}/metrics`)).text();
    await stopAll();
    await db.query('drop trigger poison_event on processed_events');
    await db.query('drop function poison_event()');
    expect(metrics).toMatch(/payflow_worker_events_processed_total\{outcome="retry",service="worker"\} 3\n/);
    expect(metrics).toMatch(/payflow_worker_retries_total\{service="worker"\} 3\n/);
    const dead = await drain(client, queues.dlq);
    expect(dead.map((m) => m.Body)).toEqual([poison]);
    const rows = await db.query('select 1 from processed_events where event_id = $1', [poisonEvent.event_id]);
    expect(rows.rows).toEqual([]);
  });

  it('when a refund arrives before the capture, then it is parked and applied right after the capture', async () => {
    const queues = await createTestQueues(client);
    const [pay] = await insertPayments(db, 1);
    const events = [
      event(pay!, 'payment.authorized'),
      event(pay!, 'payment.captured'),
      event(pay!, 'payment.partially_refunded', { amount_minor: '300' }),
    ];
    await start(queues, { BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1' });
    await sendAll(client, queues.events, [JSON.stringify(events[2]), JSON.stringify(events[1])]);
    await new Promise((r) => setTimeout(r, 1500));
    await sendAll(client, queues.events, [JSON.stringify(events[0])]);
    await emptied(queues.events);
    await stopAll();
    const p = await db.query(
      'select current_state, refunded_minor::text, version from payments where id = $1',
      [pay],
    );
    expect(p.rows).toEqual([{ current_state: 'partially_refunded', refunded_minor: '300', version: 4 }]);
  });

  it('when rules are enabled, then enforce rules alert once per payment and flag, and shadow rules only record hits', async () => {
    const queues = await createTestQueues(client);
    // At one instant: each payment's window then holds all three (ids made a millisecond apart
    // gave the first a count of 1, and no alert).
    const pays = await insertPayments(db, 3, { payer: () => 'payer_rules', createdAt: new Date() });
    const rule = async (name: string, action: string, mode: string, definition: unknown): Promise<string> => {
      const id = newId('rul');
      await db.query(
        `insert into rules (id, name, action, mode, severity, definition) values ($1, $2, $3, $4, 'high', $5::jsonb)`,
        [id, name, action, mode, JSON.stringify(definition)],
      );
      return id;
    };
    const velocity = await rule('payer velocity', 'alert', 'enforce', {
      condition: { aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'gte', value: 3 },
    });
    const big = await rule('captured', 'flag', 'enforce', {
      condition: { field: 'state', op: 'eq', value: 'captured' },
    });
    const shadow = await rule('shadow all', 'hold', 'shadow', { condition: { all: [] } });
    const events = pays.flatMap((p) => [event(p, 'payment.authorized'), event(p, 'payment.captured')]);
    await sendAll(
      client,
      queues.events,
      events.map((e) => JSON.stringify(e)),
    );
    await start(queues);
    await emptied(queues.events);
    await stopAll();
    const alerts = await db.query<{ payment_id: string; dedupe_key: string }>(
      'select payment_id, dedupe_key from alerts where rule_id = $1 order by payment_id',
      [velocity],
    );
    expect(alerts.rows).toEqual(
      [...pays].sort().map((p) => ({ payment_id: p, dedupe_key: `${velocity}:${p}` })),
    );
    const hits = await db.query<{ rule_id: string; acted: boolean; n: string }>(
      'select rule_id, acted, count(*)::text as n from rule_hits group by rule_id, acted order by n, rule_id',
    );
    expect(hits.rows).toEqual(
      [
        { rule_id: big, acted: true, n: '3' },
        { rule_id: velocity, acted: true, n: '6' },
        { rule_id: shadow, acted: false, n: '6' },
      ].sort((a, b) => Number(a.n) - Number(b.n) || a.rule_id.localeCompare(b.rule_id)),
    );
    const flags = await db.query('select flagged, held from payments where id = any($1)', [pays]);
    expect(flags.rows).toEqual(pays.map(() => ({ flagged: true, held: false })));
    const flagAudit = await db.query<{ n: string }>(
      "select count(*)::text as n from audit_log where action = 'payment.flagged' and resource_id = any($1)",
      [pays],
    );
    expect(flagAudit.rows[0]?.n).toBe('3');
    const alertAudit = await db.query<{ n: string }>(
      "select count(*)::text as n from audit_log where action = 'alert.created'",
    );
    expect(alertAudit.rows[0]?.n).toBe('3');
    // Each hit names the version the worker evaluated.
    const versions = await db.query<{ rule_id: string; rule_version: number | null }>(
      'select distinct rule_id, rule_version from rule_hits where rule_id = any($1) order by rule_id',
      [[velocity, big, shadow]],
    );
    expect(versions.rows).toEqual(
      [velocity, big, shadow].sort().map((rule_id) => ({ rule_id, rule_version: 1 })),
    );
    await db.query('update rules set enabled = false where id = any($1)', [[velocity, big, shadow]]);
  });

  it('when a batch falls back to event by event, then its rule hits still name the version the worker evaluated', async () => {
    const queues = await createTestQueues(client);
    const pays = await insertPayments(db, 3, { payer: () => 'payer_fallback' });
    const rule = newId('rul');
    await db.query(
      `insert into rules (id, name, action, mode, severity, definition, version)
       values ($1, 'fallback payer', 'hold', 'shadow', 'low', $2::jsonb, 3)`,
      [rule, JSON.stringify({ condition: { field: 'payer_id', op: 'eq', value: 'payer_fallback' } })],
    );
    // A statement writing more than one payment event is refused, so every batch of several
    // events fails in the set-based path and is applied event by event (worker_apply_one). The
    // sequence, outside the refused transactions, counts the refusals.
    await db.query(`create sequence batch_refusals;
      create function refuse_batches() returns trigger language plpgsql as $$
      begin
        if (select count(*) from written) > 1 then
          perform nextval('batch_refusals');
          raise exception 'more than one payment event in a statement';
        end if;
        return null;
      end $$;
      create trigger refuse_batches after insert on payment_events
        referencing new table as written for each statement execute function refuse_batches();`);
    try {
      await sendAll(
        client,
        queues.events,
        pays.map((p) => JSON.stringify(event(p, 'payment.authorized'))),
      );
      await start(queues);
      await emptied(queues.events);
      await stopAll();
    } finally {
      await db.query(`drop trigger refuse_batches on payment_events; drop function refuse_batches();`);
      await db.query('update rules set enabled = false where id = $1', [rule]);
    }
    const refused = await db.query<{ n: string }>(
      'select case when is_called then last_value else 0 end::text as n from batch_refusals',
    );
    await db.query('drop sequence batch_refusals');
    expect(Number(refused.rows[0]?.n)).toBeGreaterThan(0);
    const hits = await db.query<{ payment_id: string; rule_version: number | null }>(
      'select payment_id, rule_version from rule_hits where rule_id = $1 order by payment_id',
      [rule],
    );
    expect(hits.rows).toEqual([...pays].sort().map((payment_id) => ({ payment_id, rule_version: 3 })));
  });

  it('when changes commit, then the relay publishes their outbox rows to the updates queue in order per payment and marks them', async () => {
    const queues = await createTestQueues(client);
    const pays = await insertPayments(db, 5);
    const events = pays.flatMap((p) => [
      event(p, 'payment.authorized'),
      event(p, 'payment.captured'),
      event(p, 'payment.settled'),
    ]);
    await start(queues, { BACKOFF_BASE_SECONDS: '0.5', BACKOFF_CAP_SECONDS: '1' });
    await sendAll(
      client,
      queues.events,
      events.map((e) => JSON.stringify(e)),
    );
    await emptied(queues.events);
    await waitUntil('the outbox to be published', async () => {
      const { rows } = await db.query<{ n: string }>(
        'select count(*)::text as n from outbox where aggregate_id = any($1) and published_at is null',
        [pays],
      );
      return rows[0]?.n === '0';
    });
    await stopAll();
    const updates = await drain(client, queues.updates);
    const mine = updates.filter((m) => pays.includes(m.MessageAttributes?.aggregate_id?.StringValue ?? ''));
    expect(mine).toHaveLength(15);
    for (const p of pays) {
      const seq = mine
        .filter((m) => m.MessageAttributes?.aggregate_id?.StringValue === p)
        .sort(
          (a, b) =>
            Number(a.MessageAttributes?.outbox_id?.StringValue) -
            Number(b.MessageAttributes?.outbox_id?.StringValue),
        )
        .map((m) => (JSON.parse(m.Body ?? '{}') as { type: string }).type);
      expect(seq).toEqual(['payment.authorized', 'payment.captured', 'payment.settled']);
    }
    const e = await effects(db);
    expect(e.duplicatePaymentEvents).toBe(0);
    expect(e.versionMismatch).toBe(0);
    const chain = await db.query('select * from audit_verify() where problem is not null');
    expect(chain.rows).toEqual([]);
  });

  it('when the worker runs, then /livez and /readyz answer, a heartbeat row is kept, and stop removes it', async () => {
    const queues = await createTestQueues(client);
    const w = await start(queues, { INSTANCE_ID: 'w-ops' });
    const base = `http://127.0.0.1:${String(w.port)}`;
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: true, sqs: true } });
    await waitUntil('the heartbeat row', async () => {
      const { rows } = await db.query("select component from service_heartbeats where instance_id = 'w-ops'");
      return rows.length === 1;
    });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      'payflow_worker_events_processed_total',
      'payflow_worker_processing_seconds_bucket',
      'payflow_worker_backlog_messages',
      'payflow_worker_retries_total',
      'payflow_worker_dlq_sent_total',
    ]) {
      expect(metrics).toContain(name);
    }
    await stopAll();
    const { rows } = await db.query("select 1 from service_heartbeats where instance_id = 'w-ops'");
    expect(rows).toEqual([]);
  });

  it('when SIGTERM arrives mid-run, then the worker finishes and deletes what it took, leaves nothing invisible, and exits 0', async () => {
    const queues = await createTestQueues(client);
    const pays = await insertPayments(db, 400);
    const events = pays.map((p) => event(p, 'payment.authorized'));
    await sendAll(
      client,
      queues.events,
      events.map((e) => JSON.stringify(e)),
    );
    const child = spawnWorker({
      databaseUrl: url,
      redisUrl: env.redis.url,
      endpoint: env.sqs.endpoint,
      region: env.sqs.region,
      queues,
      extra: { CONCURRENCY: '2', BATCH_SIZE: '5' },
    });
    await waitUntil('some events to be applied', async () => {
      const { rows } = await db.query<{ n: string }>(
        'select count(*)::text as n from processed_events where payment_id = any($1)',
        [pays],
      );
      return Number(rows[0]?.n) > 20;
    });
    child.kill('SIGTERM');
    await exited(child);
    expect(child.exitCode).toBe(0);
    const { rows } = await db.query<{ n: string }>(
      'select count(*)::text as n from processed_events where payment_id = any($1)',
      [pays],
    );
    const applied = Number(rows[0]?.n);
    expect(applied).toBeLessThan(400);
    expect(await queueCounts(client, queues.events)).toEqual({ visible: 400 - applied, inFlight: 0 });
  });

  it('when a rejected event is redriven after its payment appeared, then it is decided again and applied once', async () => {
    const queues = await createTestQueues(client);
    const payId = newId('pay');
    const ev = event(payId, 'payment.authorized');
    await sendAll(client, queues.events, [JSON.stringify(ev)]);
    // Parked for its payment, then past a horizon of 0 s: rejected and dead-lettered.
    await start(queues, { PARK_HORIZON_SECONDS: '0' });
    await emptied(queues.events);
    await waitUntil('the parked event to be dead-lettered', async () => {
      const { rows } = await db.query('select 1 from parked_events where event_id = $1', [ev.event_id]);
      return rows.length === 0;
    });
    const rejected = await db.query('select outcome from processed_events where event_id = $1', [
      ev.event_id,
    ]);
    expect(rejected.rows).toEqual([{ outcome: 'rejected' }]);
    await db.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       values ($1, $2, 'mer_1', 'payer_late', 1000, 'USD', 'pending')`,
      [payId, new Date(idTimestamp(payId))],
    );
    expect(await redrive({ sqs: client, dlqUrl: queues.dlq, queueUrl: queues.events })).toBe(1);
    await emptied(queues.events);
    await stopAll();
    const applied = await db.query('select outcome from processed_events where event_id = $1', [ev.event_id]);
    expect(applied.rows).toEqual([{ outcome: 'applied' }]);
    const p = await db.query('select current_state, version from payments where id = $1', [payId]);
    expect(p.rows).toEqual([{ current_state: 'authorized', version: 2 }]);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });
});
