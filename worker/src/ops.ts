// Operations: the HTTP endpoint (/livez, /readyz, /metrics) and heartbeats into
// service_heartbeats (component 'worker'), which the API's health endpoint reads.
import { createServer, type Server } from 'node:http';
import type pg from 'pg';
import type { Registry } from 'prom-client';

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

export interface Heartbeat {
  stop(): Promise<void>;
}

/** Upserts this instance's row every `intervalMs`; `details()` goes into the row. */
export function startHeartbeat(
  pool: pg.Pool,
  o: { instanceId: string; version: string; intervalMs: number; details: () => Record<string, unknown> },
): Heartbeat {
  const beat = async (): Promise<void> => {
    await pool
      .query(
        `insert into service_heartbeats (instance_id, component, version, details)
         values ($1, 'worker', $2, $3::jsonb)
         on conflict (instance_id) do update set last_seen_at = now(), details = excluded.details`,
        [o.instanceId, o.version, JSON.stringify(o.details())],
      )
      .catch(() => undefined);
  };
  void beat();
  const timer = setInterval(() => void beat(), o.intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await pool
        .query('delete from service_heartbeats where instance_id = $1', [o.instanceId])
        .catch(() => undefined);
    },
  };
}
