import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export type Outcome = 'done' | 'retry';

export interface ConsumerOptions {
  client: SQSClient;
  queueUrl: string;
  /** Handles one message; `done` deletes it, `retry` leaves it for redelivery. */
  handle: (message: Message) => Promise<Outcome>;
  waitTimeSeconds?: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
}

/**
 * Long-polls a queue, hands each message to `handle`, deletes the handled ones
 * in one batch call. `stop()` stops receiving and resolves once in-flight work
 * has finished.
 */
export class Consumer {
  private readonly opts: ConsumerOptions;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  constructor(opts: ConsumerOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** Receives one batch, handles it, deletes what was done; returns how many were received. */
  async pollOnce(): Promise<number> {
    const { client, queueUrl } = this.opts;
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: this.opts.batchSize ?? 10,
        WaitTimeSeconds: this.opts.waitTimeSeconds ?? 20,
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
      }),
      { abortSignal: this.abort.signal },
    );
    const messages = received.Messages ?? [];
    const outcomes = await Promise.all(
      messages.map(async (m) => ({ m, outcome: await this.opts.handle(m) })),
    );
    const done = outcomes.filter((o) => o.outcome === 'done' && o.m.ReceiptHandle);
    if (done.length > 0) {
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((o, i) => ({ Id: String(i), ReceiptHandle: o.m.ReceiptHandle })),
        }),
      );
    }
    return messages.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.opts.onError?.(err);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}
