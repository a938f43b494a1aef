import { z } from 'zod';
import { merchantScopeOf } from '../http/principal.ts';
import type { ApiDeps } from '../deps.ts';
import { idempotent } from '../http/idempotency.ts';
import { defineRoute, problemSchema, type AnyRoute, type RouteContext } from '../http/route.ts';
import {
  BATCH_JOB_SORT_KEYS,
  BATCH_JOB_STATUSES,
  BATCH_JOB_TYPES,
  cancelBatchJob,
  createBatchJob,
  assertJobVisible,
  exportFile,
  getBatchJob,
  listBatchJobFailures,
  listBatchJobs,
  retryBatchJob,
} from '../ops/batch-jobs.ts';
import { enumList, pageQueryShape, sortParam, textParam, timeParam, type Actor } from '../ops/common.ts';
import { pageSchema, timestamp } from '../ops/schemas.ts';

const params = z.strictObject({ jobId: z.string().min(1).max(64) });

const listQuery = z.strictObject({
  ...pageQueryShape,
  status: enumList(BATCH_JOB_STATUSES).optional(),
  type: enumList(BATCH_JOB_TYPES).optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  q: textParam(200).optional(),
  sort: sortParam(BATCH_JOB_SORT_KEYS, '-created_at'),
});

// Parameters per type. Every job works over a time window [from, to).
const window = {
  from: z.iso.datetime({ offset: true }).describe('Start of the window (inclusive), RFC 3339.'),
  to: z.iso.datetime({ offset: true }).describe('End of the window (exclusive), RFC 3339.'),
  chunk_size: z.number().int().min(1).max(10_000).default(500).describe('Items per checkpointed chunk.'),
};
const merchant = z.string().min(1).max(128);

interface Window {
  from: string;
  to: string;
}
const isOrdered = (w: Window): boolean => Date.parse(w.from) < Date.parse(w.to);

function params_<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({ ...window, ...shape }).refine((p) => isOrdered(p as unknown as Window), {
    error: 'must be after from',
    path: ['to'],
  });
}

const PARAMETERS = {
  replay: params_({ merchant_id: merchant.optional(), dry_run: z.boolean().default(false) }),
  backfill: params_({}),
  reconcile: params_({ merchant_id: merchant.optional() }),
  backtest: params_({ rule_id: z.string().min(1).max(64).describe('The rule to backtest.') }),
  export: params_({ format: z.enum(['jsonl', 'csv']), merchant_id: merchant.optional() }),
} as const;

const common = {
  name: z
    .string()
    .trim()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'use letters, digits, spaces and . _ -')
    .optional(),
  parallelism: z.number().int().min(1).max(32).default(1),
};

const createBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('replay'), ...common, parameters: PARAMETERS.replay }),
  z.strictObject({ type: z.literal('backfill'), ...common, parameters: PARAMETERS.backfill }),
  z.strictObject({ type: z.literal('reconcile'), ...common, parameters: PARAMETERS.reconcile }),
  z.strictObject({ type: z.literal('backtest'), ...common, parameters: PARAMETERS.backtest }),
  z.strictObject({ type: z.literal('export'), ...common, parameters: PARAMETERS.export }),
]);

export const batchJobSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(BATCH_JOB_TYPES),
    parameters: z.record(z.string(), z.unknown()),
    status: z.enum(BATCH_JOB_STATUSES),
    processed: z.number().int(),
    total: z.number().int().nullable(),
    failed: z.number().int(),
    progress: z.number().min(0).max(1).nullable(),
    result: z.unknown(),
    error: z.string().nullable(),
    source: z.enum(['api', 'kubernetes']),
    parallelism: z.number().int(),
    attempts: z.number().int(),
    created_by: z.string().nullable(),
    created_by_name: z.string().nullable().describe("The requesting user's name or email."),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    updated_at: timestamp,
  })
  .meta({ id: 'BatchJob' });

const failureSchema = z
  .object({
    id: z.number().int(),
    kind: z
      .enum(['chunk', 'items'])
      .describe('A chunk that threw (the job failed there), or items a chunk could not process.'),
    attempt: z.number().int(),
    checkpoint: z.unknown().describe('Where the chunk started (null: at the beginning).'),
    processed_before: z.number().int(),
    items: z.array(z.string()).describe('The ids of the items that failed (payment or event ids).'),
    error: z.string(),
    occurred_at: timestamp,
    retried_at: timestamp.nullable(),
    retried_by: z.string().nullable(),
  })
  .meta({ id: 'BatchJobFailure' });

