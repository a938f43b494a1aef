// The assistant's tools: each reads through the same use-case functions as the API's own routes,
// with the signed-in caller's principal and the least role the matching route needs, so that the
// assistant never sees or does more than the person asking. None of them changes anything;
// `draft_rule` validates a rule and hands it back for the person to review in the rule builder.
import { Forbidden, NotFound, ValidationError } from '../domain/errors.ts';
import { validateRuleDefinition } from '../domain/rules-schema.ts';
import type { ApiDeps } from '../deps.ts';
import {
  merchantScopeOf,
  roleAtLeast,
  type Principal,
  type Role,
  type ScopeHandling,
} from '../http/principal.ts';
import { getAlert, listAlerts } from '../ops/alerts.ts';
import { QueueProbe } from '../ops/health-queues.ts';
import { getRule, listRules } from '../ops/rules.ts';
import { queueStats, readParked, systemHealth, workerOldestAge } from '../ops/system.ts';
import { getWorkerPool, listWorkerPools } from '../ops/worker-pools.ts';
import { auditTrail, listAudit } from '../payments/audit.ts';
import { paymentRuleHits } from '../payments/rule-hits.ts';
import { paymentJson } from '../payments/store.ts';
import { getPayment } from '../payments/use-cases.ts';
import { loadHelp, searchHelp } from './help.ts';

type Args = Record<string, unknown>;

export interface ToolContext {
  readonly deps: ApiDeps;
  readonly principal: Principal;
  readonly helpDir: string;
}

export interface AssistantTool {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments (Gemini's parametersJsonSchema). */
  readonly parameters: Record<string, unknown>;
  /** The least role, as the route that reads the same data needs. */
  readonly access: Role;
  /** How merchant scopes apply, as on that route: `query` passes the caller's scope to the use case. */
  readonly scope: Exclude<ScopeHandling, 'stream'>;
  run(ctx: ToolContext, args: Args): Promise<unknown>;
}

const str = (args: Args, name: string, max = 200): string => {
  const v = args[name];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
    throw ValidationError.of(name, `must be a non-empty string of at most ${String(max)} characters`);
  }
  return v.trim();
};
const optStr = (args: Args, name: string): string | undefined =>
  args[name] === undefined || args[name] === null || args[name] === '' ? undefined : str(args, name);
const limitOf = (args: Args, fallback: number, max: number): number => {
  const v = Number(args.limit ?? fallback);
  return Number.isInteger(v) && v >= 1 ? Math.min(v, max) : fallback;
};

const object = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties,
  required,
});
const text = (description: string) => ({ type: 'string', description });

/** What the assistant may say about a payment: no card fingerprint, no metadata. */
function paymentSummary(p: Awaited<ReturnType<typeof getPayment>>): Record<string, unknown> {
  const { card_fingerprint: _card, metadata: _metadata, ...rest } = paymentJson(p);
  return rest;
}

function queuesOf(deps: ApiDeps) {
  const c = deps.config;
  return {
    settings: { sqs: deps.sqs, eventsUrl: c.SQS_EVENTS_QUEUE_URL, dlqUrl: c.SQS_EVENTS_DLQ_URL },
    urls: { events: c.SQS_EVENTS_QUEUE_URL, eventsDlq: c.SQS_EVENTS_DLQ_URL },
    probe: new QueueProbe(deps.sqs, {
      events: c.SQS_EVENTS_QUEUE_URL,
      eventsDlq: c.SQS_EVENTS_DLQ_URL,
      updates: c.SQS_UPDATES_QUEUE_URL,
      updatesDlq: c.SQS_UPDATES_DLQ_URL,
    }),
  };
}

interface AlertLike {
  id: string;
  severity: string;
  status: string;
  title: string;
  rule_name: string | null;
  rule_version: number | null;
  payment_id: string | null;
  created_at: Date | string;
  explanation: {
    rule: { id: string; name: string | null; version: number | null } | null;
    conditions: { text: string }[];
  };
}

