// The Redis fast path in front of Postgres: a pre-check only. `done` marks are written after
// commit (a later copy of the event is deleted without touching Postgres); claims (SET NX with
// a TTL) keep two workers from working on the same event at the same moment. Postgres'
// processed_events row stays the truth: a lost mark costs a round trip, never a double effect.
// When Redis is unreachable every call answers "unknown" at once and the worker goes on.
import { Redis } from 'ioredis';

export type Precheck = 'new' | 'done' | 'busy';

const DONE = 'done';

export class Dedupe {
  private readonly redis: Redis | undefined;
  private readonly owner: string;
  private readonly claimTtlSeconds: number;
  private readonly doneTtlSeconds: number;

  constructor(opts: {
    url: string | undefined;
    owner: string;
    claimTtlSeconds: number;
    doneTtlSeconds: number;
  }) {
    this.owner = opts.owner;
    this.claimTtlSeconds = opts.claimTtlSeconds;
    this.doneTtlSeconds = opts.doneTtlSeconds;
    this.redis =
      opts.url === undefined
        ? undefined
        : new Redis(opts.url, {
            lazyConnect: false,
            enableOfflineQueue: false,
            maxRetriesPerRequest: 0,
            connectTimeout: 1000,
            commandTimeout: 500,
            retryStrategy: (times) => Math.min(times * 200, 2000),
          });
    this.redis?.on('error', () => undefined);
  }

  get available(): boolean {
    return this.redis?.status === 'ready';
  }

  private key(eventId: string): string {
    return `payflow:evt:${eventId}`;
  }

  /**
   * Claims each event id: `new` (claimed now, or Redis unavailable), `done` (processed
   * before), `busy` (claimed by another worker, not done yet).
   */
  async claim(eventIds: readonly string[]): Promise<Precheck[]> {
    const redis = this.redis;
    if (!redis || !this.available || eventIds.length === 0) return eventIds.map(() => 'new');
    try {
      const pipe = redis.pipeline();
      for (const id of eventIds) {
        pipe.set(this.key(id), this.owner, 'EX', this.claimTtlSeconds, 'NX', 'GET');
      }
      const results = (await pipe.exec()) ?? [];
      return results.map(([err, prior]) => this.precheckOf(err, prior));
    } catch {
      return eventIds.map(() => 'new');
    }
  }

  private precheckOf(err: Error | null, prior: unknown): Precheck {
    if (err || prior === null || prior === undefined || prior === this.owner) return 'new';
    return prior === DONE ? 'done' : 'busy';
  }

  /** After commit: remembered as done. */
  async markDone(eventIds: readonly string[]): Promise<void> {
    await this.each(eventIds, (pipe, key) => pipe.set(key, DONE, 'EX', this.doneTtlSeconds));
  }

  /** After a retry: releases this worker's claims so that the next delivery is not held back. */
  async release(eventIds: readonly string[]): Promise<void> {
    await this.each(eventIds, (pipe, key) => pipe.del(key));
  }

  private async each(
    eventIds: readonly string[],
    op: (pipe: ReturnType<Redis['pipeline']>, key: string) => unknown,
  ): Promise<void> {
    const redis = this.redis;
    if (!redis || !this.available || eventIds.length === 0) return;
    try {
      const pipe = redis.pipeline();
      for (const id of eventIds) op(pipe, this.key(id));
      await pipe.exec();
    } catch {
      // Best effort: Postgres is the truth.
    }
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.redis?.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  close(): void {
    this.redis?.disconnect();
  }
}
