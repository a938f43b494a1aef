import type { Response } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { merchantScopeOf, type Principal } from '../http/principal.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { enumList } from '../ops/common.ts';
import { LiveHub, type LiveEvent } from '../ops/live.ts';

const KINDS = ['payment', 'alert', 'batch_job', 'rule', 'notification'] as const;
const HEARTBEAT_MS = 15_000;
/** A client that stops reading is cut off rather than buffered without bound. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

function frame(e: LiveEvent): string {
  return `id: ${String(e.seq)}\nevent: ${e.kind}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * Whether a caller limited to `scope` may hear this event: payments and alerts of its merchants
 * (each event names its merchant), rule changes; no batch job (every job spans all merchants).
 */
export function visibleTo(
  scope: readonly string[] | undefined,
  e: Pick<LiveEvent, 'kind' | 'data'>,
): boolean {
  if (scope === undefined) return true;
  if (e.kind === 'rule') return true;
  if (e.kind !== 'payment' && e.kind !== 'alert') return false;
  const merchant = (e.data as { merchant_id?: unknown }).merchant_id;
  return typeof merchant === 'string' && scope.includes(merchant);
}

/**
 * Whether an access change (role, merchant scope, disabled, sessions ended, key revoked) is about
 * this caller. It is delivered to that caller's own streams only, never to anyone else's.
 */
export function accessChangeFor(principal: Principal | undefined, e: Pick<LiveEvent, 'data'>): boolean {
  if (!principal) return false;
  const d = e.data as { user_id?: unknown; api_key_id?: unknown };
  if (principal.kind === 'user') return d.user_id === principal.id;
  if (principal.kind === 'api_key') return d.api_key_id === principal.id;
  return false;
}

const sameScope = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined) =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Whether the caller's access is still what it was when the request was authenticated: a change
 * that committed between the authentication and the LISTEN would otherwise go unheard. Users and
 * keys are never deleted (only disabled or revoked), so a principal with no row is not a stored
 * one (a test's); it has nothing to compare.
 */
async function accessStill(pool: pg.Pool, principal: Principal | undefined): Promise<boolean> {
  if (principal?.kind !== 'user' && principal?.kind !== 'api_key') return true;
  const table = principal.kind === 'user' ? 'users' : 'api_keys';
  const active = principal.kind === 'user' ? 'disabled_at is null' : 'revoked_at is null';
  const { rows } = await pool.query<{ role: string; merchant_ids: string[] | null; active: boolean }>(
    `select role, merchant_ids, ${active} as active from ${table} where id = $1`,
    [principal.id],
  );
  const now = rows[0];
  if (now === undefined) return true;
  return now.active && now.role === principal.role && sameScope(now.merchant_ids, principal.merchantScope);
}

function write(res: Response, chunk: string): void {
  if (res.writableEnded) return;
  if (res.writableLength > MAX_BUFFERED_BYTES) {
    res.end();
    return;
  }
  res.write(chunk);
}

export function streamRoutes(deps: ApiDeps): AnyRoute[] {
  const hub = new LiveHub({ connectionString: deps.config.DATABASE_URL, logger: deps.logger });
  deps.onClose?.(() => hub.close());
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/stream',
      access: 'viewer',
      scope: 'stream',
      summary:
        "Server-sent events: payment, alert, batch-job and rule changes and new notifications as they commit; an `access` event (the caller's role or merchant scope changed) ends the stream, to be reopened under the new access",
      tags: ['Stream'],
      query: z.strictObject({ kinds: enumList(KINDS).optional() }),
      streaming: true,
      responses: { 200: { description: 'text/event-stream; `event:` is the kind, `data:` compact JSON' } },
      handler: async ({ res, query, principal }) => {
        const wanted = new Set<string>(query.kinds ?? KINDS);
        const scope = merchantScopeOf(principal);
        let open = false;
        const unsubscribe = await hub.subscribe({
          send: (e) => {
            if (!open) return;
            if (e.kind === 'access') {
              // The caller's access changed: say so, then end the stream, so that the client
              // reconnects under its new access and no event reaches it under the old scope.
              if (accessChangeFor(principal, e)) {
                write(res, frame(e));
                res.end();
              }
              return;
            }
            if (wanted.has(e.kind) && visibleTo(scope, e)) write(res, frame(e));
          },
          end: () => res.end(),
        });
        res.status(200).set({
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          'x-accel-buffering': 'no',
        });
        res.flushHeaders();
        open = true;
        write(res, 'retry: 3000\n: connected\n\n');
        const heartbeat = setInterval(() => {
          write(res, ': heartbeat\n\n');
        }, HEARTBEAT_MS);
        res.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
        if (!(await accessStill(deps.pool, principal))) {
          write(res, frame({ seq: 0, kind: 'access', data: { type: 'access.changed' } }));
          res.end();
        }
        return undefined;
      },
    }),
  ];
}
