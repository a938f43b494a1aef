import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { createCache } from '../http/cache.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { QueueProbe } from '../ops/health-queues.ts';
import { DRAIN_TARGET_SECONDS, WEIGHTS } from '../ops/health-score.ts';
import { LISTED_FOR_SECONDS, LIVENESS_MIN_SECONDS } from '../ops/health-services.ts';
import { timestamp } from '../ops/schemas.ts';
import { queueStats, readParked, systemHealth, workerOldestAge, type QueueSettings } from '../ops/system.ts';

const check = z.object({
  status: z.enum(['up', 'down', 'not_configured']),
  latency_ms: z.number(),
  error: z.string().optional(),
});

const checks = z
  .object({
    database: check,
    redis: check,
    queue: check.extend({
      depth: z.number().int().optional().describe('Visible + delayed messages on the events queue.'),
      dlq_depth: z.number().int().nullable().optional(),
    }),
    workers: check.extend({
      live: z.number().int(),
      instances: z.array(z.object({ instance_id: z.string(), version: z.string(), last_seen_at: timestamp })),
    }),
  })
  .describe('The summary checks that `status` is computed from (database, Redis, events queue, workers).');

const instance = z
  .object({
    instance_id: z.string(),
    hostname: z.string(),
    version: z.string().describe('The package version the process runs.'),
    pid: z.number().int().nullable(),
    started_at: timestamp,
    last_seen_at: timestamp.describe('Its last heartbeat.'),
    status: z
      .enum(['up', 'down'])
      .describe(
        `up while it has beaten within three of its heartbeat intervals (at least ${String(LIVENESS_MIN_SECONDS)} s); down after that (listed for ${String(LISTED_FOR_SECONDS)} s, then left out). A clean stop deletes the row at once.`,
      ),
    details: z
      .record(z.string(), z.unknown())
      .describe(
        'What the instance says about itself. api: requests_served, requests_in_flight, requests_last_minute, requests_per_second. ' +
          'worker: in_flight, redis, events_last_minute, events_per_second, applied_last_minute, batches_last_minute, oldest_message_age_seconds (age at receive, now − SentTimestamp, of the oldest message received in the last minute; null when none). ' +
          'controller: leader (boolean), lease_holder, lease (namespace/name), kubernetes { reachable, latency_ms, version?, error? }.',
      ),
  })
  .meta({ id: 'HealthInstance' });

const queueReport = z
  .object({
    name: z.string().describe('The SQS queue name.'),
    url: z.string(),
    visible: z.number().int(),
    in_flight: z.number().int(),
    delayed: z.number().int(),
    oldest_age_seconds: z.number().nullable(),
    oldest_age_source: z
      .enum(['dlq_peek', 'worker_receive'])
      .nullable()
      .describe(
        'dlq_peek: the oldest SentTimestamp among up to ten messages received from the DLQ with VisibilityTimeout 0 (a sample: the oldest is at least this old). ' +
          'worker_receive: the live workers’ oldest age at receive over the last minute (a main queue is never peeked). null: unknown.',
      ),
    dead_letter_queue_of: z.string().optional().describe('For a DLQ, the component name of its queue.'),
    discovered: z
      .boolean()
      .optional()
      .describe('The DLQ URL came from the queue’s RedrivePolicy, not the configuration.'),
  })
  .meta({ id: 'HealthQueue' });

const parked = z
  .object({
    count: z.number().int().describe('Events waiting in Postgres for their payment or the state they need.'),
    payments: z.number().int().describe('Payments they belong to (known or not created yet).'),
    oldest_age_seconds: z
      .number()
      .nullable()
      .describe(
        'Seconds since the oldest waiting event was first parked (the horizon counts from there); null: none.',
      ),
    dead_letter_pending: z
      .number()
      .int()
      .describe('Parked events rejected (impossible, or past the horizon) not yet sent to the DLQ.'),
  })
  .meta({ id: 'ParkedEvents' });

const component = z
  .object({
    name: z
      .string()
      .describe(
        'api, worker, controller, postgres, redis, events-queue, events-dlq, updates-queue, updates-dlq, kubernetes (in this order).',
      ),
    kind: z
      .enum(['service', 'dependency'])
      .describe('service: a PayFlow process; dependency: what they use.'),
    status: z.enum(['up', 'degraded', 'down', 'not_configured']),
    latency_ms: z
      .number()
      .optional()
      .describe('How long the probe took (kubernetes: as the controller measured it).'),
    last_seen_at: timestamp.optional().describe('The newest heartbeat (services) or report (kubernetes).'),
    version: z
      .string()
      .optional()
      .describe('Server version (postgres, redis, kubernetes) or the versions instances run.'),
    instances: z.array(instance).optional().describe('Services only.'),
    message: z.string().optional().describe('Why this status, in words.'),
    queue: queueReport.optional().describe('Queues only.'),
    throughput: z
      .object({
        events_per_second: z.number(),
        events_last_minute: z.number(),
        applied_last_minute: z.number(),
        batches_last_minute: z.number(),
        oldest_message_age_seconds: z.number().nullable(),
      })
      .optional()
      .describe('worker only: summed over live instances (the age is the largest).'),
    leader: z
      .object({ instance_id: z.string().nullable(), lease: z.string().nullable() })
      .optional()
      .describe('controller only: the instance that leads (holds the Lease) and the Lease namespace/name.'),
    parked: parked
      .optional()
      .describe('worker only: events parked in Postgres (early, waiting for their payment or predecessor).'),
  })
  .meta({ id: 'HealthComponent' });

