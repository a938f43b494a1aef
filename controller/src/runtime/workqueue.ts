// A level-triggered work queue as client-go's workqueue: keys (namespace/name) rather than
// events, de-duplicated while waiting; a key being processed and added again is queued once
// more when its processing is done, never handed to two workers at once. Failed keys come back
// through a rate limiter: per-key exponential backoff, bounded by an overall token bucket.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

/** Per-key exponential backoff: base · 2^failures, capped (client-go: 5 ms → 1000 s). */
export class ExponentialBackoff {
  private readonly failures = new Map<string, number>();
  readonly baseMs: number;
  readonly maxMs: number;
  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }
  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** Token bucket: `qps` tokens a second, at most `burst` saved; `reserve` says how long to wait. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly qps: number;
  readonly burst: number;
  private readonly clock: Clock;
  constructor(qps = 10, burst = 100, clock: Clock = systemClock) {
    this.qps = qps;
    this.burst = burst;
    this.clock = clock;
    this.tokens = burst;
    this.last = clock.now();
  }
  /** Takes one token (possibly borrowed from the future) and returns the wait in ms. */
  reserve(): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }
}

export interface QueueMetrics {
  add(): void;
  retry(): void;
  depth(n: number): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
}

const noMetrics: QueueMetrics = {
  add: () => undefined,
  retry: () => undefined,
  depth: () => undefined,
  queued: () => undefined,
  worked: () => undefined,
};

export interface WorkQueueOptions {
  backoff?: ExponentialBackoff;
  bucket?: TokenBucket;
  metrics?: QueueMetrics;
  clock?: Clock;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly backoff: ExponentialBackoff;
  private readonly bucket: TokenBucket;
  private readonly metrics: QueueMetrics;
  private readonly clock: Clock;

  constructor(opts: WorkQueueOptions = {}) {
    this.backoff = opts.backoff ?? new ExponentialBackoff();
    this.bucket = opts.bucket ?? new TokenBucket();
    this.metrics = opts.metrics ?? noMetrics;
    this.clock = opts.clock ?? systemClock;
    this.metrics.depth(0);
  }

  get isShutDown(): boolean {
    return this.shuttingDown;
  }

  get length(): number {
    return this.queue.length;
  }

  /** Adds a key now; a key already waiting is not added twice. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics.add();
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.take(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
  }

  /** Adds a key after `ms`; of several pending delays for one key, the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.delayed.set(key, { at, timer });
  }

  /** Adds a key after its backoff (the longer of per-key backoff and the overall bucket). */
  addRateLimited(key: string): number {
    this.metrics.retry();
    const wait = Math.max(this.backoff.when(key), this.bucket.reserve());
    this.addAfter(key, wait);
    return wait;
  }

  /** Resets a key's backoff after a success. */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  retries(key: string): number {
    return this.backoff.retries(key);
  }

  private take(key: string): void {
    this.dirty.delete(key);
    this.processing.add(key);
    const now = this.clock.now();
    const added = this.addedAt.get(key);
    if (added !== undefined) this.metrics.queued((now - added) / 1000);
    this.addedAt.delete(key);
    this.startedAt.set(key, now);
  }

  /** The next key to process, or undefined once shut down. Call `done(key)` after processing. */
  async get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.metrics.depth(this.queue.length);
      this.take(key);
      return key;
    }
    if (this.shuttingDown) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks a key processed; if it was added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) this.metrics.worked((this.clock.now() - started) / 1000);
    this.startedAt.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}
