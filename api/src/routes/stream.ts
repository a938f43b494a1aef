import type { Response } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { merchantScopeOf } from '../http/principal.ts';
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
        'Server-sent events: payment, alert, batch-job and rule changes and new notifications as they commit',
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
            if (open && wanted.has(e.kind) && visibleTo(scope, e)) write(res, frame(e));
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
        return undefined;
      },
    }),
  ];
}
