/** A fixed-window counter as read: its count and the milliseconds left in its window. */
export interface WindowCount {
  readonly count: number;
  /** Milliseconds until the counter expires; -1 when it does not exist or has no expiry. */
  readonly ttlMs: number;
}

/** What the API needs of a key-value store; every method may reject when the store is down. */
export interface KeyValueStore {
  /** `redis`: shared by every instance; `memory`: this process only. */
  readonly mode: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Increments a counter that never expires (a generation number); returns its new value. */
  incr(key: string): Promise<number>;
  del(...keys: string[]): Promise<void>;
  exists(key: string): Promise<boolean>;
  /**
   * Fixed windows: increments every key, starting its `windowMs` expiry when this increment
   * created it; returns the new counts, in order.
   */
  hit(keys: readonly string[], windowMs: number): Promise<number[]>;
  /** The counts and remaining windows of `keys`, in order (0 and -1 for a missing key). */
  counts(keys: readonly string[]): Promise<WindowCount[]>;
  /** Resolves when the store answers. */
  ping(): Promise<void>;
  /** The server's version (`redis_version`), or `in-process` for the memory store. */
  version(): Promise<string>;
  close(): void;
}
