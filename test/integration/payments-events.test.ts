import { randomBytes } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsClient } from '../../hack/testenv/index.ts';
import { testenv } from '../support/env.ts';
import { startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

describe('POST /api/v1/events queues processor events on SQS', () => {
  let h: PaymentsHarness;
  let noQueue: PaymentsHarness;
  let sqs: SQSClient;
  let queueUrl: string;

  beforeAll(async () => {
    const env = testenv();
    sqs = sqsClient(env.sqs.endpoint, env.sqs.region);
    // A queue of this file's own, so that no other test sees these messages.
    const name = `ingest-${randomBytes(4).toString('hex')}`;
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    // fauxqs answers with a host name (sqs.<region>.127.0.0.1) that WHATWG URL parsing (and so
    // the config's check) refuses; the same queue under the endpoint's own address works.
    queueUrl = `${env.sqs.endpoint}/${out.QueueUrl!.split('/').slice(3).join('/')}`;
    h = await startPaymentsApi('ingest', { SQS_ENDPOINT: env.sqs.endpoint, SQS_EVENTS_QUEUE_URL: queueUrl });
    noQueue = await startPaymentsApi('ingestnq');
  });
  afterAll(async () => {
    await h.close();
    await noQueue.close();
    sqs.destroy();
  });

  const event = (over: Record<string, unknown> = {}) => ({
    event_id: `evt_ext_${randomBytes(6).toString('hex')}`,
    type: 'payment.authorized',
    payment_id: 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG',
    occurred_at: '2026-01-31T12:00:00Z',
    ...over,
  });

  it('when a valid event is posted, then it is 202 and the same event is on the queue with its id attribute', async () => {
    const e = event({ amount_minor: '1999', currency: 'USD' });
    const res = await h.call<{ event_id: string; status: string; message_id: string }>(
      'POST',
      '/api/v1/events',
      { body: e },
    );
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ event_id: e.event_id, status: 'queued', type: 'payment.authorized' });
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
    );
    const m = got.Messages?.[0];
    expect(m).toBeDefined();
    expect(JSON.parse(m!.Body!)).toEqual(e);
    expect(m!.MessageAttributes?.event_id?.StringValue).toBe(e.event_id);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m!.ReceiptHandle! }));
  });

  it('when the event is invalid, then it is a 400 naming each field and nothing is queued', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [event({ type: 'payment.teleported' }), 'type'],
      [event({ payment_id: 'nope' }), 'payment_id'],
      [event({ occurred_at: 'yesterday' }), 'occurred_at'],
      [event({ amount_minor: 19.99 }), 'amount_minor'],
      [event({ type: 'payment.partially_refunded' }), 'amount_minor'],
      [event({ event_id: '' }), 'event_id'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call<{ errors: { field: string }[] }>('POST', '/api/v1/events', { body });
      expect(res.status, field).toBe(400);
      expect(res.body.errors.map((e) => e.field)).toContain(field);
    }
    const arr = await h.call('POST', '/api/v1/events', { body: [1] });
    expect(arr.status).toBe(400);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(got.Messages ?? []).toHaveLength(0);
  });

  it('when the same event is posted twice with one Idempotency-Key, then it is queued once', async () => {
    const e = event();
    const a = await h.call('POST', '/api/v1/events', { body: e, headers: { 'Idempotency-Key': e.event_id } });
    const b = await h.call('POST', '/api/v1/events', { body: e, headers: { 'Idempotency-Key': e.event_id } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }),
    );
    expect(got.Messages ?? []).toHaveLength(1);
    for (const m of got.Messages ?? []) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  });

  it('when the caller is a viewer, then it is 403', async () => {
    expect((await h.call('POST', '/api/v1/events', { role: 'viewer', body: event() })).status).toBe(403);
  });

  it('when no events queue is configured, then it is a 503 problem', async () => {
    const res = await noQueue.call<{ code: string }>('POST', '/api/v1/events', { body: event() });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('service_unavailable');
  });
});
