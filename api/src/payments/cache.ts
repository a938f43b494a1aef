// A per-process read-through cache of payments by id, for GET /transactions/:id.
//
// Correctness comes from Postgres, not from the TTL:
//   - every payment change (API, worker, batch runner) sends a `payflow_payments` notification
//     on commit; the change feed (change-feed.ts) hears it and this cache drops the entry named;
//   - until the feed's LISTEN is active, and whenever its connection is lost, the cache is empty
//     and stores nothing (reads go to the database), so no change committed while nobody
//     listened can be answered from memory; it fills again once a new LISTEN is active;
//   - a load that was in flight when its id (or the whole cache) was invalidated is returned to
//     its caller but never stored, and later readers do not join it;
//   - this process's own writes invalidate synchronously after their commit (`invalidate`), so
//     a client sees its own change on its next read without waiting for the notification.
// A change made by another process is visible here once its notification arrives (normally a
// few milliseconds after commit). Entries also expire after `ttlMs`, and the cache holds at
// most `maxEntries` (oldest dropped first): a safety net, not the mechanism.
import { Gauge, type Registry } from 'prom-client';
import { metricName, registerCacheGauges } from '../observability/metrics.ts';
import type { ChangeSource, PaymentChange } from './change-feed.ts';
import type { Payment } from './store.ts';

export interface PaymentCacheOptions {
  readonly feed: ChangeSource;
  /** Most entries kept (default 20,000). */
  readonly maxEntries?: number;
  /** Longest an entry is served (default 30 s). */
  readonly ttlMs?: number;
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

/**
 * A copy of the payment made here, for keeping. The loaded object comes from the allocation
 * sites that also make every row of every list page; were those objects kept for long, V8 would
 * allocate all their later objects (the list rows too) straight in the old generation
 * (allocation-site pretenuring), and list requests would pay for frequent full collections.
 */
function detached(p: Payment): Payment {
  return {
    ...p,
    createdAt: new Date(p.createdAt.getTime()),
    updatedAt: new Date(p.updatedAt.getTime()),
  };
}

export class PaymentCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loads = new Map<string, Load>();
  private readonly feed: ChangeSource;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private counters = { hits: 0, misses: 0, invalidations: 0, resets: 0 };

  constructor(opts: PaymentCacheOptions) {
    this.feed = opts.feed;
    this.maxEntries = opts.maxEntries ?? 20_000;
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.feed.subscribe({
      changed: (change: PaymentChange | undefined) => {
        // A notification we cannot read might concern anything cached.
        if (change === undefined) this.entries.clear();
        else this.invalidate(change.id);
      },
      reset: () => {
        this.reset();
      },
    });
  }

  /** The payment `id`: from memory when cached, else from `load()` (stored when allowed). */
  async get(id: string, load: () => Promise<Payment | undefined>): Promise<Payment | undefined> {
    if (!this.feed.listening) {
      this.feed.start();
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
    return { listening: this.feed.listening, size: this.entries.size, ...this.counters };
  }

  private store(id: string, payment: Payment): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { payment: detached(payment), expiresAt: Date.now() + this.ttlMs });
  }

  /** Stops serving and storing: everything cached and everything in flight is forgotten. */
  private reset(): void {
    this.counters.resets++;
    this.entries.clear();
    for (const load of this.loads.values()) load.stale = true;
    this.loads.clear();
  }
}

/**
 * The cache's counters on /metrics (read when scraped; nothing is counted twice per request):
 * `payflow_payment_cache_lookups{result="hit"|"miss"}` since start, `payflow_payment_cache_entries`,
 * `payflow_payment_cache_listening` (1 while the LISTEN connection is active).
 */
export function registerPaymentCacheMetrics(cache: PaymentCache, registry: Registry): void {
  const fresh = registerCacheGauges(registry, {
    name: 'payment_cache',
    lookups: 'Payment cache lookups',
    entries: 'Payments held by the cache.',
    stats: () => cache.stats(),
  });
  if (!fresh) return;
  new Gauge({
    name: metricName('payment_cache_listening'),
    help: '1 while the cache hears payment changes (LISTEN active) and may serve; else 0.',
    registers: [registry],
    collect() {
      this.set(cache.stats().listening ? 1 : 0);
    },
  });
}