function alertBrief(a: AlertLike) {
  return {
    id: a.id,
    severity: a.severity,
    status: a.status,
    title: a.title,
    payment_id: a.payment_id,
    created_at: a.created_at,
    rule: a.explanation.rule,
    conditions: a.explanation.conditions.map((c) => c.text),
  };
}

export const TOOLS: readonly AssistantTool[] = [
  {
    name: 'get_payment',
    description: 'One payment: state, amount, merchant, payer, country, flagged/held, times.',
    parameters: object({ payment_id: text('The payment id, pay_…') }, ['payment_id']),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) =>
      paymentSummary(await getPayment(deps.pool, str(args, 'payment_id', 64), principal)),
  },
  {
    name: 'explain_payment_flag',
    description:
      'Why a payment was flagged, held or alerted on: the rules that matched it (name and version) with the values they saw, its alerts, and its audit trail.',
    parameters: object({ payment_id: text('The payment id, pay_…') }, ['payment_id']),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const id = str(args, 'payment_id', 64);
      // The payment is found within the caller's merchants (another merchant's answers 404),
      // as on GET /transactions/{id}/audit-logs and /rule-hits.
      const payment = await getPayment(deps.pool, id, principal);
      const [alerts, hits, audit] = await Promise.all([
        listAlerts(
          deps.pool,
          { payment_id: payment.id, scope: merchantScopeOf(principal) },
          { limit: 20, offset: 0, sort: 'created_at' },
        ),
        paymentRuleHits(deps.pool, payment.id),
        auditTrail(deps.pool, 'payment', payment.id),
      ]);
      return {
        payment: paymentSummary(payment),
        alerts: (alerts.data as AlertLike[]).map(alertBrief),
        rule_hits: hits.map((h) => ({
          rule_id: h.rule_id,
          rule_name: h.rule_name,
          mode: h.mode,
          action: h.action,
          acted: h.acted,
          reasons: h.reasons,
          matched_at: h.matched_at,
        })),
        audit_trail: audit.map((a) => ({
          at: a.occurred_at,
          action: a.action,
          actor: a.actor_id ?? a.actor_type,
          reason: a.reason,
        })),
      };
    },
  },
  {
    name: 'list_alerts',
    description: 'Alerts, most severe and oldest first, with counts by severity. Defaults to open alerts.',
    parameters: object({
      status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] },
      severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
      payment_id: text('Only the alerts of this payment'),
      limit: { type: 'integer', description: 'At most 20' },
    }),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const status = (optStr(args, 'status') ?? 'open') as 'open';
      const severity = optStr(args, 'severity');
      const paymentId = optStr(args, 'payment_id');
      const filters = { status: [status], payment_id: paymentId, scope: merchantScopeOf(principal) };
      const limit = limitOf(args, 10, 20);
      const [page, ...counts] = await Promise.all([
        listAlerts(
          deps.pool,
          { ...filters, severity: severity ? [severity] : undefined },
          {
            limit,
            offset: 0,
            sort: 'created_at',
          },
        ),
        ...(['critical', 'high', 'medium', 'low'] as const).map((s) =>
          listAlerts(deps.pool, { ...filters, severity: [s] }, { limit: 1, offset: 0, sort: 'created_at' }),
        ),
      ]);
      const by: Record<string, number | null> = {};
      (['critical', 'high', 'medium', 'low'] as const).forEach((s, i) => {
        by[s] = counts[i]?.pagination.total ?? null;
      });
      return { status, counts_by_severity: by, alerts: (page.data as AlertLike[]).map(alertBrief) };
    },
  },
  {
    name: 'get_alert',
    description: 'One alert with the rule (name and version) that raised it and the conditions it saw.',
    parameters: object({ alert_id: text('The alert id, alt_…') }, ['alert_id']),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const a = await getAlert(deps.pool, str(args, 'alert_id', 64), principal);
      return { ...alertBrief(a), notes: a.notes.length };
    },
  },
  {
    name: 'list_rules',
    description: 'Rules with their mode, action, severity, version and hits in the last 24 hours.',
    parameters: object({ q: text('Text in the name or description') }),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const page = await listRules(
        deps.pool,
        { q: optStr(args, 'q') },
        { limit: 50, offset: 0, sort: 'name' },
        merchantScopeOf(principal),
      );
      return (
        page.data as {
          id: string;
          name: string;
          enabled: boolean;
          version: number;
          hits_24h: number;
          rule_definition: unknown;
        }[]
      ).map((r) => ({
        id: r.id,
        name: r.name,
        enabled: r.enabled,
        version: r.version,
        hits_24h: r.hits_24h,
        definition: r.rule_definition,
      }));
    },
  },
  {
    name: 'get_rule',
    description: 'One rule by id (rul_…): its definition, version and recent hits.',
    parameters: object({ rule_id: text('The rule id, rul_…') }, ['rule_id']),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const { hits_24h_series: _series, ...rule } = await getRule(
        deps.pool,
        str(args, 'rule_id', 64),
        merchantScopeOf(principal),
      );
      return rule;
    },
  },
  {
    name: 'search_audit',
    description: 'Audit log entries, newest first, by resource id, action or actor.',
    parameters: object({
      resource_id: text('A payment, alert, rule or other id'),
      action: text('e.g. payment.refunded, rule.updated'),
      actor_id: text('A user id'),
      limit: { type: 'integer', description: 'At most 20' },
    }),
    access: 'viewer',
    scope: 'query',
    run: async ({ deps, principal }, args) => {
      const scope = merchantScopeOf(principal);
      const page = await listAudit(
        deps.pool,
        {
          ...(scope === undefined ? {} : { merchantScope: scope }),
          ...(optStr(args, 'resource_id') ? { resourceId: optStr(args, 'resource_id') } : {}),
          ...(optStr(args, 'action') ? { action: optStr(args, 'action') } : {}),
          ...(optStr(args, 'actor_id') ? { actorId: optStr(args, 'actor_id') } : {}),
        },
        { limit: limitOf(args, 10, 20), offset: 0 },
      );
      return {
        total: page.total,
        entries: page.items.map((a) => ({
          at: a.occurred_at,
          action: a.action,
          resource: `${String(a.resource_type)} ${String(a.resource_id)}`,
          actor: a.actor_id ?? a.actor_type,
          reason: a.reason,
        })),
      };
    },
  },
  {
    name: 'system_health',
    description: 'System health: overall status, the 0–100 score and every component that is not healthy.',
    parameters: object({}),
    access: 'viewer',
    scope: 'none',
    run: async ({ deps }) => {
      const h = await systemHealth({ pool: deps.pool, kv: deps.kv, queues: queuesOf(deps).probe });
      const components = (h.components as unknown as Record<string, unknown>[]).map((c) => ({
        name: c.name,
        status: c.status,
        detail: c.detail ?? c.message ?? null,
      }));
      return {
        status: h.status,
        score: h.score,
        not_healthy: components.filter(
          (c) => c.status !== 'ok' && c.status !== 'healthy' && c.status !== 'up',
        ),
        components: components.length,
      };
    },
  },
  {
    name: 'queue_stats',
    description:
      'The events queue and its dead-letter queue now (depths, oldest ages), and the dead-letter count of each worker pool over the last hour, to tell whether the DLQ is growing.',
    parameters: object({}),
    access: 'viewer',
    scope: 'none',
    run: async ({ deps }) => {
      const q = queuesOf(deps);
      const now = await queueStats(
        q.settings,
        () => workerOldestAge(deps.pool),
        () => readParked(deps.pool),
      ).catch((err: unknown) => ({ unavailable: (err as Error).message }));
      const pools = await listWorkerPools(deps.pool, q.urls);
      const trends = await Promise.all(
        pools.data.map(async (p) => {
          const detail = await getWorkerPool(deps.pool, q.urls, {
            namespace: String(p.namespace),
            name: String(p.name),
            minutes: 60,
          });
          const samples = (detail.samples as { at: string; dead_letter: number | null }[] | undefined) ?? [];
          const dl = samples.map((s) => s.dead_letter).filter((n): n is number => n !== null);
          return {
            pool: `${String(p.namespace)}/${String(p.name)}`,
            dead_letter_an_hour_ago: dl[0] ?? null,
            dead_letter_now: dl.at(-1) ?? null,
            samples: dl.length,
          };
        }),
      );
      return { now, pools: trends };
    },
  },
  {
    name: 'search_help',
    description: 'The help center articles that answer a question (title, summary, link, text).',
    parameters: object({ query: text('What to look for') }, ['query']),
    access: 'viewer',
    scope: 'none',
    run: async ({ helpDir }, args) => {
      const found = searchHelp(await loadHelp(helpDir), str(args, 'query', 500), 3);
      return found.map(({ article }) => ({
        title: article.title,
        summary: article.summary,
        link: `/help/${article.slug}`,
        page: article.route ?? null,
        text: article.body.slice(0, 4000),
      }));
    },
  },
  {
    name: 'draft_rule',
    description:
      'Validate a rule draft and hand it to the person to review in the rule builder. It is NOT saved: only they can save it.',
    parameters: object(
      {
        name: text('A short kebab-case name'),
        description: text('One sentence'),
        rule_definition: {
          type: 'object',
          description:
            'condition (all/any/not of comparisons {field, op, value} or aggregates {aggregate: count|sum|distinct, field?, window: "10m", group_by: payer_id|merchant_id|card_fingerprint, op, value}), action (alert|flag|hold|decline), severity (low|medium|high|critical), mode (enforce|shadow; propose shadow)',
        },
      },
      ['name', 'rule_definition'],
    ),
    access: 'viewer',
    scope: 'none',
    run: (_ctx, args) => {
      const checked = validateRuleDefinition(args.rule_definition);
      return Promise.resolve({
        draft: {
          name: str(args, 'name', 100),
          description: optStr(args, 'description') ?? '',
          rule_definition: args.rule_definition,
        },
        valid: checked.ok,
        issues: checked.ok ? [] : checked.issues,
        saved: false,
      });
    },
  },
];

