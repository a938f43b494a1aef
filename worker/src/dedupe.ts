// The Redis fast path in front of Postgres: a pre-check only. `done` marks are written after
// commit (a later copy of the event is deleted without touching Postgres); claims (SET NX with
// a TTL) keep two workers from working on the same event at the same moment. Postgres'
// processed_events row stays the truth: a lost mark costs a round trip, never a double effect.
// When Redis is unreachable every call answers "unknown" at once and the worker goes on.
// Each call is ONE Redis command for all its ids (a server-side script, or DEL with many keys):
// per-id commands cost the worker more CPU than the rest of the pre-check.
import { Redis } from 'ioredis';

/** SET key owner EX ttl NX GET for every key; the prior values, '' where there was none. */
const CLAIM_SCRIPT = `
local out = {}
for i, k in ipairs(KEYS) do
  local prior = redis.call('SET', k, ARGV[1], 'EX', ARGV[2], 'NX', 'GET')
  if prior then out[i] = prior else out[i] = '' end
end
return out`;

/** SET key 'done' EX ttl for every key. */
const DONE_SCRIPT = `
for _, k in ipairs(KEYS) do redis.call('SET', k, 'done', 'EX', ARGV[1]) end
return #KEYS`;

interface DedupeRedis extends Redis {
  payflowClaim(...args: (string | number)[]): Promise<string[]>;
  payflowDone(...args: (string | number)[]): Promise<number>;
}

export type Precheck = 'new' | 'done' | 'busy';

const DONE = 'done';

export class Dedupe {
  private readonly redis: DedupeRedis | undefined;
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
    const redis =
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
    redis?.on('error', () => undefined);
    redis?.defineCommand('payflowClaim', { lua: CLAIM_SCRIPT });
    redis?.defineCommand('payflowDone', { lua: DONE_SCRIPT });
    this.redis = redis as DedupeRedis | undefined;
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
      const keys = eventIds.map((id) => this.key(id));
      const priors = await redis.payflowClaim(keys.length, ...keys, this.owner, this.claimTtlSeconds);
      return eventIds.map((_, i) => this.precheckOf(priors[i]));
    } catch {
      return eventIds.map(() => 'new');
    }
  }

  private precheckOf(prior: string | undefined): Precheck {
    if (prior === undefined || prior === '' || prior === this.owner) return 'new';
    return prior === DONE ? 'done' : 'busy';
  }

  /** After commit: remembered as done. */
  async markDone(eventIds: readonly string[]): Promise<void> {
    await this.each(eventIds, async (redis, keys) =>
      redis.payflowDone(keys.length, ...keys, this.doneTtlSeconds),
    );
  }

  /** After a retry: releases this worker's claims so that the next delivery is not held back. */
  async release(eventIds: readonly string[]): Promise<void> {
    await this.each(eventIds, async (redis, keys) => redis.del(...keys));
  }

  private async each(
    eventIds: readonly string[],
    op: (redis: DedupeRedis, keys: string[]) => Promise<unknown>,
  ): Promise<void> {
    const redis = this.redis;
    if (!redis || !this.available || eventIds.length === 0) return;
    try {
      await op(
        redis,
        eventIds.map((id) => this.key(id)),
      );
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
