// The run's own queues on the stack's SQS endpoint (an events queue with its dead-letter queue
// and redrive policy), so that nothing a run sends reaches the stack's workers and nothing of the
// stack's is taken from its dead-letter queue; deleted when the run ends.
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { deadLetterOf, type DeadLetter } from '@payflow/api/dlq';

export interface RunQueues {
  readonly events: string;
  readonly dlq: string;
}

export async function createRunQueues(
  sqs: SQSClient,
  prefix: string,
  maxReceiveCount: number,
): Promise<RunQueues> {
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-dlq` }))).QueueUrl ?? '';
  const arn = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }));
  const events =
    (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: `${prefix}-events`,
          Attributes: {
            VisibilityTimeout: '5',
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: arn.Attributes?.QueueArn,
              maxReceiveCount: String(maxReceiveCount),
            }),
          },
        }),
      )
    ).QueueUrl ?? '';
  return { events, dlq };
}

export async function deleteRunQueues(sqs: SQSClient, q: RunQueues): Promise<void> {
  for (const url of [q.events, q.dlq])
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
}

/** Sends bodies in batches of ten, `lanes` batches at a time; the latency of each batch, ms. */
export async function sendBodies(
  sqs: SQSClient,
  queueUrl: string,
  bodies: readonly string[],
  lanes = 4,
): Promise<number[]> {
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  const latencies: number[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++] ?? [];
      const t0 = performance.now();
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((b, j) => ({ Id: String(j), MessageBody: b })),
        }),
      );
      if ((out.Failed ?? []).length > 0)
        throw new Error(
          `SQS refused ${String(out.Failed?.length)} messages: ${out.Failed?.[0]?.Message ?? ''}`,
        );
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, batches.length) }, lane));
  return latencies;
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Receives and deletes everything on the queue (until a receive comes back empty), at most `max`. */
export async function drainDeadLetters(
  sqs: SQSClient,
  queueUrl: string,
  max = 100_000,
): Promise<DeadLetter[]> {
  const all: DeadLetter[] = [];
  while (all.length < max) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) break;
    all.push(...msgs.map(deadLetterOf));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return all;
}
