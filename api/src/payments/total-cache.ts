// A per-process cache of list totals: the capped count of a payment filter, reused while no
// payment that could match the filter changes. Paging through a list (offset 50, 100, … or a
// cursor) asks the same count again and again; a console polling its list does too. Counting
// looks at every monthly partition, so it costs Postgres about as much as the page itself.
//
// Correctness is the payment cache's (cache.ts), through the same change feed:
//   - a change notification names the payment's merchant and payer; it drops every total whose
//     filter could include that payment: the filters on that merchant, on that payer, and those
//     on neither (a filter on merchant A cannot match a payment of merchant B, whatever it
//     changed to). A notification without those fields drops everything;
//   - nothing is served or stored while the feed is not listening, and a lost connection drops
//     everything; a count in flight when a matching change is heard is returned but not stored;
//   - this process's own writes drop totals synchronously after commit (`changed`).
// A total can thus lag a change made elsewhere by the notification's delay (milliseconds); the
// page itself is always read fresh. Entries also expire after `ttlMs` (default 30 s).
import type { Registry } from 'prom-client';
import { registerCacheGauges } from '../observability/metrics.ts';
import type { ChangeSource, PaymentChange } from './change-feed.ts';
import type { PaymentFilter } from './queries.ts';

export interface TotalCacheOptions {
  readonly feed: ChangeSource;
  /** Most totals kept (default 10,000). */
  readonly maxEntries?: number;
  /** Longest a total is served (default 30 s). */
  readonly ttlMs?: number;
}

/** A count being made: stored on `store` unless a matching change was heard since `begin`. */
export interface TotalTicket {
  readonly key: string;
  readonly filter: PaymentFilter;
  stale: boolean;
}

interface Entry {
  readonly total: number;
  readonly expiresAt: number;
  readonly bucket: string;
}

/** The one index bucket of a filter: its merchant, else its payer, else the open bucket. */
function bucketOf(f: PaymentFilter): string {
  if (f.merchantId !== undefined) return `m:${f.merchantId}`;
  if (f.payerId !== undefined) return `p:${f.payerId}`;
  return '*';
}

/** Could a change to this payment alter the filter's count? */
function concerns(f: PaymentFilter, c: PaymentChange): boolean {
  if (f.merchantId !== undefined && c.merchantId !== undefined && f.merchantId !== c.merchantId) return false;
  if (f.merchantScope !== undefined && c.merchantId !== undefined && !f.merchantScope.includes(c.merchantId))
    return false;
  return !(f.payerId !== undefined && c.payerId !== undefined && f.payerId !== c.payerId);
}

/** A stable text of the filter (field order fixed, states sorted, dates as ISO text). */
export function filterKey(f: PaymentFilter): string {
  const fields = [
    f.merchantId,
    f.payerId,
    f.states === undefined ? undefined : [...f.states].sort(),
    f.currency,
    f.amountMinMinor,
    f.amountMaxMinor,
    f.createdFrom,
    f.createdTo,
    f.q,
    f.merchantScope === undefined ? undefined : [...f.merchantScope].sort(),
  ];
  // Absent fields become null in the array; bigints their text; dates their ISO text (toJSON).
  return JSON.stringify(fields, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

export class TotalCache {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, Set<string>>();
  private readonly tickets = new Set<TotalTicket>();
  private readonly feed: ChangeSource;
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private counters = { hits: 0, misses: 0 };

  constructor(opts: TotalCacheOptions) {
    this.feed = opts.feed;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.ttlMs = opts.ttlMs ?? 30_000;
    this.feed.subscribe({
      changed: (change) => {
        this.changed(change);
      },
      reset: () => {
        this.clear();
      },
    });
  }

  /** The cached total of the filter, or undefined (then count, between `begin` and `end`). */
  lookup(filter: PaymentFilter): number | undefined {
    if (!this.feed.listening) {
      this.feed.start();
      return undefined;
    }
    const key = filterKey(filter);
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > Date.now()) {
      this.counters.hits++;
      return entry.total;
    }
    if (entry) this.drop(key);
    this.counters.misses++;
    return undefined;
  }

  /** Starts a count of the filter; undefined when counts cannot be kept now (not listening). */
  begin(filter: PaymentFilter): TotalTicket | undefined {
    if (!this.feed.listening) return undefined;
    const ticket: TotalTicket = { key: filterKey(filter), filter, stale: false };
    this.tickets.add(ticket);
    return ticket;
  }

  /** Ends a count: its total is kept unless a change that concerns it was heard meanwhile. */
  end(ticket: TotalTicket, total: number | undefined): void {
    this.tickets.delete(ticket);
    if (total === undefined || ticket.stale || !this.feed.listening) return;
    this.drop(ticket.key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.drop(oldest.value);
    }
    const bucket = bucketOf(ticket.filter);
    this.entries.set(ticket.key, { total, expiresAt: Date.now() + this.ttlMs, bucket });
    let keys = this.buckets.get(bucket);
    if (!keys) this.buckets.set(bucket, (keys = new Set()));
    keys.add(ticket.key);
  }

  /** A payment changed (heard, or committed by this process): drop what it may have altered. */
  changed(change: PaymentChange | undefined): void {
    if (change?.merchantId === undefined || change.payerId === undefined) {
      this.clear();
      return;
    }
    for (const bucket of [`m:${change.merchantId}`, `p:${change.payerId}`, '*']) {
      for (const key of this.buckets.get(bucket) ?? []) this.drop(key);
    }
    for (const t of this.tickets) if (concerns(t.filter, change)) t.stale = true;
  }

  stats(): { hits: number; misses: number; size: number } {
    return { ...this.counters, size: this.entries.size };
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const keys = this.buckets.get(entry.bucket);
    keys?.delete(key);
    if (keys?.size === 0) this.buckets.delete(entry.bucket);
  }

  private clear(): void {
    this.entries.clear();
    this.buckets.clear();
    for (const t of this.tickets) t.stale = true;
  }
}

/** `payflow_list_total_cache_lookups{result="hit"|"miss"}` and `payflow_list_total_cache_entries`. */
export function registerTotalCacheMetrics(cache: TotalCache, registry: Registry): void {
  registerCacheGauges(registry, {
    name: 'list_total_cache',
    lookups: 'Payment list total lookups',
    entries: 'Payment list totals held by the cache.',
    stats: () => cache.stats(),
  });
}
