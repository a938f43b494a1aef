// The rule evaluator: pure and synchronous. Aggregates (count / sum / distinct over a window)
// are not computed here; `collectAggregates` lists what a rule needs, the caller computes the
// values (the worker in one SQL round trip, a backtest over history), and `evaluate` decides.
//
// Semantics:
// - `all([])` is true and `any([])` is false (the identities of AND and OR).
// - A comparison on a missing field (null/absent card fingerprint, country or metadata key) is
//   false for every operator, `ne` and `not_in` included; `not` of it is therefore true.
// - `ne` is "present and not eq"; `not_in` is "present and not in". Values compare with their
//   JSON type: metadata "5" (string) is not eq 5 (number). Ordering operators compare numbers
//   (amount_minor as bigint); `contains` / `starts_with` compare strings, case-sensitively.
// - An aggregate whose `group_by` field is missing on the payment is false (nothing to group).
import type { PaymentState } from './states.ts';
import type {
  AggregateCondition,
  AggregateField,
  AggregateFunction,
  AggregateOp,
  Comparison,
  ComparisonOp,
  Expr,
  GroupByKey,
  RuleDefinition,
  RuleField,
  Scalar,
} from './rules-schema.ts';
import { isScalarList, parseDuration } from './rules-schema.ts';

/** The payment as rules see it. */
export interface RulePayment {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly merchantId: string;
  readonly payerId: string;
  readonly state: PaymentState;
  readonly cardFingerprint?: string | null;
  readonly country?: string | null;
  readonly metadata?: Readonly<Record<string, unknown>> | null;
}

/**
 * One aggregate a rule needs, for the payment under evaluation at time `t` (its creation time,
 * so a backtest sees history as it was), over payments P with
 * `P[groupBy] = payment[groupBy]` and `t - windowSeconds < P.created_at <= t` (the payment
 * itself included):
 * - `count`: how many such payments;
 * - `sum` (field `amount_minor`): the sum of their amounts in the payment's own currency;
 * - `distinct`: how many distinct non-null values of `field` they have.
 */
export interface AggregateSpec {
  /** Stable identity, e.g. `sum(amount_minor)/payer_id/3600s`; equal specs share a key. */
  readonly key: string;
  readonly fn: AggregateFunction;
  readonly field: AggregateField | undefined;
  readonly groupBy: GroupByKey;
  readonly windowSeconds: number;
}

export type AggregateValue = bigint | number;

/** Computes aggregate values on demand (SQL, Redis, or a fixture in tests). */
export interface AggregateSource {
  aggregate(spec: AggregateSpec, payment: RulePayment): Promise<AggregateValue> | AggregateValue;
}

export interface RuleEvaluation {
  readonly matched: boolean;
  /** Why it matched, one line per satisfied condition; empty exactly when not matched. */
  readonly reasons: readonly string[];
}

export function aggregateKey(
  fn: AggregateFunction,
  field: string | undefined,
  groupBy: string,
  seconds: number,
): string {
  return `${fn}(${field ?? '*'})/${groupBy}/${seconds}s`;
}

export function aggregateSpec(condition: AggregateCondition): AggregateSpec {
  const windowSeconds = parseDuration(condition.window);
  return {
    key: aggregateKey(condition.aggregate, condition.field, condition.group_by, windowSeconds),
    fn: condition.aggregate,
    field: condition.field,
    groupBy: condition.group_by,
    windowSeconds,
  };
}

/** Every aggregate the condition references, de-duplicated by key, in first-use order. */
export function collectAggregates(definition: RuleDefinition | Expr): AggregateSpec[] {
  const specs = new Map<string, AggregateSpec>();
  visit('condition' in definition ? definition.condition : definition, (condition) => {
    const spec = aggregateSpec(condition);
    if (!specs.has(spec.key)) specs.set(spec.key, spec);
  });
  return [...specs.values()];
}

function visit(expr: Expr, onAggregate: (condition: AggregateCondition) => void): void {
  if ('all' in expr) for (const child of expr.all) visit(child, onAggregate);
  else if ('any' in expr) for (const child of expr.any) visit(child, onAggregate);
  else if ('not' in expr) visit(expr.not, onAggregate);
  else if ('aggregate' in expr) onAggregate(expr);
}

