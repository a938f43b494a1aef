// The rule language: a JSON expression tree, its zod schemas, and a validator that reports
// every problem at its precise path (`condition.all[1].op`).
//
//   expr        := {all: [expr…]} | {any: [expr…]} | {not: expr} | comparison | aggregate
//   comparison  := {field, op, value}
//   aggregate   := {aggregate: count|sum|distinct, field?, window, group_by, op, value}
//   definition  := {condition: expr, action, severity, mode?}
//
// The structural zod schemas (`exprSchema`, `ruleDefinitionSchema`) give the TypeScript types
// and the JSON Schema; `validateRuleDefinition` is the authority: it adds the per-field checks
// (which operators and values fit which field), window limits, and depth and size limits, and
// reports the failing branch of the tree rather than "no union member matched".
import { z } from 'zod';
import type { FieldIssue } from './errors.ts';
import { isCurrencyCode } from './money.ts';
import { isPaymentState } from './states.ts';
import type { PathSegment, Validated } from './validation.ts';
import { formatPath, issuesFromZod } from './validation.ts';

export const RULE_BASE_FIELDS = [
  'amount_minor',
  'currency',
  'merchant_id',
  'payer_id',
  'state',
  'card_fingerprint',
  'country',
] as const;
export type RuleBaseField = (typeof RULE_BASE_FIELDS)[number];
/** A payment field, or `metadata.<key>` for a key of the payment's metadata object. */
export type RuleField = RuleBaseField | `metadata.${string}`;

export const COMPARISON_OPS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
  'starts_with',
] as const;
export type ComparisonOp = (typeof COMPARISON_OPS)[number];

export const AGGREGATE_FUNCTIONS = ['count', 'sum', 'distinct'] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];
export const AGGREGATE_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte'] as const;
export type AggregateOp = (typeof AGGREGATE_OPS)[number];
export const GROUP_BY_KEYS = ['payer_id', 'merchant_id', 'card_fingerprint'] as const;
export type GroupByKey = (typeof GROUP_BY_KEYS)[number];
/** Fields `distinct` can count. */
export const DISTINCT_FIELDS = [
  'payer_id',
  'merchant_id',
  'card_fingerprint',
  'country',
  'currency',
] as const;
export type DistinctField = (typeof DISTINCT_FIELDS)[number];
export type AggregateField = 'amount_minor' | DistinctField;

export const RULE_ACTIONS = ['alert', 'flag', 'hold', 'decline'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];
export const RULE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];
export const RULE_MODES = ['enforce', 'shadow'] as const;
export type RuleMode = (typeof RULE_MODES)[number];

/** Deepest nesting of expressions (the condition itself is depth 1). */
export const MAX_RULE_DEPTH = 16;
/** Most expression nodes in one condition. */
export const MAX_RULE_NODES = 256;
/** Most values in one `in` / `not_in` list. */
export const MAX_LIST_VALUES = 1000;
export const MAX_STRING_VALUE_LENGTH = 256;
/** Longest aggregate window: 30 days. */
export const MAX_WINDOW_SECONDS = 30 * 86_400;

export type Scalar = string | number | boolean;

export interface AllExpr {
  readonly all: readonly Expr[];
}
export interface AnyExpr {
  readonly any: readonly Expr[];
}
export interface NotExpr {
  readonly not: Expr;
}
export interface Comparison {
  readonly field: RuleField;
  readonly op: ComparisonOp;
  readonly value: Scalar | readonly Scalar[];
}
export interface AggregateCondition {
  readonly aggregate: AggregateFunction;
  readonly field?: AggregateField | undefined;
  /** Duration `<n>s|m|h|d`, at most 30 days. */
  readonly window: string;
  readonly group_by: GroupByKey;
  readonly op: AggregateOp;
  /** A non-negative integer, as a JSON number or a digit string (for sums beyond 2^53). */
  readonly value: number | string;
}
export type Expr = AllExpr | AnyExpr | NotExpr | Comparison | AggregateCondition;

export interface RuleDefinition {
  readonly condition: Expr;
  readonly action: RuleAction;
  readonly severity: RuleSeverity;
  readonly mode: RuleMode;
}

// ---------------------------------------------------------------------------------------------
// Structural schemas

const METADATA_FIELD = /^metadata\.[A-Za-z0-9_-]{1,64}$/;
const DURATION = /^([1-9]\d{0,6})([smhd])$/;
const DIGITS = /^\d{1,19}$/;

const scalarSchema = z.union([z.string().max(MAX_STRING_VALUE_LENGTH), z.number(), z.boolean()], {
  error: `must be a string (at most ${MAX_STRING_VALUE_LENGTH} characters), a number or a boolean`,
});

