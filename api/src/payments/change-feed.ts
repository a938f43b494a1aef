// The payment changes this process hears: one LISTEN connection on `payflow_payments`, fanned out
// to the per-process caches (payments by id, list totals). Every payment change (API, worker,
// batch runner) notifies on commit with `{ id, merchant_id, payer_id, type, current_state, version }`.
//
// A cache may serve from memory only while `listening` is true. Until the LISTEN is active, and
// whenever its connection is lost, listeners get `reset()` (drop everything, store nothing), so
// a change committed while nobody listened is never answered from memory; the connection comes
// back with capped exponential backoff.
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import { PAYMENTS_NOTIFY_CHANNEL } from './store.ts';

/** What a notification says about the payment that changed. */
export interface PaymentChange {
  readonly id: string;
  /** Absent in notifications from before these fields existed: treat as "any merchant". */
  readonly merchantId?: string;
  readonly payerId?: string;
}

export interface ChangeListener {
  /** A committed change; `undefined` when the payload could not be read (it may concern anything). */
  changed(change: PaymentChange | undefined): void;
  /** The feed stopped (or has not yet started) hearing changes: forget everything. */
  reset(): void;
}

/** What a cache needs of the feed (the feed itself, or a stand-in in unit tests). */
export interface ChangeSource {
  readonly listening: boolean;
  start(): void;
  subscribe(listener: ChangeListener): void;
}

export interface PaymentChangeFeedOptions {
  readonly connectionString: string;
  readonly logger: Logger;
  /** Postgres application_name of the LISTEN connection. */
  readonly applicationName?: string;
}

const MAX_BACKOFF_MS = 30_000;

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads a `payflow_payments` payload; undefined when it names no payment. */
export function parsePaymentChange(payload: string | undefined): PaymentChange | undefined {
  if (payload === undefined) return undefined;
  try {
    const note = JSON.parse(payload) as Record<string, unknown>;
    const id = optionalText(note.id);
    if (id === undefined) return undefined;
    const merchantId = optionalText(note.merchant_id);
    const payerId = optionalText(note.payer_id);
    return {
      id,
      ...(merchantId === undefined ? {} : { merchantId }),
      ...(payerId === undefined ? {} : { payerId }),
    };
  } catch {
    return undefined;
  }
}

export class PaymentChangeFeed implements ChangeSource {
  private readonly listeners = new Set<ChangeListener>();
  private readonly opts: PaymentChangeFeedOptions;
  private client: pg.Client | undefined;
  private active = false;
  private started = false;
  private closed = false;
  private backoffMs = 500;

  constructor(opts: PaymentChangeFeedOptions) {
    this.opts = opts;
  }

  /** True while changes are heard: only then may a cache serve or store. */
  get listening(): boolean {
    return this.active;
  }

  subscribe(listener: ChangeListener): void {
    this.listeners.add(listener);
  }

  /** Opens the LISTEN connection in the background (idempotent). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reset();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private reset(): void {
    this.active = false;
    for (const l of this.listeners) l.reset();
  }

  private connect(): void {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      application_name: this.opts.applicationName ?? 'payflow-api-cache',
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      this.reset();
      if (this.closed) return;
      this.opts.logger.warn(
        { err: err?.message },
        'payment change feed lost its LISTEN connection; caches read through until it is back',
      );
      client.end().catch(() => undefined);
      this.retry();
    };
    client.on('notification', (n) => {
      if (n.channel !== PAYMENTS_NOTIFY_CHANNEL) return;
      const change = parsePaymentChange(n.payload);
      for (const l of this.listeners) l.changed(change);
    });
    client.on('error', onLost);
    client.on('end', () => {
      onLost();
    });
    client
      .connect()
      .then(() => client.query(`listen ${PAYMENTS_NOTIFY_CHANNEL}`))
      .then(() => {
        if (lost || this.closed) return;
        // Nothing was stored before this point (listening was false), so every later change is heard.
        this.active = true;
        this.backoffMs = 500;
      })
      .catch(onLost);
  }

  private retry(): void {
    const delay = this.backoffMs;
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    setTimeout(() => {
      this.connect();
    }, delay).unref();
  }
}
