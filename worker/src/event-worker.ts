// The payment event consumer: several long-polling receive loops per process, a Redis
// pre-check, micro-batched exactly-once application in Postgres (apply.ts), then per message:
// delete (done), send to the DLQ with the reason and delete (rejected), or leave for
// redelivery with an exponential, jittered visibility backoff (retry). A heartbeat extends the
// visibility of messages still being worked on. stop() stops receiving, lets in-flight work
// finish within a bound and releases what is left (visibility 0).
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '@payflow/api/observability';
import { applyBatch, parseBody, type ApplyContext, type BatchItem, type Verdict } from './apply.ts';
import { backoffSeconds } from './backoff.ts';
import { Batcher } from './batcher.ts';
import type { SqsHotPath } from './sqs-hot-path.ts';
import type { Dedupe, Precheck } from './dedupe.ts';
import type { WorkerMetrics } from './metrics.ts';

export interface EventWorkerOptions {
  readonly sqs: SQSClient;
  /** Receives and deletes without the SDK's middleware (sqs-hot-path.ts); else through `sqs`. */
  readonly hot?: SqsHotPath;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly apply: ApplyContext;
  readonly dedupe: Dedupe;
  readonly metrics: WorkerMetrics;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly batchSize: number;
  readonly writers: number;
  readonly lingerMs: number;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeout: number;
  /** The queue's redrive maxReceiveCount: the last attempt is logged as such. */
  readonly maxReceiveCount: number;
  readonly backoff: { baseSeconds: number; capSeconds: number };
  readonly shutdownTimeoutMs: number;
  /** Test-only crash points. */
  readonly fault?: 'after-claim' | 'after-commit' | undefined;
}

