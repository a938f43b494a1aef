// Fixed-window rate limiting in Redis, per principal (or per client IP for anonymous callers).
// Every answer carries RateLimit-Limit / -Remaining / -Reset (and RateLimit-Policy); over the
// limit, a 429 problem with Retry-After. If Redis is down or slow the limiter fails open: the
// request goes through and the failure is logged (at most once per interval).
//
// The counters live in Redis only (shared by every instance); the limiter never decides from a
// local count. What it saves is round trips: the increments of all requests that arrive in one
// turn of the event loop go to Redis as one pipeline (one socket write, one reply read) instead
// of one write each, which under load was the largest single cost of a request.
import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { RateLimited } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { Authenticator } from './principal.ts';

export interface RateLimitSettings {
  /** Requests allowed per window and caller; 0 turns the limiter off. */
  readonly limit: number;
  readonly windowSeconds: number;
}

export interface RateLimitDeps extends RateLimitSettings {
  readonly redis: Redis;
  readonly logger: Logger;
  readonly authenticate: Authenticator;
  /** Longest wait for Redis before failing open (default 250 ms). */
  readonly timeoutMs?: number;
  readonly prefix?: string;
}

const INCREMENT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

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
      reject(new Error(`redis did not answer within ${String(ms)} ms`));
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
 * one pipeline of the same script, each answered with its own count (or error). A batch that
 * Redis does not answer within `timeoutMs` fails every call in it.
 */
function batchedIncrement(
  redis: Redis,
  windowMs: number,
  timeoutMs: number,
): (key: string) => Promise<number> {
  let queue: Pending[] = [];
  const flush = (): void => {
    const batch = queue;
    queue = [];
    // Runs outside any request: whatever goes wrong, even synchronously, must reach the callers.
    const sent = Promise.resolve().then(() => {
      const pipeline = redis.pipeline();
      for (const p of batch) pipeline.eval(INCREMENT, 1, p.key, String(windowMs));
      return pipeline.exec();
    });
    withTimeout(sent, timeoutMs).then(
      (replies) => {
        batch.forEach((p, i) => {
          const [err, count] = replies?.[i] ?? [new Error('redis returned no reply'), null];
          if (err) p.reject(err);
          else p.resolve(Number(count));
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
  const increment = batchedIncrement(deps.redis, windowMs, timeoutMs);
  let lastWarn = 0;
  const failOpen = (err: unknown): void => {
    const now = Date.now();
    if (now - lastWarn < WARN_EVERY_MS) return;
    lastWarn = now;
    deps.logger.warn(
      { err: (err as Error).message },
      'rate limiter cannot reach redis; letting requests through',
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
