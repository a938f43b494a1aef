// payflow replay against the real services: a merchant's history replayed from a database that
// holds all of it (a backup restored aside) into a stack whose worker applied part of it; then
// the same history replayed within the stack, shuffled, where all of it is already processed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { createPool } from '@payflow/api/store';
import { loadWorkerConfig } from '../../worker/src/config.ts';
import { startWorker, type RunningWorker } from '../../worker/src/app.ts';
import { freePort } from '../../hack/testenv/proc.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import { insertHistory, insertPayment, json, payflow, type HistoryEvent } from './tools-support.ts';
import {
  createTestQueues,
  queueCounts,
  sendAll,
  sqs,
  waitUntil,
  workerEnvVars,
  type TestQueues,
} from './worker-support.ts';

interface ReplayReport {
  mode: string;
  selected: number;
  before: { processed: number; recorded: number; unknown: number };
  sent: number;
  wait: { complete: boolean } | null;
  after: {
    already_processed: number;
    applied: number;
    parked: number;
    rejected: number;
    undecided: number;
  } | null;
  already_processed_effects: {
    unchanged: boolean;
    after: { paymentEvents: string; auditRows: string };
  } | null;
  events?: { event_id: string; worker: string }[];
}

describe('payflow replay', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  let targetUrl: string;
  let sourceUrl: string;
  let target: ReturnType<typeof createPool>;
  let source: ReturnType<typeof createPool>;
  let queues: TestQueues;
  let worker: RunningWorker;
  const merchant = 'MERC-REPLAY';
  const payments = [newId('pay'), newId('pay'), newId('pay')];
  const other = newId('pay');
  const history: HistoryEvent[] = [];
  let stackEnv: Record<string, string>;

  const step = (payment: string, type: string, fromTo: [string, string], at: number): HistoryEvent => ({
    event_id: newId('evt'),
    payment_id: payment,
    type,
    from: fromTo[0],
    to: fromTo[1],
    occurredAt: new Date(Date.now() - 3_600_000 + at * 1000),
  });

  beforeAll(async () => {
    [targetUrl, sourceUrl] = await Promise.all([migratedDatabase('replay_t'), migratedDatabase('replay_s')]);
    target = createPool({ url: targetUrl, max: 2 });
    source = createPool({ url: sourceUrl, max: 2 });
    queues = await createTestQueues(client);
    for (const db of [target, source]) {
      for (const id of payments)
        await insertPayment(db, { id, merchant, amountMinor: 1000n, currency: 'USD' });
      await insertPayment(db, { id: other, merchant: 'MERC-OTHER', amountMinor: 500n, currency: 'EUR' });
    }
    payments.forEach((p, i) => {
      history.push(step(p, 'payment.authorized', ['pending', 'authorized'], i * 10 + 1));
      history.push(step(p, 'payment.captured', ['authorized', 'captured'], i * 10 + 2));
    });
    history.push(step(payments[0]!, 'payment.settled', ['captured', 'settled'], 3));
    const otherEvent = step(other, 'payment.authorized', ['pending', 'authorized'], 40);
    // The source database holds the whole history, as the stack recorded it before it was lost.
    await insertHistory(source, [...history, otherEvent]);
    worker = await startWorker(
      loadWorkerConfig(
        workerEnvVars({ databaseUrl: targetUrl, endpoint: env.sqs.endpoint, region: env.sqs.region, queues }),
      ),
    );
    // The stack's worker applied the authorizations (and the other merchant's) before the loss.
    const applied = [...history.filter((e) => e.type === 'payment.authorized'), otherEvent];
    await sendAll(
      client,
      queues.events,
      applied.map((e) =>
        JSON.stringify({
          event_id: e.event_id,
          type: e.type,
          payment_id: e.payment_id,
          occurred_at: e.occurredAt.toISOString(),
        }),
      ),
    );
    await waitUntil('the worker to apply the authorizations', async () => {
      const { rows } = await target.query<{ n: number }>(
        "select count(*)::int as n from processed_events where outcome = 'applied'",
      );
      return rows[0]?.n === applied.length;
    });
    stackEnv = {
      DATABASE_URL: targetUrl,
      SQS_ENDPOINT: env.sqs.endpoint,
      AWS_REGION: env.sqs.region,
      SQS_EVENTS_QUEUE_URL: queues.events,
    };
  });

  afterAll(async () => {
    await worker.stop();
    await Promise.all([target.end(), source.end()]);
    client.destroy();
  });

  const states = async (): Promise<Record<string, string>> => {
    const { rows } = await target.query<{ id: string; current_state: string }>(
      'select id, current_state from payments where id = any($1)',
      [[...payments, other]],
    );
    return Object.fromEntries(rows.map((r) => [r.id, r.current_state]));
  };

  it("when a dry run is asked, then it lists the merchant's events with what the worker already processed and sends nothing", async () => {
    const run = await payflow(
      ['replay', '--merchant', merchant, '--from-database', sourceUrl, '--dry-run', '--json'],
      stackEnv,
    );
    expect(run.code, run.stderr).toBe(0);
    const r = json<ReplayReport>(run);
    expect(r.mode).toBe('dry-run');
    expect(r.selected).toBe(history.length);
    expect(r.before).toEqual({ processed: 3, recorded: 0, unknown: 4 });
    expect(new Set(r.events?.map((e) => e.event_id))).toEqual(new Set(history.map((e) => e.event_id)));
    const q = await queueCounts(client, queues.events);
    expect(q.visible + q.inFlight).toBe(0);
    expect(Object.values(await states())).toEqual(['authorized', 'authorized', 'authorized', 'authorized']);
  });

  it("when the merchant's history is replayed from the restored database, then the report shows 3 already processed and 4 applied, from the database", async () => {
    const run = await payflow(
      [
        'replay',
        '--merchant',
        merchant,
        '--from-database',
        sourceUrl,
        '--json',
        '--rate',
        '200',
        '--wait',
        '60',
      ],
      stackEnv,
    );
    expect(run.code, run.stderr).toBe(0);
    const r = json<ReplayReport>(run);
    expect(r.sent).toBe(7);
    expect(r.wait?.complete).toBe(true);
    expect(r.after).toEqual({
      already_processed: 3,
      applied: 4,
      ignored: 0,
      parked: 0,
      rejected: 0,
      undecided: 0,
    });
    expect(r.already_processed_effects?.unchanged).toBe(true);
    // Independently: the payments moved as their history says; the other merchant untouched.
    const s = await states();
    expect(s[payments[0]!]).toBe('settled');
    expect(s[payments[1]!]).toBe('captured');
    expect(s[payments[2]!]).toBe('captured');
    expect(s[other]).toBe('authorized');
    const { rows } = await target.query<{ n: number; d: number }>(
      'select count(*)::int as n, count(distinct event_id)::int as d from payment_events where payment_id = any($1)',
      [payments],
    );
    expect(rows[0]).toEqual({ n: 7, d: 7 });
  });

  it('when the same history is replayed again within the stack, shuffled, then all of it is already processed and nothing changes', async () => {
    const auditBefore = await target.query<{ n: number }>('select count(*)::int as n from audit_log');
    const run = await payflow(
      ['replay', '--merchant', merchant, '--order', 'shuffled', '--seed', '7', '--rate', '200', '--json'],
      stackEnv,
    );
    expect(run.code, run.stderr).toBe(0);
    const r = json<ReplayReport>(run);
    expect(r.before).toEqual({ processed: 7, recorded: 0, unknown: 0 });
    expect(r.after).toEqual({
      already_processed: 7,
      applied: 0,
      ignored: 0,
      parked: 0,
      rejected: 0,
      undecided: 0,
    });
    expect(r.already_processed_effects).toMatchObject({
      unchanged: true,
      after: { paymentEvents: '7', auditRows: '7' },
    });
    const auditAfter = await target.query<{ n: number }>('select count(*)::int as n from audit_log');
    expect(auditAfter.rows[0]?.n).toBe(auditBefore.rows[0]?.n);
    const { rows } = await target.query<{ ok: boolean }>(
      'select bool_and(first_bad_id is null) as ok from audit_verify()',
    );
    expect(rows[0]?.ok).toBe(true);
  });

  it('when the report is printed for a person, then it says the same from the database in words', async () => {
    const run = await payflow(['replay', '--payment', payments[0]!, '--rate', '200'], stackEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('selected: 3 events');
    expect(run.stdout).toContain('worker: finished');
    expect(run.stdout).toMatch(/already processed before \(no effect\): +3\n/);
    expect(run.stdout).toMatch(/applied by this replay: +0\n/);
    expect(run.stdout).toMatch(
      /effects of the already processed events: unchanged \(3 event rows, 3 audit rows, 3 dedup records\)/,
    );
    // Progress went to stderr as plain lines (not a terminal), never into the report.
    expect(run.stderr).toMatch(/^replay: 3\/3 in /m);
    expect(run.stdout).not.toContain('replay: 3/3');
  });

  it('when events recorded by the API would be re-decided, then the replay refuses before sending anything', async () => {
    const apiEvent = step(other, 'payment.captured', ['authorized', 'captured'], 50);
    await insertHistory(target, [{ ...apiEvent, source: 'api' }]);
    const run = await payflow(['replay', '--payment', other, '--source', 'api'], stackEnv);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /1 of the selected events were recorded by the stack without a worker dedup record/,
    );
  });

  it('when SQS is unreachable, then exit 3 naming SQS and its address', async () => {
    const port = await freePort();
    const run = await payflow(
      ['replay', '--merchant', merchant, '--sqs-endpoint', `http://127.0.0.1:${String(port)}`],
      stackEnv,
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`payflow replay: SQS at http://127.0.0.1:${String(port)} is unreachable`);
  });

  it('when the selection is missing or a flag is malformed, then exit 2 naming it', async () => {
    const none = await payflow(['replay'], stackEnv);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/say what to replay/);
    const rate = await payflow(['replay', '--merchant', merchant, '--rate', 'fast'], stackEnv);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toMatch(/--rate must be a number/);
    const state = await payflow(['replay', '--state', 'lost'], stackEnv);
    expect(state.code).toBe(2);
    expect(state.stderr).toMatch(/--state must be one of pending, /);
  });
});
