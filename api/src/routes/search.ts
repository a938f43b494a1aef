// /api/v1/search: the console's global search box (payments by id, merchants, payers).
import { z } from 'zod';
import { merchantScopeOf } from '../http/principal.ts';
import type { ApiDeps } from '../deps.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';
import { search, SEARCH_COUNT_CAP } from '../payments/search.ts';
import { intParam, textParam } from './query-params.ts';

const searchQuery = z.strictObject({
  q: textParam(128).refine((s) => s.trim().length >= 2, 'must be at least 2 characters'),
  limit: intParam(1, 20).default(5),
});

const group = {
  payments: z
    .number()
    .meta({ description: `Payments with this id, counted up to ${String(SEARCH_COUNT_CAP)}` }),
  payments_exact: z
    .boolean()
    .meta({ description: `false when payments is capped at ${String(SEARCH_COUNT_CAP)}` }),
};

const searchSchema = z.object({
  payments: z
    .array(
      z.object({
        id: z.string(),
        merchant_id: z.string(),
        payer_id: z.string(),
        amount: z.union([z.number(), z.string()]),
        amount_minor: z.string(),
        currency: z.string(),
        current_state: z.string(),
        created_at: z.string(),
      }),
    )
    .meta({ description: 'The payment with this id, or payments whose id starts with q, newest first' }),
  merchants: z.array(z.object({ merchant_id: z.string(), ...group })),
  payers: z.array(z.object({ payer_id: z.string(), ...group })),
  match: z.enum(['prefix', 'exact']).meta({
    description:
      'How merchants and payers matched q: by prefix, or (a database collation other than C) exactly',
  }),
});

export function searchRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/search',
      access: 'viewer',
      scope: 'query',
      summary: 'Search payments by id or id prefix, merchants and payers by id prefix',
      tags: ['transactions'],
      query: searchQuery,
      responses: {
        200: { description: 'Matches by kind, at most `limit` of each', schema: searchSchema },
        400: { description: 'q missing or shorter than 2 characters', schema: problemSchema },
      },
      handler: async ({ query, principal }) => ({
        status: 200,
        body: await search(deps.pool, query.q.trim(), query.limit, merchantScopeOf(principal)),
      }),
    }),
  ];
}
