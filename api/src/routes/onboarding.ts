// /api/v1/users/me/onboarding: the signed-in user's first-steps checklist and tour progress.
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ROLES } from '../http/principal.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { withTransaction } from '../store/tx.ts';
import {
  getOnboarding,
  markItem,
  ONBOARDING_ITEMS,
  TOUR_STATUSES,
  TOUR_STEPS,
  updateOnboarding,
} from '../ops/onboarding.ts';
import { timestamp } from '../ops/schemas.ts';

const stateSchema = z
  .object({
    role: z.enum(ROLES),
    items: z
      .array(
        z.object({
          id: z.enum(ONBOARDING_ITEMS),
          done: z.boolean(),
          done_at: timestamp.nullable().describe('When the user first did it'),
        }),
      )
      .describe("The role's checklist, in order"),
    completed: z.boolean(),
    dismissed: z.boolean().describe('The user closed the checklist'),
    tour: z.object({
      status: z.enum(TOUR_STATUSES),
      step: z.number().int().describe('Index of the current step, from 0'),
      steps: z.number().int(),
    }),
  })
  .meta({ id: 'Onboarding' });

const patchSchema = z
  .strictObject({
    dismissed: z.boolean().optional(),
    tour: z
      .strictObject({
        status: z.enum(TOUR_STATUSES),
        step: z
          .number()
          .int()
          .min(0)
          .max(TOUR_STEPS - 1, `must be below ${String(TOUR_STEPS)}`),
      })
      .optional(),
  })
  .refine((p) => p.dismissed !== undefined || p.tour !== undefined, { error: 'name dismissed or tour' });

const itemParams = z.strictObject({ item: z.string().max(64) });

const tags = ['Users'];
const problem = (description: string) => ({ description, schema: problemSchema });

export function onboardingRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/users/me/onboarding',
      access: 'viewer',
      scope: 'none',
      summary: 'Your first-steps checklist (done by doing) and your place in the guided tour',
      tags,
      responses: { 200: { description: 'The checklist and tour', schema: stateSchema } },
      handler: async ({ principal }) => ({ status: 200, body: await getOnboarding(pool, principal) }),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/users/me/onboarding',
      access: 'viewer',
      scope: 'none',
      summary: 'Dismiss or bring back the checklist; record the tour step and status',
      tags,
      body: patchSchema,
      responses: { 200: { description: 'The checklist and tour after the change', schema: stateSchema } },
      handler: async ({ principal, body }) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => updateOnboarding(tx, principal, body)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/users/me/onboarding/items/:item',
      access: 'viewer',
      scope: 'none',
      summary: 'Tick an item the console saw done (find_payment, review_alert)',
      tags,
      params: itemParams,
      responses: {
        200: { description: 'The checklist after the change', schema: stateSchema },
        409: problem('The item is ticked by doing it, not by marking it'),
      },
      handler: async ({ principal, params }) => ({
        status: 200,
        body: await withTransaction(pool, (tx) => markItem(tx, principal, params.item)),
      }),
    }),
  ];
}
