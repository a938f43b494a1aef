// The SQS-compatible endpoint keeping its queues in a folder (the local demo, hack/testenv/sqs-server.ts):
// what the worker does with messages (receive, make visible again, delete) must behave as with
// the endpoint in memory, and what was not deleted must still be there after a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { sqsClient, startSqs, type SqsInstance } from '../../hack/testenv/sqs.ts';

const dir = mkdtempSync(join(tmpdir(), 'payflow-sqs-'));
const data = join(dir, 'data');
let sqs: SqsInstance | undefined;
let client: SQSClient | undefined;

async function start(): Promise<{ sqs: SqsInstance; client: SQSClient }> {
  client?.destroy();
  await sqs?.service.stop();
  sqs = await startSqs(dir, { dataDir: data });
  client = sqsClient(sqs.endpoint);
  return { sqs, client };
}

async function receive(c: SQSClient, url: string): Promise<Message[]> {
  const r = await c.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      VisibilityTimeout: 30,
      MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }),
  );
  return r.Messages ?? [];
}

afterAll(async () => {
  client?.destroy();
  await sqs?.service.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the SQS endpoint keeping its queues in a folder', () => {
  it('when a received message is made visible again at once, then it is received again, also after a restart', async () => {
    const first = await start();
    const url = first.sqs.queues.events;
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'released' }));
    await first.client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'applied' }));
    const taken = await receive(first.client, url);
    expect(taken.map((m) => m.Body).sort()).toEqual(['applied', 'released']);
    const released = taken.find((m) => m.Body === 'released');
    const applied = taken.find((m) => m.Body === 'applied');
    // What a worker does when it stops: the message it holds becomes visible again at once.
    await first.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: released?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    await first.client.send(
      new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: applied?.ReceiptHandle }),
    );
    const again = await receive(first.client, url);
    expect(again.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['released', '2']]);
    await first.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: again[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    // After a restart, the released message is there, ready, with its receive count; the deleted one is not.
    const second = await start();
    const after = await receive(second.client, second.sqs.queues.events);
    expect(after.map((m) => [m.Body, m.Attributes?.ApproximateReceiveCount])).toEqual([['released', '3']]);
  });
});
