// One LISTEN connection per API process, fanned out to every server-sent-events client.
// The connection opens with the first subscriber, reconnects with backoff while anyone is
// subscribed, and closes with the process. Notifications arrive only for committed changes.
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import { ServiceUnavailable } from '../domain/errors.ts';

/** Channels the stream relays: alerts and batch jobs (triggers), payments (the payments store). */
export const LIVE_CHANNELS = ['payflow_events', 'payflow_payments'] as const;

export interface LiveEvent {
  /** Per-process sequence, used as the SSE `id`. */
  readonly seq: number;
  /** `payment`, `alert` or `batch_job`. */
  readonly kind: string;
  readonly data: Record<string, unknown>;
}

export interface Subscriber {
  send(event: LiveEvent): void;
  /** Called when the hub shuts down: end the response. */
  end(): void;
}

const MAX_BACKOFF_MS = 30_000;

function parse(channel: string, payload: string | undefined): Omit<LiveEvent, 'seq'> | undefined {
  if (payload === undefined) return undefined;
  try {
    const data = JSON.parse(payload) as Record<string, unknown>;
    if (channel === 'payflow_payments') return { kind: 'payment', data };
    const { kind, ...rest } = data;
    return typeof kind === 'string' ? { kind, data: rest } : undefined;
  } catch {
    return undefined;
  }
}

export class LiveHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly connectionString: string;
  private readonly logger: Logger;
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private seq = 0;
  private backoffMs = 500;
  private closed = false;

  constructor(opts: { connectionString: string; logger: Logger }) {
    this.connectionString = opts.connectionString;
    this.logger = opts.logger;
  }

  /** Adds a subscriber; resolves once the LISTEN is active, so no later commit is missed. */
  async subscribe(s: Subscriber): Promise<() => void> {
    this.subscribers.add(s);
    try {
      await this.ensureListening();
    } catch (err) {
      this.subscribers.delete(s);
      throw new ServiceUnavailable(`The live event stream is not available: ${(err as Error).message}`);
    }
    return () => {
      this.subscribers.delete(s);
    };
  }

  get size(): number {
    return this.subscribers.size;
  }

  private async ensureListening(): Promise<void> {
    if (this.client) return;
    this.connecting ??= this.listen().finally(() => {
      this.connecting = undefined;
    });
    await this.connecting;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: 'payflow-api-live',
    });
    client.on('notification', (n) => {
      this.fanOut(n.channel, n.payload);
    });
    client.on('error', (err) => {
      this.logger.warn({ err: err.message }, 'live events connection failed');
    });
    client.on('end', () => {
      this.lost(client);
    });
    await client.connect();
    for (const channel of LIVE_CHANNELS) await client.query(`listen ${channel}`);
    this.client = client;
    this.backoffMs = 500;
  }

  private fanOut(channel: string, payload: string | undefined): void {
    const parsed = parse(channel, payload);
    if (!parsed) return;
    const event: LiveEvent = { seq: ++this.seq, ...parsed };
    for (const s of this.subscribers) s.send(event);
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    if (this.closed || this.subscribers.size === 0) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    setTimeout(() => {
      this.ensureListening().catch((err: unknown) => {
        this.logger.warn({ err: (err as Error).message }, 'live events reconnect failed');
        if (this.client === undefined) this.lost(client);
      });
    }, delay).unref();
  }

  /** Ends every stream and the LISTEN connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
