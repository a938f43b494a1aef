import type { KeyValueStore, WindowCount } from './types.ts';

interface Entry {
  value: string;
  /** Epoch ms when the entry stops existing; undefined: never. */
  expiresAt: number | undefined;
}

export interface MemoryStoreOptions {
  /** How often expired entries are swept (they are also ignored when read); default 30 s. */
  readonly sweepIntervalMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/**
 * The key-value store inside the process, for an API that runs without Redis. Same semantics
 * as the Redis store (a window starts at its first hit, entries expire by themselves), but
 * only this process sees the values: correct for one API instance, not for several.
 */
export class MemoryStore implements KeyValueStore {
  readonly mode = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(opts: MemoryStoreOptions = {}) {
    this.#now = opts.now ?? Date.now;
    this.#sweeper = setInterval(() => {
      this.sweep();
    }, opts.sweepIntervalMs ?? 30_000);
    this.#sweeper.unref();
  }

  /** Entries alive now (expired ones are dropped first). */
  get size(): number {
    this.sweep();
    return this.#entries.size;
  }

  /** Drops every expired entry. */
  sweep(): void {
    const now = this.#now();
    for (const [key, e] of this.#entries)
      if (e.expiresAt !== undefined && e.expiresAt <= now) this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e?.expiresAt !== undefined && e.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  #increment(key: string, windowMs: number | undefined): number {
    const e = this.#live(key);
    if (!e) {
      const expiresAt = windowMs === undefined ? undefined : this.#now() + windowMs;
      this.#entries.set(key, { value: '1', expiresAt });
      return 1;
    }
    const n = Number(e.value);
    // Redis refuses INCR of a value that is not an integer; so does this store.
    if (!Number.isSafeInteger(n)) throw new Error(`value of ${key} is not an integer`);
    e.value = String(n + 1);
    return n + 1;
  }

  get(key: string): Promise<string | null> {
    return Promise.resolve(this.#live(key)?.value ?? null);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    return Promise.resolve();
  }

  incr(key: string): Promise<number> {
    return Promise.resolve().then(() => this.#increment(key, undefined));
  }

  del(...keys: string[]): Promise<void> {
    for (const k of keys) this.#entries.delete(k);
    return Promise.resolve();
  }

  exists(key: string): Promise<boolean> {
    return Promise.resolve(this.#live(key) !== undefined);
  }

  hit(keys: readonly string[], windowMs: number): Promise<number[]> {
    return Promise.resolve().then(() => keys.map((k) => this.#increment(k, windowMs)));
  }

  counts(keys: readonly string[]): Promise<WindowCount[]> {
    const now = this.#now();
    return Promise.resolve(
      keys.map((k) => {
        const e = this.#live(k);
        if (!e) return { count: 0, ttlMs: -1 };
        return { count: Number(e.value), ttlMs: e.expiresAt === undefined ? -1 : e.expiresAt - now };
      }),
    );
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  version(): Promise<string> {
    return Promise.resolve('in-process');
  }

  close(): void {
    clearInterval(this.#sweeper);
    this.#entries.clear();
  }
}
