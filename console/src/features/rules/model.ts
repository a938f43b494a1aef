// The rule language as the builder edits it (api/src/domain/rules-schema.ts is the authority;
// the API's validator checks every draft as it is typed, this only offers the choices that fit):
//   expr := {all: [expr]} | {any: [expr]} | {not: expr} | {field, op, value}
//         | {aggregate, field?, window, group_by, op, value}
// and paths in the API's notation (`rule_definition.condition.all[1].op`), so that an issue the
// validator reports lands on the control that caused it.

export type Scalar = string | number | boolean;
export interface Comparison {
  field: string;
  op: string;
  value: Scalar | Scalar[];
}
export interface Aggregate {
  aggregate: 'count' | 'sum' | 'distinct';
  field?: string;
  window: string;
  group_by: string;
  op: string;
  value: number | string;
}
export type Expr = { all: Expr[] } | { any: Expr[] } | { not: Expr } | Comparison | Aggregate;

export interface Definition {
  condition: unknown;
  action: string;
  severity: string;
  mode: string;
}

export const BASE_FIELDS = [
  ['amount_minor', 'Amount (minor units)'],
  ['currency', 'Currency'],
  ['merchant_id', 'Merchant'],
  ['payer_id', 'Payer'],
  ['state', 'State'],
  ['card_fingerprint', 'Card fingerprint'],
  ['country', 'Country'],
] as const;

export const OP_LABELS: Readonly<Record<string, string>> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  starts_with: 'starts with',
};

const EQUALITY = ['eq', 'ne', 'in', 'not_in'];
const ORDERING = ['gt', 'gte', 'lt', 'lte'];
const TEXT = ['contains', 'starts_with'];

/** Which operators fit a field (the validator's FIELD_OPS). */
export function opsFor(field: string): string[] {
  if (field.startsWith('metadata.')) return [...EQUALITY, ...ORDERING, ...TEXT];
  if (field === 'amount_minor') return [...EQUALITY, ...ORDERING];
  if (field === 'merchant_id' || field === 'payer_id' || field === 'card_fingerprint')
    return [...EQUALITY, ...TEXT];
  return EQUALITY;
}

export const isList = (op: string): boolean => op === 'in' || op === 'not_in';

export const AGGREGATES = [
  ['count', 'Count of payments'],
  ['sum', 'Sum of amounts'],
  ['distinct', 'Distinct values of'],
] as const;
export const AGGREGATE_OPS = ['gte', 'gt', 'eq', 'ne', 'lt', 'lte'];
export const GROUP_BY = [
  ['payer_id', 'payer'],
  ['merchant_id', 'merchant'],
  ['card_fingerprint', 'card fingerprint'],
] as const;
export const DISTINCT_FIELDS = [
  ['payer_id', 'payers'],
  ['merchant_id', 'merchants'],
  ['card_fingerprint', 'card fingerprints'],
  ['country', 'countries'],
  ['currency', 'currencies'],
] as const;
export const UNITS = [
  ['m', 'minutes'],
  ['h', 'hours'],
  ['d', 'days'],
  ['s', 'seconds'],
] as const;

