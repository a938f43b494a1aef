import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import {
  listNotifications,
  markAllNotificationsRead,
  markNotification,
  MAX_NOTIFICATIONS,
  NOTIFICATION_DAYS,
  NOTIFICATION_KINDS,
  NOTIFICATION_SEVERITIES,
} from '../ops/notifications.ts';
import { timestamp } from '../ops/schemas.ts';
import { withTransaction } from '../store/tx.ts';

const notificationId = z.string().regex(/^[1-9][0-9]{0,17}$/, 'must be a notification id');

export const notificationSchema = z
  .object({
    id: z.string().describe('Increasing with time'),
    kind: z.enum(NOTIFICATION_KINDS),
    severity: z.enum(NOTIFICATION_SEVERITIES),
    title: z.string(),
    body: z.string(),
    object_type: z.string().describe('alert, batch_job or worker_pool'),
    object_id: z.string().describe('The alert or batch job id, or a worker pool as namespace/name'),
    link: z.string().describe('The console path that shows the object'),
    read: z.boolean().describe('Read by the caller'),
    created_at: timestamp,
  })
  .meta({ id: 'Notification' });

const listSchema = z
  .object({
    items: z.array(notificationSchema),
    unread_count: z
      .number()
      .int()
      .describe(`Unread notifications of the last ${String(NOTIFICATION_DAYS)} days`),
    enabled: z
      .boolean()
      .describe("The caller's Notifications preference: when false, show no unread count or pop-ups"),
  })
  .meta({ id: 'NotificationList' });

const problem = (description: string) => ({ description, schema: problemSchema });
const tags = ['Notifications'];

/** The signed-in user's notifications and their read / unread state. */
export function notificationsRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/notifications',
      access: 'viewer',
      scope: 'query',
      summary: `The caller's notifications of the last ${String(NOTIFICATION_DAYS)} days, newest first, with the unread count`,
      tags,
      query: z.strictObject({
        limit: z.coerce.number().int().min(1).max(MAX_NOTIFICATIONS).default(50),
        unread: z
          .enum(['true', 'false'], { error: 'must be true or false' })
          .optional()
          .transform((v) => v === 'true')
          .describe('Only the unread ones'),
        before: notificationId.optional().describe('Older than this notification (the next page)'),
      }),
      responses: {
        200: { description: 'Notifications', schema: listSchema },
        400: problem('Invalid parameter, naming it'),
        403: problem('Not a signed-in user'),
      },
      handler: async ({ query, principal }) => ({
        status: 200,
        body: await listNotifications(pool, principal, query),
      }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/notifications/:notificationId',
      access: 'viewer',
      scope: 'query',
      summary: 'Mark one notification read or unread for the caller',
      tags,
      params: z.strictObject({ notificationId }),
      body: z.strictObject({ read: z.boolean() }),
      responses: {
        200: { description: 'The notification as the caller now sees it', schema: notificationSchema },
        400: problem('Invalid body, naming the field'),
        403: problem('Not a signed-in user'),
        404: problem('No such notification'),
      },
      handler: async ({ params, body, principal }) => ({
        status: 200,
        body: await withTransaction(pool, (tx) =>
          markNotification(tx, principal, params.notificationId, body.read),
        ),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/notifications/read',
      access: 'viewer',
      scope: 'query',
      summary: "Mark all the caller's notifications read (up to `through`, default the newest)",
      tags,
      body: z.strictObject({
        through: notificationId.optional().describe('The newest notification the caller has seen'),
      }),
      responses: {
        200: {
          description: 'The unread count after',
          schema: z.object({ unread_count: z.number().int() }).meta({ id: 'NotificationsRead' }),
        },
        400: problem('Invalid body, naming the field'),
        403: problem('Not a signed-in user'),
      },
      handler: async ({ body, principal }) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => markAllNotificationsRead(tx, principal, body.through)),
      }),
    }),
  ];
}
