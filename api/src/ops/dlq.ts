// A dead-letter queue seen and emptied by people: list its messages with the reason the worker
// gave (the `reason` attribute) and what the event was, and redrive all or selected messages
// back to the source queue with their bodies and attributes intact (plus a redrive count). The
// worker's `payflow-worker redrive` and the API's redrive endpoint share this code
// (`@payflow/api/dlq`).
//
// SQS has no "peek": listing receives messages with a short visibility timeout, then makes the
// ones it saw visible again at once, so a listing hides nothing for longer than it takes. A
// message is deleted from the DLQ only after the source queue accepted it.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface DeadLetter {
  message_id: string;
  /** The worker's reason, or null when SQS moved the message itself (maxReceiveCount). */
  reason: string | null;
  event_id: string | null;
  event_type: string | null;
  payment_id: string | null;
  redrive_count: number;
  /** Times this message was received from the DLQ (listings count too). */
  receive_count: number;
  sent_at: string | null;
  body: string;
}

const HIDE_SECONDS = 30;
/** A selection is looked for among at most this many messages. */
const SELECT_SCAN_LIMIT = 1000;

type Rec = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function parsed(body: string): Rec {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Rec) : {};
  } catch {
    return {};
  }
}

const count = (v: string | undefined): number => Number(v ?? 0) || 0;

function sentAt(m: Message): string | null {
  const sent = Number(m.Attributes?.SentTimestamp);
  return Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null;
}

export function deadLetterOf(m: Message): DeadLetter {
  const body = m.Body ?? '';
  const event = parsed(body);
  const attrs = m.MessageAttributes ?? {};
  return {
    message_id: m.MessageId ?? '',
    reason: attrs.reason?.StringValue ?? null,
    event_id: str(event.event_id),
    event_type: str(event.type),
    payment_id: str(event.payment_id),
    redrive_count: count(attrs.redrive_count?.StringValue),
    receive_count: count(m.Attributes?.ApproximateReceiveCount),
    sent_at: sentAt(m),
    body,
  };
}

async function receive(sqs: SQSClient, url: string, n: number, hideSeconds: number): Promise<Message[]> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: Math.max(1, Math.min(10, n)),
      // A short long-poll: SQS answers from every server, so an empty answer means empty.
      WaitTimeSeconds: 1,
      VisibilityTimeout: hideSeconds,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
    }),
  );
  return out.Messages ?? [];
}

/** Makes received messages visible again (10 per call). */
async function release(sqs: SQSClient, url: string, messages: readonly Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const part = messages.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: part.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/** Receives distinct messages until `limit` or an empty answer, hidden until released. */
async function collect(sqs: SQSClient, url: string, limit: number, hideSeconds: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  while (seen.size < limit) {
    const got = await receive(sqs, url, limit - seen.size, hideSeconds);
    const fresh = got.filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const m of fresh) seen.set(m.MessageId ?? '', m);
  }
  return [...seen.values()];
}

/** Up to `limit` messages of the DLQ, oldest first, left in the queue. */
export async function listDeadLetters(sqs: SQSClient, dlqUrl: string, limit = 100): Promise<DeadLetter[]> {
  const messages = await collect(sqs, dlqUrl, limit, HIDE_SECONDS);
  await release(sqs, dlqUrl, messages);
  return messages.map(deadLetterOf).sort((a, b) => (a.sent_at ?? '').localeCompare(b.sent_at ?? ''));
}

export interface RedriveOptions {
  readonly sqs: SQSClient;
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Stop after this many messages (default: until the DLQ is empty). */
  readonly max?: number | undefined;
  /** Only these DLQ message ids (the rest are left where they are). */
  readonly messageIds?: readonly string[] | undefined;
}

export interface RedriveResult {
  /** How many messages went back to the source queue. */
  moved: number;
  /** The DLQ message ids moved, and the event ids they carried. */
  message_ids: string[];
  event_ids: string[];
  /** Selected ids that were not found in the DLQ (already redriven, or never there). */
  missing: string[];
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

/** Sends up to ten messages to the source queue and deletes those it accepted from the DLQ. */
async function moveBatch(o: RedriveOptions, messages: readonly Message[]): Promise<Message[]> {
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
  if (done.length < messages.length) {
    await release(
      o.sqs,
      o.dlqUrl,
      messages.filter((m) => !done.includes(m)),
    );
    throw new Error('some messages could not be sent back; they stay in the DLQ');
  }
  return done;
}

function resultOf(moved: Message[], missing: string[]): RedriveResult {
  return {
    moved: moved.length,
    message_ids: moved.map((m) => m.MessageId ?? ''),
    event_ids: moved.map((m) => str(parsed(m.Body ?? '').event_id)).filter((e): e is string => e !== null),
    missing,
  };
}

/** Redrives every message (or `max`), ten at a time. */
async function redriveAll(o: RedriveOptions): Promise<RedriveResult> {
  const moved: Message[] = [];
  const max = o.max ?? Number.POSITIVE_INFINITY;
  while (moved.length < max) {
    const messages = await receive(o.sqs, o.dlqUrl, Math.min(10, max - moved.length), 60);
    if (messages.length === 0) break;
    moved.push(...(await moveBatch(o, messages)));
  }
  return resultOf(moved, []);
}

/** Redrives the selected messages; every other message received on the way is released. */
async function redriveSelected(o: RedriveOptions, ids: readonly string[]): Promise<RedriveResult> {
  const wanted = new Set(ids);
  const seen = await collect(o.sqs, o.dlqUrl, SELECT_SCAN_LIMIT, 60);
  const picked = seen.filter((m) => wanted.has(m.MessageId ?? ''));
  await release(
    o.sqs,
    o.dlqUrl,
    seen.filter((m) => !wanted.has(m.MessageId ?? '')),
  );
  const moved: Message[] = [];
  for (let i = 0; i < picked.length; i += 10) moved.push(...(await moveBatch(o, picked.slice(i, i + 10))));
  const found = new Set(moved.map((m) => m.MessageId));
  return resultOf(
    moved,
    ids.filter((id) => !found.has(id)),
  );
}

export async function redriveDeadLetters(o: RedriveOptions): Promise<RedriveResult> {
  return o.messageIds === undefined ? redriveAll(o) : redriveSelected(o, o.messageIds);
}
