// The API's key-value store, as Redis and as the process' own map: both must behave alike, since
// rate limits, failed-login counters and the read-through cache are written against the
// interface and run on whichever the deployment has.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../api/src/kv/index.ts';
import { testenv } from '../support/env.ts';

describe.each([
  ['Redis', (): KeyValueStore => new RedisStore(new Redis(testenv().redis.url))],
  ['the process', (): KeyValueStore => new MemoryStore()],
])('key-value store in %s', (_name, makeStore) => {
  const kv = makeStore();
  const p = `kvtest:${randomBytes(4).toString('hex')}:`;
  afterAll(() => {
    kv.close();
  });

  it('when a value is set, then it is read back until its time to live passes', async () => {
    expect(await kv.get(`${p}a`)).toBeNull();
    await kv.set(`${p}a`, 'one', 60_000);
    await kv.set(`${p}short`, 'two', 40);
    expect(await kv.get(`${p}a`)).toBe('one');
    expect(await kv.exists(`${p}a`)).toBe(true);
    await sleep(120);
    expect(await kv.get(`${p}short`)).toBeNull();
    expect(await kv.exists(`${p}short`)).toBe(false);
    await kv.del(`${p}a`);
    expect(await kv.get(`${p}a`)).toBeNull();
  });

  it('when a generation counter is incremented, then it counts from 1 and never expires', async () => {
    expect(await kv.incr(`${p}gen`)).toBe(1);
    expect(await kv.incr(`${p}gen`)).toBe(2);
    expect(await kv.counts([`${p}gen`])).toEqual([{ count: 2, ttlMs: -1 }]);
  });

  it('when a value that is no integer is incremented, then the store refuses', async () => {
    await kv.set(`${p}text`, 'x', 60_000);
    await expect(kv.incr(`${p}text`)).rejects.toThrow(/integer/);
  });

  it('when windows are hit, then each key counts its own hits and a missing key reads as 0', async () => {
    expect(await kv.hit([`${p}w1`, `${p}w2`], 60_000)).toEqual([1, 1]);
    expect(await kv.hit([`${p}w1`], 60_000)).toEqual([2]);
    const [w1, w2, none] = await kv.counts([`${p}w1`, `${p}w2`, `${p}none`]);
    expect(w1?.count).toBe(2);
    expect(w1?.ttlMs).toBeGreaterThan(0);
    expect(w1?.ttlMs).toBeLessThanOrEqual(60_000);
    expect(w2?.count).toBe(1);
    expect(none).toEqual({ count: 0, ttlMs: -1 });
    expect(await kv.hit([], 60_000)).toEqual([]);
  });

  it('when a window is hit again, then its expiry is not pushed back: the window is fixed', async () => {
    // Created at t0 with 300 ms; hit again at ≥ t0+200; read at ≥ t0+400. A store that restarted
    // the window on the second hit would still hold the key then (until ≥ t0+500).
    await kv.hit([`${p}fixed`], 300);
    await sleep(200);
    await kv.hit([`${p}fixed`], 300);
    await sleep(200);
    expect(await kv.counts([`${p}fixed`])).toEqual([{ count: 0, ttlMs: -1 }]);
    expect(await kv.hit([`${p}fixed`], 300)).toEqual([1]);
  });

  it('when asked, then it answers a ping and names its version', async () => {
    await expect(kv.ping()).resolves.toBeUndefined();
    expect(await kv.version()).toMatch(kv.mode === 'redis' ? /^\d+\.\d+/ : /^in-process$/);
  });
});

describe('key-value store in the process', () => {
  it('when entries expire, then a sweep drops them, so idle callers do not keep memory', async () => {
    let now = 1_000;
    const kv = new MemoryStore({ now: () => now, sweepIntervalMs: 60_000 });
    await kv.hit(['a', 'b'], 100);
    await kv.set('c', 'v', 10_000);
    expect(kv.size).toBe(3);
    now += 101;
    kv.sweep();
    expect(kv.size).toBe(1);
    kv.close();
  });
});
