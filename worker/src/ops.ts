// Operations: the HTTP endpoint (/livez, /readyz, /metrics) and heartbeats into
// service_heartbeats (component 'worker'), which the API's health endpoint reads.
import { createServer, type Server } from 'node:http';
import {
  packageVersion,
  RecentMax,
  RecentRate,
  startHeartbeat,
  type Heartbeat,
} from '@payflow/api/heartbeat';
import type { Logger } from '@payflow/api/observability';
import type pg from 'pg';
import type { Gauge, Registry } from 'prom-client';

export const WORKER_VERSION = packageVersion(new URL('../package.json', import.meta.url));

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Each dependency's check; ready when all pass. */
  readonly checks: Readonly<Record<string, () => Promise<boolean>>>;
}

async function readiness(checks: OpsServerOptions['checks']): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
  );
  return Object.fromEntries(entries);
}

export async function startOpsServer(o: OpsServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/livez') {
      send(200, 'application/json', '{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      void readiness(o.checks).then((r) => {
        const ok = Object.values(r).every(Boolean);
        send(
          ok ? 200 : 503,
          'application/json',
          JSON.stringify({ status: ok ? 'ok' : 'unavailable', checks: r }),
        );
      });
      return undefined;
    }
    if (path === '/metrics') {
      void o.registry.metrics().then((text) => {
        send(200, o.registry.contentType, text);
      });
      return undefined;
    }
    send(404, 'application/json', '{"status":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(o.port, o.host, resolve));
  return server;
}

export interface WorkerHeartbeatSource {
  readonly inFlightCount: number;
  readonly totals: { readonly settled: number; readonly applied: number; readonly batches: number };
  takeOldestAge(): number | undefined;
}

/**
 * This worker's row in service_heartbeats (the shared writer of @payflow/api/heartbeat): events
 * settled and applied and Postgres batches over the last minute, events per second, and the age
 * at receive of the oldest message received in the last minute (now − SentTimestamp, the
 * attribute the receive already asks for).
 */
export function startWorkerHeartbeat(
  pool: pg.Pool,
  o: {
    instanceId: string;
    intervalMs: number;
    worker: WorkerHeartbeatSource;
    redis: () => boolean;
    logger: Logger;
    /** Gauges set at each beat: the oldest age at receive and the beat's time. */
    metrics?: { oldestAge: Gauge; heartbeatAt: Gauge };
  },
): Heartbeat {
  const settled = new RecentRate();
  const applied = new RecentRate();
  const batches = new RecentRate();
  const oldest = new RecentMax();
  return startHeartbeat(pool, {
    component: 'worker',
    instanceId: o.instanceId,
    version: WORKER_VERSION,
    intervalMs: o.intervalMs,
    details: () => {
      const t = o.worker.totals;
      const events = settled.sample(t.settled);
      const age = oldest.add(o.worker.takeOldestAge());
      o.metrics?.oldestAge.set(age === null ? 0 : age / 1000);
      o.metrics?.heartbeatAt.set(Date.now() / 1000);
      return {
        in_flight: o.worker.inFlightCount,
        redis: o.redis(),
        events_last_minute: events.count,
        events_per_second: events.perSecond,
        applied_last_minute: applied.sample(t.applied).count,
        batches_last_minute: batches.sample(t.batches).count,
        oldest_message_age_seconds: age === null ? null : Math.round(age / 100) / 10,
      };
    },
    onError: (err: unknown) => {
      o.logger.warn({ err: (err as Error).message }, 'could not write the heartbeat');
    },
  });
}
