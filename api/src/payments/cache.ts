// A per-process read-through cache of payments by id, for GET /transactions/:id.
//
// Correctness comes from Postgres, not from the TTL:
//   - every payment change (API, worker, batch runner) sends a `payflow_payments` notification
//     on commit; this cache LISTENs on its own connection and drops the entry named in it;
//   - until that LISTEN is active, and whenever its connection is lost, the cache is empty and
//     stores nothing (reads go to the database), so no change committed while nobody listened
//     can be answered from memory; it fills again once a new LISTEN is active;
//   - a load that was in flight when its id (or the whole cache) was invalidated is returned to
//     its caller but never stored, and later readers do not join it;
//   - this process's own writes invalidate synchronously after their commit (`invalidate`), so
//     a client sees its own change on its next read without waiting for the notification.
// A change made by another process is visible here once its notification arrives (normally a
// few milliseconds after commit). Entries also expire after `ttlMs`, and the cache holds at
// most `maxEntries` (oldest dropped first): a safety net, not the mechanism.
import pg from 'pg';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../observability/logger.ts';
import { metricName } from '../observability/metrics.ts';
import { PAYMENTS_NOTIFY_CHANNEL, type Payment } from './store.ts';

export interface PaymentCacheOptions {
  readonly connectionString: string;
  readonly logger: Logger;
  /** Most entries kept (default 20,000). */
  readonly maxEntries?: number;
  /** Longest an entry is served (default 30 s). */
  readonly ttlMs?: number;
  /** Postgres application_name of the LISTEN connection. */
  readonly applicationName?: string;
}

export interface PaymentCacheStats {
  readonly listening: boolean;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
  readonly invalidations: number;
  readonly resets: number;
}

interface Entry {
  readonly payment: Payment;
  readonly expiresAt: number;
}

interface Load {
  readonly promise: Promise<Payment | undefined>;
  stale: boolean;
}

const MAX_BACKOFF_MS = 30_000;

function idOf(payload: string | undefined): string | undefined {
  if (payload === undefined) return undefined;
  try {
    const id = (JSON.parse(payload) as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export class PaymentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Load>();
  private readonly opts: PaymentCacheOptions;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private client: pg.Client | undefined;
  private listening = false;
  private started = false;
  private closed = false;
  private backoffMs = 500;
  private counters = { hits: 0, misses: 0, invalidations: 0, resets: 0 };

  constructor(opts: PaymentCacheOptions) {
    this.opts = opts;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.ttlMs = opts.ttlMs ?? 30_000;
  }

  /**
   * Opens the LISTEN connection in the background (the first `get` does it too); the cache is
   * bypassed until it is active.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** The payment `id`: from memory when cached, else from `load()` (stored when allowed). */
  async get(id: string, load: () => Promise<Payment | undefined>): Promise<Payment | undefined> {
    if (!this.listening) {
      this.start();
      return load();
    }
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt > Date.now()) {
      this.counters.hits++;
      return entry.payment;
    }
    if (entry) this.entries.delete(id);
    this.counters.misses++;
    const running = this.loads.get(id);
    if (running) return running.promise;
    const started: Load = { promise: load(), stale: false };
    this.loads.set(id, started);
    try {
      const payment = await started.promise;
      // A reset (connection lost) or an invalidation of this id since the load began marks it stale.
      if (payment && !started.stale) this.store(id, payment);
      return payment;
    } finally {
      if (this.loads.get(id) === started) this.loads.delete(id);
    }
  }

  /** Drops one payment (call after committing a change to it). */
  invalidate(id: string): void {
    this.counters.invalidations++;
    this.entries.delete(id);
    const running = this.loads.get(id);
    if (running) {
      running.stale = true;
      this.loads.delete(id);
    }
  }

  stats(): PaymentCacheStats {
    return { listening: this.listening, size: this.entries.size, ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reset();
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private store(id: string, payment: Payment): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { payment, expiresAt: Date.now() + this.ttlMs });
  }

  /** Stops serving and storing: everything cached and everything in flight is forgotten. */
  private reset(): void {
    this.listening = false;
    this.counters.resets++;
    this.entries.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
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
        'payment cache LISTEN connection lost; reading through until it is back',
      );
      client.end().catch(() => undefined);
      this.retry();
    };
    client.on('notification', (n) => {
      if (n.channel !== PAYMENTS_NOTIFY_CHANNEL) return;
      const id = idOf(n.payload);
      // A notification we cannot read might concern anything cached.
      if (id === undefined) this.entries.clear();
      else this.invalidate(id);
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
        // Whatever was loaded before this LISTEN became active was never stored (listening was
        // false), so the cache starts empty and every later change is heard.
        this.listening = true;
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

/**
 * The cache's counters on /metrics (read when scraped; nothing is counted twice per request):
 * `payflow_payment_cache_lookups{result="hit"|"miss"}` since start, `payflow_payment_cache_entries`,
 * `payflow_payment_cache_listening` (1 while the LISTEN connection is active).
 */
export function registerPaymentCacheMetrics(cache: PaymentCache, registry: Registry): void {
  // A route table built twice on one registry (tests do) keeps the first cache's metrics.
  if (registry.getSingleMetric(metricName('payment_cache_lookups'))) return;
  new Gauge({
    name: metricName('payment_cache_lookups'),
    help: 'Payment cache lookups since the process started, by result (hit or miss).',
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const s = cache.stats();
      this.set({ result: 'hit' }, s.hits);
      this.set({ result: 'miss' }, s.misses);
    },
  });
  new Gauge({
    name: metricName('payment_cache_entries'),
    help: 'Payments held by the cache.',
    registers: [registry],
    collect() {
      this.set(cache.stats().size);
    },
  });
  new Gauge({
    name: metricName('payment_cache_listening'),
    help: '1 while the cache hears payment changes (LISTEN active) and may serve; else 0.',
    registers: [registry],
    collect() {
      this.set(cache.stats().listening ? 1 : 0);
    },
  });
}
