import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChangeListener, ChangeSource, PaymentChange } from './change-feed.ts';
import { parsePaymentChange } from './change-feed.ts';
import type { PaymentFilter } from './queries.ts';
import { TotalCache, filterKey } from './total-cache.ts';

/** A feed stand-in: listening as told, delivering what the test sends. */
class TestFeed implements ChangeSource {
  listening = true;
  started = 0;
  private readonly listeners: ChangeListener[] = [];
  start(): void {
    this.started++;
  }
  subscribe(l: ChangeListener): void {
    this.listeners.push(l);
  }
  send(change: PaymentChange | undefined): void {
    for (const l of this.listeners) l.changed(change);
  }
  lose(): void {
    this.listening = false;
    for (const l of this.listeners) l.reset();
  }
}

function cached(feed: TestFeed, filters: PaymentFilter[]): TotalCache {
  const cache = new TotalCache({ feed });
  filters.forEach((f, i) => {
    expect(cache.lookup(f)).toBeUndefined();
    const t = cache.begin(f);
    expect(t).toBeDefined();
    if (t) cache.end(t, 100 + i);
  });
  return cache;
}

const change = (merchantId: string, payerId: string): PaymentChange => ({ id: 'pay_x', merchantId, payerId });

describe('TotalCache', () => {
  it('when a total was counted, then the same filter is answered from memory until a change concerns it', () => {
    const feed = new TestFeed();
    const m1: PaymentFilter = { merchantId: 'm1', states: ['settled'] };
    const cache = cached(feed, [m1]);
    expect(cache.lookup({ states: ['settled'], merchantId: 'm1' })).toBe(100);
    feed.send(change('m2', 'p9'));
    expect(cache.lookup(m1)).toBe(100);
    feed.send(change('m1', 'p9'));
    expect(cache.lookup(m1)).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, size: 0 });
  });

  it('when a payment changes, then exactly the totals whose filter could include it are dropped', () => {
    const filters: PaymentFilter[] = [
      { merchantId: 'm1' },
      { merchantId: 'm2' },
      { payerId: 'p1' },
      { payerId: 'p2' },
      { merchantId: 'm2', payerId: 'p1' },
      { currency: 'USD' },
      {},
      { q: 'm1' },
    ];
    const feed = new TestFeed();
    const cache = cached(feed, filters);
    feed.send(change('m1', 'p1'));
    const kept = filters.map((f) => cache.lookup(f) !== undefined);
    // Kept: merchant m2 alone, payer p2 alone; everything that might hold m1/p1's payment is gone.
    expect(kept).toEqual([false, true, false, true, true, false, false, false]);
  });

  it('when a notification cannot be read or lacks the merchant, then every total is dropped', () => {
    const feed = new TestFeed();
    const filters: PaymentFilter[] = [{ merchantId: 'm1' }, { payerId: 'p1' }];
    const cache = cached(feed, filters);
    feed.send({ id: 'pay_x' });
    expect(filters.map((f) => cache.lookup(f))).toEqual([undefined, undefined]);
    const again = cached(feed, filters);
    feed.send(undefined);
    expect(filters.map((f) => again.lookup(f))).toEqual([undefined, undefined]);
  });

  it('when a concerning change is heard while counting, then that count is not kept', () => {
    const feed = new TestFeed();
    const cache = new TotalCache({ feed });
    const f: PaymentFilter = { merchantId: 'm1' };
    const t1 = cache.begin(f);
    const t2 = cache.begin({ merchantId: 'm2' });
    feed.send(change('m1', 'p1'));
    if (t1) cache.end(t1, 5);
    if (t2) cache.end(t2, 6);
    expect(cache.lookup(f)).toBeUndefined();
    expect(cache.lookup({ merchantId: 'm2' })).toBe(6);
  });

  it('when the feed is not listening or is lost, then nothing is served or kept', () => {
    const feed = new TestFeed();
    const cache = cached(feed, [{ merchantId: 'm1' }]);
    const t = cache.begin({ merchantId: 'm3' });
    feed.lose();
    if (t) cache.end(t, 7);
    expect(cache.lookup({ merchantId: 'm1' })).toBeUndefined();
    expect(feed.started).toBe(1);
    expect(cache.begin({ merchantId: 'm1' })).toBeUndefined();
    feed.listening = true;
    expect(cache.lookup({ merchantId: 'm1' })).toBeUndefined();
    expect(cache.lookup({ merchantId: 'm3' })).toBeUndefined();
  });

  it('when more totals than the bound are counted, then the oldest are dropped first', () => {
    const feed = new TestFeed();
    const cache = new TotalCache({ feed, maxEntries: 2 });
    for (const m of ['a', 'b', 'c']) {
      const t = cache.begin({ merchantId: m });
      if (t) cache.end(t, 1);
    }
    expect(['a', 'b', 'c'].map((m) => cache.lookup({ merchantId: m }))).toEqual([undefined, 1, 1]);
  });

  it('when two filters differ in any field, then their keys differ; state order does not matter', () => {
    const arb = fc.record(
      {
        merchantId: fc.constantFrom('m1', 'm2'),
        payerId: fc.constantFrom('p1', 'p2'),
        currency: fc.constantFrom('USD' as const, 'EUR' as const),
        amountMinMinor: fc.bigInt({ min: 0n, max: 3n }),
        createdFrom: fc.constantFrom(new Date(0), new Date(1000)),
        q: fc.constantFrom('a', 'b'),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const same =
          a.merchantId === b.merchantId &&
          a.payerId === b.payerId &&
          a.currency === b.currency &&
          a.amountMinMinor === b.amountMinMinor &&
          a.createdFrom?.getTime() === b.createdFrom?.getTime() &&
          a.q === b.q;
        expect(filterKey(a) === filterKey(b)).toBe(same);
      }),
    );
    expect(filterKey({ states: ['settled', 'captured'] })).toBe(
      filterKey({ states: ['captured', 'settled'] }),
    );
    expect(filterKey({ merchantId: 'm1' })).not.toBe(filterKey({ payerId: 'm1' }));
  });
});

describe('parsePaymentChange', () => {
  it('reads the payment, its merchant and payer; anything else is unreadable', () => {
    expect(parsePaymentChange('{"id":"pay_1","merchant_id":"m","payer_id":"p","version":2}')).toEqual({
      id: 'pay_1',
      merchantId: 'm',
      payerId: 'p',
    });
    expect(parsePaymentChange('{"id":"pay_1"}')).toEqual({ id: 'pay_1' });
    for (const bad of [undefined, '', 'not json', '{"merchant_id":"m"}', '{"id":7}', 'null']) {
      expect(parsePaymentChange(bad)).toBeUndefined();
    }
  });
});
