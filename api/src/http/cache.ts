// A read-through cache in the key-value store (Redis, or the process' own map) for hot, cheap-to-stale reads (rule lists, queue stats).
// Entries live in a namespace whose generation counter is bumped on every write, so one
// INCR invalidates every entry of the namespace at once (and a reader that loaded stale data
// before the write stores it under the old generation, where nobody looks any more).
// When the store is down the cache steps aside: reads go to the source, and the error is logged.
import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../kv/index.ts';
import type { Logger } from '../observability/logger.ts';

export interface Cache {
  /** The cached value of `key` in `namespace`, or `load()` stored for `ttlMs`. */
  read<T>(namespace: string, key: string, ttlMs: number, load: () => Promise<T>): Promise<T>;
  /** Drops every entry of the namespace. */
  invalidate(namespace: string): Promise<void>;
}

export interface CacheOptions {
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  /**
   * What the cached data comes from (e.g. the database URL): deployments or test databases
   * that share one store never see each other's entries. Only a hash of it enters the keys.
   */
  readonly scope: string;
}

export function createCache(opts: CacheOptions): Cache {
  const scope = createHash('sha256').update(opts.scope).digest('hex').slice(0, 16);
  const prefix = `payflow:cache:${scope}:`;
  const genKey = (ns: string): string => `${prefix}${ns}:gen`;
  const warn = (err: unknown, what: string): void => {
    opts.logger.warn({ err: (err as Error).message }, `cache ${what} failed; reading through`);
  };

  async function lookup(ns: string, key: string): Promise<{ full: string; hit: string | null } | undefined> {
    try {
      const gen = (await opts.kv.get(genKey(ns))) ?? '0';
      const full = `${prefix}${ns}:${gen}:${key}`;
      return { full, hit: await opts.kv.get(full) };
    } catch (err) {
      warn(err, 'read');
      return undefined;
    }
  }

  return {
    async read<T>(ns: string, key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
      const found = await lookup(ns, key);
      if (found?.hit) return JSON.parse(found.hit) as T;
      const value = await load();
      if (found) {
        await opts.kv.set(found.full, JSON.stringify(value), ttlMs).catch((err: unknown) => {
          warn(err, 'write');
        });
      }
      return value;
    },
    async invalidate(ns: string): Promise<void> {
      await opts.kv.incr(genKey(ns)).catch((err: unknown) => {
        warn(err, 'invalidate');
      });
    },
  };
}