export const ruleFieldSchema = z.union(
  [
    z.enum(RULE_BASE_FIELDS),
    z.templateLiteral(['metadata.', z.string()]).refine((s) => METADATA_FIELD.test(s), {
      error: 'metadata keys are 1 to 64 letters, digits, "_" or "-"',
    }),
  ],
  {
    error: `must be one of ${RULE_BASE_FIELDS.join(', ')} or metadata.<key> (key: 1 to 64 letters, digits, "_" or "-")`,
  },
);

export const comparisonSchema = z.strictObject({
  field: ruleFieldSchema,
  op: z.enum(COMPARISON_OPS),
  value: z.union([scalarSchema, z.array(scalarSchema).min(1).max(MAX_LIST_VALUES)], {
    error: 'must be a string, number or boolean, or a non-empty array of them',
  }),
});

export const aggregateSchema = z.strictObject({
  aggregate: z.enum(AGGREGATE_FUNCTIONS),
  field: z.enum(['amount_minor', ...DISTINCT_FIELDS]).optional(),
  window: z.string().regex(DURATION, 'must be a duration such as "10m", "1h" or "24h" (s, m, h or d)'),
  group_by: z.enum(GROUP_BY_KEYS),
  op: z.enum(AGGREGATE_OPS),
  value: z.union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    z.string().regex(DIGITS, 'must be a non-negative integer'),
  ]),
});

/** The recursive expression schema (structure only; see `validateRuleDefinition`). */
export const exprSchema: z.ZodType<Expr> = z.union([
  z.strictObject({
    get all() {
      return z.array(exprSchema);
    },
  }),
  z.strictObject({
    get any() {
      return z.array(exprSchema);
    },
  }),
  z.strictObject({
    get not() {
      return exprSchema;
    },
  }),
  comparisonSchema,
  aggregateSchema,
]);

const ruleShape = {
  action: z.enum(RULE_ACTIONS),
  severity: z.enum(RULE_SEVERITIES),
  mode: z.enum(RULE_MODES).default('enforce'),
};

/** The rule definition (structure only; see `validateRuleDefinition`). */
export const ruleDefinitionSchema = z.strictObject({ condition: exprSchema, ...ruleShape });

const ruleShellSchema = z.strictObject({ condition: z.unknown().optional(), ...ruleShape });

// ---------------------------------------------------------------------------------------------
// Validation

interface Context {
  readonly issues: FieldIssue[];
  nodes: number;
}

type ExprKind = 'all' | 'any' | 'not' | 'comparison' | 'aggregate';

/**
 * Validates an untrusted rule definition. Returns the typed definition (with `mode` defaulted to
 * `enforce`) or every issue, each with a path such as `condition.all[1].op`, under `prefix`
 * (the API passes `['rule_definition']`).
 */
export function validateRuleDefinition(
  input: unknown,
  prefix: readonly PathSegment[] = [],
): Validated<RuleDefinition> {
  const ctx: Context = { issues: [], nodes: 0 };
  const shell = ruleShellSchema.safeParse(input);
  if (!shell.success) ctx.issues.push(...issuesFromZod(shell.error.issues, prefix));
  if (isRecord(input)) checkCondition(input.condition, [...prefix, 'condition'], ctx);
  if (!shell.success || ctx.issues.length > 0) return { ok: false, issues: dedupe(ctx.issues) };
  return { ok: true, value: shell.data as RuleDefinition };
}

/** Validates one expression on its own (e.g. a rule-test request). */
export function validateExpr(input: unknown, prefix: readonly PathSegment[] = []): Validated<Expr> {
  const ctx: Context = { issues: [], nodes: 0 };
  checkExpr(input, prefix, 1, ctx);
  return ctx.issues.length > 0
    ? { ok: false, issues: dedupe(ctx.issues) }
    : { ok: true, value: input as Expr };
}

function checkCondition(condition: unknown, path: readonly PathSegment[], ctx: Context): void {
  if (condition === undefined) push(ctx, path, 'is required');
  else checkExpr(condition, path, 1, ctx);
}

function checkExpr(value: unknown, path: readonly PathSegment[], depth: number, ctx: Context): void {
  ctx.nodes += 1;
  if (ctx.nodes > MAX_RULE_NODES) {
    if (ctx.nodes === MAX_RULE_NODES + 1)
      push(ctx, path, `the condition has more than ${MAX_RULE_NODES} nodes`);
    return;
  }
  const kind = classify(value, depth);
  if (typeof kind === 'object') {
    push(ctx, path, kind.problem);
    return;
  }
  CHECKERS[kind](value as Record<string, unknown>, path, depth, ctx);
}

