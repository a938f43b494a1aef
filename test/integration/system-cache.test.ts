import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createCache } from '../../api/src/http/cache.ts';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../api/src/kv/index.ts';
import { createLogger } from '../../api/src/observability/logger.ts';
import { testenv } from '../support/env.ts';

// The same behaviour whichever store the API keeps the cache in: Redis, or its own process.
describe.each([
  ['Redis', (): KeyValueStore => new RedisStore(new Redis(testenv().redis.url))],
  ['the process', (): KeyValueStore => new MemoryStore()],
])('read-through cache in %s', (_name, makeStore) => {
  const kv = makeStore();
  const logger = createLogger({ name: 'test', level: 'silent' });
  const scope = `test-${randomBytes(4).toString('hex')}`;
  afterAll(() => {
    kv.close();
  });

  function counter(): { load: () => Promise<{ n: number }>; loads: () => number } {
    let n = 0;
    return { load: () => Promise.resolve({ n: ++n }), loads: () => n };
  }

  it('when read twice within the TTL, then the source is loaded once', async () => {
    const cache = createCache({ kv, logger, scope });
    const c = counter();
    expect(await cache.read('a', 'k', 60_000, c.load)).toEqual({ n: 1 });
    expect(await cache.read('a', 'k', 60_000, c.load)).toEqual({ n: 1 });
    expect(c.loads()).toBe(1);
  });

  it('when the namespace is invalidated, then the next read loads again; other namespaces keep theirs', async () => {
    const cache = createCache({ kv, logger, scope });
    const a = counter();
    const b = counter();
    await cache.read('b1', 'k', 60_000, a.load);
    await cache.read('b2', 'k', 60_000, b.load);
    await cache.invalidate('b1');
    expect(await cache.read('b1', 'k', 60_000, a.load)).toEqual({ n: 2 });
    expect(await cache.read('b2', 'k', 60_000, b.load)).toEqual({ n: 1 });
  });

  it('when two scopes (databases) share the store, then neither sees the other', async () => {
    const one = createCache({ kv, logger, scope: `${scope}-1` });
    const two = createCache({ kv, logger, scope: `${scope}-2` });
    await one.read('c', 'k', 60_000, () => Promise.resolve('one'));
    expect(await two.read('c', 'k', 60_000, () => Promise.resolve('two'))).toBe('two');
  });

  it('when the TTL passes, then the entry is gone', async () => {
    const cache = createCache({ kv, logger, scope });
    const c = counter();
    await cache.read('d', 'k', 20, c.load);
    await new Promise((r) => setTimeout(r, 60));
    await cache.read('d', 'k', 20, c.load);
    expect(c.loads()).toBe(2);
  });
});