/** The value the payment groups by, or undefined when the payment lacks it. */
export function groupValue(groupBy: GroupByKey, payment: RulePayment): string | undefined {
  const value = GROUP_READERS[groupBy](payment);
  return value === null || value === undefined || value === '' ? undefined : value;
}

const GROUP_READERS: Readonly<Record<GroupByKey, (p: RulePayment) => string | null | undefined>> = {
  payer_id: (p) => p.payerId,
  merchant_id: (p) => p.merchantId,
  card_fingerprint: (p) => p.cardFingerprint,
};

/**
 * Asks `source` for every aggregate the rule needs (in parallel; skipping those whose group
 * value the payment lacks), then evaluates.
 */
export async function evaluateRule(
  definition: RuleDefinition,
  payment: RulePayment,
  source: AggregateSource,
): Promise<RuleEvaluation> {
  const specs = collectAggregates(definition).filter(
    (spec) => groupValue(spec.groupBy, payment) !== undefined,
  );
  const values = await Promise.all(
    specs.map(async (spec) => [spec.key, await source.aggregate(spec, payment)] as const),
  );
  return evaluate(definition, payment, new Map(values));
}

/**
 * Evaluates a rule (or a bare expression) against a payment and precomputed aggregate values
 * keyed by `AggregateSpec.key`. Throws if a needed aggregate is missing from `values`.
 */
export function evaluate(
  definition: RuleDefinition | Expr,
  payment: RulePayment,
  values: ReadonlyMap<string, AggregateValue>,
): RuleEvaluation {
  const expr = 'condition' in definition ? definition.condition : definition;
  return evalExpr(expr, { payment, values });
}

interface Env {
  readonly payment: RulePayment;
  readonly values: ReadonlyMap<string, AggregateValue>;
}

const NO_MATCH: RuleEvaluation = Object.freeze({ matched: false, reasons: Object.freeze([]) });

function evalExpr(expr: Expr, env: Env): RuleEvaluation {
  if ('all' in expr) return evalAll(expr.all, env);
  if ('any' in expr) return evalAny(expr.any, env);
  if ('not' in expr) return evalNot(expr.not, env);
  if ('aggregate' in expr) return evalAggregate(expr, env);
  return evalComparison(expr, env);
}

function evalAll(children: readonly Expr[], env: Env): RuleEvaluation {
  if (children.length === 0) return { matched: true, reasons: ['all() is empty, so always true'] };
  const results = children.map((child) => evalExpr(child, env));
  if (!results.every((r) => r.matched)) return NO_MATCH;
  return { matched: true, reasons: results.flatMap((r) => r.reasons) };
}

function evalAny(children: readonly Expr[], env: Env): RuleEvaluation {
  const matches = children.map((child) => evalExpr(child, env)).filter((r) => r.matched);
  if (matches.length === 0) return NO_MATCH;
  return { matched: true, reasons: matches.flatMap((r) => r.reasons) };
}

function evalNot(child: Expr, env: Env): RuleEvaluation {
  if (evalExpr(child, env).matched) return NO_MATCH;
  return { matched: true, reasons: [`not (${describeExpr(child)})`] };
}

// ---------------------------------------------------------------------------------------------
// Comparisons

type FieldValue = bigint | string | number | boolean;

/** The value of a rule field on a payment; undefined when absent. */
export function fieldValue(field: RuleField, payment: RulePayment): FieldValue | undefined {
  if (field.startsWith('metadata.')) return metadataValue(payment, field.slice('metadata.'.length));
  return BASE_READERS[field as keyof typeof BASE_READERS](payment) ?? undefined;
}

const BASE_READERS = {
  amount_minor: (p: RulePayment) => p.amountMinor,
  currency: (p: RulePayment) => p.currency,
  merchant_id: (p: RulePayment) => p.merchantId,
  payer_id: (p: RulePayment) => p.payerId,
  state: (p: RulePayment) => p.state,
  card_fingerprint: (p: RulePayment) => p.cardFingerprint,
  country: (p: RulePayment) => p.country,
} satisfies Record<string, (p: RulePayment) => FieldValue | null | undefined>;

function metadataValue(payment: RulePayment, key: string): FieldValue | undefined {
  const metadata = payment.metadata;
  if (metadata === null || metadata === undefined || !Object.hasOwn(metadata, key)) return undefined;
  const value = metadata[key];
  return isScalar(value) ? value : undefined;
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number';
}

