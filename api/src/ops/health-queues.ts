// The SQS side of health: depth of the events and updates queues and of their dead-letter
// queues (visible, in flight, delayed), and the age of a dead-letter queue's oldest message by
// peeking (ReceiveMessage with VisibilityTimeout 0 and SentTimestamp: nothing redrives from a
// DLQ by itself, so a peek disturbs nobody; a main queue is never peeked). A DLQ that is not
// configured is found through its queue's RedrivePolicy.
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export const QUEUE_NAMES = ['events-queue', 'events-dlq', 'updates-queue', 'updates-dlq'] as const;
export type QueueComponentName = (typeof QUEUE_NAMES)[number];

export interface QueueDepth {
  name: string;
  url: string;
  visible: number;
  in_flight: number;
  delayed: number;
}

export interface QueueUrls {
  readonly events: string | undefined;
  readonly eventsDlq: string | undefined;
  readonly updates: string | undefined;
  readonly updatesDlq: string | undefined;
}

/** One queue as health sees it; `error` when SQS did not answer, no `url` when not configured. */
export interface QueueReading {
  readonly component: QueueComponentName;
  readonly url?: string;
  readonly depth?: QueueDepth;
  /** Seconds since the oldest peeked message was sent (DLQs only; null when none was seen). */
  readonly oldestAgeSeconds?: number | null;
  readonly latencyMs: number;
  readonly error?: string;
  /** Whether the URL came from the main queue's RedrivePolicy rather than the configuration. */
  readonly discovered?: boolean;
}

const DEPTH_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/** Each SQS call of a health report gives up after this long. */
const SEND_TIMEOUT_MS = 2000;
const bounded = (): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) });

export function queueName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

function depthOf(url: string, a: Record<string, string>): QueueDepth {
  return {
    name: queueName(url),
    url,
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    in_flight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

export async function readDepth(sqs: SQSClient, url: string): Promise<QueueDepth> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...DEPTH_ATTRIBUTES] }),
    bounded(),
  );
  return depthOf(url, out.Attributes ?? {});
}

/**
 * The age of the oldest of up to ten messages a short receive returns from a dead-letter queue,
 * left visible (VisibilityTimeout 0); null when it returns none. For a deep DLQ this is a sample:
 * the oldest message is at least this old.
 */
export async function peekOldestAge(sqs: SQSClient, dlqUrl: string): Promise<number | null> {
  const out = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: dlqUrl,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 0,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['SentTimestamp'],
    }),
    bounded(),
  );
  const sent = (out.Messages ?? [])
    .map((m) => Number(m.Attributes?.SentTimestamp))
    .filter((t) => Number.isFinite(t));
  if (sent.length === 0) return null;
  return Math.max(0, Math.round((Date.now() - Math.min(...sent)) / 100) / 10);
}

/** A DLQ's depth, then (when it holds anything and redrives nowhere itself) the age of its oldest message. */
export async function readDlq(
  sqs: SQSClient,
  url: string,
): Promise<{ depth: QueueDepth; oldest: number | null }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...DEPTH_ATTRIBUTES, 'RedrivePolicy'] }),
    bounded(),
  );
  const a = out.Attributes ?? {};
  const depth = depthOf(url, a);
  // A queue that redrives itself is no plain DLQ: each peek would count as a receive there.
  // In flight counts too: a peek elsewhere may just have touched the messages.
  const peek = !a.RedrivePolicy && depth.visible + depth.in_flight > 0;
  return { depth, oldest: peek ? await peekOldestAge(sqs, url) : null };
}

interface MainRead {
  reading: QueueReading;
  /** The DLQ named by the queue's RedrivePolicy. */
  dlqArn?: string;
}

function redriveTarget(policy: string | undefined): string | undefined {
  if (!policy) return undefined;
  try {
    const arn = (JSON.parse(policy) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the queues for health; remembers the DLQ URLs it had to look up. */
export class QueueProbe {
  private readonly sqs: SQSClient | undefined;
  private readonly urls: QueueUrls;
  private readonly resolved = new Map<string, string>();

  constructor(sqs: SQSClient | undefined, urls: QueueUrls) {
    this.sqs = sqs;
    this.urls = urls;
  }

  /** The four queues, in QUEUE_NAMES order. */
  async read(): Promise<QueueReading[]> {
    const [events, updates] = await Promise.all([
      this.pair('events-queue', 'events-dlq', this.urls.events, this.urls.eventsDlq),
      this.pair('updates-queue', 'updates-dlq', this.urls.updates, this.urls.updatesDlq),
    ]);
    return [...events, ...updates];
  }

  private async pair(
    main: QueueComponentName,
    dlq: QueueComponentName,
    url: string | undefined,
    dlqUrl: string | undefined,
  ): Promise<[QueueReading, QueueReading]> {
    const sqs = this.sqs;
    if (!sqs || !url)
      return [
        { component: main, latencyMs: 0 },
        { component: dlq, latencyMs: 0 },
      ];
    const mainRead = this.readMain(sqs, main, url);
    const dlqRead = dlqUrl
      ? this.readDeadLetters(sqs, dlq, dlqUrl, false)
      : mainRead.then(async (m) => {
          const found = m.dlqArn ? await this.lookup(sqs, m.dlqArn).catch(() => undefined) : undefined;
          return found ? this.readDeadLetters(sqs, dlq, found, true) : { component: dlq, latencyMs: 0 };
        });
    const [m, d] = await Promise.all([mainRead, dlqRead]);
    return [m.reading, d];
  }

  private async readMain(sqs: SQSClient, component: QueueComponentName, url: string): Promise<MainRead> {
    const started = performance.now();
    try {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [...DEPTH_ATTRIBUTES, 'RedrivePolicy'],
        }),
        bounded(),
      );
      const a = out.Attributes ?? {};
      return {
        reading: { component, url, depth: depthOf(url, a), latencyMs: elapsed(started) },
        dlqArn: redriveTarget(a.RedrivePolicy),
      };
    } catch (err) {
      return { reading: { component, url, latencyMs: elapsed(started), error: (err as Error).message } };
    }
  }

  private async readDeadLetters(
    sqs: SQSClient,
    component: QueueComponentName,
    url: string,
    discovered: boolean,
  ): Promise<QueueReading> {
    const started = performance.now();
    try {
      const { depth, oldest } = await readDlq(sqs, url);
      return { component, url, depth, oldestAgeSeconds: oldest, latencyMs: elapsed(started), discovered };
    } catch (err) {
      return { component, url, latencyMs: elapsed(started), error: (err as Error).message, discovered };
    }
  }

  /** `arn:aws:sqs:<region>:<account>:<name>` → the queue's URL (looked up once). */
  private async lookup(sqs: SQSClient, arn: string): Promise<string | undefined> {
    const known = this.resolved.get(arn);
    if (known) return known;
    const parts = arn.split(':');
    const [account, name] = [parts[4], parts[5]];
    if (!name) return undefined;
    const out = await sqs.send(
      new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
      bounded(),
    );
    if (out.QueueUrl) this.resolved.set(arn, out.QueueUrl);
    return out.QueueUrl;
  }
}
