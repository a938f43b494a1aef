import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import {
  ruleDefinitionInputSchema,
  ruleDefinitionSchema,
  RULE_SEVERITIES,
  RULE_MODES,
} from '../domain/rules-schema.ts';
import { createCache } from '../http/cache.ts';
import { idempotent } from '../http/idempotency.ts';
import { defineRoute, type AnyRoute, type RouteContext } from '../http/route.ts';
import { withTransaction } from '../store/tx.ts';
import {
  enumList,
  etagOf,
  ifMatchVersion,
  pageQueryShape,
  sortParam,
  textParam,
  type Actor,
} from '../ops/common.ts';
import { createRule, deleteRule, getRule, listRules, RULE_SORT_KEYS, updateRule } from '../ops/rules.ts';
import { pageSchema, timestamp } from '../ops/schemas.ts';

const params = z.strictObject({ ruleId: z.string().min(1).max(64) });

const listQuery = z.strictObject({
  ...pageQueryShape,
  enabled: z.stringbool().optional(),
  source: z.enum(['api', 'kubernetes']).optional(),
  mode: z.enum(RULE_MODES).optional(),
  severity: enumList(RULE_SEVERITIES).optional(),
  q: textParam(200).optional(),
  sort: sortParam(RULE_SORT_KEYS, 'name'),
});

const ruleName = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._:/-]*$/u,
    'must start with a letter or digit and use letters, digits, spaces and . _ : / -',
  );

/** The seed's body. `rule_definition` is checked by the domain validator, which names exact paths. */
const ruleBody = z.strictObject({
  name: ruleName,
  description: z.string().max(2048).default(''),
  enabled: z.boolean().default(true),
  rule_definition: ruleDefinitionInputSchema,
});

type RuleBody = z.output<typeof ruleBody>;

export const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    rule_definition: ruleDefinitionSchema,
    source: z.enum(['api', 'kubernetes']),
    version: z.number().int(),
    hits_24h: z.number().int().describe('Matches in the last 24 hours.'),
    created_by: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Rule' });

const tags = ['Rules'];
/** Rule lists are read on every console refresh and change rarely: cache them briefly. */
const LIST_TTL_MS = 2000;

function actorOf(ctx: RouteContext<unknown, unknown, unknown>): Actor {
  return { principal: ctx.principal, requestId: ctx.req.id };
}

export function rulesRoutes(deps: ApiDeps): AnyRoute[] {
  const { pool } = deps;
  const cache = createCache({ redis: deps.redis, logger: deps.logger, scope: deps.config.DATABASE_URL });
  const create = idempotent(pool, async (ctx: RouteContext<unknown, unknown, RuleBody>, tx) => {
    const rule = await createRule(tx, ctx.body, actorOf(ctx));
    return {
      status: 201,
      body: rule,
      headers: { etag: etagOf(rule.version), location: `/api/v1/rules/${rule.id}` },
    };
  });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/rules',
      access: 'viewer',
      summary: 'List rules',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of rules', schema: pageSchema(ruleSchema) } },
      handler: async ({ query }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        const key = JSON.stringify(query);
        const body = await cache.read('rules', key, LIST_TTL_MS, () =>
          listRules(pool, filters, { limit, offset, cursor, sort }),
        );
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId',
      access: 'viewer',
      summary: 'Get a rule',
      tags,
      params,
      responses: { 200: { description: 'The rule', schema: ruleSchema } },
      handler: async ({ params: p }) => {
        const rule = await getRule(pool, p.ruleId);
        return { status: 200, body: rule, headers: { etag: etagOf(rule.version) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rules',
      access: 'admin',
      summary: 'Create a rule',
      tags,
      body: ruleBody,
      responses: { 201: { description: 'The new rule', schema: ruleSchema } },
      handler: async (ctx) => {
        // Invalidate after the commit, so that no reader caches the old list under the new generation.
        const result = await create(ctx);
        await cache.invalidate('rules');
        return result;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/rules/:ruleId',
      access: 'admin',
      summary: 'Replace a rule (If-Match optional)',
      tags,
      params,
      body: ruleBody,
      responses: { 200: { description: 'The rule after the update', schema: ruleSchema } },
      handler: async (ctx) => {
        const expectedVersion = ifMatchVersion(ctx.req.get('if-match'));
        const input = { ...ctx.body, expectedVersion };
        const rule = await withTransaction(pool, (tx) =>
          updateRule(tx, ctx.params.ruleId, input, actorOf(ctx)),
        );
        await cache.invalidate('rules');
        return { status: 200, body: rule, headers: { etag: etagOf(rule.version) } };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/rules/:ruleId',
      access: 'admin',
      summary: 'Delete a rule (soft delete; its hits and alerts stay)',
      tags,
      params,
      responses: { 204: { description: 'Deleted' } },
      handler: async (ctx) => {
        const expectedVersion = ifMatchVersion(ctx.req.get('if-match'));
        await withTransaction(pool, (tx) =>
          deleteRule(tx, ctx.params.ruleId, { actor: actorOf(ctx), expectedVersion }),
        );
        await cache.invalidate('rules');
        return { status: 204 };
      },
    }),
  ];
}
