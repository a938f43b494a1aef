// `payflow-worker redrive`: moves messages from the dead-letter queue back to the source queue
// (body and attributes intact, plus how many times it was redriven), deleting each from the DLQ
// only after it was sent. A redriven event that was rejected before is decided again.
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  readonly max?: number;
}

export async function redrive(o: RedriveOptions): Promise<number> {
  let moved = 0;
  const max = o.max ?? Number.POSITIVE_INFINITY;
  while (moved < max) {
    const out = await o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: o.dlqUrl,
        MaxNumberOfMessages: Math.min(10, max - moved),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    const sent = await o.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: o.queueUrl,
        Entries: messages.map((m, i) => ({
          Id: String(i),
          MessageBody: m.Body ?? '',
          MessageAttributes: withRedriveCount(m.MessageAttributes),
        })),
      }),
    );
    const ok = new Set((sent.Successful ?? []).map((s) => s.Id));
    const done = messages.filter((_, i) => ok.has(String(i)));
    if (done.length > 0) {
      await o.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: o.dlqUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    moved += done.length;
    if (done.length < messages.length)
      throw new Error('some messages could not be sent back; they stay in the DLQ');
  }
  return moved;
}

function withRedriveCount(
  attrs: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> {
  const previous = Number(attrs?.redrive_count?.StringValue ?? 0);
  const kept = Object.fromEntries(
    Object.entries(attrs ?? {}).filter(([k]) => k !== 'redrive_count' && k !== 'reason'),
  );
  return { ...kept, redrive_count: { DataType: 'Number', StringValue: String(previous + 1) } };
}