export const ACTIONS = ['alert', 'flag', 'hold', 'decline'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

export const kindOf = (e: unknown): 'all' | 'any' | 'not' | 'aggregate' | 'comparison' | 'unknown' => {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return 'unknown';
  if ('all' in e && Array.isArray(e.all)) return 'all';
  if ('any' in e && Array.isArray(e.any)) return 'any';
  if ('not' in e) return 'not';
  if ('aggregate' in e) return 'aggregate';
  if ('field' in e) return 'comparison';
  return 'unknown';
};

export const newComparison = (): Comparison => ({ field: 'amount_minor', op: 'gt', value: 100_000 });
export const newAggregate = (): Aggregate => ({
  aggregate: 'count',
  window: '10m',
  group_by: 'payer_id',
  op: 'gte',
  value: 5,
});

/** A sensible value when the field or operator changes, so the draft stays close to valid. */
export function defaultValue(field: string, op: string): Scalar | Scalar[] {
  const one: Scalar =
    field === 'amount_minor'
      ? 100_000
      : field === 'currency'
        ? 'USD'
        : field === 'country'
          ? 'US'
          : field === 'state'
            ? 'captured'
            : ORDERING.includes(op)
              ? 0
              : '';
  return isList(op) ? [one] : one;
}

/** `10m` → {count: 10, unit: 'm'}. */
export function splitWindow(window: string): { count: string; unit: string } {
  const m = /^(\d*)([smhd]?)$/.exec(window);
  const unit = m?.[2] ?? '';
  return { count: m?.[1] ?? '', unit: unit === '' ? 'm' : unit };
}

/** Text of a list operand (`USD, EUR`) and back; numbers stay numbers for amount and ordering. */
export function listText(value: Scalar | Scalar[]): string {
  return (Array.isArray(value) ? value : [value]).map(String).join(', ');
}

export function parseScalar(text: string, numeric: boolean): Scalar {
  const t = text.trim();
  if (numeric && /^-?\d+(\.\d+)?$/.test(t)) {
    const n = Number(t);
    return Number.isSafeInteger(n) || !Number.isInteger(n) ? n : t;
  }
  return text;
}

export function parseList(text: string, numeric: boolean): Scalar[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseScalar(s, numeric));
}

// ---------------------------------------------------------------------------------------------
// Paths and issues

export interface Issue {
  field: string;
  message: string;
}

export const ROOT = 'rule_definition.condition';

export const childPath = (path: string, key: string, index?: number): string =>
  index === undefined ? `${path}.${key}` : `${path}.${key}[${String(index)}]`;

/** Issues on this node itself or one of its own keys (`path`, `path.op`), not its children's. */
export function ownIssues(issues: readonly Issue[], path: string): Issue[] {
  return issues.filter((i) => i.field === path || new RegExp(`^${escape(path)}\\.[a-z_]+$`).test(i.field));
}

export function issueAt(issues: readonly Issue[], path: string): string | undefined {
  return issues.find((i) => i.field === path)?.message;
}

/** Issues inside a value list (`path.value[2]`) read as one message for the list input. */
export function valueIssue(issues: readonly Issue[], path: string): string | undefined {
  const direct = issueAt(issues, `${path}.value`);
  if (direct) return direct;
  const item = issues.find((i) => i.field.startsWith(`${path}.value[`));
  return item ? `${item.field.slice(path.length + 1)}: ${item.message}` : undefined;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `rule_definition.condition.all[1].op` → ['rule_definition', 'condition', 'all', 1, 'op']. */
export function segments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(`"${m[3]}"`) as string);
  }
  return out;
}

interface Span {
  start: number;
  end: number;
}

/** Walks a JSON text by hand, keeping offsets (JSON.parse forgets where things were). */
class Scanner {
  i = 0;
  private readonly text: string;
  private readonly path: readonly (string | number)[];

  constructor(text: string, path: readonly (string | number)[]) {
    this.text = text;
    this.path = path;
  }

  private ch(): string {
    return this.text[this.i] ?? '';
  }

  ws(): void {
    while (this.i < this.text.length && /\s/.test(this.ch())) this.i++;
  }

