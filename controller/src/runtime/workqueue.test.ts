import { describe, expect, it } from 'vitest';
import { ExponentialBackoff, TokenBucket, WorkQueue, type Clock } from './workqueue.ts';

function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('work queue', () => {
  it('when a key is added twice before it is taken, then it is handed out once', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(q.length).toBe(0);
  });

  it('when a key is added while it is processed, then it is handed out again only after done', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    const key = await q.get();
    expect(key).toBe('ns/a');
    q.add('ns/a');
    q.add('ns/a');
    // Not handed to a second worker while the first one holds it.
    expect(q.length).toBe(0);
    q.done('ns/a');
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
  });

  it('when a worker waits on an empty queue, then it receives the next key added', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('ns/late');
    expect(await next).toBe('ns/late');
  });

  it('when the queue shuts down, then waiting workers get undefined and adds are ignored', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.shutDown();
    expect(await next).toBeUndefined();
    q.add('ns/a');
    expect(q.length).toBe(0);
  });

  it('when a key is added after a delay twice, then the earlier delay wins and it is queued once', async () => {
    const q = new WorkQueue();
    q.addAfter('ns/a', 60_000);
    q.addAfter('ns/a', 1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.length).toBe(0);
    q.shutDown();
  });

  it('when a key fails repeatedly, then its backoff doubles from 5 ms up to 1000 s and resets on forget', () => {
    const b = new ExponentialBackoff();
    const waits = Array.from({ length: 4 }, () => b.when('k'));
    expect(waits).toEqual([5, 10, 20, 40]);
    expect(b.when('other')).toBe(5);
    for (let i = 0; i < 40; i++) b.when('k');
    expect(b.when('k')).toBe(1_000_000);
    expect(b.retries('k')).toBe(45);
    b.forget('k');
    expect(b.when('k')).toBe(5);
  });

  it('when more than the burst is asked at once, then the bucket spaces the rest at 10 per second', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(10, 100, clock);
    const waits = Array.from({ length: 102 }, () => bucket.reserve());
    expect(waits.slice(0, 100).every((w) => w === 0)).toBe(true);
    expect(waits[100]).toBeCloseTo(100);
    expect(waits[101]).toBeCloseTo(200);
    clock.advance(10_000);
    // Ten seconds refill 100 tokens, of which 2 were owed: 98 free now.
    expect(bucket.reserve()).toBe(0);
  });

  it('when keys are retried, then the wait is the longer of the key backoff and the bucket', () => {
    const clock = manualClock();
    const q = new WorkQueue({ bucket: new TokenBucket(10, 1, clock), clock });
    expect(q.addRateLimited('ns/a')).toBe(5);
    // The bucket is empty now: the next retry of any key waits for a token.
    expect(q.addRateLimited('ns/b')).toBeCloseTo(100);
    expect(q.retries('ns/a')).toBe(1);
    q.forget('ns/a');
    expect(q.retries('ns/a')).toBe(0);
    q.shutDown();
  });

  it('when metrics are attached, then adds, retries, depth and durations are reported', async () => {
    const seen = { adds: 0, retries: 0, depth: [] as number[], queued: 0, worked: 0 };
    const q = new WorkQueue({
      metrics: {
        add: () => {
          seen.adds++;
        },
        retry: () => {
          seen.retries++;
        },
        depth: (n) => {
          seen.depth.push(n);
        },
        queued: () => {
          seen.queued++;
        },
        worked: () => {
          seen.worked++;
        },
      },
    });
    q.add('ns/a');
    q.add('ns/a');
    const key = await q.get();
    q.done(key!);
    q.addRateLimited('ns/a');
    expect(seen).toMatchObject({ adds: 1, retries: 1, queued: 1, worked: 1 });
    expect(seen.depth).toEqual([0, 1, 0]);
    q.shutDown();
  });
});
