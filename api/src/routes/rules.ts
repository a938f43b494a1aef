import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import type { FieldIssue } from '../domain/errors.ts';
import {
  ruleDefinitionInputSchema,
  ruleDefinitionSchema,
  validateRuleDefinition,
  RULE_SEVERITIES,
  RULE_MODES,
} from '../domain/rules-schema.ts';
import { issuesFromZod } from '../domain/validation.ts';
import { createCache } from '../http/cache.ts';
import { idempotent } from '../http/idempotency.ts';
import { merchantScopeOf } from '../http/principal.ts';
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
import { createBacktest, getBacktest } from '../ops/backtests.ts';
import { ruleResource, ruleResourceYaml } from '../ops/rule-resource.ts';
import {
  createRule,
  deleteRule,
  getRule,
  getVersion,
  listRules,
  listVersions,
  promoteRule,
  rollbackRule,
  RULE_SORT_KEYS,
  shadowCompare,
  updateRule,
} from '../ops/rules.ts';
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
  .min(1, 'is required')
  .max(253)
  .regex(
    /^[\p{L}\p{N}][\p{L}\p{N} ._:/-]*$/u,
    'must start with a letter or digit and use letters, digits, spaces and . _ : / -',
  );

const reason = z.string().trim().min(1).max(1000).describe('Why the change is made; kept on the version.');
const ruleId = z.string().min(1).max(64);

const writable = {
  name: ruleName,
  description: z.string().max(2048).default(''),
  enabled: z.boolean().default(true),
  rule_definition: ruleDefinitionInputSchema,
  shadow_of: ruleId.nullable().optional().describe('The live rule a shadow rule challenges.'),
  reason: reason.optional(),
};

/** The seed's body. `rule_definition` is checked by the domain validator, which names exact paths. */
const ruleBody = z.strictObject(writable);

type RuleBody = z.output<typeof ruleBody>;

/**
 * PUT takes what GET answered: the read-only fields may come back, and are ignored when unchanged
 * (a changed one is refused naming it; a different version is a stale write, 412).
 */
const ruleReplaceBody = z.strictObject({
  ...writable,
  id: z.string().optional(),
  source: z.string().optional(),
  resource: z.unknown().optional(),
  version: z.number().int().optional(),
  hits_24h: z.unknown().optional(),
  hits_24h_series: z.unknown().optional(),
  created_by: z.string().nullable().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});

const validateBody = z
  .strictObject({
    name: z.unknown().optional(),
    description: z.unknown().optional(),
    enabled: z.unknown().optional(),
    shadow_of: z.unknown().optional(),
    rule_definition: z.unknown().refine((v) => v !== undefined, { error: 'is required' }),
  })
  .meta({ description: 'A rule draft, any part of it possibly wrong.' });

const issueSchema = z.object({ field: z.string(), message: z.string() });

const validationSchema = z
  .object({
    valid: z.boolean(),
    issues: z
      .array(issueSchema)
      .describe('Every problem, each at its path (rule_definition.condition.all[1].op).'),
    resource_yaml: z
      .string()
      .nullable()
      .describe('The equivalent Kubernetes Rule resource, when the draft is valid.'),
  })
  .meta({ id: 'RuleValidation' });

const isoWindow = {
  from: z.iso.datetime({ offset: true }).describe('Start of the window (inclusive), RFC 3339.'),
  to: z.iso.datetime({ offset: true }).describe('End of the window (exclusive), RFC 3339.'),
};
const MAX_BACKTEST_DAYS = 400;

const backtestBody = z
  .strictObject({
    rule_definition: ruleDefinitionInputSchema,
    ...isoWindow,
    rule_id: ruleId.optional().describe('The stored rule the draft edits, if any.'),
  })
  .superRefine((b, ctx) => {
    const span = Date.parse(b.to) - Date.parse(b.from);
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (span > MAX_BACKTEST_DAYS * 86_400_000)
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: `must be at most ${String(MAX_BACKTEST_DAYS)} days after from`,
      });
  });

