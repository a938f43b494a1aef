// /api/v1/worker-pools (mirrored by the controller) and /api/v1/dead-letters (the events DLQ:
// list, redrive all or selected messages).
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ValidationError } from '../domain/errors.ts';
import { idempotent } from '../http/idempotency.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { deadLetters, getWorkerPool, listWorkerPools, redriveMessages } from '../ops/worker-pools.ts';

const k8sName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name');

const poolParams = z.strictObject({ namespace: k8sName, name: k8sName });
const poolQuery = z.strictObject({
  minutes: z.coerce.number().int().min(5).max(120).default(60).describe('How much sample history, minutes.'),
});

const queueRefSchema = z.object({ name: z.string().nullable(), url: z.string().nullable() });
const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});

const poolSchema = z
  .object({
    namespace: z.string(),
    name: z.string(),
    uid: z.string(),
    queue: queueRefSchema,
    dead_letter_queue: queueRefSchema.nullable(),
    min_replicas: z.number().nullable(),
    max_replicas: z.number().nullable(),
    target_backlog_per_replica: z.number().nullable(),
    polling_interval_seconds: z.number().nullable(),
    desired_replicas: z.number().nullable(),
    ready_replicas: z.number().nullable(),
    replicas: z.number().nullable(),
    backlog: z.object({ visible: z.number(), in_flight: z.number(), delayed: z.number() }).nullable(),
    dead_letter_depth: z.number().nullable(),
    arrival_rate: z.number().nullable().describe('Messages arriving per second.'),
    drain_rate: z.number().nullable().describe('Messages drained per second.'),
    oldest_message_age_seconds: z
      .number()
      .nullable()
      .describe(
        "Age at receive of the oldest message the pool's workers received in the last minute (heartbeats).",
      ),
    workers_reporting: z.number().int().describe("Live workers whose host name is one of the pool's pods."),
    last_scale_time: z.string().nullable(),
    last_scale_reason: z.string().nullable(),
    conditions: z.array(conditionSchema),
    observed_generation: z.number().nullable(),
    generation: z.number().nullable(),
    observed_at: z.string().describe('When the controller last mirrored this pool.'),
    stale: z.boolean().describe('The mirror is older than two minutes.'),
    dlq_browsable: z.boolean().describe("The pool's DLQ is the one this API can list and redrive."),
  })
  .meta({ id: 'WorkerPool' });

const sampleSchema = z.object({
  at: z.string(),
  backlog: z.number().nullable(),
  dead_letter: z.number().nullable(),
  desired: z.number(),
  ready: z.number(),
});

const deadLetterSchema = z
  .object({
    message_id: z.string(),
    reason: z
      .string()
      .nullable()
      .describe("The worker's reason; null when SQS moved it after maxReceiveCount."),
    event_id: z.string().nullable(),
    event_type: z.string().nullable(),
    payment_id: z.string().nullable(),
    redrive_count: z.number().int(),
    receive_count: z.number().int(),
    sent_at: z.string().nullable(),
    body: z.string(),
  })
  .meta({ id: 'DeadLetter' });

const dlqQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) });

const redriveBody = z
  .strictObject({
    all: z.literal(true).optional().describe('Redrive every message.'),
    message_ids: z
      .array(z.string().min(1).max(128))
      .min(1)
      .max(100)
      .optional()
      .describe('Redrive these DLQ message ids only.'),
  })
  .superRefine((b, ctx) => {
    if ((b.all === undefined) === (b.message_ids === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['message_ids'],
        message: 'give either all: true or message_ids',
      });
  });

const redriveResult = z.object({
  queue: z.string(),
  moved: z.number().int(),
  message_ids: z.array(z.string()),
  event_ids: z.array(z.string()),
  missing: z.array(z.string()).describe('Selected ids not found in the DLQ.'),
});

export function workerPoolsRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool, sqs } = deps;
  const queues = { events: deps.config.SQS_EVENTS_QUEUE_URL, eventsDlq: deps.config.SQS_EVENTS_DLQ_URL };
  const tags = ['Worker pools'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/worker-pools',
      access: 'viewer',
      scope: 'none',
      summary: 'Worker pools as the controller last mirrored them, with their workers',
      tags,
      responses: { 200: { description: 'Every pool', schema: z.object({ data: z.array(poolSchema) }) } },
      handler: async () => ({ status: 200, body: await listWorkerPools(pool, queues) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/worker-pools/:namespace/:name',
      access: 'viewer',
      scope: 'none',
      summary: 'One worker pool with backlog and replica samples over the last hour',
      tags,
      params: poolParams,
      query: poolQuery,
      responses: {
        200: { description: 'The pool', schema: poolSchema.extend({ samples: z.array(sampleSchema) }) },
      },
      handler: async ({ params, query }) => ({
        status: 200,
        body: await getWorkerPool(pool, queues, { ...params, minutes: query.minutes }),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/dead-letters',
      access: 'viewer',
      scope: 'unscoped',
      summary: "The events dead-letter queue's messages with their reasons, oldest first (left in the queue)",
      tags,
      query: dlqQuery,
      responses: {
        200: {
          description: 'The messages',
          schema: z.object({
            queue: z.string(),
            source_queue: z.string(),
            messages: z.array(deadLetterSchema),
          }),
        },
        503: { description: 'No DLQ is configured, or SQS did not answer', schema: problemSchema },
      },
      handler: async ({ query }) => ({ status: 200, body: await deadLetters(sqs, queues, query.limit) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/dead-letters/redrive',
      access: 'operator',
      scope: 'unscoped',
      summary: 'Move all or the selected dead letters back to the events queue (audited)',
      tags,
      body: redriveBody,
      responses: {
        200: { description: 'What moved', schema: redriveResult },
        503: { description: 'No DLQ is configured, or SQS did not answer', schema: problemSchema },
      },
      handler: idempotent(pool, async (ctx, tx) => {
        if (ctx.body.message_ids && new Set(ctx.body.message_ids).size !== ctx.body.message_ids.length)
          throw ValidationError.of('message_ids', 'must not repeat an id');
        const body = await redriveMessages(
          { tx, sqs, queues },
          { messageIds: ctx.body.message_ids },
          { principal: ctx.principal, requestId: ctx.req.id },
        );
        return { status: 200, body };
      }),
    }),
  ];
}
