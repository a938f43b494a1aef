// Parked events as operators see them through the API: counted in GET /queue/stats and in the
// system health's worker component, listed per payment (also one not created yet). The events
// are parked by the worker's own apply path (applyBatch, as the SQS consumer calls it).
import { randomBytes } from 'node:crypto';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { applyBatch, type ApplyContext } from '../../worker/src/apply.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { testenv } from '../support/env.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';
import { insertPayments, waitUntil } from './worker-support.ts';

interface ParkedFigures {
  count: number;
  payments: number;
  oldest_age_seconds: number | null;
  dead_letter_pending: number;
}
interface ParkedEntry {
  event_id: string;
  type: string;
  occurred_at: string;
  parked_at: string;
  age_seconds: number;
  waiting_for: string;
  reason: string;
  status: string;
  dead_reason: string | null;
  event: Record<string, unknown>;
}

describe('parked events through the API', () => {
  const env = testenv();
  const sqs = createSqsClient({ region: env.sqs.region, endpoint: env.sqs.endpoint });
  let t: OpsApi;

  const ctx = (): ApplyContext => ({
    pool: t.api.deps.pool,
    actor: 'worker-test',
    rules: () => Promise.resolve([]),
  });
  const deliver = async (events: Record<string, unknown>[]): Promise<string[]> => {
    const verdicts = await applyBatch(
      ctx(),
      events.map((e, i) => ({
        body: JSON.stringify(e),
        messageId: `m-${String(i)}`,
        firstReceiveAt: Date.now(),
      })),
    );
    return verdicts.map((v) => (v.kind === 'done' ? v.outcome : v.kind));
  };
  const at = (daysAgo: number, s = 0): string =>
    new Date(Date.now() - daysAgo * 86_400_000 + s * 1000).toISOString();

  beforeAll(async () => {
    const suffix = randomBytes(4).toString('hex');
    const onEndpoint = (url: string | undefined): string =>
      `${env.sqs.endpoint}${url!.slice(url!.indexOf('/', 'http://'.length))}`;
    const queueUrl = onEndpoint(
      (await sqs.send(new CreateQueueCommand({ QueueName: `parked-events-${suffix}` }))).QueueUrl,
    );
    t = await startOpsApi({
      SQS_ENDPOINT: env.sqs.endpoint,
      AWS_REGION: env.sqs.region,
      SQS_EVENTS_QUEUE_URL: queueUrl,
    });
  });
  afterAll(async () => {
    await t.close();
    sqs.destroy();
  });

  it('when nothing is parked, then queue stats and health say zero and a payment lists none', async () => {
    const stats = await t.call<{ queues: { parked: ParkedFigures | null }[] }>('GET', '/api/v1/queue/stats', {
      role: 'viewer',
    });
    expect(stats.status).toBe(200);
    expect(stats.body.queues[0]?.parked).toEqual({
      count: 0,
      payments: 0,
      oldest_age_seconds: null,
      dead_letter_pending: 0,
    });
    const health = await t.call<{ components: { name: string; parked?: ParkedFigures }[] }>(
      'GET',
      '/api/v1/health',
      { role: 'viewer' },
    );
    expect(health.body.components.find((c) => c.name === 'worker')?.parked).toMatchObject({ count: 0 });
    const [pay] = await insertPayments(t.api.deps.pool, 1);
    const list = await t.call<{ data: ParkedEntry[] }>('GET', `/api/v1/transactions/${pay!}/parked-events`, {
      role: 'viewer',
    });
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([]);
    const missing = await t.call('GET', `/api/v1/transactions/${newId('pay')}/parked-events`, {
      role: 'viewer',
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('when events wait for their predecessor or their payment, then queue stats and health count them and each payment lists its own in the order they will be tried', async () => {
    const [pay] = await insertPayments(t.api.deps.pool, 1);
    const unknown = newId('pay');
    const settled = {
      event_id: newId('evt'),
      type: 'payment.settled',
      payment_id: pay!,
      occurred_at: at(30, 2),
    };
    const captured = {
      event_id: newId('evt'),
      type: 'payment.captured',
      payment_id: pay!,
      occurred_at: at(30, 1),
    };
    const orphan = {
      event_id: newId('evt'),
      type: 'payment.authorized',
      payment_id: unknown,
      occurred_at: at(29),
    };
    expect(await deliver([settled, captured, orphan, settled])).toEqual([
      'parked',
      'parked',
      'parked',
      'parked',
    ]);

    // Queue stats are shared for a second (QUEUE_STATS_TTL_MS): read until this second's figures.
    let figures: ParkedFigures | null | undefined;
    await waitUntil('queue stats to count them', async () => {
      const stats = await t.call<{ queues: { parked: ParkedFigures | null }[] }>(
        'GET',
        '/api/v1/queue/stats',
        {
          role: 'viewer',
        },
      );
      figures = stats.body.queues[0]?.parked;
      return figures?.count !== 0;
    });
    expect(figures).toMatchObject({ count: 3, payments: 2, dead_letter_pending: 0 });
    expect(figures?.oldest_age_seconds).toBeGreaterThanOrEqual(0);

    const health = await t.call<{ components: { name: string; parked?: ParkedFigures; message?: string }[] }>(
      'GET',
      '/api/v1/health',
      { role: 'viewer' },
    );
    const worker = health.body.components.find((c) => c.name === 'worker');
    expect(worker?.parked).toMatchObject({ count: 3, payments: 2 });
    expect(worker?.message).toMatch(/3 events parked for 2 payments, the oldest for [\d.]+ s/);

    const list = await t.call<{ data: ParkedEntry[] }>('GET', `/api/v1/transactions/${pay!}/parked-events`, {
      role: 'viewer',
    });
    expect(list.status).toBe(200);
    expect(list.body.data.map((e) => [e.event_id, e.type, e.waiting_for, e.status])).toEqual([
      [captured.event_id, 'payment.captured', 'authorized', 'parked'],
      [settled.event_id, 'payment.settled', 'captured', 'parked'],
    ]);
    expect(list.body.data[0]?.reason).toMatch(/pending payment cannot go to captured/);
    expect(list.body.data[0]?.occurred_at).toBe(captured.occurred_at);
    expect(list.body.data[0]?.event).toEqual(captured);
    // A payment that does not exist yet: its parked events are still listed under its id.
    const early = await t.call<{ data: ParkedEntry[] }>(
      'GET',
      `/api/v1/transactions/${unknown}/parked-events`,
      {
        role: 'viewer',
      },
    );
    expect(early.status).toBe(200);
    expect(early.body.data.map((e) => [e.event_id, e.waiting_for])).toEqual([[orphan.event_id, 'payment']]);

    // The predecessor releases both, in order, in its own transaction.
    const authorized = {
      event_id: newId('evt'),
      type: 'payment.authorized',
      payment_id: pay!,
      occurred_at: at(30),
    };
    expect(await deliver([authorized])).toEqual(['applied']);
    const after = await t.call<{ data: ParkedEntry[] }>('GET', `/api/v1/transactions/${pay!}/parked-events`, {
      role: 'viewer',
    });
    expect(after.body.data).toEqual([]);
    const p = await t.api.deps.pool.query('select current_state, version from payments where id = $1', [pay]);
    expect(p.rows).toEqual([{ current_state: 'settled', version: 4 }]);
  });

  it('when the OpenAPI document is read, then it describes the parked events endpoint and figures', async () => {
    const res = await t.call<{
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    }>('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toContain('/api/v1/transactions/{transactionId}/parked-events');
    expect(Object.keys(res.body.components.schemas)).toContain('ParkedEvents');
  });
});
