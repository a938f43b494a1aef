// /livez (the process answers), /readyz (caches synced, leadership known) and /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthSources {
  registry: Registry;
  /** Names of what is not ready yet; empty when ready. */
  notReady: () => string[];
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  sources: HealthSources,
  port: number,
  host = '0.0.0.0',
): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const missing = sources.notReady();
      const ok = missing.length === 0;
      res
        .writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ok ? 'ok\n' : `not ready: ${missing.join(', ')}\n`);
    } else if (path === '/metrics') {
      sources.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': sources.registry.contentType }).end(text);
        })
        .catch(() => {
          res.writeHead(500).end();
        });
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
