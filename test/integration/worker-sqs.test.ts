import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { Consumer } from '../../worker/src/consumer.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { testenv } from '../support/env.ts';

async function visibleAndInFlight(queueUrl: string): Promise<[number, number]> {
  const client = createSqsClient({ region: testenv().sqs.region, endpoint: testenv().sqs.endpoint });
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  client.destroy();
  return [
    Number(out.Attributes?.ApproximateNumberOfMessages),
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
  ];
}

describe('worker consumer against the SQS endpoint', () => {
  const env = testenv();
  const client = createSqsClient({ region: env.sqs.region, endpoint: env.sqs.endpoint });
  afterAll(() => {
    client.destroy();
  });

  it('when a message is sent, then the consumer receives it and deletes it after handling', async () => {
    const body = JSON.stringify({ event_id: `evt-${String(Date.now())}`, type: 'payment.authorized' });
    await client.send(new SendMessageCommand({ QueueUrl: env.sqs.queues.events, MessageBody: body }));
    const seen: Message[] = [];
    const consumer = new Consumer({
      client,
      queueUrl: env.sqs.queues.events,
      waitTimeSeconds: 1,
      handle: async (m) => {
        seen.push(m);
        return Promise.resolve('done');
      },
    });
    let received = 0;
    for (let i = 0; i < 10 && received === 0; i++) received = await consumer.pollOnce();
    expect(seen.map((m) => m.Body)).toEqual([body]);
    expect(Number(seen[0]?.Attributes?.ApproximateReceiveCount)).toBe(1);
    expect(await visibleAndInFlight(env.sqs.queues.events)).toEqual([0, 0]);
  });

  it('when the handler asks for a retry, then the message stays on the queue, in flight', async () => {
    const body = JSON.stringify({ event_id: `evt-retry-${String(Date.now())}` });
    await client.send(new SendMessageCommand({ QueueUrl: env.sqs.queues.events, MessageBody: body }));
    const consumer = new Consumer({
      client,
      queueUrl: env.sqs.queues.events,
      waitTimeSeconds: 1,
      handle: async () => Promise.resolve('retry'),
    });
    let received = 0;
    for (let i = 0; i < 10 && received === 0; i++) received = await consumer.pollOnce();
    expect(received).toBe(1);
    expect(await visibleAndInFlight(env.sqs.queues.events)).toEqual([0, 1]);
  });
});
