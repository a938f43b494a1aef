import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { createCache } from '../http/cache.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { timestamp } from '../ops/schemas.ts';
import { queueStats, systemHealth, type QueueSettings } from '../ops/system.ts';

const check = z.object({
  status: z.enum(['up', 'down', 'not_configured']),
  latency_ms: z.number(),
  error: z.string().optional(),
});

const healthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    checked_at: timestamp,
    components: z.object({
      database: check,
      redis: check,
      queue: check.extend({
        depth: z.number().int().optional(),
        dlq_depth: z.number().int().nullable().optional(),
      }),
      workers: check.extend({
        live: z.number().int(),
        instances: z.array(
          z.object({ instance_id: z.string(), version: z.string(), last_seen_at: timestamp }),
        ),
      }),
    }),
    services: z
      .record(z.string(), z.number().int())
      .describe('Live instances per process kind (api, worker, controller, relay) from heartbeats.'),
  })
  .meta({ id: 'SystemHealth' });

const depth = z.object({
  name: z.string(),
  url: z.string(),
  visible: z.number().int(),
  in_flight: z.number().int(),
  delayed: z.number().int(),
});

const queueStatsSchema = z
  .object({
    sampled_at: timestamp,
    queues: z.array(
      depth.extend({
        dlq: depth.nullable(),
        dlq_depth: z.number().int().nullable(),
        oldest_age_seconds: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: 'QueueStats' });

const tags = ['System'];
/** Queue depth is sampled by every open console: one SQS call per second is plenty. */
const QUEUE_STATS_TTL_MS = 1000;

export function systemRoutes(deps: ApiDeps): AnyRoute[] {
  const queue: QueueSettings = {
    sqs: deps.sqs,
    eventsUrl: deps.config.SQS_EVENTS_QUEUE_URL,
    dlqUrl: deps.config.SQS_EVENTS_DLQ_URL,
  };
  const cache = createCache({ redis: deps.redis, logger: deps.logger, scope: deps.config.DATABASE_URL });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/health',
      access: 'viewer',
      summary: 'System health: database, Redis, the events queue and live workers, with latencies',
      tags,
      responses: { 200: { description: 'The health report (also when degraded)', schema: healthSchema } },
      handler: async () => ({
        status: 200,
        body: await systemHealth({ pool: deps.pool, redis: deps.redis, queue }),
        headers: { 'cache-control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/queue/stats',
      access: 'viewer',
      summary: 'Depth of the events queue and its dead-letter queue',
      tags,
      responses: {
        200: { description: 'Queue depths', schema: queueStatsSchema },
        503: { description: 'No queue is configured or SQS did not answer' },
      },
      handler: async () => ({
        status: 200,
        body: await cache.read('queue-stats', queue.eventsUrl ?? 'none', QUEUE_STATS_TTL_MS, () =>
          queueStats(queue),
        ),
      }),
    }),
  ];
}
