// Fixed-window rate limiting in Redis, per principal (or per client IP for anonymous callers).
// Every answer carries RateLimit-Limit / -Remaining / -Reset (and RateLimit-Policy); over the
// limit, a 429 problem with Retry-After. If Redis is down or slow the limiter fails open: the
// request goes through and the failure is logged (at most once per interval).
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

/** The middleware; mount it in front of the routes it guards. */
export function rateLimit(deps: RateLimitDeps): RequestHandler {
  const windowMs = deps.windowSeconds * 1000;
  const prefix = deps.prefix ?? 'payflow:rl:';
  const timeoutMs = deps.timeoutMs ?? 250;
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
        count = Number(await withTimeout(deps.redis.eval(INCREMENT, 1, key, String(windowMs)), timeoutMs));
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