const tags = ['Batch jobs'];

function actorOf(ctx: RouteContext<unknown, unknown, unknown>): Actor {
  return { principal: ctx.principal, requestId: ctx.req.id };
}

export function batchJobsRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/batch-jobs',
      access: 'viewer',
      scope: 'query',
      summary: 'List batch jobs',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of batch jobs', schema: pageSchema(batchJobSchema) } },
      handler: async ({ query, principal }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        const scoped = { ...filters, scope: merchantScopeOf(principal) };
        return { status: 200, body: await listBatchJobs(pool, scoped, { limit, offset, cursor, sort }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/batch-jobs/:jobId',
      access: 'viewer',
      scope: 'query',
      summary: 'Get a batch job with its progress',
      tags,
      params,
      responses: { 200: { description: 'The batch job', schema: batchJobSchema } },
      handler: async ({ params: p, principal }) => ({
        status: 200,
        body: await getBatchJob(pool, p.jobId, principal),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/batch-jobs',
      access: 'operator',
      scope: 'unscoped',
      summary: 'Request a batch job (replay, backfill, reconcile, backtest, export)',
      tags,
      body: createBody,
      responses: { 201: { description: 'The pending job', schema: batchJobSchema } },
      handler: idempotent(pool, async (ctx, tx) => {
        const job = await createBatchJob(tx, ctx.body, actorOf(ctx));
        return { status: 201, body: job, headers: { location: `/api/v1/batch-jobs/${job.id}` } };
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/batch-jobs/:jobId/cancel',
      access: 'operator',
      scope: 'unscoped',
      summary: 'Cancel a pending, running or suspended job',
      tags,
      params,
      body: z.strictObject({}).optional(),
      responses: { 200: { description: 'The cancelled job', schema: batchJobSchema } },
      handler: idempotent(pool, async (ctx, tx) => ({
        status: 200,
        body: await cancelBatchJob(tx, ctx.params.jobId, actorOf(ctx)),
      })),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/batch-jobs/:jobId/retry',
      access: 'operator',
      scope: 'unscoped',
      summary: 'Retry a failed job from the checkpoint of its failed chunk',
      tags,
      params,
      body: z.strictObject({}).optional(),
      responses: { 200: { description: 'The job, pending again', schema: batchJobSchema } },
      handler: idempotent(pool, async (ctx, tx) => ({
        status: 200,
        body: await retryBatchJob(tx, ctx.params.jobId, actorOf(ctx)),
      })),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/batch-jobs/:jobId/failures',
      access: 'viewer',
      scope: 'query',
      summary: 'Failed chunks and items of a job, with their errors, oldest first',
      tags,
      params,
      responses: {
        200: { description: 'The failures', schema: z.object({ data: z.array(failureSchema) }) },
      },
      handler: async ({ params: p, principal }) => {
        assertJobVisible(principal, p.jobId);
        return { status: 200, body: await listBatchJobFailures(pool, p.jobId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/batch-jobs/:jobId/output',
      access: 'viewer',
      scope: 'query',
      summary: "Download a finished export's file, streamed",
      tags,
      params,
      streaming: true,
      responses: {
        200: {
          description:
            'The file the export wrote (text/csv or application/x-ndjson) as an attachment named after the job. ' +
            'The batch runner stores it in PostgreSQL chunk by chunk (batch_job_output).',
        },
        409: { description: 'The export has not succeeded (yet)', schema: problemSchema },
      },
      handler: async ({ params: p, res, principal }) => {
        assertJobVisible(principal, p.jobId);
        const file = await exportFile(pool, p.jobId);
        res.status(200);
        res.set({
          'content-type': file.contentType,
          'content-disposition': `attachment; filename="${file.name}"`,
          'cache-control': 'no-store',
        });
        for await (const chunk of file.chunks) {
          if (!res.write(chunk))
            await new Promise((r) => {
              res.once('drain', r);
              res.once('close', r);
            });
        }
        res.end();
        return undefined;
      },
    }),
  ];
}