export const TOOL_BY_NAME = new Map(TOOLS.map((t) => [t.name, t]));

/** Runs a tool as the caller: the caller's role must reach the tool's; errors come back as data. */
export async function runTool(
  ctx: ToolContext,
  name: string,
  args: Args,
): Promise<{ ok: true; result: unknown } | { ok: false; error: string; status: number }> {
  const tool = TOOL_BY_NAME.get(name);
  if (!tool) return { ok: false, error: `There is no tool ${name}.`, status: 400 };
  if (!roleAtLeast(ctx.principal.role, tool.access)) {
    return { ok: false, error: new Forbidden(`This needs the ${tool.access} role.`).message, status: 403 };
  }
  if (tool.scope === 'unscoped' && merchantScopeOf(ctx.principal) !== undefined) {
    return {
      ok: false,
      error: 'This works over every merchant; your access is limited to some merchants.',
      status: 403,
    };
  }
  try {
    return { ok: true, result: await tool.run(ctx, args) };
  } catch (err) {
    if (err instanceof NotFound) return { ok: false, error: err.message, status: 404 };
    if (err instanceof ValidationError) return { ok: false, error: err.message, status: 400 };
    if (err instanceof Forbidden) return { ok: false, error: err.message, status: 403 };
    return { ok: false, error: `The tool failed: ${(err as Error).message}`, status: 500 };
  }
}