  str(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.text.length && this.ch() !== '"') this.i += this.ch() === '\\' ? 2 : 1;
    this.i++;
    return JSON.parse(this.text.slice(start, this.i)) as string;
  }

  skip(): void {
    this.ws();
    const c = this.ch();
    if (c === '"') this.str();
    else if (c === '{' || c === '[') this.skipContainer(c === '{');
    else while (this.i < this.text.length && !/[\s,\]}]/.test(this.ch())) this.i++;
  }

  private skipContainer(object: boolean): void {
    const close = object ? '}' : ']';
    this.i++;
    this.ws();
    while (this.i < this.text.length && this.ch() !== close) {
      if (object) {
        this.ws();
        this.str();
        this.ws();
        this.i++;
      }
      this.skip();
      this.ws();
      if (this.ch() === ',') this.i++;
      this.ws();
    }
    this.i++;
  }

  find(depth: number): Span | undefined {
    this.ws();
    const start = this.i;
    if (depth === this.path.length) {
      this.skip();
      return { start, end: this.i };
    }
    const want = this.path[depth];
    if (this.ch() === '{' && typeof want === 'string') return this.inObject(want, depth);
    if (this.ch() === '[' && typeof want === 'number') return this.inArray(want, depth);
    return undefined;
  }

  private inObject(want: string, depth: number): Span | undefined {
    this.i++;
    for (;;) {
      this.ws();
      if (this.ch() !== '"') return undefined;
      const key = this.str();
      this.ws();
      this.i++;
      if (key === want) return this.find(depth + 1);
      this.skip();
      this.ws();
      if (this.ch() !== ',') return undefined;
      this.i++;
    }
  }

  private inArray(want: number, depth: number): Span | undefined {
    this.i++;
    for (let n = 0; this.i < this.text.length; n++) {
      this.ws();
      if (this.ch() === ']') return undefined;
      if (n === want) return this.find(depth + 1);
      this.skip();
      this.ws();
      if (this.ch() === ',') this.i++;
    }
    return undefined;
  }
}

/**
 * Where a path is in a JSON text: the offsets of the value at `path`, found by scanning the text
 * as written, so it points at what the person typed. A path that is not in the text (a missing
 * key) points at the nearest enclosing value that is.
 */
export function locate(text: string, path: readonly (string | number)[]): Span | undefined {
  for (let n = path.length; n >= 0; n--) {
    try {
      const found = new Scanner(text, path.slice(0, n)).find(0);
      if (found) return found;
    } catch {
      // Not JSON (yet): nothing to point at.
      return undefined;
    }
  }
  return undefined;
}

/** The line (1-based) of an offset. */
export function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') n++;
  return n;
}

// ---------------------------------------------------------------------------------------------
// Reading a definition as text

const field = (f: string): string =>
  f.startsWith('metadata.') ? `metadata “${f.slice(9)}”` : (BASE_FIELDS.find(([k]) => k === f)?.[1] ?? f);

function describeAggregate(a: Aggregate): string {
  const what =
    a.aggregate === 'count'
      ? 'count of payments'
      : a.aggregate === 'sum'
        ? 'sum of amounts'
        : `distinct ${DISTINCT_FIELDS.find(([k]) => k === a.field)?.[1] ?? String(a.field)}`;
  const by = GROUP_BY.find(([k]) => k === a.group_by)?.[1] ?? a.group_by;
  return `${what} per ${by} over ${a.window} ${OP_LABELS[a.op] ?? a.op} ${String(a.value)}`;
}

/** One line a person reads: `count of payments per payer over 10m ≥ 5`. */
export function describe(e: unknown): string {
  const kind = kindOf(e);
  if (kind === 'all' || kind === 'any') {
    const list = (e as Record<string, Expr[]>)[kind] ?? [];
    if (list.length === 0) return kind === 'all' ? 'always' : 'never';
    if (list.length === 1) return describe(list[0]);
    return list.map((c) => `(${describe(c)})`).join(kind === 'all' ? ' and ' : ' or ');
  }
  if (kind === 'not') return `not (${describe((e as { not: Expr }).not)})`;
  if (kind === 'aggregate') return describeAggregate(e as Aggregate);
  if (kind === 'comparison') {
    const c = e as Comparison;
    return `${field(c.field)} ${OP_LABELS[c.op] ?? c.op} ${listText(c.value)}`;
  }
  return JSON.stringify(e);
}
