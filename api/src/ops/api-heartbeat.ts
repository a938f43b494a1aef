// The API instance's own heartbeat: requests served and in flight, from two counters on the
// HTTP server (no per-request work beyond one listener), and the request rate over a minute.
import type { Server } from 'node:http';
import type pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import {
  countRequests,
  defaultInstanceId,
  packageVersion,
  RecentRate,
  startHeartbeat,
  type Heartbeat,
} from './heartbeat.ts';

export const API_VERSION = packageVersion(new URL('../../package.json', import.meta.url));

export function startApiHeartbeat(
  server: Server,
  pool: pg.Pool,
  o: { intervalMs: number; logger: Logger },
): Heartbeat {
  const counts = countRequests(server);
  const rate = new RecentRate();
  return startHeartbeat(pool, {
    component: 'api',
    instanceId: defaultInstanceId('api'),
    version: API_VERSION,
    intervalMs: o.intervalMs,
    details: () => {
      const { served, inFlight } = counts();
      const recent = rate.sample(served);
      return {
        requests_served: served,
        requests_in_flight: inFlight,
        requests_last_minute: recent.count,
        requests_per_second: recent.perSecond,
      };
    },
    onError: (err: unknown) => {
      o.logger.warn({ err: (err as Error).message }, 'could not write the heartbeat');
    },
  });
}
