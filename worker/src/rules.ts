// Rules as the worker runs them: enabled rules read from Postgres (cached for a short TTL),
// windowed aggregates computed in SQL for a whole batch of payments at once, and the pure
// evaluator from the domain deciding hits.
import {
  collectAggregates,
  evaluate,
  groupValue,
  validateExpr,
  type AggregateSpec,
  type AggregateValue,
  type Expr,
  type RulePayment,
} from '@payflow/api/domain';
import type { Payment, Queryable } from '@payflow/api/payments';
import type { Logger } from '@payflow/api/observability';

export interface LoadedRule {
  readonly id: string;
  readonly name: string;
  /** The rule's version when it was read: kept on the alerts it raises. */
  readonly version: number;
  readonly mode: 'enforce' | 'shadow';
  readonly action: 'alert' | 'flag' | 'hold' | 'decline';
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly condition: Expr;
  readonly specs: readonly AggregateSpec[];
}

interface RuleRow {
  id: string;
  name: string;
  version: number;
  mode: LoadedRule['mode'];
  action: LoadedRule['action'];
  severity: LoadedRule['severity'];
  definition: unknown;
}

/** The condition of a stored definition: `{condition, …}` or a bare expression. */
function conditionOf(definition: unknown): unknown {
  if (definition !== null && typeof definition === 'object' && 'condition' in definition) {
    return definition.condition;
  }
  return definition;
}

/** Parses stored rules; invalid definitions are skipped and reported to `onInvalid`. */
export function parseRules(
  rows: readonly RuleRow[],
  onInvalid: (id: string, why: string) => void,
): LoadedRule[] {
  const rules: LoadedRule[] = [];
  for (const r of rows) {
    const parsed = validateExpr(conditionOf(r.definition));
    if (!parsed.ok) {
      onInvalid(r.id, parsed.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
      continue;
    }
    const condition = parsed.value;
    rules.push({ ...r, condition, specs: collectAggregates(condition) });
  }
  return rules;
}

export async function loadRules(
  db: Queryable,
  onInvalid: (id: string, why: string) => void,
): Promise<LoadedRule[]> {
  const { rows } = await db.query<RuleRow>(
    `select id, name, version, mode, action, severity, definition from rules
      where enabled and deleted_at is null order by id`,
  );
  return parseRules(rows, onInvalid);
}

/** Enabled rules, re-read from Postgres at most every `ttlMs`. */
export class RuleCache {
  private rules: LoadedRule[] = [];
  private loadedAt = -Infinity;
  private readonly ttlMs: number;
  private readonly logger: Logger;

  constructor(ttlMs: number, logger: Logger) {
    this.ttlMs = ttlMs;
    this.logger = logger;
  }

  async get(db: Queryable): Promise<readonly LoadedRule[]> {
    if (performance.now() - this.loadedAt < this.ttlMs) return this.rules;
    this.rules = await loadRules(db, (id, why) => {
      this.logger.warn({ ruleId: id, why }, 'rule skipped: invalid definition');
    });
    this.loadedAt = performance.now();
    return this.rules;
  }

  invalidate(): void {
    this.loadedAt = -Infinity;
  }
}

export function rulePayment(p: Payment): RulePayment {
  return {
    amountMinor: p.amountMinor,
    currency: p.currency,
    merchantId: p.merchantId,
    payerId: p.payerId,
    state: p.state,
    cardFingerprint: p.cardFingerprint,
    country: p.country,
    metadata: p.metadata,
  };
}

const GROUP_COLUMN = {
  payer_id: 'payer_id',
  merchant_id: 'merchant_id',
  card_fingerprint: 'card_fingerprint',
};
const DISTINCT_COLUMN = {
  payer_id: 'payer_id',
  merchant_id: 'merchant_id',
  card_fingerprint: 'card_fingerprint',
  country: 'country',
  currency: 'currency',
};

function aggregateExpr(spec: AggregateSpec): string {
  if (spec.fn === 'count') return 'count(*)';
  if (spec.fn === 'sum') return 'coalesce(sum(q.amount_minor) filter (where q.currency = p.cur), 0)::bigint';
  const field = spec.field as keyof typeof DISTINCT_COLUMN;
  return `count(distinct q.${DISTINCT_COLUMN[field]})`;
}

/**
 * One aggregate for many payments in one query: for each payment, over payments with the same
 * group value created in `(t - window, t]` where t is the payment's creation time.
 */
export async function aggregateFor(
  db: Queryable,
  spec: AggregateSpec,
  payments: readonly Payment[],
): Promise<Map<string, AggregateValue>> {
  const withGroup = payments.filter((p) => groupValue(spec.groupBy, rulePayment(p)) !== undefined);
  const out = new Map<string, AggregateValue>();
  if (withGroup.length === 0) return out;
  const col = GROUP_COLUMN[spec.groupBy];
  const { rows } = await db.query<{ id: string; v: bigint }>(
    `select p.id, a.v from unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[]) as p(id, t, g, cur)
     cross join lateral (
       select ${aggregateExpr(spec)} as v from payments q
        where q.${col} = p.g and q.created_at > p.t - make_interval(secs => $5) and q.created_at <= p.t
     ) a`,
    [
      withGroup.map((p) => p.id),
      withGroup.map((p) => p.createdAt),
      withGroup.map((p) => groupValue(spec.groupBy, rulePayment(p))),
      withGroup.map((p) => p.currency),
      spec.windowSeconds,
    ],
  );
  for (const r of rows) out.set(r.id, r.v);
  return out;
}

/** Aggregate values per payment id, keyed by spec key: every spec the rules need, one query each. */
export async function aggregatesFor(
  db: Queryable,
  rules: readonly LoadedRule[],
  payments: readonly Payment[],
): Promise<Map<string, Map<string, AggregateValue>>> {
  const specs = new Map<string, AggregateSpec>();
  for (const r of rules) for (const s of r.specs) specs.set(s.key, s);
  const perPayment = new Map<string, Map<string, AggregateValue>>(payments.map((p) => [p.id, new Map()]));
  for (const spec of specs.values()) {
    const values = await aggregateFor(db, spec, payments);
    for (const [id, v] of values) perPayment.get(id)?.set(spec.key, v);
  }
  return perPayment;
}

export interface RuleHit {
  readonly rule: LoadedRule;
  readonly reasons: readonly string[];
  readonly acted: boolean;
}

/** The rules a payment matches (an aggregate whose group value the payment lacks is false). */
export function hitsFor(
  rules: readonly LoadedRule[],
  payment: Payment,
  values: ReadonlyMap<string, AggregateValue>,
): RuleHit[] {
  const rp = rulePayment(payment);
  const hits: RuleHit[] = [];
  for (const rule of rules) {
    const result = evaluate(rule.condition, rp, values);
    if (result.matched) hits.push({ rule, reasons: result.reasons, acted: rule.mode === 'enforce' });
  }
  return hits;
}
