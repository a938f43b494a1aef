// Why an alert fired, as a tree a person can read: the rule's condition with the value the rule
// engine saw at each comparison and Hit / No hit at every node (as Marble shows a rule's
// formula). The engine records one reason per satisfied condition (`<expr> (was <value>)`, see
// describeExpr in api/src/domain/rules.ts); matching those against the rule's condition tells
// which nodes held. What the engine did not record (a branch of a failed `all`) is "not
// recorded", never guessed.
import type { Alert, ExplainedCondition, Expr, RuleSummary, Scalar } from './types';

const COMPARISON_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'starts_with'];
const AGGREGATE_FUNCTIONS = ['count', 'sum', 'distinct'];
const AGGREGATE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'];

const LITERAL = String.raw`"(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
const COMPARISON_REASON = new RegExp(
  String.raw`^(\S+) (${COMPARISON_OPS.join('|')}) (.+) \(was (${LITERAL})\)$`,
);
const AGGREGATE_REASON = new RegExp(
  String.raw`^((${AGGREGATE_FUNCTIONS.join('|')})\((\*|[a-z_]+)\) over (\S+) by ([a-z_]+)) (${AGGREGATE_OPS.join('|')}) (-?\d+) \(was (-?\d+)\)$`,
);

function literal(text: string): Scalar | Scalar[] {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value.map((v) => literal(JSON.stringify(v)) as Scalar);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? value
      : text;
  } catch {
    return text;
  }
}

function scalar(text: string): Scalar {
  const value = literal(text);
  return Array.isArray(value) ? text : value;
}

/**
 * One recorded reason read into structure, as the API's explanation does (for an API that does
 * not send `explanation` yet).
 */
export function parseReason(text: string): ExplainedCondition {
  const agg = AGGREGATE_REASON.exec(text);
  if (agg) {
    const [, name = '', fn = '', field = '', window = '', groupBy = '', op = '', bound = '', seen = ''] = agg;
    return {
      text,
      kind: 'aggregate',
      field: name,
      op,
      expected: scalar(bound),
      actual: scalar(seen),
      aggregate: { function: fn, field, window, group_by: groupBy },
    };
  }
  const cmp = COMPARISON_REASON.exec(text);
  if (cmp) {
    const [, field = '', op = '', expected = '', seen = ''] = cmp;
    return { text, kind: 'comparison', field, op, expected: literal(expected), actual: scalar(seen) };
  }
  return { text, kind: 'other' };
}

function isCondition(c: unknown): c is ExplainedCondition {
  return typeof c === 'object' && c !== null && typeof (c as { text?: unknown }).text === 'string';
}

/**
 * The conditions the engine recorded for an alert: the API's explanation when it sends one,
 * else `details.reasons` read here; undefined when the alert has neither (show the raw details).
 */
export function recordedConditions(
  alert: Pick<Alert, 'details' | 'explanation'>,
): ExplainedCondition[] | undefined {
  const explained = alert.explanation?.conditions;
  if (Array.isArray(explained) && explained.every(isCondition)) return explained;
  const reasons = (alert.details as { reasons?: unknown }).reasons;
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return undefined;
  return reasons.map(parseReason);
}

// ---------------------------------------------------------------------------------------------
// The rule's condition, annotated

function render(value: Scalar): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** The engine's rendering of an expression: the text its reasons start with. */
export function describeExpr(expr: Expr): string {
  if ('all' in expr) return `all(${expr.all.map(describeExpr).join(', ')})`;
  if ('any' in expr) return `any(${expr.any.map(describeExpr).join(', ')})`;
  if ('not' in expr) return `not (${describeExpr(expr.not)})`;
  if ('aggregate' in expr) {
    const target = `${expr.aggregate}(${expr.field ?? '*'})`;
    return `${target} over ${expr.window} by ${expr.group_by} ${expr.op} ${String(expr.value)}`;
  }
  const operand = Array.isArray(expr.value) ? `[${expr.value.map(render).join(', ')}]` : render(expr.value);
  return `${expr.field} ${expr.op} ${operand}`;
}

/** true: held; false: did not hold; undefined: the engine did not record it. */
export type Truth = boolean | undefined;

export type ExplainedNode =
  | { kind: 'all' | 'any'; hit: Truth; children: ExplainedNode[] }
  | { kind: 'not'; hit: Truth; child: ExplainedNode }
  | {
      kind: 'leaf';
      hit: Truth;
      expr: Exclude<Expr, { all: Expr[] } | { any: Expr[] } | { not: Expr }>;
      /** What the engine recorded for it (with the value it saw), when it held. */
      recorded: ExplainedCondition | undefined;
    };

interface Recorded {
  find(prefix: string): ExplainedCondition | undefined;
  has(text: string): boolean;
}

function recordedIndex(conditions: readonly ExplainedCondition[]): Recorded {
  return {
    find: (prefix) => conditions.find((c) => c.text.startsWith(`${prefix} (was `)),
    has: (text) => conditions.some((c) => c.text === text),
  };
}

function annotateAll(children: Expr[], expected: Truth, rec: Recorded): ExplainedNode {
  if (children.length === 0) return { kind: 'all', hit: true, children: [] };
  // A matched all() recorded every child; a failed one recorded none of them.
  const nodes = children.map((c) => annotate(c, expected === true ? true : undefined, rec));
  let hit: Truth = expected;
  if (hit === undefined) {
    if (nodes.every((n) => n.hit === true)) hit = true;
    else if (nodes.some((n) => n.hit === false)) hit = false;
  }
  return { kind: 'all', hit, children: nodes };
}

function annotateAny(children: Expr[], expected: Truth, rec: Recorded): ExplainedNode {
  // any() evaluates every child and records those that held, so an unrecorded child did not.
  const nodes = children.map((c) => {
    if (expected === false) return annotate(c, false, rec);
    const node = annotate(c, undefined, rec);
    return expected === true && node.hit !== true ? annotate(c, false, rec) : node;
  });
  let hit: Truth = expected;
  if (hit === undefined) {
    if (nodes.some((n) => n.hit === true)) hit = true;
    else if (nodes.every((n) => n.hit === false)) hit = false;
  }
  return { kind: 'any', hit, children: nodes };
}

function annotateNot(child: Expr, expected: Truth, rec: Recorded): ExplainedNode {
  const held = rec.has(`not (${describeExpr(child)})`) ? true : expected;
  const inner = annotate(child, held === undefined ? undefined : !held, rec);
  const hit = held ?? (inner.hit === undefined ? undefined : !inner.hit);
  return { kind: 'not', hit, child: inner };
}

/** The condition annotated with what held, given what the parent says this node was. */
export function annotate(expr: Expr, expected: Truth, rec: Recorded): ExplainedNode {
  if ('all' in expr) return annotateAll(expr.all, expected, rec);
  if ('any' in expr) return annotateAny(expr.any, expected, rec);
  if ('not' in expr) return annotateNot(expr.not, expected, rec);
  const recorded = rec.find(describeExpr(expr));
  return { kind: 'leaf', hit: recorded ? true : expected, expr, recorded };
}

/** The rule's condition with Hit / No hit at every node; the root held, or there is no alert. */
export function explainTree(condition: Expr, conditions: readonly ExplainedCondition[]): ExplainedNode {
  return annotate(condition, true, recordedIndex(conditions));
}

/**
 * Whether the rule as it is now is the rule that raised the alert: the same version, or (an
 * alert that does not record its version) every recorded reason found in the condition.
 */
export function ruleMatchesAlert(
  rule: Pick<RuleSummary, 'version' | 'rule_definition'>,
  alert: Pick<Alert, 'rule_version'>,
  conditions: readonly ExplainedCondition[],
): boolean {
  if (typeof alert.rule_version === 'number') return alert.rule_version === rule.version;
  const text = describeExpr(rule.rule_definition.condition);
  return conditions.every((c) => {
    const expr = c.text.replace(/ \(was .*\)$/, '');
    return text.includes(expr);
  });
}

// ---------------------------------------------------------------------------------------------
// Words

const OPS: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  not_in: 'is not one of',
  contains: 'contains',
  starts_with: 'starts with',
};

export function opText(op: string | undefined): string {
  return op === undefined ? '' : (OPS[op] ?? op);
}

const FIELDS: Record<string, string> = {
  amount_minor: 'Amount',
  currency: 'Currency',
  merchant_id: 'Merchant',
  payer_id: 'Payer',
  state: 'State',
  card_fingerprint: 'Card fingerprint',
  country: 'Country',
};

export function fieldText(field: string): string {
  if (field.startsWith('metadata.')) return `Metadata “${field.slice('metadata.'.length)}”`;
  return FIELDS[field] ?? field;
}

const GROUPS: Record<string, string> = {
  payer_id: 'payer',
  merchant_id: 'merchant',
  card_fingerprint: 'card',
};

/** `count(*) over 10m by payer_id` as "Payments by the same payer in 10m". */
export function aggregateText(a: {
  function: string;
  field?: string | undefined;
  window: string;
  group_by: string;
}): string {
  const group = GROUPS[a.group_by] ?? a.group_by;
  const field = a.field && a.field !== '*' ? a.field : undefined;
  let what = 'Payments';
  if (a.function === 'sum') what = `Total ${fieldText(field ?? 'amount_minor').toLowerCase()}`;
  if (a.function === 'distinct') what = `Distinct ${fieldText(field ?? 'payer_id').toLowerCase()} values`;
  return `${what} for the same ${group} in ${a.window}`;
}
