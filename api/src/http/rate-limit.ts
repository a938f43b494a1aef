// Fixed-window rate limiting per principal (or per client IP for anonymous callers), with the
// counters in the key-value store: Redis (shared by every instance) or, without REDIS_URL, the
// process' own map (one instance). Every answer carries RateLimit-Limit / -Remaining / -Reset
// (and RateLimit-Policy); over the limit, a 429 problem with Retry-After. If the store is down or
// slow the limiter fails open: the request goes through and the failure is logged (at most once
// per interval).
//
// The limiter never decides from a count of its own. What it saves is round trips: the
// increments of all requests that arrive in one turn of the event loop go to the store as one
// batch (for Redis one pipeline: one socket write, one reply read) instead of one write each,
// which under load was the largest single cost of a request.
import type { Request, RequestHandler } from 'express';
import { RateLimited } from '../domain/errors.ts';
import type { KeyValueStore } from '../kv/index.ts';
import type { Logger } from '../observability/logger.ts';
import type { Authenticator } from './principal.ts';

export interface RateLimitSettings {
  /** Requests allowed per window and caller; 0 turns the limiter off. */
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitDeps extends RateLimitSettings {
  readonly kv: KeyValueStore;
  readonly logger: Logger;
  readonly authenticate: Authenticator;
  /** Longest wait for the store before failing open (default 250 ms). */
  readonly timeoutMs?: number;
  readonly prefix?: string;
}

const WARN_EVERY_MS = 10_000;

async function callerKey(req: Request, authenticate: Authenticator): Promise<string> {
  try {
    const principal = await authenticate(req);
    if (principal) return `p:${principal.id}`;
  } catch {
    // Bad credentials: the route answers 401; count the attempt against the address.
  }
  return `ip:${req.ip ?? 'unknown'}`;
}

async function withTimeout<T>(what: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the key-value store did not answer within ${String(ms)} ms`));
    }, ms);
  });
  try {
    return await Promise.race([what, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Pending {
  readonly key: string;
  readonly resolve: (count: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Increments counters in batches: calls made in the same event-loop turn are sent together as
 * one `hit`, each answered with its own count. A batch that the store does not answer within
 * `timeoutMs` fails every call in it.
 */
function batchedIncrement(
  kv: KeyValueStore,
  windowMs: number,
  timeoutMs: number,
): (key: string) => Promise<number> {
  let queue: Pending[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    // Runs outside any request: whatever goes wrong, even synchronously, must reach the callers.
    const sent = Promise.resolve().then(async () =>
      kv.hit(
        batch.map((p) => p.key),
        windowMs,
      ),
    );
    withTimeout(sent, timeoutMs).then(
      (counts) => {
        batch.forEach((p, i) => {
          const count = counts[i];
          if (count === undefined) p.reject(new Error('the key-value store returned no count'));
          else p.resolve(count);
        });
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err);
      },
    );
  };
  return (key) =>
    new Promise<number>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ key, resolve, reject });
    });
}

/** The middleware; mount it in front of the routes it guards. */
export function rateLimit(deps: RateLimitDeps): RequestHandler {
  const windowMs = deps.windowSeconds * 1000;
  const prefix = deps.prefix ?? 'payflow:rl:';
  const timeoutMs = deps.timeoutMs ?? 250;
  const increment = batchedIncrement(deps.kv, windowMs, timeoutMs);
  let lastWarn = 0;
  const failOpen = (err: unknown): void => {
    const now = Date.now();
    if (now - lastWarn < WARN_EVERY_MS) return;
    lastWarn = now;
    deps.logger.warn(
      { err: (err as Error).message },
      'rate limiter cannot reach the key-value store; letting requests through',
    );
  };

  return (req, res, next) => {
    if (deps.limit <= 0) {
      next();
      return;
    }
    const run = async (): Promise<void> => {
      const now = Date.now();
      const window = Math.floor(now / windowMs);
      const key = `${prefix}${await callerKey(req, deps.authenticate)}:${String(window)}`;
      let count: number;
      try {
        count = await increment(key);
      } catch (err) {
        failOpen(err);
        next();
        return;
      }
      const resetSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000));
      res.setHeader('RateLimit-Policy', `${String(deps.limit)};w=${String(deps.windowSeconds)}`);
      res.setHeader('RateLimit-Limit', String(deps.limit));
      res.setHeader('RateLimit-Remaining', String(Math.max(0, deps.limit - count)));
      res.setHeader('RateLimit-Reset', String(resetSeconds));
      if (count > deps.limit) {
        next(new RateLimited(resetSeconds));
        return;
      }
      next();
    };
    run().catch(next);
  };
}

/** One authentication per request, shared by the limiter and the route. */
export function authenticateOnce(authenticate: Authenticator): Authenticator {
  const seen = new WeakMap<Request, ReturnType<Authenticator>>();
  return (req) => {
    let result = seen.get(req);
    if (!result) {
      result = authenticate(req);
      seen.set(req, result);
    }
    return result;
  };
}
