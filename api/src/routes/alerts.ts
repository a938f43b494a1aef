import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { idempotent } from '../http/idempotency.ts';
import { defineRoute, type AnyRoute, type RouteContext } from '../http/route.ts';
import {
  acknowledgeAlert,
  addAlertNote,
  ALERT_SEVERITIES,
  ALERT_SORT_KEYS,
  ALERT_STATUSES,
  assignAlert,
  getAlert,
  listAlerts,
  resolveAlert,
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

const listQuery = z.strictObject({
  ...pageQueryShape,
  status: enumList(ALERT_STATUSES).optional(),
  severity: enumList(ALERT_SEVERITIES).optional(),
  rule_id: textParam(64).optional(),
  payment_id: textParam(64).optional(),
  assignee_id: textParam(64).optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  q: textParam(200).optional(),
  sort: sortParam(ALERT_SORT_KEYS, '-created_at'),
});

export const alertSchema = z
  .object({
    id: z.string(),
    rule_id: z.string().nullable(),
    rule_name: z.string().nullable(),
    payment_id: z.string().nullable(),
    severity: z.enum(ALERT_SEVERITIES),
    status: z.enum(ALERT_STATUSES),
    title: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    assignee_id: z.string().nullable(),
    acknowledged_by: z.string().nullable(),
    acknowledged_at: timestamp.nullable(),
    resolved_by: z.string().nullable(),
    resolved_at: timestamp.nullable(),
    resolution: z.string().nullable(),
    version: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Alert' });

const noteSchema = z
  .object({ id: z.string(), author_id: z.string().nullable(), body: z.string(), created_at: timestamp })
  .meta({ id: 'AlertNote' });

const alertDetailSchema = alertSchema.extend({ notes: z.array(noteSchema) }).meta({ id: 'AlertDetail' });

const resolveBody = z.strictObject({ resolution: z.string().trim().min(1).max(2000) });
const assignBody = z.strictObject({ assignee_id: z.string().min(1).max(64).nullable() });
const noteBody = z.strictObject({ body: z.string().trim().min(1).max(4000) });
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
      summary: 'List alerts',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of alerts', schema: pageSchema(alertSchema) } },
      handler: async ({ query }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        return { status: 200, body: await listAlerts(pool, filters, { limit, offset, cursor, sort }) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts/:alertId',
      access: 'viewer',
      summary: 'Get an alert with its notes',
      tags,
      params,
      responses: { 200: { description: 'The alert', schema: alertDetailSchema } },
      handler: async ({ params: p }) => {
        const alert = await getAlert(pool, p.alertId);
        return { status: 200, body: alert, headers: { etag: etagOf(alert.version) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/acknowledge',
      access: 'operator',
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
      summary: 'Resolve an alert with a resolution',
      tags,
      params,
      body: resolveBody,
      responses: changed,
      handler: idempotent(pool, async (ctx, tx) => {
        const input = { resolution: ctx.body.resolution, actor: actorOf(ctx) };
        const alert = await resolveAlert(tx, ctx.params.alertId, input, expectation(ctx));
        return { status: 200, body: alert, headers: { etag: etagOf(alert.version) } };
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:alertId/assign',
      access: 'operator',
      summary: 'Assign an alert to a user (null unassigns)',
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
