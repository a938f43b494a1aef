// Reads a WorkerPool queue's depth from SQS: visible, in flight (received, not yet deleted),
// delayed, and the dead-letter queue's visible count. Clients are built with
// useQueueUrlAsEndpoint off and the configured endpoint, so that a queue URL's host (which
// need not resolve, as with local endpoints) never decides where requests go.
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueRef, WorkerPoolQueue } from '@payflow/api/crd';

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetter?: number;
}

export interface SqsSettings {
  endpoint?: string | undefined;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-request timeout; a slow endpoint counts as a failed read (default 3 s). */
  timeoutMs?: number;
}

const num = (v: string | undefined): number => {
  const n = Number(v ?? '0');
  return Number.isFinite(n) ? n : 0;
};

export class SqsMetricsReader {
  private readonly clients = new Map<string, SQSClient>();
  private readonly urls = new Map<string, string>();
  private readonly s: SqsSettings;

  constructor(settings: SqsSettings) {
    const localCreds =
      settings.endpoint !== undefined && process.env.AWS_ACCESS_KEY_ID === undefined
        ? { accessKeyId: 'local', secretAccessKey: 'local' }
        : undefined;
    this.s = { ...settings, credentials: settings.credentials ?? localCreds };
  }

  private client(region: string | undefined): SQSClient {
    const r = region ?? this.s.region;
    let c = this.clients.get(r);
    if (!c) {
      c = new SQSClient({
        region: r,
        useQueueUrlAsEndpoint: false,
        maxAttempts: 1,
        ...(this.s.endpoint === undefined ? {} : { endpoint: this.s.endpoint }),
        ...(this.s.credentials === undefined ? {} : { credentials: this.s.credentials }),
      });
      this.clients.set(r, c);
    }
    return c;
  }

  /** The queue's URL: given, or resolved from its name (and cached). */
  async url(ref: QueueRef, region?: string): Promise<string> {
    if (ref.url !== undefined) return ref.url;
    const name = ref.name ?? '';
    const key = `${region ?? this.s.region}/${name}`;
    const cached = this.urls.get(key);
    if (cached !== undefined) return cached;
    const out = await this.client(region).send(new GetQueueUrlCommand({ QueueName: name }), {
      abortSignal: AbortSignal.timeout(this.s.timeoutMs ?? 3000),
    });
    if (!out.QueueUrl) throw new Error(`queue ${name} has no URL`);
    this.urls.set(key, out.QueueUrl);
    return out.QueueUrl;
  }

  private async attributes(ref: QueueRef, region: string | undefined): Promise<Record<string, string>> {
    const out = await this.client(region).send(
      new GetQueueAttributesCommand({
        QueueUrl: await this.url(ref, region),
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
      { abortSignal: AbortSignal.timeout(this.s.timeoutMs ?? 3000) },
    );
    return out.Attributes ?? {};
  }

  async read(queue: WorkerPoolQueue): Promise<QueueDepth> {
    const [main, dlq] = await Promise.all([
      this.attributes(queue, queue.region),
      queue.deadLetterQueue
        ? this.attributes(queue.deadLetterQueue, queue.region)
        : Promise.resolve(undefined),
    ]);
    return {
      visible: num(main.ApproximateNumberOfMessages),
      inFlight: num(main.ApproximateNumberOfMessagesNotVisible),
      delayed: num(main.ApproximateNumberOfMessagesDelayed),
      ...(dlq ? { deadLetter: num(dlq.ApproximateNumberOfMessages) } : {}),
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
  }
}
