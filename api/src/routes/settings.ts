import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import {
  readSystemSettings,
  SESSION_HOURS_MAX,
  SESSION_HOURS_MIN,
  updateSystemSettings,
} from '../ops/system-settings.ts';
import { withTransaction } from '../store/tx.ts';

const person = z.object({ id: z.string(), name: z.string(), email: z.string() });

const settingsSchema = z
  .object({
    session_lifetime_hours: z
      .number()
      .int()
      .describe('How long a new session lasts from sign-in; sessions already started keep their end'),
    default_alert_assignee: person
      .nullable()
      .describe('Who alerts raised without an assignee go to (an active operator or admin), or nobody'),
    defaults: z.object({ session_lifetime_hours: z.number().int(), default_alert_assignee: z.null() }),
    updated_at: z.string().nullable(),
    updated_by: z.string().nullable(),
  })
  .meta({ id: 'SystemSettings' });

const settingsPatch = z
  .strictObject({
    session_lifetime_hours: z
      .number()
      .int('must be a whole number of hours')
      .min(SESSION_HOURS_MIN, `must be at least ${String(SESSION_HOURS_MIN)} hour`)
      .max(SESSION_HOURS_MAX, `must be at most ${String(SESSION_HOURS_MAX)} hours (90 days)`)
      .nullable()
      .optional()
      .describe('null puts the default back'),
    default_alert_assignee: z
      .string()
      .min(1)
      .max(64)
      .nullable()
      .optional()
      .describe('A user id, or null for nobody'),
  })
  .refine((p) => Object.keys(p).length > 0, { error: 'name at least one setting to change' });

const tags = ['Settings'];

/** The system settings an admin may change at run time (see ops/system-settings.ts for which and why). */
export function settingsRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  const envSeconds = deps.config.REFRESH_TOKEN_TTL_SECONDS;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/settings',
      access: 'admin',
      scope: 'none',
      summary: 'The system settings that can be changed while PayFlow runs',
      tags,
      responses: { 200: { description: 'The settings', schema: settingsSchema } },
      handler: async () => ({ status: 200, body: await readSystemSettings(pool, envSeconds) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/settings',
      access: 'admin',
      scope: 'none',
      summary: 'Change system settings (audited; null puts a setting back to its default)',
      tags,
      body: settingsPatch,
      responses: {
        200: { description: 'The settings after the change', schema: settingsSchema },
        400: { description: 'Invalid value, naming the field', schema: problemSchema },
      },
      handler: async ({ body, principal, req }) => ({
        status: 200,
        body: await withTransaction(pool, (tx) =>
          updateSystemSettings(tx, body, { principal, requestId: req.id, envSeconds }),
        ),
      }),
    }),
  ];
}
