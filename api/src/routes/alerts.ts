import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ValidationError } from '../domain/errors.ts';
import { idempotent } from '../http/idempotency.ts';
import { merchantScopeOf, type Principal } from '../http/principal.ts';
import { defineRoute, type AnyRoute, type RouteContext } from '../http/route.ts';
import {
  acknowledgeAlert,
  acknowledgeAlerts,
  addAlertNote,
  ALERT_RESOLUTIONS,
  ALERT_SEVERITIES,
  ALERT_SORT_KEYS,
  ALERT_STATUSES,
  assignAlert,
  getAlert,
  listAlerts,
  MAX_BULK_ALERTS,
  MAX_NOTE_LENGTH,
  nextAlert,
  resolveAlert,
  type AlertFilters,
} from '../ops/alerts.ts';
import {
  enumList,
  etagOf,
  ifMatchVersion,
  pageQueryShape,
  sortParam,
  textParam,
  timeParam,
  type Actor,
} from '../ops/common.ts';
import { pageSchema, timestamp } from '../ops/schemas.ts';

const params = z.strictObject({ alertId: z.string().min(1).max(64) });

const ASSIGNEE_SCOPES = ['me', 'unassigned', 'any'] as const;

/** The filters the list and the queue share. */
const filterShape = {
  status: enumList(ALERT_STATUSES).optional(),
  severity: enumList(ALERT_SEVERITIES).optional(),
  rule_id: textParam(64).optional(),
  payment_id: textParam(64).optional(),
  assignee_id: textParam(64).optional(),
  assignee: z
    .enum(ASSIGNEE_SCOPES)
    .optional()
    .describe('`me`: assigned to the caller; `unassigned`: to nobody; `any` (default): no filter'),
  from: timeParam.optional(),
  to: timeParam.optional(),
  q: textParam(200).optional(),
};

const listQuery = z.strictObject({
  ...pageQueryShape,
  ...filterShape,
  sort: sortParam(ALERT_SORT_KEYS, '-created_at'),
});

const nextQuery = z.strictObject({
  ...filterShape,
  after: textParam(64)
    .optional()
    .describe('The alert passed over: the answer is the first alert after it in queue order'),
});

type FilterQuery = Omit<AlertFilters, 'unassigned'> & {
  assignee?: (typeof ASSIGNEE_SCOPES)[number] | undefined;
};