function classify(value: unknown, depth: number): ExprKind | { readonly problem: string } {
  if (depth > MAX_RULE_DEPTH) return { problem: `nesting is deeper than ${MAX_RULE_DEPTH} levels` };
  if (!isRecord(value)) return { problem: EXPECTED_EXPR };
  const kinds = exprKinds(value);
  const [kind] = kinds;
  if (kinds.length === 1 && kind !== undefined) return kind;
  const found = kinds.length === 0 ? '' : ` (found ${kinds.join(', ')})`;
  return { problem: `must have exactly one of all, any, not, field or aggregate${found}` };
}

const EXPECTED_EXPR = 'must be an expression object: {all}, {any}, {not}, a comparison or an aggregate';

function exprKinds(value: Record<string, unknown>): ExprKind[] {
  const kinds: ExprKind[] = (['all', 'any', 'not'] as const).filter((key) => key in value);
  if ('aggregate' in value) kinds.push('aggregate');
  else if ('field' in value) kinds.push('comparison');
  return kinds;
}

type Checker = (
  value: Record<string, unknown>,
  path: readonly PathSegment[],
  depth: number,
  ctx: Context,
) => void;

const CHECKERS: Readonly<Record<ExprKind, Checker>> = {
  all: (value, path, depth, ctx) => {
    checkList(value, 'all', path, { depth, ctx });
  },
  any: (value, path, depth, ctx) => {
    checkList(value, 'any', path, { depth, ctx });
  },
  not: (value, path, depth, ctx) => {
    checkOnlyKey(value, 'not', path, ctx);
    checkExpr(value.not, [...path, 'not'], depth + 1, ctx);
  },
  comparison: (value, path, _depth, ctx) => {
    checkComparison(value, path, ctx);
  },
  aggregate: (value, path, _depth, ctx) => {
    checkAggregate(value, path, ctx);
  },
};

function checkList(
  value: Record<string, unknown>,
  key: 'all' | 'any',
  path: readonly PathSegment[],
  at: { readonly depth: number; readonly ctx: Context },
): void {
  checkOnlyKey(value, key, path, at.ctx);
  const list = value[key];
  if (!Array.isArray(list)) {
    push(at.ctx, [...path, key], 'must be an array of expressions');
    return;
  }
  for (const [index, item] of list.entries()) {
    if (at.ctx.nodes > MAX_RULE_NODES) return;
    checkExpr(item, [...path, key, index], at.depth + 1, at.ctx);
  }
}

function checkOnlyKey(
  value: Record<string, unknown>,
  key: string,
  path: readonly PathSegment[],
  ctx: Context,
): void {
  for (const other of Object.keys(value)) {
    if (other !== key) push(ctx, [...path, other], 'unknown key');
  }
}

function checkComparison(value: Record<string, unknown>, path: readonly PathSegment[], ctx: Context): void {
  const parsed = comparisonSchema.safeParse(value);
  if (!parsed.success) {
    ctx.issues.push(...issuesFromZod(parsed.error.issues, path));
    return;
  }
  const { field, op, value: operand } = parsed.data;
  const kind = fieldKind(field);
  if (FIELD_OPS[kind].has(op)) checkOperand({ kind, op, operand }, [...path, 'value'], ctx);
  else push(ctx, [...path, 'op'], `${op} is not allowed on ${field}`);
}

function checkAggregate(value: Record<string, unknown>, path: readonly PathSegment[], ctx: Context): void {
  const parsed = aggregateSchema.safeParse(value);
  if (!parsed.success) {
    ctx.issues.push(...issuesFromZod(parsed.error.issues, path));
    return;
  }
  const problem = aggregateFieldProblem(parsed.data);
  if (problem !== undefined) push(ctx, [...path, 'field'], problem);
  if (parseDuration(parsed.data.window) > MAX_WINDOW_SECONDS) {
    push(ctx, [...path, 'window'], 'must be at most 30 days');
  }
}

function aggregateFieldProblem(agg: z.output<typeof aggregateSchema>): string | undefined {
  if (agg.aggregate === 'count') return agg.field === undefined ? undefined : 'must be omitted for count';
  if (agg.aggregate === 'sum')
    return agg.field === 'amount_minor' ? undefined : 'must be amount_minor for sum';
  if (agg.field === undefined || agg.field === 'amount_minor') {
    return `must be one of ${DISTINCT_FIELDS.join(', ')} for distinct`;
  }
  return agg.field === agg.group_by ? 'must differ from group_by' : undefined;
}