const backtestSchema = z
  .object({
    id: z.string().describe('The batch job that runs it.'),
    status: z.string(),
    from: z.string(),
    to: z.string(),
    rule_id: z.string().nullable(),
    rule_definition: z.unknown(),
    processed: z.number().int(),
    total: z.number().int().nullable(),
    progress: z.number().nullable(),
    error: z.string().nullable(),
    hits: z.number().int(),
    hits_by_day: z.array(z.object({ day: z.string(), hits: z.number().int() })),
    examples: z.array(z.unknown()).describe('Hits with the payment and the values the rule saw.'),
    labels: z.object({
      confirmed_fraud_hit: z.number().int(),
      false_positive_hit: z.number().int(),
      confirmed_fraud_missed: z.number().int(),
      chargebacks: z
        .number()
        .int()
        .describe(
          'Of the confirmed fraud (hit or missed), the payments charged back (a dispute lost) on which no alert was resolved: counted as fraud.',
        ),
      precision: z.number().nullable(),
      recall: z.number().nullable(),
    }),
    created_by: z.string().nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
  })
  .meta({ id: 'RuleBacktest' });

const versionSchema = z
  .object({
    rule_id: z.string(),
    version: z.number().int(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    rule_definition: ruleDefinitionSchema,
    shadow_of: z.string().nullable(),
    source: z.enum(['api', 'kubernetes']),
    change: z.string(),
    changed_by: z.string().nullable(),
    changed_by_email: z.string().nullable(),
    reason: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'RuleVersion' });

const versionParams = z.strictObject({
  ruleId,
  version: z.coerce.number().int().min(1).max(2_147_483_647),
});
const rollbackBody = z.strictObject({
  version: z.number().int().min(1).max(2_147_483_647).describe('The version to restore.'),
  reason: reason.optional(),
});
const promoteBody = z.strictObject({ reason: reason.optional() });
const shadowQuery = z.strictObject({
  hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
});
const shadowBucket = z.object({ start: z.string(), shadow: z.number(), live: z.number(), both: z.number() });
const shadowHit = z.object({ payment_id: z.string(), matched_at: z.string(), reasons: z.array(z.unknown()) });
const shadowSchema = z
  .object({
    rule_id: z.string(),
    compared_with: z.enum(['rule', 'live_rules']),
    live_rule: z.object({ id: z.string(), name: z.string(), version: z.number() }).nullable(),
    since: z.string(),
    since_version: z
      .object({ rule_id: z.string(), version: z.number() })
      .nullable()
      .describe(
        'The rule version whose start is `since`: when this rule, or the live rule it shadows, began to evaluate as it does now (mode and condition). Null when the window length sets `since`.',
      ),
    until: z.string(),
    bucket: z.enum(['hour', 'day']),
    buckets: z.array(shadowBucket),
    totals: z.object({
      shadow: z.number(),
      live: z.number(),
      both: z.number(),
      only_shadow: z.number(),
      only_live: z.number(),
    }),
    only_shadow: z.array(shadowHit),
    only_live: z.array(shadowHit),
  })
  .meta({ id: 'RuleShadowCompare' });
const resourceSchema = z
  .object({ yaml: z.string(), object: z.record(z.string(), z.unknown()) })
  .meta({ id: 'RuleResourceManifest' });

/** The whole draft checked as POST would check it, every issue with its path. */
function validateDraft(body: z.output<typeof validateBody>): z.output<typeof validationSchema> {
  const issues: FieldIssue[] = [];
  const shell = z
    .strictObject({
      name: ruleName.optional(),
      description: writable.description.optional(),
      enabled: z.boolean().optional(),
      shadow_of: writable.shadow_of,
    })
    .safeParse({
      name: body.name,
      description: body.description,
      enabled: body.enabled,
      shadow_of: body.shadow_of,
    });
  if (!shell.success) issues.push(...issuesFromZod(shell.error.issues));
  const def = validateRuleDefinition(body.rule_definition, ['rule_definition']);
  if (!def.ok) issues.push(...def.issues);
  let yaml: string | null = null;
  if (issues.length === 0 && def.ok) {
    yaml = ruleResourceYaml({
      name: typeof body.name === 'string' && body.name.trim() !== '' ? body.name.trim() : 'new-rule',
      description: typeof body.description === 'string' ? body.description : '',
      enabled: typeof body.enabled === 'boolean' ? body.enabled : true,
      rule_definition: def.value,
    });
  }
  return { valid: issues.length === 0, issues, resource_yaml: yaml };
}

export const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    rule_definition: ruleDefinitionSchema,
    source: z.enum(['api', 'kubernetes']),
    resource: z
      .object({ namespace: z.string(), name: z.string() })
      .nullable()
      .describe('The Kubernetes Rule resource a kubernetes rule is synced from (read-only here).'),
    shadow_of: z.string().nullable().describe('The live rule this shadow rule challenges.'),
    version: z.number().int(),
    hits_24h: z
      .number()
      .int()
      .describe("Matches in the last 24 hours (of the caller's merchants, for a caller limited to some)."),
    hits_24h_series: z
      .array(z.number().int())
      .describe('Matches per hour over the last 24 hours, oldest first.'),
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
  const cache = createCache({ kv: deps.kv, logger: deps.logger, scope: deps.config.DATABASE_URL });
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
      // The rules are every merchant's; their hit counters are an aggregate about payments.
      scope: 'query',
      summary: 'List rules',
      tags,
      query: listQuery,
      responses: { 200: { description: 'A page of rules', schema: pageSchema(ruleSchema) } },
      handler: async ({ query, principal }) => {
        const { limit, offset, cursor, sort, ...filters } = query;
        const scope = merchantScopeOf(principal);
        // Keyed by scope too: a scoped caller's counters are not another caller's.
        const key = JSON.stringify({ query, scope: scope ?? null });
        const body = await cache.read('rules', key, LIST_TTL_MS, () =>
          listRules(pool, filters, { limit, offset, cursor, sort }, scope),
        );
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId',
      access: 'viewer',
      scope: 'query',
      summary: 'Get a rule',
      tags,
      params,
      responses: { 200: { description: 'The rule', schema: ruleSchema } },
      handler: async ({ params: p, principal }) => {
        const rule = await getRule(pool, p.ruleId, merchantScopeOf(principal));
        return { status: 200, body: rule, headers: { etag: etagOf(rule.version) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rules',
      access: 'admin',
      scope: 'none',
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
      scope: 'none',
      summary: 'Replace a rule (If-Match optional)',
      tags,
      params,
      body: ruleReplaceBody,
      responses: { 200: { description: 'The rule after the update (a new version)', schema: ruleSchema } },
      handler: async (ctx) => {
        const expectedVersion = ifMatchVersion(ctx.req.get('if-match'));
        const { id, source, resource, version, created_by, created_at, updated_at, ...body } = ctx.body;
        const echo = { id, source, resource, version, created_by, created_at, updated_at };
        const input = { ...body, expectedVersion, echo };
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
      scope: 'none',
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
    defineRoute({
      method: 'post',
      path: '/api/v1/rules/validate',
      access: 'viewer',
      scope: 'none',
      summary:
        'Validate a rule draft (as you type): every issue at its path, and the equivalent Rule resource',
      tags,
      body: validateBody,
      responses: {
        200: { description: 'Whether the draft is valid, and why not', schema: validationSchema },
      },
      handler: async ({ body }) => Promise.resolve({ status: 200, body: validateDraft(body) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rules/backtests',
      access: 'operator',
      scope: 'unscoped',
      summary: 'Backtest a rule draft over stored payments (a batch job of type backtest)',
      tags,
      body: backtestBody,
      responses: { 201: { description: 'The backtest, pending', schema: backtestSchema } },
      handler: idempotent(pool, async (ctx, tx) => {
        const bt = await createBacktest(tx, ctx.body, actorOf(ctx));
        return { status: 201, body: bt, headers: { location: `/api/v1/rules/backtests/${bt.id}` } };
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/backtests/:jobId',
      access: 'viewer',
      scope: 'unscoped',
      summary: 'A backtest: progress, hits per day, examples with the values seen, precision and recall',
      tags,
      params: z.strictObject({ jobId: z.string().min(1).max(64) }),
      responses: { 200: { description: 'The backtest so far', schema: backtestSchema } },
      handler: async ({ params: p }) => ({
        status: 200,
        body: await getBacktest(pool, p.jobId),
        headers: { 'cache-control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId/versions',
      access: 'viewer',
      scope: 'none',
      summary: "A rule's versions, newest first, each with who made it and why",
      tags,
      params,
      responses: { 200: { description: 'The versions', schema: z.object({ data: z.array(versionSchema) }) } },
      handler: async ({ params: p }) => ({ status: 200, body: { data: await listVersions(pool, p.ruleId) } }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId/versions/:version',
      access: 'viewer',
      scope: 'none',
      summary: 'One version of a rule',
      tags,
      params: versionParams,
      responses: { 200: { description: 'The version', schema: versionSchema } },
      handler: async ({ params: p }) => ({ status: 200, body: await getVersion(pool, p.ruleId, p.version) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rules/:ruleId/rollback',
      access: 'admin',
      scope: 'none',
      summary: 'Restore an earlier version of a rule as a new version (If-Match optional)',
      tags,
      params,
      body: rollbackBody,
      responses: { 200: { description: 'The rule after the rollback', schema: ruleSchema } },
      handler: async (ctx) => {
        const expectedVersion = ifMatchVersion(ctx.req.get('if-match'));
        const rule = await withTransaction(pool, (tx) =>
          rollbackRule(tx, ctx.params.ruleId, { ...ctx.body, expectedVersion }, actorOf(ctx)),
        );
        await cache.invalidate('rules');
        return { status: 200, body: rule, headers: { etag: etagOf(rule.version) } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/rules/:ruleId/promote',
      access: 'admin',
      scope: 'none',
      summary:
        'Promote a shadow rule to enforce (replacing the live rule it shadows), audited (If-Match optional)',
      tags,
      params,
      body: promoteBody,
      responses: { 200: { description: 'The rule that is now live', schema: ruleSchema } },
      handler: async (ctx) => {
        const expectedVersion = ifMatchVersion(ctx.req.get('if-match'));
        const rule = await withTransaction(pool, (tx) =>
          promoteRule(tx, ctx.params.ruleId, { ...ctx.body, expectedVersion }, actorOf(ctx)),
        );
        await cache.invalidate('rules');
        return { status: 200, body: rule, headers: { etag: etagOf(rule.version) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId/shadow',
      access: 'viewer',
      scope: 'unscoped',
      summary: 'A shadow rule beside the live side: hits of each over the same traffic',
      tags,
      params,
      query: shadowQuery,
      responses: { 200: { description: 'The comparison', schema: shadowSchema } },
      handler: async ({ params: p, query }) => ({
        status: 200,
        body: await shadowCompare(pool, p.ruleId, query.hours),
        headers: { 'cache-control': 'no-store' },
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/rules/:ruleId/resource',
      access: 'viewer',
      scope: 'none',
      summary: 'The equivalent Kubernetes Rule custom resource (YAML), to move the rule into Git',
      tags,
      params,
      responses: { 200: { description: 'The resource', schema: resourceSchema } },
      handler: async ({ params: p }) => {
        const rule = await getRule(pool, p.ruleId);
        return { status: 200, body: { yaml: ruleResourceYaml(rule), object: ruleResource(rule) } };
      },
    }),
  ];
}