const score = z
  .object({
    value: z.number().int().min(0).max(100),
    explanation: z.string().describe('How the value was computed, with the numbers of this report.'),
    inputs: z.array(
      z.object({
        name: z.enum(['dependencies', 'workers', 'backlog', 'dead_letters', 'alerts', 'controller']),
        weight: z.number().describe('0 when the input does not apply (nothing to measure).'),
        value: z.number().min(0).max(1),
        why: z.string(),
      }),
    ),
  })
  .describe(
    `Σ weight × value ÷ Σ weight × 100 over the inputs that apply. Weights: ${Object.entries(WEIGHTS)
      .map(([k, w]) => `${k} ${String(w)}`)
      .join(
        ', ',
      )}. dependencies: share of configured dependencies that answered; workers: live ÷ (live + stopped beating), 0 without any; ` +
      `backlog: 1 when the events queue drains within ${String(DRAIN_TARGET_SECONDS)} s at the workers’ rate, else ${String(DRAIN_TARGET_SECONDS)} ÷ time to drain; ` +
      'dead_letters: 1 − log10(1 + messages in DLQs) ÷ 3; alerts: 1 − 0.2 per open critical − 0.1 per open high alert; controller: 1 with a leader, 0.5 live without one, 0 none live.',
  )
  .meta({ id: 'HealthScore' });

const healthSchema = z
  .object({
    status: z
      .enum(['healthy', 'degraded', 'unhealthy'])
      .describe('unhealthy when the database is down; degraded when one of `checks` is down.'),
    checked_at: timestamp,
    components: z.array(component),
    score,
    checks,
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
        dlq: depth
          .extend({
            oldest_age_seconds: z
              .number()
              .nullable()
              .describe(
                'Age of the oldest of up to ten messages peeked (VisibilityTimeout 0); null when empty.',
              ),
          })
          .nullable(),
        dlq_depth: z.number().int().nullable(),
        oldest_age_seconds: z
          .number()
          .nullable()
          .describe(
            'The live workers’ oldest message age at receive over the last minute (now − SentTimestamp); null when no worker reports one. The queue itself is never peeked.',
          ),
        parked: parked
          .nullable()
          .describe(
            'Events taken off this queue early and parked in Postgres until their payment or predecessor is there; null when unreadable.',
          ),
      }),
    ),
  })
  .meta({ id: 'QueueStats' });

const tags = ['System'];
/** Queue depth is sampled by every open console: one SQS call per second is plenty. */
const QUEUE_STATS_TTL_MS = 1000;

export function systemRoutes(deps: ApiDeps): AnyRoute[] {
  const c = deps.config;
  const queue: QueueSettings = {
    sqs: deps.sqs,
    eventsUrl: c.SQS_EVENTS_QUEUE_URL,
    dlqUrl: c.SQS_EVENTS_DLQ_URL,
  };
  const queues = new QueueProbe(deps.sqs, {
    events: c.SQS_EVENTS_QUEUE_URL,
    eventsDlq: c.SQS_EVENTS_DLQ_URL,
    updates: c.SQS_UPDATES_QUEUE_URL,
    updatesDlq: c.SQS_UPDATES_DLQ_URL,
  });
  const cache = createCache({ kv: deps.kv, logger: deps.logger, scope: c.DATABASE_URL });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/health',
      access: 'viewer',
      scope: 'none',
      summary:
        'System health: every component (API, workers, controller, Postgres, Redis, the queues and DLQs, Kubernetes) with latencies, versions and instances, and a 0–100 score with its inputs',
      tags,
      responses: { 200: { description: 'The health report (also when degraded)', schema: healthSchema } },
      handler: async () => ({
        status: 200,
        body: await systemHealth({ pool: deps.pool, kv: deps.kv, queues }),
        headers: { 'cache-control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/queue/stats',
      access: 'viewer',
      scope: 'none',
      summary: 'Depth of the events queue and its dead-letter queue',
      tags,
      responses: {
        200: { description: 'Queue depths', schema: queueStatsSchema },
        503: { description: 'No queue is configured or SQS did not answer' },
      },
      handler: async () => ({
        status: 200,
        body: await cache.read('queue-stats', queue.eventsUrl ?? 'none', QUEUE_STATS_TTL_MS, () =>
          queueStats(
            queue,
            () => workerOldestAge(deps.pool),
            () => readParked(deps.pool),
          ),
        ),
      }),
    }),
  ];
}