/** `"10m"` → 600. Throws a `RangeError` on a malformed duration (validate first). */
export function parseDuration(window: string): number {
  const match = DURATION.exec(window);
  if (match === null) throw new RangeError(`not a duration: ${window}`);
  const [, count = '0', unit = 's'] = match;
  return Number(count) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

// ---------------------------------------------------------------------------------------------
// Which operators and values fit which field

export type FieldKind = 'integer' | 'currency' | 'state' | 'country' | 'text' | 'metadata';

export function fieldKind(field: RuleField): FieldKind {
  if (field.startsWith('metadata.')) return 'metadata';
  return BASE_FIELD_KIND[field as RuleBaseField];
}

const BASE_FIELD_KIND: Readonly<Record<RuleBaseField, FieldKind>> = {
  amount_minor: 'integer',
  currency: 'currency',
  merchant_id: 'text',
  payer_id: 'text',
  state: 'state',
  card_fingerprint: 'text',
  country: 'country',
};

const EQUALITY: readonly ComparisonOp[] = ['eq', 'ne', 'in', 'not_in'];
const ORDERING: readonly ComparisonOp[] = ['gt', 'gte', 'lt', 'lte'];
const TEXT: readonly ComparisonOp[] = ['contains', 'starts_with'];

const FIELD_OPS: Readonly<Record<FieldKind, ReadonlySet<ComparisonOp>>> = {
  integer: new Set([...EQUALITY, ...ORDERING]),
  currency: new Set(EQUALITY),
  state: new Set(EQUALITY),
  country: new Set(EQUALITY),
  text: new Set([...EQUALITY, ...TEXT]),
  metadata: new Set(COMPARISON_OPS),
};

const COUNTRY = /^[A-Z]{2}$/;

interface Operand {
  readonly kind: FieldKind;
  readonly op: ComparisonOp;
  readonly operand: Scalar | readonly Scalar[];
}

function checkOperand({ kind, op, operand }: Operand, path: readonly PathSegment[], ctx: Context): void {
  const wantsList = op === 'in' || op === 'not_in';
  if (isScalarList(operand) !== wantsList) {
    push(ctx, path, wantsList ? `must be an array for ${op}` : `must be a single value for ${op}`);
    return;
  }
  const items = isScalarList(operand) ? operand : [operand];
  for (const [index, item] of items.entries()) {
    const problem = scalarProblem(kind, op, item);
    if (problem !== undefined) push(ctx, wantsList ? [...path, index] : path, problem);
  }
}

export function isScalarList(value: Scalar | readonly Scalar[]): value is readonly Scalar[] {
  return Array.isArray(value);
}

function scalarProblem(kind: FieldKind, op: ComparisonOp, value: Scalar): string | undefined {
  if (kind === 'metadata') return metadataProblem(op, value);
  return SCALAR_CHECKS[kind](value);
}

function metadataProblem(op: ComparisonOp, value: Scalar): string | undefined {
  if (ORDERING.includes(op)) return typeof value === 'number' ? undefined : `must be a number for ${op}`;
  if (TEXT.includes(op)) return typeof value === 'string' ? undefined : `must be a string for ${op}`;
  return undefined;
}

const SCALAR_CHECKS: Readonly<Record<Exclude<FieldKind, 'metadata'>, (value: Scalar) => string | undefined>> =
  {
    integer: (v) => (isMinorInteger(v) ? undefined : 'must be a non-negative integer (minor units)'),
    currency: (v) => (isCurrencyCode(v) ? undefined : 'must be an ISO 4217 currency code'),
    state: (v) => (isPaymentState(v) ? undefined : 'must be a payment state'),
    country: (v) =>
      typeof v === 'string' && COUNTRY.test(v) ? undefined : 'must be an ISO 3166-1 alpha-2 code',
    text: (v) => (typeof v === 'string' ? undefined : 'must be a string'),
  };

function isMinorInteger(value: Scalar): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0;
  return typeof value === 'string' && DIGITS.test(value);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function push(ctx: Context, path: readonly PathSegment[], message: string): void {
  ctx.issues.push({ field: formatPath(path), message });
}

function dedupe(issues: readonly FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * A zod schema that runs `validateRuleDefinition`, for embedding in request bodies:
 * `z.object({ name: z.string(), rule_definition: ruleDefinitionInputSchema })` reports
 * `rule_definition.condition.all[1].op`. (For JSON Schema / OpenAPI use `ruleDefinitionSchema`.)
 */
export const ruleDefinitionInputSchema = z.unknown().transform((input, ctx): RuleDefinition => {
  const result = validateRuleDefinition(input);
  if (result.ok) return result.value;
  for (const issue of result.issues) {
    ctx.addIssue({ code: 'custom', message: issue.message, path: pathFromField(issue.field) });
  }
  return z.NEVER;
});

/** Inverse of `formatPath` for the paths this module produces. */
function pathFromField(field: string): PathSegment[] {
  const path: PathSegment[] = [];
  for (const match of field.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    const [, name, index, quoted] = match;
    if (name !== undefined) path.push(name);
    else if (index !== undefined) path.push(Number(index));
    else if (quoted !== undefined) path.push(JSON.parse(quoted) as string);
  }
  return path;
}
