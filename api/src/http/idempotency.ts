// Idempotency-Key for POST routes, with Stripe's semantics, stored in `idempotency_keys`.
//
//   - A key is scoped to the caller (principal id, or `anonymous`), lives 24 hours, and is
//     1..255 printable ASCII characters (anything else is a 400 naming `Idempotency-Key`).
//   - The request is fingerprinted as sha256(method, path, canonical JSON body).
//   - First use: the handler runs in ONE transaction that also claims the key and stores the
//     response, so the effect and the stored response commit together or not at all. A handler
//     that throws rolls everything back, the key included: the client may retry.
//   - Same key, same request: the stored status, body and headers are returned with
//     `Idempotent-Replayed: true`; the handler does not run again.
//   - Same key, different request (body, path or method): 422 IdempotencyMismatch.
//   - Same key while the first request is still running: the duplicate waits for it (up to
//     `lockTimeoutMs`) and then replays its response, or gets a 409 if it is still running.
//     Never a second effect.
//   - Expired keys are overwritten in place on reuse; `pruneIdempotencyKeys` deletes old ones.
//
// Usage (any POST route): `handler: idempotent(deps.pool, async (ctx, tx) => { … })`, where
// the handler makes its writes with `tx`.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { Conflict, IdempotencyMismatch, ValidationError } from '../domain/errors.ts';
import type { RouteContext, RouteResult } from './route.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

export interface IdempotencyOptions {
  /** How long a duplicate waits for the first request before a 409 (default 2000 ms). */
  readonly lockTimeoutMs?: number;
  /** How long a key is remembered (default 24 h). */
  readonly ttlSeconds?: number;
}

/** A POST handler that makes its writes with `tx`, the transaction that also stores the response. */
export type TxHandler<P, Q, B> = (ctx: RouteContext<P, Q, B>, tx: pg.PoolClient) => Promise<RouteResult>;

interface KeyRow {
  request_hash: string;
  state: 'started' | 'completed';
  response_status: number | null;
  response_body: unknown;
  response_headers: Record<string, string> | null;
}

/** JSON with object keys sorted at every level, so that key order does not change the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  const text = JSON.stringify(value) as string | undefined;
  return text ?? 'null';
}

/** sha256 over method, path and canonical body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}

/** The key from the request, validated; undefined when the header is absent. */
export function idempotencyKeyOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_FORMAT.test(header)) {
    throw ValidationError.of(IDEMPOTENCY_HEADER, 'must be 1 to 255 printable ASCII characters');
  }
  return header;
}

function isLockTimeout(err: unknown): boolean {
  return (err as { code?: unknown }).code === '55P03';
}

interface Claim {
  scope: string;
  key: string;
  method: string;
  path: string;
  hash: string;
  ttlSeconds: number;
}

/**
 * Claims the key (or re-claims an expired one); false when a live row already holds it. One
 * round trip: lock_timeout is raised for the wait on a concurrent holder of the same key and
 * lowered again (RETURNING runs once the row is ours), so the handler's own waits are not cut.
 */
async function claim(tx: pg.PoolClient, c: Claim, lockTimeoutMs: number): Promise<boolean> {
  try {
    const { rowCount } = await tx.query(
      `insert into idempotency_keys (scope, key, request_method, request_path, request_hash, state,
         locked_at, created_at, expires_at)
       select $1, $2, $3, $4, $5, 'started', now(), now(), now() + make_interval(secs => $6)
         from (select set_config('lock_timeout', $7, true)) as wait
       on conflict (scope, key) do update
         set request_method = excluded.request_method, request_path = excluded.request_path,
             request_hash = excluded.request_hash, state = 'started', response_status = null,
             response_body = null, response_headers = null, locked_at = now(),
             created_at = now(), expires_at = excluded.expires_at
         where idempotency_keys.expires_at <= now()
       returning set_config('lock_timeout', '0', true)`,
      [
        c.scope,
        c.key,
        c.method,
        c.path,
        c.hash,
        c.ttlSeconds,
        String(Math.max(1, Math.trunc(lockTimeoutMs))),
      ],
    );
    return rowCount === 1;
  } catch (err) {
    if (isLockTimeout(err)) throw inFlight();
    throw err;
  }
}

function inFlight(): Conflict {
  return new Conflict('A request with this Idempotency-Key is still being processed; retry later.', {
    code: 'idempotency_key_in_use',
    field: IDEMPOTENCY_HEADER,
  });
}

async function replay(tx: pg.PoolClient, c: Claim): Promise<RouteResult> {
  const { rows } = await tx.query<KeyRow>(
    `select request_hash, state, response_status, response_body, response_headers
       from idempotency_keys where scope = $1 and key = $2`,
    [c.scope, c.key],
  );
  const row = rows[0];
  if (!row) throw inFlight();
  if (row.request_hash !== c.hash) throw new IdempotencyMismatch();
  if (row.state !== 'completed' || row.response_status === null) throw inFlight();
  return {
    status: row.response_status,
    body: row.response_body ?? undefined,
    headers: { ...(row.response_headers ?? {}), [REPLAYED_HEADER]: 'true' },
  };
}

async function complete(tx: pg.PoolClient, c: Claim, result: RouteResult): Promise<void> {
  await tx.query(
    `update idempotency_keys
        set state = 'completed', response_status = $3, response_body = $4::jsonb,
            response_headers = $5::jsonb, locked_at = null
      where scope = $1 and key = $2`,
    [
      c.scope,
      c.key,
      result.status,
      result.body === undefined ? null : JSON.stringify(result.body),
      JSON.stringify(result.headers ?? {}),
    ],
  );
}

async function inTransaction<T>(pool: pg.Pool, fn: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  try {
    await tx.query('begin');
    const out = await fn(tx);
    await tx.query('commit');
    return out;
  } catch (err) {
    await tx.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

/**
 * Wraps a POST handler with Idempotency-Key handling. The handler always runs inside a
 * transaction (`tx`); with a key, that transaction also claims the key and stores the response.
 */
export function idempotent<P, Q, B>(
  pool: pg.Pool,
  handler: TxHandler<P, Q, B>,
  options: IdempotencyOptions = {},
): (ctx: RouteContext<P, Q, B>) => Promise<RouteResult> {
  const lockTimeoutMs = options.lockTimeoutMs ?? 2000;
  const ttlSeconds = options.ttlSeconds ?? 24 * 3600;
  return async (ctx) => {
    const key = idempotencyKeyOf(ctx.req.get(IDEMPOTENCY_HEADER));
    if (key === undefined) return inTransaction(pool, (tx) => handler(ctx, tx));
    const method = ctx.req.method;
    const path = ctx.req.originalUrl.split('?')[0] ?? '';
    const c: Claim = {
      scope: ctx.principal?.id ?? 'anonymous',
      key,
      method,
      path,
      hash: requestFingerprint(method, path, ctx.req.body),
      ttlSeconds,
    };
    return inTransaction(pool, async (tx) => {
      if (!(await claim(tx, c, lockTimeoutMs))) return replay(tx, c);
      const result = await handler(ctx, tx);
      await complete(tx, c, result);
      return result;
    });
  };
}

/** Deletes up to `limit` expired keys; returns how many. Run periodically (worker or cron). */
export async function pruneIdempotencyKeys(pool: Pick<pg.Pool, 'query'>, limit = 1000): Promise<number> {
  const { rowCount } = await pool.query(
    `delete from idempotency_keys where ctid = any(array(
       select ctid from idempotency_keys where expires_at <= now() limit $1))`,
    [limit],
  );
  return rowCount ?? 0;
}