interface InFlight {
  readonly message: Message;
  readonly receivedAt: number;
  readonly item: BatchItem;
  readonly eventId: string;
  settled: boolean;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

function crash(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

export class EventWorker {
  private readonly o: EventWorkerOptions;
  private readonly batcher: Batcher<BatchItem, Verdict>;
  /** Redis claims of all receive loops, coalesced: one script call for whatever is waiting. */
  private readonly claims: Batcher<string, Precheck>;
  private readonly inFlight = new Set<InFlight>();
  private readonly abort = new AbortController();
  private running = false;
  private loops: Promise<void>[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  /** Last successful receive or time of start; readiness looks at it. */
  lastPollAt = Date.now();
  /** Cumulative counts for the heartbeat (plain integers: nothing more on the hot path). */
  readonly totals = { settled: 0, applied: 0, batches: 0 };
  /** Largest age at receive (receive time − SentTimestamp) since the last takeOldestAge(), ms. */
  private oldestAgeMs: number | undefined;

  constructor(o: EventWorkerOptions) {
    this.o = o;
    this.batcher = new Batcher<BatchItem, Verdict>({
      maxBatch: o.batchSize,
      writers: o.writers,
      lingerMs: o.lingerMs,
      keyOf: (item) => parseBody(item).event?.payment_id,
      run: async (items) => {
        const verdicts = await applyBatch(o.apply, items);
        o.metrics.batchSize.observe(items.length);
        this.totals.batches++;
        if (o.fault === 'after-commit') crash();
        // Committed: remembered in Redis as done, for the whole batch in one call.
        await o.dedupe.markDone(verdicts.flatMap((v) => (v.kind === 'done' ? [v.eventId] : [])));
        return verdicts;
      },
    });
    this.claims = new Batcher<string, Precheck>({
      maxBatch: 1000,
      writers: 1,
      lingerMs: 0,
      run: async (ids) => o.dedupe.claim(ids),
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.o.concurrency }, async () => this.loop());
    const every = Math.max(1, this.o.visibilityTimeout / 2) * 1000;
    this.heartbeat = setInterval(() => void this.extendVisibility(), every);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** The oldest age at receive seen since the previous call (undefined when nothing came), ms. */
  takeOldestAge(): number | undefined {
    const age = this.oldestAgeMs;
    this.oldestAgeMs = undefined;
    return age;
  }

  /**
   * Stops receiving: loops finish their current receive (at most WAIT_TIME_SECONDS) and the work
   * it brought, and delete what is done. At the bound, receives are aborted and whatever is
   * still unsettled is released (visibility 0) for another worker.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, this.o.shutdownTimeoutMs);
    });
    const result = await Promise.race([Promise.all(this.loops).then(() => 'done' as const), deadline]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.abort.abort();
      await this.release([...this.inFlight].filter((f) => !f.settled));
    }
    clearInterval(this.heartbeat);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce();
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.o.logger.warn({ err }, 'receive failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** Receives one batch and settles every message of it. */
  async pollOnce(): Promise<number> {
    const messages = await this.receive();
    this.lastPollAt = Date.now();
    if (messages.length === 0) return 0;
    const now = Date.now();
    let oldestSent = now;
    const flights = messages.map((message): InFlight => {
      oldestSent = Math.min(oldestSent, Number(message.Attributes?.SentTimestamp ?? now));
      const item: BatchItem = {
        body: message.Body ?? '',
        messageId: message.MessageId ?? '',
        firstReceiveAt: Number(message.Attributes?.ApproximateFirstReceiveTimestamp ?? now),
      };
      return { message, receivedAt: now, item, eventId: parseBody(item).eventId, settled: false };
    });
    const age = Math.max(0, now - oldestSent);
    if (age > (this.oldestAgeMs ?? -1)) this.oldestAgeMs = age;
    for (const f of flights) this.inFlight.add(f);
    try {
      const verdicts = await this.process(flights);
      await this.settle(flights, verdicts);
    } finally {
      for (const f of flights) this.inFlight.delete(f);
    }
    return messages.length;
  }

  private async receive(): Promise<Message[]> {
    const input = {
      QueueUrl: this.o.queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: this.o.waitTimeSeconds,
      VisibilityTimeout: this.o.visibilityTimeout,
      MessageSystemAttributeNames: [
        'ApproximateReceiveCount' as const,
        'ApproximateFirstReceiveTimestamp' as const,
        'SentTimestamp' as const,
      ],
      MessageAttributeNames: ['All'],
    };
    if (this.o.hot) return this.o.hot.receive(input, this.abort.signal);
    const out = await this.o.sqs.send(new ReceiveMessageCommand(input), { abortSignal: this.abort.signal });
    return out.Messages ?? [];
  }

  private async process(flights: InFlight[]): Promise<Verdict[]> {
    const prechecks = await Promise.all(flights.map(async (f) => this.claims.submit(f.eventId)));
    if (this.o.fault === 'after-claim' && prechecks.includes('new')) crash();
    return Promise.all(
      flights.map(async (f, i): Promise<Verdict> => {
        const pre = prechecks[i];
        if (pre === 'done') return { kind: 'done', outcome: 'duplicate', eventId: f.eventId };
        if (pre === 'busy')
          return { kind: 'retry', reason: 'another worker is applying this event', transient: false };
        try {
          return await this.batcher.submit(f.item);
        } catch (err) {
          return { kind: 'retry', reason: `transaction failed: ${(err as Error).message}`, transient: true };
        }
      }),
    );
  }

  private async settle(flights: InFlight[], verdicts: Verdict[]): Promise<void> {
    const done: InFlight[] = [];
    const parked: InFlight[] = [];
    const dead: [InFlight, string][] = [];
    const retry: [InFlight, Verdict & { kind: 'retry' }][] = [];
    const outcomes = new Map<string, number>();
    flights.forEach((f, i) => {
      const v = verdicts[i] ?? { kind: 'retry', reason: 'no verdict', transient: true };
      if (v.kind === 'done') done.push(f);
      else if (v.kind === 'parked') parked.push(f);
      else if (v.kind === 'dead') dead.push([f, v.reason]);
      else retry.push([f, v]);
      const outcome =
        v.kind === 'done'
          ? v.outcome
          : v.kind === 'dead'
            ? 'rejected'
            : v.kind === 'parked'
              ? 'parked'
              : 'retry';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    });
    for (const [outcome, n] of outcomes) this.o.metrics.processed.inc({ outcome }, n);
    this.totals.settled += done.length + parked.length + dead.length;
    this.totals.applied += outcomes.get('applied') ?? 0;
    await this.deadLetter(dead);
    // Rejections are not final (a redriven copy is decided again) and parked events are not done
    // (Postgres holds them): free their claims, while deleting (the applied ones were marked done
    // in Redis right after their commit).
    await Promise.all([
      this.o.dedupe.release([...parked.map((f) => f.eventId), ...dead.map(([f]) => f.eventId)]),
      this.delete([...done, ...parked, ...dead.map(([f]) => f)]),
    ]);
    await this.retry(retry);
    const end = Date.now();
    for (const f of flights) {
      f.settled = true;
      this.o.metrics.processingSeconds.observe((end - f.receivedAt) / 1000);
    }
  }

  private async delete(flights: InFlight[]): Promise<void> {
    for (const part of chunks(flights, 10)) {
      const entries = part.map((f, i) => ({ Id: String(i), ReceiptHandle: f.message.ReceiptHandle }));
      const out = this.o.hot
        ? await this.o.hot.deleteBatch(this.o.queueUrl, entries)
        : await this.o.sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: this.o.queueUrl, Entries: entries }),
          );
      // A failed delete is redelivered later and found processed: a duplicate, never a double effect.
      if (out.Failed?.length) this.o.logger.warn({ failed: out.Failed }, 'some deletes failed');
    }
  }

  private async deadLetter(dead: [InFlight, string][]): Promise<void> {
    for (const part of chunks(dead, 10)) {
      await this.o.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.o.dlqUrl,
          Entries: part.map(([f, reason], i) => ({
            Id: String(i),
            MessageBody: f.message.Body ?? '',
            MessageAttributes: {
              reason: { DataType: 'String', StringValue: reason.slice(0, 1024) },
              event_id: { DataType: 'String', StringValue: f.eventId },
              source_message_id: { DataType: 'String', StringValue: f.item.messageId || 'unknown' },
            },
          })),
        }),
      );
      this.o.metrics.dlqSent.inc(part.length);
      for (const [f, reason] of part)
        this.o.logger.warn({ eventId: f.eventId, reason }, 'event dead-lettered');
    }
  }

  private async retry(retry: [InFlight, Verdict & { kind: 'retry' }][]): Promise<void> {
    if (retry.length === 0) return;
    this.o.metrics.retries.inc(retry.length);
    const ours = retry.filter(([, v]) => v.reason !== 'another worker is applying this event');
    await this.o.dedupe.release(ours.map(([f]) => f.eventId));
    for (const part of chunks(retry, 10)) {
      await this.o.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.o.queueUrl,
          Entries: part.map(([f], i) => ({
            Id: String(i),
            ReceiptHandle: f.message.ReceiptHandle,
            VisibilityTimeout: backoffSeconds(
              Number(f.message.Attributes?.ApproximateReceiveCount ?? 1),
              this.o.backoff,
            ),
          })),
        }),
      );
    }
    for (const [f, v] of retry)
      this.o.logger.debug({ eventId: f.eventId, reason: v.reason }, 'event retried');
  }

  /** Heartbeat: messages still being worked on keep their visibility. */
  private async extendVisibility(): Promise<void> {
    const open = [...this.inFlight].filter((f) => !f.settled);
    try {
      for (const part of chunks(open, 10)) {
        await this.o.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.o.queueUrl,
            Entries: part.map((f, i) => ({
              Id: String(i),
              ReceiptHandle: f.message.ReceiptHandle,
              VisibilityTimeout: this.o.visibilityTimeout,
            })),
          }),
        );
      }
    } catch (err) {
      this.o.logger.warn({ err }, 'visibility heartbeat failed');
    }
  }

  /** Shutdown: unfinished messages become visible again at once. */
  private async release(open: InFlight[]): Promise<void> {
    for (const part of chunks(open, 10)) {
      await this.o.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.o.queueUrl,
            Entries: part.map((f, i) => ({
              Id: String(i),
              ReceiptHandle: f.message.ReceiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        )
        .catch(() => undefined);
    }
    for (const f of open) f.settled = true;
  }
}
