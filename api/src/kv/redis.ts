import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import type { KeyValueStore, WindowCount } from './types.ts';

// INCR, and start the window when this increment created the key: one round trip, atomic.
const HIT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

type Replies = [Error | null, unknown][] | null;

function values(replies: Replies, expected: number): unknown[] {
  if (replies?.length !== expected) throw new Error('redis returned no reply');
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** The key-value store in Redis, shared by every API instance. */
export class RedisStore implements KeyValueStore {
  readonly mode = 'redis' as const;
  readonly redis: Redis;

  constructor(redis: Redis) {
    this.redis = redis;
  }

  /** Connects to `url`; a Redis that is down at start is logged, and readiness says so. */
  static async connect(url: string, logger: Logger): Promise<RedisStore> {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
    redis.on('error', (err: Error) => {
      logger.warn({ err: err.message }, 'redis connection error');
    });
    await redis.connect().catch((err: unknown) => {
      logger.warn({ err: (err as Error).message }, 'redis not reachable at start; readyz will say so');
    });
    return new RedisStore(redis);
  }

  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  incr(key: string): Promise<number> {
    return this.redis.incr(key);
  }

  async del(...keys: string[]): Promise<void> {
    if (keys.length > 0) await this.redis.del(...keys);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }

  async hit(keys: readonly string[], windowMs: number): Promise<number[]> {
    if (keys.length === 0) return [];
    // One pipeline: one socket write and one read for every key.
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.eval(HIT, 1, k, String(windowMs));
    return values(await pipeline.exec(), keys.length).map(Number);
  }

  async counts(keys: readonly string[]): Promise<WindowCount[]> {
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const k of keys) pipeline.get(k).pttl(k);
    const v = values(await pipeline.exec(), keys.length * 2);
    return keys.map((_, i) => {
      const value = v[i * 2];
      // PTTL answers -2 for a missing key and -1 for one without expiry; both read as -1 here.
      if (value === null || value === undefined) return { count: 0, ttlMs: -1 };
      return { count: Number(value), ttlMs: Math.max(-1, Number(v[i * 2 + 1] ?? -1)) };
    });
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async version(): Promise<string> {
    const info = await this.redis.info('server');
    return /^(?:redis|valkey)_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  }

  close(): void {
    this.redis.disconnect();
  }
}
