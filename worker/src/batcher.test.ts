import { describe, expect, it } from 'vitest';
import { Batcher } from './batcher.ts';

interface Item {
  readonly key: string | undefined;
  readonly n: number;
}

/** A batcher whose batches finish only when the test says so; records every batch it ran. */
function controlled(opts: { maxBatch: number; writers: number; keyed: boolean }): {
  batcher: Batcher<Item, number>;
  batches: Item[][];
  finish: (i: number, fail?: boolean) => void;
} {
  const batches: Item[][] = [];
  const done: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const batcher = new Batcher<Item, number>({
    maxBatch: opts.maxBatch,
    writers: opts.writers,
    lingerMs: 5,
    ...(opts.keyed ? { keyOf: (i: Item) => i.key } : {}),
    run: async (items) => {
      batches.push(items);
      await new Promise<void>((resolve, reject) => done.push({ resolve, reject }));
      return items.map((i) => i.n);
    },
  });
  return {
    batcher,
    batches,
    finish: (i, fail) => {
      if (fail) done[i]?.reject(new Error('transaction failed'));
      else done[i]?.resolve();
    },
  };
}

/** Long enough for the batcher's linger (5 ms) to start what is waiting. */
const tick = async (): Promise<void> => new Promise((r) => setTimeout(r, 25));
const ns = (b: Item[] | undefined): number[] => (b ?? []).map((i) => i.n);

describe('Batcher', () => {
  it('without keys, a second writer takes the next items whatever they are', async () => {
    const c = controlled({ maxBatch: 2, writers: 2, keyed: false });
    const results = [1, 2, 3, 4].map((n) => c.batcher.submit({ key: 'p', n }));
    await tick();
    expect(c.batches.map(ns)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    c.finish(0);
    c.finish(1);
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4]);
  });

  it('keeps items of a key in flight for a later batch, in their order, and takes the others', async () => {
    const c = controlled({ maxBatch: 10, writers: 2, keyed: true });
    const first = c.batcher.submit({ key: 'a', n: 1 });
    await tick();
    expect(c.batches.map(ns)).toEqual([[1]]);
    const rest = [
      { key: 'a', n: 2 },
      { key: 'b', n: 3 },
      { key: 'a', n: 4 },
      { key: undefined, n: 5 },
      { key: 'c', n: 6 },
    ].map(async (i) => c.batcher.submit(i));
    await tick();
    // The second writer may not lock payment a while the first holds it.
    expect(c.batches.map(ns)).toEqual([[1], [3, 5, 6]]);
    c.finish(0);
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [3, 5, 6], [2, 4]]);
    c.finish(1);
    c.finish(2);
    expect(await first).toBe(1);
    expect(await Promise.all(rest)).toEqual([2, 3, 4, 5, 6]);
    expect(c.batcher.idle).toBe(true);
  });

  it('waits, rather than starting an empty batch, when everything queued belongs to keys in flight', async () => {
    const c = controlled({ maxBatch: 10, writers: 2, keyed: true });
    void c.batcher.submit({ key: 'a', n: 1 });
    await tick();
    const second = c.batcher.submit({ key: 'a', n: 2 });
    await tick();
    expect(c.batches.map(ns)).toEqual([[1]]);
    expect(c.batcher.idle).toBe(false);
    c.finish(0);
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [2]]);
    c.finish(1);
    expect(await second).toBe(2);
  });

  it('frees the keys of a batch that failed', async () => {
    const c = controlled({ maxBatch: 10, writers: 2, keyed: true });
    const failed = c.batcher.submit({ key: 'a', n: 1 });
    await tick();
    const next = c.batcher.submit({ key: 'a', n: 2 });
    await tick();
    c.finish(0, true);
    await expect(failed).rejects.toThrow('transaction failed');
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [2]]);
    c.finish(1);
    expect(await next).toBe(2);
  });

  it('fills a batch to its size at most, from behind the held items', async () => {
    const c = controlled({ maxBatch: 2, writers: 2, keyed: true });
    void c.batcher.submit({ key: 'a', n: 1 });
    await tick();
    // Two waiting make a full queue: the second writer starts at once, with what it may take.
    for (const i of [
      { key: 'a', n: 2 },
      { key: 'b', n: 3 },
      { key: 'c', n: 4 },
      { key: 'd', n: 5 },
    ])
      void c.batcher.submit(i);
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [3]]);
    c.finish(0);
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [3], [2, 4]]);
    c.finish(1);
    await tick();
    expect(c.batches.map(ns)).toEqual([[1], [3], [2, 4], [5]]);
  });
});
