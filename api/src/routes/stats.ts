// /api/v1/stats: the console dashboard's figures, read from statistics the writers keep up to
// date (migration 0010), so that they answer in milliseconds whatever the number of payments.
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { PAYMENT_STATES } from '../domain/states.ts';
import { merchantScopeOf } from '../http/principal.ts';
import { defineRoute, type AnyRoute } from '../http/route.ts';
import { timestamp } from '../ops/schemas.ts';
import { alertCountsReader, unresolvedAlertCounts } from '../stats/alerts.ts';
import { FAILED_STATES, IN_FLIGHT_STATES, SUCCEEDED_STATES } from '../stats/outcomes.ts';
import { overviewReader, scopedOverview } from '../stats/overview.ts';
import { MAX_RANGE_DAYS, WINDOW_NAMES } from '../stats/windows.ts';
import { timeParam } from './query-params.ts';

const overviewQuery = z.strictObject({
  window: z
    .enum(WINDOW_NAMES, { error: `must be one of ${WINDOW_NAMES.join(', ')}` })
    .optional()
    .meta({ description: 'The last 15m, 1h, 6h, 24h, 7d or 30d up to now (default 1h).' }),
  from: timeParam.optional().meta({
    description: `Instead of window: the start of a range of at most ${String(MAX_RANGE_DAYS)} days (widened to whole buckets).`,
  }),
  to: timeParam.optional().meta({ description: 'The end of the range (default now); needs from.' }),
});

const amounts = {
  count: z.number().int(),
  amount_minor: z.string().meta({ description: 'Sum of the amounts in minor units, as an integer string.' }),
  amount: z
    .string()
    .nullable()
    .meta({
      description:
        "The same sum as an exact decimal string with the currency's places (USD 12.50, JPY 1250, KWD 1.250); " +
        'null for a currency code the product does not know.',
    }),
};

const currencyAmount = z.object(amounts).meta({ id: 'StatsCurrencyAmount' });

const outcomes =
  `Succeeded: ${SUCCEEDED_STATES.join(', ')} (the money was captured). ` +
  `Failed: ${FAILED_STATES.join(', ')}. Payments still ${IN_FLIGHT_STATES.slice(0, 2).join(' or ')} count in neither.`;

const overviewSchema = z
  .object({
    window: z.object({
      from: timestamp.meta({ description: 'Start of the first bucket.' }),
      to: timestamp.meta({
        description: 'End of what is covered (now when the last bucket is still filling).',
      }),
      bucket_seconds: z.number().int().meta({ description: '60 up to 6 h, 300 up to 24 h, 3600 beyond.' }),
    }),
    totals: z.object({
      payments: z.number().int().meta({ description: 'Payments created in the window.' }),
      succeeded: z.number().int(),
      failed: z.number().int(),
      success_rate: z
        .number()
        .nullable()
        .meta({ description: 'succeeded / (succeeded + failed); null when there is neither.' }),
      by_currency: z
        .array(z.object({ currency: z.string(), ...amounts }))
        .meta({ description: 'Payments created in the window per currency, most first.' }),
    }),
    series: z
      .array(
        z.object({
          ts: timestamp.meta({ description: 'Start of the bucket.' }),
          payments: z.number().int(),
          succeeded: z.number().int(),
          failed: z.number().int(),
          by_currency: z
            .record(z.string(), currencyAmount)
            .meta({ description: 'Every currency of the totals, zeros included.' }),
        }),
      )
      .meta({
        description:
          'Every bucket of the window in order, zeros included: payments created then, by current state.',
      }),
    state_mix: z.array(z.object({ state: z.enum(PAYMENT_STATES), count: z.number().int() })).meta({
      description: 'Current state of the payments created in the window; every state, in state-table order.',
    }),
    time_to_final: z
      .object({
        p50_seconds: z.number().nullable(),
        p95_seconds: z.number().nullable(),
        samples: z.number().int(),
      })
      .meta({
        description:
          `Time from creation until a payment left the in-flight states (${IN_FLIGHT_STATES.join(', ')}), for the ` +
          'payments that did so in the window; estimated from log-spaced buckets (within about 10%). Nulls without samples.',
      }),
    generated_at: timestamp,
  })
  .meta({ id: 'StatsOverview', description: outcomes });

const severities = z
  .object({
    low: z.number().int(),
    medium: z.number().int(),
    high: z.number().int(),
    critical: z.number().int(),
  })
  .meta({ id: 'AlertSeverityCounts' });

const alertCountsSchema = z
  .object({
    open: severities,
    acknowledged: severities,
    total_open: z.number().int().meta({ description: 'Every unresolved alert: open plus acknowledged.' }),
    generated_at: timestamp,
  })
  .meta({ id: 'StatsAlerts' });

const tags = ['Stats'];

export function statsRoutes(deps: ApiDeps): AnyRoute[] {
  // Concurrent identical requests (many consoles refreshing at once) share one read.
  const overview = overviewReader(deps.pool);
  const alertCounts = alertCountsReader(deps.pool);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/stats/overview',
      access: 'viewer',
      scope: 'query',
      summary: 'Dashboard overview: payments, outcomes, volume per currency, state mix and time to final',
      tags,
      query: overviewQuery,
      responses: { 200: { description: 'The overview of the window', schema: overviewSchema } },
      handler: async ({ query, principal }) => {
        const scope = merchantScopeOf(principal);
        if (scope === undefined) return { status: 200, json: await overview(query) };
        return { status: 200, body: await scopedOverview(deps.pool, query, scope) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/stats/alerts',
      access: 'viewer',
      scope: 'query',
      summary: 'Unresolved alerts by status and severity',
      tags,
      responses: { 200: { description: 'The counts', schema: alertCountsSchema } },
      handler: async ({ principal }) => {
        const scope = merchantScopeOf(principal);
        if (scope === undefined) return { status: 200, json: await alertCounts() };
        return { status: 200, body: await unresolvedAlertCounts(deps.pool, new Date(), scope) };
      },
    }),
  ];
}