/** `assignee=me|unassigned|any` into the ops filters (with `assignee_id`, one or the other). */
/** The query's filters, with the caller's merchant scope as one more condition. */
function filtersOf(query: FilterQuery, principal: Principal | undefined): AlertFilters {
  const { assignee, ...q } = query;
  const rest = { ...q, scope: merchantScopeOf(principal) };
  if (assignee === undefined || assignee === 'any') return rest;
  if (rest.assignee_id !== undefined)
    throw ValidationError.of('assignee', 'give assignee or assignee_id, not both');
  if (assignee === 'unassigned') return { ...rest, unassigned: true };
  return { ...rest, assignee_id: principal?.id ?? '' };
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const conditionSchema = z
  .object({
    text: z.string().describe('The reason as the rule engine recorded it'),
    kind: z.enum(['comparison', 'aggregate', 'other']),
    field: z
      .string()
      .optional()
      .describe('The payment field, or the aggregate, e.g. `count(*) over 1h by payer_id`'),
    op: z.string().optional(),
    expected: z.union([scalar, z.array(scalar)]).optional(),
    actual: scalar.optional().describe('The value seen when the rule fired'),
    aggregate: z
      .object({ function: z.string(), field: z.string(), window: z.string(), group_by: z.string() })
      .optional(),
  })
  .meta({ id: 'AlertCondition' });

const explanationSchema = z
  .object({
    rule: z
      .object({ id: z.string(), name: z.string().nullable(), version: z.number().int().nullable() })
      .nullable(),
    values: z
      .record(z.string(), scalar)
      .describe('Field (or aggregate) → the value seen when the rule fired'),
    conditions: z.array(conditionSchema),
  })
  .meta({ id: 'AlertExplanation' });

export const alertSchema = z
  .object({
    id: z.string(),
    rule_id: z.string().nullable(),
    rule_name: z.string().nullable(),
    rule_version: z
      .number()
      .int()
      .nullable()
      .describe(
        'The version of the rule that raised the alert; null for alerts raised before it was recorded',
      ),
    rule_mode: z.enum(['enforce', 'shadow']).nullable(),
    payment_id: z.string().nullable(),
    severity: z.enum(ALERT_SEVERITIES),
    status: z.enum(ALERT_STATUSES),
    title: z.string(),
    message: z.string(),
    details: z.looseObject({ reasons: z.array(z.string()) }),
    explanation: explanationSchema,
    assignee_id: z.string().nullable(),
    acknowledged_by: z.string().nullable(),
    acknowledged_at: timestamp.nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: timestamp.nullable(),
    resolution: z
      .string()
      .nullable()
      .describe(`One of ${ALERT_RESOLUTIONS.join(', ')} (older alerts may hold free text)`),
    resolution_note: z.string().nullable(),
    version: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Alert' });

const noteSchema = z
  .object({ id: z.string(), author_id: z.string().nullable(), body: z.string(), created_at: timestamp })
  .meta({ id: 'AlertNote' });

const paymentSummarySchema = z
  .object({
    id: z.string(),
    amount: z.union([z.number(), z.string()]),
    amount_minor: z.string(),
    currency: z.string(),
    current_state: z.string(),
    merchant_id: z.string(),
    payer_id: z.string(),
  })
  .meta({ id: 'AlertPayment' });

const alertDetailSchema = alertSchema
  .extend({ notes: z.array(noteSchema), payment: paymentSummarySchema.nullable() })
  .meta({ id: 'AlertDetail' });

const nextSchema = z
  .object({
    alert: alertDetailSchema.nullable().describe('The alert to work next; null when the queue is empty'),
    total: z.number().int().describe('How many alerts the queue holds with these filters'),
  })
  .meta({ id: 'NextAlert' });

const bulkAckBody = z.strictObject({
  ids: z.array(z.string().min(1).max(64)).min(1).max(MAX_BULK_ALERTS),
  note: z.string().trim().min(1).max(MAX_NOTE_LENGTH).optional(),
});

const bulkAckSchema = z
  .object({
    results: z.array(
      z.object({
        id: z.string(),
        status: z.enum(['acknowledged', 'already_acknowledged', 'not_found', 'conflict']),
        alert: alertSchema.optional(),
        detail: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'BulkAcknowledgeResult' });

const legacyResolution = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe(
    'Deprecated: free text; a spelling of a value counts as it, anything else is `other` with the text as note',
  );
const resolveBody = z.strictObject({
  resolution: z.union([z.enum(ALERT_RESOLUTIONS), legacyResolution]),
  note: z.string().trim().min(1).max(MAX_NOTE_LENGTH).optional(),
});
const assignBody = z.strictObject({
  assignee_id: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .describe('A user id, `me` for the caller, or null to unassign'),
});
const noteBody = z.strictObject({ body: z.string().trim().min(1).max(MAX_NOTE_LENGTH) });
const emptyBody = z.strictObject({}).optional();

function actorOf(ctx: RouteContext<unknown, unknown, unknown>): Actor {
  return { principal: ctx.principal, requestId: ctx.req.id };
}

function expectation(ctx: RouteContext<unknown, unknown, unknown>): { version: number | undefined } {
  return { version: ifMatchVersion(ctx.req.get('if-match')) };
}

const tags = ['Alerts'];
const changed = { 200: { description: 'The alert after the change', schema: alertSchema } };

export function alertsRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts',
      access: 'viewer',
      scope: 'query',
      summary: 'List alerts',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of alerts', schema: pageSchema(alertSchema) } },
      handler: async ({ query, principal }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        const page = { limit, offset, cursor, sort };
        return { status: 200, body: await listAlerts(pool, filtersOf(filters, principal), page) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts/next',
      access: 'viewer',
      scope: 'query',
      summary: 'The next alert to work: open first, most severe first, oldest first',
      tags,
      query: nextQuery,
      responses: {
        200: { description: 'The next alert (null when the queue is empty)', schema: nextSchema },
      },
      handler: async ({ query, principal }) => {
        const { after, ...filters } = query;
        return { status: 200, body: await nextAlert(pool, { ...filtersOf(filters, principal), after }) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/acknowledge',
      access: 'operator',
      scope: 'query',
      summary: 'Acknowledge many alerts; one result per id',
      tags,
      body: bulkAckBody,
      responses: { 200: { description: 'What happened to each alert', schema: bulkAckSchema } },
      handler: idempotent(pool, async (ctx, tx) => {
        const input = { ids: ctx.body.ids, note: ctx.body.note, actor: actorOf(ctx) };
        return { status: 200, body: { results: await acknowledgeAlerts(tx, input) } };
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts/:alertId',
      access: 'viewer',
      scope: 'query',
      summary: 'Get an alert with its notes and payment',
      tags,
      params,
      responses: { 200: { description: 'The alert', schema: alertDetailSchema } },
      handler: async ({ params: p, principal }) => {
        const alert = await getAlert(pool, p.alertId, principal);
        // The ETag is the alert's version, for If-Match; notes and the payment summary in this
        // body change without it, so the answer must not be revalidated from a cache by it.
        return {
          status: 200,
          body: alert,
          headers: { etag: etagOf(alert.version), 'cache-control': 'no-store' },
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/acknowledge',
      access: 'operator',
      scope: 'query',
      summary: 'Acknowledge an open alert',
      tags,
      params,
      body: emptyBody,
      responses: changed,
      handler: idempotent(pool, async (ctx, tx) => {
        const alert = await acknowledgeAlert(tx, ctx.params.alertId, actorOf(ctx), expectation(ctx));
        return { status: 200, body: alert, headers: { etag: etagOf(alert.version) } };
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/resolve',
      access: 'operator',
      scope: 'query',
      summary: 'Resolve an alert: false_positive, confirmed_fraud or other, with a note',
      tags,
      params,
      body: resolveBody,
      responses: changed,
      handler: idempotent(pool, async (ctx, tx) => {
        const input = { resolution: ctx.body.resolution, note: ctx.body.note, actor: actorOf(ctx) };
        const alert = await resolveAlert(tx, ctx.params.alertId, input, expectation(ctx));
        return { status: 200, body: alert, headers: { etag: etagOf(alert.version) } };
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/assign',
      access: 'operator',
      scope: 'query',
      summary: 'Assign an alert to an operator or admin (`me` for the caller, null unassigns)',
      tags,
      params,
      body: assignBody,
      responses: changed,
      handler: idempotent(pool, async (ctx, tx) => {
        const input = { assigneeId: ctx.body.assignee_id, actor: actorOf(ctx) };
        const alert = await assignAlert(tx, ctx.params.alertId, input, expectation(ctx));
        return { status: 200, body: alert, headers: { etag: etagOf(alert.version) } };
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/notes',
      access: 'operator',
      scope: 'query',
      summary: 'Add a note to an alert',
      tags,
      params,
      body: noteBody,
      responses: { 201: { description: 'The note', schema: noteSchema } },
      handler: idempotent(pool, async (ctx, tx) => {
        const note = await addAlertNote(tx, ctx.params.alertId, { body: ctx.body.body, actor: actorOf(ctx) });
        return { status: 201, body: note };
      }),
    }),
  ];
}