function evalComparison(comparison: Comparison, env: Env): RuleEvaluation {
  const actual = fieldValue(comparison.field, env.payment);
  if (actual === undefined || !compare(actual, comparison.op, comparison.value)) return NO_MATCH;
  return { matched: true, reasons: [`${describeExpr(comparison)} (was ${render(actual)})`] };
}

function compare(actual: FieldValue, op: ComparisonOp, expected: Scalar | readonly Scalar[]): boolean {
  const list = isScalarList(expected) ? expected : [expected];
  const [single] = list;
  switch (op) {
    case 'in':
      return list.some((item) => equals(actual, item));
    case 'not_in':
      return !list.some((item) => equals(actual, item));
    case 'ne':
      return single !== undefined && !equals(actual, single);
    case 'contains':
    case 'starts_with':
      return single !== undefined && textMatch(actual, op, single);
    default:
      return single !== undefined && ordered(actual, op, single);
  }
}

function equals(actual: FieldValue, expected: Scalar): boolean {
  if (typeof actual === 'bigint') return toBigInt(expected) === actual;
  return actual === expected;
}

function textMatch(actual: FieldValue, op: 'contains' | 'starts_with', expected: Scalar): boolean {
  if (typeof actual !== 'string' || typeof expected !== 'string') return false;
  return op === 'contains' ? actual.includes(expected) : actual.startsWith(expected);
}

function ordered(actual: FieldValue, op: ComparisonOp, expected: Scalar): boolean {
  if (op === 'eq') return equals(actual, expected);
  if (typeof actual === 'bigint') {
    const bound = toBigInt(expected);
    return bound !== undefined && orderHolds(op, cmp(actual, bound));
  }
  if (typeof actual !== 'number' || typeof expected !== 'number') return false;
  return orderHolds(op, cmp(actual, expected));
}

function toBigInt(value: Scalar): bigint | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return BigInt(value);
  return undefined;
}

function cmp<T extends bigint | number>(a: T, b: T): -1 | 0 | 1 {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function orderHolds(op: ComparisonOp | AggregateOp, sign: -1 | 0 | 1): boolean {
  return ORDER_SIGNS[op as AggregateOp].includes(sign);
}

const ORDER_SIGNS: Readonly<Record<AggregateOp, readonly (-1 | 0 | 1)[]>> = {
  eq: [0],
  ne: [-1, 1],
  gt: [1],
  gte: [0, 1],
  lt: [-1],
  lte: [-1, 0],
};

// ---------------------------------------------------------------------------------------------
// Aggregates

function evalAggregate(condition: AggregateCondition, env: Env): RuleEvaluation {
  if (groupValue(condition.group_by, env.payment) === undefined) return NO_MATCH;
  const spec = aggregateSpec(condition);
  const raw = env.values.get(spec.key);
  if (raw === undefined) throw new Error(`aggregate ${spec.key} was not supplied to the rule evaluator`);
  const actual = typeof raw === 'bigint' ? raw : BigInt(raw);
  const bound = BigInt(condition.value);
  if (!orderHolds(condition.op, cmp(actual, bound))) return NO_MATCH;
  return { matched: true, reasons: [`${describeExpr(condition)} (was ${actual.toString()})`] };
}

// ---------------------------------------------------------------------------------------------
// Text

/** A compact, human-readable rendering of an expression, used in alert reasons. */
export function describeExpr(expr: Expr): string {
  if ('all' in expr) return `all(${expr.all.map(describeExpr).join(', ')})`;
  if ('any' in expr) return `any(${expr.any.map(describeExpr).join(', ')})`;
  if ('not' in expr) return `not (${describeExpr(expr.not)})`;
  if ('aggregate' in expr) {
    const target = `${expr.aggregate}(${expr.field ?? '*'})`;
    return `${target} over ${expr.window} by ${expr.group_by} ${expr.op} ${String(expr.value)}`;
  }
  return `${expr.field} ${expr.op} ${renderOperand(expr.value)}`;
}

function renderOperand(value: Scalar | readonly Scalar[]): string {
  return isScalarList(value) ? `[${value.map(render).join(', ')}]` : render(value);
}

function render(value: FieldValue): string {
  return typeof value === 'string' ? JSON.stringify(value) : value.toString();
}
