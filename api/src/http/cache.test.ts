import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../kv/index.ts';
import { createLogger } from '../observability/logger.ts';
import { createCache } from './cache.ts';

describe('read-through cache without Redis', () => {
  const redis = new Redis('redis://127.0.0.1:1', {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => undefined);
  afterAll(() => {
    redis.disconnect();
  });

  it('when Redis cannot be reached, then every read goes to the source and invalidation does not throw', async () => {
    const cache = createCache({
      kv: new RedisStore(redis),
      logger: createLogger({ name: 'test', level: 'silent' }),
      scope: 'db',
    });
    let loads = 0;
    const load = (): Promise<{ n: number }> => Promise.resolve({ n: ++loads });
    expect(await cache.read('ns', 'k', 1000, load)).toEqual({ n: 1 });
    expect(await cache.read('ns', 'k', 1000, load)).toEqual({ n: 2 });
    await expect(cache.invalidate('ns')).resolves.toBeUndefined();
  });
});
