// A backtest streamed through the worker: for a rule whose aggregates all group by one key
// (payer, merchant or card), PostgreSQL reads the slice's payments once in (group, created_at)
// order from that key's index and sends them with binary COPY (copy-out.ts). Each comparison leaf
// of the rule arrives evaluated by the database as one bit of a mask (the SQL rules-sql.ts
// compiles, so the same semantics); the worker computes the windowed aggregates over each group's
// rows with two pointers and evaluates the rule's all / any / not over the bits and the values.
// That costs one ordered read of the rows plus a few steps per payment, where window functions in
// the database cost several times that (test/bench/rules.bench.ts prints both).
//
// The aggregates are those of rules-sql.ts and the live evaluator: for the payment at t, the
// group's payments with t - w < created_at <= t (the payment itself and every payment at the
// same instant included); `sum` over the payments in the payment's own currency; `distinct`
// counting the field's non-null values. A payment without a group value (no card) has no
// aggregates: every aggregate condition on it is false. Sums are exact: in doubles while they
// stay below 2^53, else again for that group in BigInt. When a sum reads the amounts anyway,
// comparisons on the amount are evaluated here instead of sent as bits.
//
// A row carries no payment id (sending it cost as much as the rest of the row): the earliest hits
// are kept by time, and their ids read again afterwards by group value and time (resolveHits).
// A payment's label (its alert resolved as fraud or false positive, else a chargeback) is not sent
// with the rows: the window's labelled payments are read once per chunk and matched to the rows
// (backtest-labels.ts). The query runs without JIT compilation, which cost more than it saved.
//
// A slice is a range of group values, (lo, hi], read from the key's index; the payments without
// one are a slice of their own. The bounds come from a sample of the window's group values,
// chosen once per job.
import type pg from 'pg';
import {
  aggregateSpec,
  compileRule,
  isScalarList,
  type AggregateCondition,
  type AggregateSpec,
  type Comparison,
  type CompiledRule,
  type Expr,
  type GroupByKey,
} from '@payflow/api/domain';
import {
  assignLabels,
  CHARGEBACK,
  CONFIRMED_FRAUD,
  currencyCode,
  FALSE_POSITIVE,
  loadLabels,
  type LabelEntry,
  type LabelIndex,
  type Labels,
  type PaymentLabel,
} from './backtest-labels.ts';
import { copyOut, uint32 } from './copy-out.ts';

/** Most comparison leaves a streamed rule may send (one bit each of an int4 mask). */
const MAX_LEAVES = 31;
/** Microseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000;
const DAY_US = 86_400_000_000;
const TWO_32 = 4_294_967_296;

type AggValue = number | bigint;

interface StreamAggregate {
  readonly spec: AggregateSpec;
  /** The column name rules-sql.ts gives it (`agg_0`, …): examples report values under it. */
  readonly column: string;
  readonly windowUs: number;
  /** For `distinct`: which of the plan's distinct columns it counts. */
  readonly distinctField?: number | undefined;
}

/** A payment as the rule sees it: leaf bits, aggregate values, group value present, amount. */
type Test = (
  bits: number,
  value: (aggregate: number) => AggValue,
  present: boolean,
  amount: AggValue,
) => boolean;

/** A rule as the stream evaluates it. */
export interface StreamPlan {
  readonly groupBy: GroupByKey;
  readonly lookbackSeconds: number;
  /** SQL booleans (literals inlined) sent as bits of the mask. */
  readonly leaves: readonly string[];
  readonly aggregates: readonly StreamAggregate[];
  /** Text columns read for `distinct`. */
  readonly distinctColumns: readonly string[];
  /** Amounts and currencies are read (a sum needs them). */
  readonly needsAmounts: boolean;
  readonly test: Test;
}

const DISTINCT_COLUMNS: Readonly<Record<string, string>> = {
  payer_id: 'payer_id',
  merchant_id: 'merchant_id',
  card_fingerprint: 'card_fingerprint',
  country: 'country',
  currency: 'currency',
};

/* eslint-disable eqeqeq -- a number against a bigint compares exactly with == */
const eq = (a: AggValue, b: AggValue): boolean => a == b;
const COMPARE: Readonly<Record<string, (a: AggValue, b: AggValue) => boolean>> = {
  eq,
  ne: (a, b) => a != b,
  gt: (a, b) => a > b,
  gte: (a, b) => a >= b,
  lt: (a, b) => a < b,
  lte: (a, b) => a <= b,
};
const NEVER = (): boolean => false;
/* eslint-enable eqeqeq */

/** A bind parameter of compiled SQL as a literal (COPY takes no parameters). */
function literal(client: pg.ClientBase, value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
    return client.escapeLiteral(`{${items.join(',')}}`);
  }
  return client.escapeLiteral(String(value));
}

function inline(client: pg.ClientBase, c: CompiledRule): string {
  return c.predicate.replace(/\$(\d+)/g, (_match, n: string) => literal(client, c.params[Number(n) - 1]));
}

/** A bound as a number when doubles hold it exactly, else as a bigint. */
function bound(value: number | string): AggValue {
  const big = BigInt(value);
  const small = Number(big);
  return Number.isSafeInteger(small) ? small : big;
}

/** A comparison on the amount (validated: non-negative integers), exactly, over the amount read. */
function amountTest(c: Comparison): Test {
  const list = (isScalarList(c.value) ? c.value : [c.value]).map((v) => bound(String(v)));
  if (c.op === 'in' || c.op === 'not_in') {
    const wanted = c.op === 'in';
    return (_b, _v, _g, m) => list.some((x) => eq(m, x)) === wanted;
  }
  const cmp = COMPARE[c.op] ?? NEVER;
  const first = list[0] ?? 0;
  return (_b, _v, _g, m) => cmp(m, first);
}

function aggregateTest(e: AggregateCondition, j: number): Test {
  const cmp = COMPARE[e.op] ?? NEVER;
  const b = bound(e.value);
  return (_b, v, g) => g && cmp(v(j), b);
}

// All and any of a list of tests, as loops (a callback per payment would be one allocation each).
const allOf =
  (parts: readonly Test[]): Test =>
  (b, v, g, m) => {
    for (const p of parts) if (!p(b, v, g, m)) return false;
    return true;
  };

const anyOf =
  (parts: readonly Test[]): Test =>
  (b, v, g, m) => {
    for (const p of parts) if (p(b, v, g, m)) return true;
    return false;
  };

class PlanBuilder {
  readonly leaves: string[] = [];
  readonly distinctColumns: string[] = [];
  readonly aggregates: StreamAggregate[];
  readonly needsAmounts: boolean;
  private readonly index: Map<string, number>;
  private readonly client: pg.ClientBase;

  constructor(client: pg.ClientBase, compiled: CompiledRule) {
    this.client = client;
    this.aggregates = compiled.aggregates.map(({ spec, column }) => ({
      spec,
      column,
      windowUs: spec.windowSeconds * 1_000_000,
      distinctField: spec.fn === 'distinct' ? this.distinctColumn(spec) : undefined,
    }));
    this.index = new Map(compiled.aggregates.map((a, i) => [a.spec.key, i]));
    this.needsAmounts = this.aggregates.some((a) => a.spec.fn === 'sum');
  }

  private distinctColumn(spec: AggregateSpec): number {
    const col = DISTINCT_COLUMNS[spec.field ?? ''] ?? 'payer_id';
    const at = this.distinctColumns.indexOf(col);
    return at >= 0 ? at : this.distinctColumns.push(col) - 1;
  }

  /** The test of an expression, or undefined when its leaves do not fit the mask. */
  build(e: Expr): Test | undefined {
    if ('aggregate' in e) return aggregateTest(e, this.index.get(aggregateSpec(e).key) ?? -1);
    if ('field' in e) return this.needsAmounts && e.field === 'amount_minor' ? amountTest(e) : this.leaf(e);
    return this.compound(e);
  }

  private compound(e: Exclude<Expr, Comparison | AggregateCondition>): Test | undefined {
    if ('all' in e) {
      const parts = this.all(e.all);
      return parts && allOf(parts);
    }
    if ('any' in e) {
      const parts = this.all(e.any);
      return parts && anyOf(parts);
    }
    const inner = this.build(e.not);
    return inner && ((b, v, g, m) => !inner(b, v, g, m));
  }

  private all(list: readonly Expr[]): Test[] | undefined {
    const parts: Test[] = [];
    for (const c of list) {
      const t = this.build(c);
      if (!t) return undefined;
      parts.push(t);
    }
    return parts;
  }

  private leaf(e: Comparison): Test | undefined {
    if (this.leaves.length >= MAX_LEAVES) return undefined;
    const bit = 1 << this.leaves.length;
    this.leaves.push(inline(this.client, compileRule(e, { first: 1, row: 'p' })));
    return (b) => (b & bit) !== 0;
  }
}

/**
 * The stream's plan for a rule, or undefined when the rule has no aggregates, groups them by more
 * than one key or has more comparison leaves than the mask holds (those run in SQL time slices).
 */
export function streamPlan(client: pg.ClientBase, expr: Expr): StreamPlan | undefined {
  const compiled = compileRule(expr, { first: 1, row: 'p' });
  const groups = new Set(compiled.aggregates.map((a) => a.spec.groupBy));
  const [groupBy] = groups;
  if (groups.size !== 1 || groupBy === undefined) return undefined;
  const b = new PlanBuilder(client, compiled);
  const test = b.build(expr);
  if (!test) return undefined;
  return {
    groupBy,
    lookbackSeconds: compiled.lookbackSeconds,
    leaves: b.leaves,
    aggregates: b.aggregates,
    distinctColumns: b.distinctColumns,
    needsAmounts: b.needsAmounts,
    test,
  };
}

/** A hit kept as an example candidate. */
export interface StreamHit {
  readonly id: string;
  /** Microseconds since the Unix epoch. */
  readonly us: number;
  readonly label: PaymentLabel | null;
  /** Aggregate values by column (`agg_0`, …), as text. */
  readonly aggs: Record<string, string>;
}

export interface StreamSliceResult {
  processed: number;
  hits: number;
  days: Record<string, number>;
  tp: number;
  fp: number;
  fn: number;
  /** Of the fraud among the payments (hit or missed), how many are known by a chargeback alone. */
  cb: number;
  /** The earliest hits by (created_at, id), at most `keep`. */
  first: StreamHit[];
  /** Every hit's id, when asked for (tests). */
  all?: string[];
}

export interface StreamSlice {
  readonly from: Date;
  readonly to: Date;
  /** Group values after lo and up to hi; undefined: unbounded. */
  readonly lo?: string | undefined;
  readonly hi?: string | undefined;
  /** The payments without a group value instead. */
  readonly missing?: boolean;
}

/** The group keys a payment may lack (the others are NOT NULL columns). */
const NULLABLE_GROUPS: ReadonlySet<GroupByKey> = new Set(['card_fingerprint']);

/** How many slices `bounds` make: the ranges between them, and the payments without a group value. */
export function sliceCount(plan: StreamPlan, bounds: readonly string[]): number {
  return bounds.length + 1 + (NULLABLE_GROUPS.has(plan.groupBy) ? 1 : 0);
}

/** Slice i of the range for `bounds`. */
export function sliceAt(
  plan: StreamPlan,
  range: { from: Date; to: Date },
  bounds: readonly string[],
  i: number,
): StreamSlice {
  if (i > bounds.length) return { ...range, missing: true };
  return { ...range, lo: i > 0 ? bounds[i - 1] : undefined, hi: i < bounds.length ? bounds[i] : undefined };
}

/** Exact microsecond ISO text of a timestamp (µs since the Unix epoch). */
export function isoMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, 23)}${String(us - ms * 1000).padStart(3, '0')}Z`;
}

const usOf = (d: Date): number => d.getTime() * 1000;

/** The leaves' bits as one SQL int4. */
const maskSql = (plan: StreamPlan): string =>
  plan.leaves.map((l, i) => `(case when ${l} then ${String(1 << i)} else 0 end)`).join(' | ');

/** The slice's conditions on `p`: created in [sinceUs, to), of its group values. */
function sliceWhere(client: pg.ClientBase, plan: StreamPlan, s: StreamSlice, sinceUs: number): string[] {
  const g = `p.${plan.groupBy}`;
  const where = [
    `p.created_at >= ${client.escapeLiteral(isoMicros(sinceUs))}::timestamptz`,
    `p.created_at < ${client.escapeLiteral(s.to.toISOString())}::timestamptz`,
  ];
  if (s.missing) return [...where, `${g} is null`];
  if (s.lo !== undefined) where.push(`${g} > ${client.escapeLiteral(s.lo)}`);
  if (s.hi !== undefined) where.push(`${g} <= ${client.escapeLiteral(s.hi)}`);
  if (NULLABLE_GROUPS.has(plan.groupBy)) where.push(`${g} is not null`);
  return where;
}

/** The COPY statement that streams a slice's rows (test/bench/rules.bench.ts sends it alone too). */
export function copySql(client: pg.ClientBase, plan: StreamPlan, s: StreamSlice): string {
  const g = `p.${plan.groupBy}`;
  const cols = ['p.created_at', g];
  if (plan.needsAmounts) cols.push('p.amount_minor', 'p.currency');
  for (const c of plan.distinctColumns) cols.push(`p.${c}`);
  if (plan.leaves.length > 0) cols.push(maskSql(plan));
  const where = sliceWhere(client, plan, s, usOf(s.from) - plan.lookbackSeconds * 1_000_000);
  const select = `select ${cols.join(', ')} from payments p where ${where.join(' and ')}`;
  // The payments without a group value are one group: no order needed.
  return `copy (${select}${s.missing ? '' : ` order by ${g}, p.created_at`}) to stdout (format binary)`;
}

// Element i of an array the loops keep in bounds (0 past its end): one accessor per array type,
// so each access site sees one kind of array.
const byte = (a: Buffer, i: number): number => a[i] ?? 0;
const f64 = (a: Float64Array, i: number): number => a[i] ?? 0;
const i32 = (a: Int32Array, i: number): number => a[i] ?? 0;
const int32 = (b: Buffer, o: number): number => uint32(b, o) | 0;
const int64 = (b: Buffer, o: number): number => int32(b, o) * TWO_32 + uint32(b, o + 4);

const twice = <T extends Float64Array | Int32Array>(a: T): T => {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
};

/** One group's rows (a payment without a group value: the group of those). */
class GroupRows {
  ts = new Float64Array(1024);
  amount = new Float64Array(1024);
  currency = new Int32Array(1024);
  bits = new Int32Array(1024);
  /** The group value's bytes; length -1: the payments without one. */
  group = Buffer.alloc(256);
  groupLength = -1;
  /** The group's currencies. */
  readonly currencies: number[] = [];
  readonly distinct: (string | null)[][];
  /** Amounts beyond 2^53 by row, exactly. */
  readonly big = new Map<number, bigint>();
  n = 0;

  constructor(distinctColumns: number) {
    this.distinct = Array.from({ length: distinctColumns }, () => []);
  }

  /** A new row with its time; returns its index. */
  add(buf: Buffer, ts: number): number {
    if (this.n === this.ts.length) this.grow();
    const i = this.n++;
    this.ts[i] = int64(buf, ts);
    return i;
  }

  amountAt(buf: Buffer, i: number, amountAt: number, currencyAt: number): void {
    const amount = int64(buf, amountAt);
    this.amount[i] = amount;
    if (!Number.isSafeInteger(amount)) this.big.set(i, buf.readBigInt64BE(amountAt));
    const c = byte(buf, currencyAt) * 65_536 + byte(buf, currencyAt + 1) * 256 + byte(buf, currencyAt + 2);
    this.currency[i] = c;
    if (!this.currencies.includes(c)) this.currencies.push(c);
  }

  exactAmount(i: number): AggValue {
    return this.big.get(i) ?? f64(this.amount, i);
  }

  /** The group value as text; null for the payments without one. */
  groupText(): string | null {
    return this.groupLength < 0 ? null : this.group.toString('utf8', 0, this.groupLength);
  }

  /** Starts the next group (its value's bytes, or none) with no rows. */
  enter(buf: Buffer, start: number, length: number): void {
    this.clear();
    if (length > this.group.length) this.group = Buffer.alloc(length * 2);
    if (length > 0) buf.copy(this.group, 0, start, start + length);
    this.groupLength = length;
  }

  /** Whether bytes [start, start + length) of buf are this group's value (length -1: none). */
  is(buf: Buffer, start: number, length: number): boolean {
    if (length !== this.groupLength) return false;
    const { group } = this;
    for (let k = 0; k < length; k++) if (buf[start + k] !== group[k]) return false;
    return true;
  }

  private clear(): void {
    this.n = 0;
    if (this.currencies.length > 0) this.currencies.length = 0;
    if (this.big.size > 0) this.big.clear();
    for (const d of this.distinct) d.length = 0;
  }

  private grow(): void {
    this.ts = twice(this.ts);
    this.amount = twice(this.amount);
    this.currency = twice(this.currency);
    this.bits = twice(this.bits);
  }
}

/** Window sums over the rows in currency c, in doubles; false when one left the exact range. */
function sumsOf(rows: GroupRows, c: number, windowUs: number, out: AggValue[]): boolean {
  const { n, ts, amount, currency } = rows;
  let lo = 0;
  let hi = -1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (currency[i] !== c) continue;
    const t = f64(ts, i);
    for (; hi + 1 < n && f64(ts, hi + 1) <= t; hi++) if (currency[hi + 1] === c) sum += f64(amount, hi + 1);
    for (; f64(ts, lo) <= t - windowUs; lo++) if (currency[lo] === c) sum -= f64(amount, lo);
    out[i] = sum;
  }
  // Exact while every partial sum is: amounts are positive, so each is at most the total, and the
  // total summed in doubles stays a safe integer only while it is one.
  return rows.big.size === 0 && Number.isSafeInteger(totalOf(rows, c));
}

function totalOf(rows: GroupRows, c: number): number {
  let total = 0;
  for (let i = 0; i < rows.n; i++) if (rows.currency[i] === c) total += f64(rows.amount, i);
  return total;
}

/** The same in BigInt. */
function bigSumsOf(rows: GroupRows, c: number, windowUs: number, out: AggValue[]): void {
  const { n, ts, currency } = rows;
  const amount = (k: number): bigint => (currency[k] === c ? BigInt(rows.exactAmount(k)) : 0n);
  let lo = 0;
  let hi = -1;
  let sum = 0n;
  for (let i = 0; i < n; i++) {
    if (currency[i] !== c) continue;
    const t = f64(ts, i);
    for (; hi + 1 < n && f64(ts, hi + 1) <= t; hi++) sum += amount(hi + 1);
    for (; f64(ts, lo) <= t - windowUs; lo++) sum -= amount(lo);
    out[i] = sum;
  }
}

/** Sliding sums of amounts in the payment's own currency over the window, per row. */
function sums(rows: GroupRows, windowUs: number, out: AggValue[]): void {
  for (const c of rows.currencies) if (!sumsOf(rows, c, windowUs, out)) bigSumsOf(rows, c, windowUs, out);
}

/** Payments in the window, per row. */
function counts(rows: GroupRows, windowUs: number, out: AggValue[]): void {
  const { n, ts } = rows;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const t = f64(ts, i);
    while (hi + 1 < n && f64(ts, hi + 1) <= t) hi++;
    while (f64(ts, lo) <= t - windowUs) lo++;
    out[i] = hi - lo + 1;
  }
}

/** Distinct non-null values of one column in the window, per row. */
function distincts(
  rows: GroupRows,
  windowUs: number,
  values: readonly (string | null)[],
  out: AggValue[],
): void {
  const { n, ts } = rows;
  const seen = new Map<string, number>();
  const take = (v: string | null, d: number): void => {
    if (v === null) return;
    const left = (seen.get(v) ?? 0) + d;
    if (left === 0) seen.delete(v);
    else seen.set(v, left);
  };
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const t = f64(ts, i);
    while (hi + 1 < n && f64(ts, hi + 1) <= t) take(values[++hi] ?? null, 1);
    while (f64(ts, lo) <= t - windowUs) take(values[lo++] ?? null, -1);
    out[i] = seen.size;
  }
}

/** Whether hit a comes before hit b: by created_at, then id. */
const before = (a: StreamHit, b: StreamHit): boolean => a.us < b.us || (a.us === b.us && a.id < b.id);

/** Inserts a hit into the list of the earliest `keep`, by (created_at, id). */
function keepEarliest(list: StreamHit[], hit: StreamHit, keep: number): void {
  const last = list[list.length - 1];
  if (list.length >= keep) {
    if (!last || !before(hit, last)) return;
    list.pop();
  }
  let k = list.length;
  while (k > 0 && before(hit, list[k - 1] ?? hit)) k--;
  list.splice(k, 0, hit);
}

/** Merges two lists of earliest hits. */
export function mergeEarliest(a: readonly StreamHit[], b: readonly StreamHit[], keep: number): StreamHit[] {
  const out = [...a];
  for (const h of b) keepEarliest(out, h, keep);
  return out.slice(0, keep);
}

/** The labelled payments of the backtest's window, for its slices. */
export function streamLabels(
  client: pg.ClientBase,
  plan: StreamPlan,
  range: { from: Date; to: Date },
): Promise<Labels> {
  return loadLabels(client, {
    group: `p.${plan.groupBy}`,
    mask: plan.leaves.length > 0 ? maskSql(plan) : '0',
    ...range,
    toTs: (us) => us - PG_EPOCH_US,
    bound,
  });
}

export interface StreamOptions {
  /** The labelled payments of the window (streamLabels). */
  readonly labels: Labels;
  /** How many of the earliest hits to keep. */
  readonly keep: number;
  /** Keep every hit's id (tests). */
  readonly all?: boolean;
}

/**
 * A hit as the stream saw it, before its id is known: its group value and time, and what the rule
 * read of it (the bits, and the amount and currency when a sum reads them).
 */
interface StreamedHit {
  readonly group: string | null;
  readonly us: number;
  readonly bits: number;
  readonly amount: AggValue;
  readonly currency: number;
  readonly aggs: Record<string, string>;
}

/** Streamed hits by time, keeping every one up to the time of the keep-th (ties at it included). */
function keepByTime(list: StreamedHit[], hit: StreamedHit, keep: number): void {
  let k = list.length;
  while (k > 0 && hit.us < usAt(list, k - 1)) k--;
  list.splice(k, 0, hit);
  const cut = usAt(list, keep - 1);
  while (list.length > keep && usAt(list, list.length - 1) > cut) list.pop();
}

/** The time of hit k of the list; past its end, later than any. */
const usAt = (list: readonly StreamedHit[], k: number): number => list[k]?.us ?? Infinity;

/** The rule over one slice's rows, as they arrive: per group, aggregates, then each payment. */
class SliceEvaluator {
  readonly out: StreamSliceResult = {
    processed: 0,
    hits: 0,
    days: {},
    tp: 0,
    fp: 0,
    fn: 0,
    cb: 0,
    first: [],
  };
  readonly rows: GroupRows;
  /** The earliest hits (every hit when all are asked for), their ids still to be found. */
  readonly streamed: StreamedHit[] = [];
  present = false;
  /** The labelled payments of the group (undefined: none). */
  labelled: LabelEntry[] | undefined;
  private labelCodes = new Int32Array(64);
  private readonly values: AggValue[][];
  private readonly fromUs: number;
  private readonly dayNames = new Map<number, string>();
  /** The row being evaluated, and its aggregate values. */
  private row = 0;
  private readonly valueAt = (j: number): AggValue => this.values[j]?.[this.row] ?? 0;
  private readonly plan: StreamPlan;
  private readonly opts: StreamOptions;

  constructor(plan: StreamPlan, from: Date, opts: StreamOptions) {
    this.plan = plan;
    this.opts = opts;
    this.rows = new GroupRows(plan.distinctColumns.length);
    this.values = plan.aggregates.map(() => []);
    this.fromUs = usOf(from) - PG_EPOCH_US;
  }

  /** Evaluates the group's payments created in the range. */
  flush(): void {
    const { rows } = this;
    if (this.present) this.aggregate();
    const labels = this.labelled && this.labelCodesOf(this.labelled);
    for (let i = 0; i < rows.n; i++) {
      if (f64(rows.ts, i) < this.fromUs) continue;
      this.out.processed++;
      this.row = i;
      const amount = rows.big.size === 0 ? f64(rows.amount, i) : rows.exactAmount(i);
      const hit = this.plan.test(i32(rows.bits, i), this.valueAt, this.present, amount);
      this.tally(i, hit, amount, labels ? i32(labels, i) : 0);
    }
  }

  /** The label codes of the group's rows, from its labelled payments (in one array, grown as needed). */
  private labelCodesOf(labelled: readonly LabelEntry[]): Int32Array {
    const { rows } = this;
    if (this.labelCodes.length < rows.n) this.labelCodes = new Int32Array(rows.n * 2);
    assignLabels(labelled, rows, this.plan.needsAmounts, this.labelCodes);
    return this.labelCodes;
  }

  private aggregate(): void {
    const { aggregates } = this.plan;
    for (let j = 0; j < aggregates.length; j++) {
      const a = aggregates[j];
      const out = this.values[j];
      if (!a || !out) continue;
      const values = a.distinctField === undefined ? undefined : this.rows.distinct[a.distinctField];
      if (a.spec.fn === 'sum') sums(this.rows, a.windowUs, out);
      else if (values) distincts(this.rows, a.windowUs, values, out);
      else counts(this.rows, a.windowUs, out);
    }
  }

  private tally(i: number, hit: boolean, amount: AggValue, label: number): void {
    const { out } = this;
    const fraud = label === CONFIRMED_FRAUD || label === CHARGEBACK;
    if (label === CHARGEBACK) out.cb++;
    if (!hit) {
      if (fraud) out.fn++;
      return;
    }
    out.hits++;
    if (fraud) out.tp++;
    if (label === FALSE_POSITIVE) out.fp++;
    this.recordHit(i, amount);
  }

  private recordHit(i: number, amount: AggValue): void {
    const { out, rows, streamed } = this;
    const us = f64(rows.ts, i) + PG_EPOCH_US;
    const name = this.dayName(Math.floor(us / DAY_US));
    out.days[name] = (out.days[name] ?? 0) + 1;
    const { keep, all } = this.opts;
    if (all) streamed.push(this.streamedHit(i, us, amount));
    else if (us <= usAt(streamed, keep - 1)) keepByTime(streamed, this.streamedHit(i, us, amount), keep);
  }

  private streamedHit(i: number, us: number, amount: AggValue): StreamedHit {
    const { rows } = this;
    const aggs: Record<string, string> = {};
    if (this.present)
      this.plan.aggregates.forEach((a, j) => (aggs[a.column] = String(this.values[j]?.[i] ?? 0)));
    return {
      group: rows.groupText(),
      us,
      bits: i32(rows.bits, i),
      amount,
      currency: i32(rows.currency, i),
      aggs,
    };
  }

  private dayName(day: number): string {
    let name = this.dayNames.get(day);
    if (name === undefined) {
      name = new Date(day * 86_400_000).toISOString().slice(0, 10);
      this.dayNames.set(day, name);
    }
    return name;
  }
}

/** The columns of a streamed row, in the order copySql selects them. */
interface Layout {
  readonly fields: number;
  /** The leaves' bits are sent (the rule has leaves). */
  readonly mask: boolean;
}

function layoutOf(plan: StreamPlan): Layout {
  const mask = plan.leaves.length > 0;
  const fields = 2 + (plan.needsAmounts ? 2 : 0) + plan.distinctColumns.length + (mask ? 1 : 0);
  return { fields, mask };
}

/**
 * Reads COPY rows into groups and evaluates each group when the next one starts. A row is its
 * field count, then each field's length and bytes: the time and amount (NOT NULL, 8 bytes), the
 * group value, currency and distinct values (any length, -1 for null) and the mask.
 */
class SliceReader {
  private header = true;
  private readonly layout: Layout;
  private readonly plan: StreamPlan;
  private readonly ev: SliceEvaluator;

  private readonly labels: LabelIndex;

  constructor(plan: StreamPlan, ev: SliceEvaluator, labels: LabelIndex) {
    this.plan = plan;
    this.ev = ev;
    this.labels = labels;
    this.layout = layoutOf(plan);
  }

  /** One CopyData payload: the file header first, then tuples. */
  data(buf: Buffer, start: number, end: number): void {
    let o = start;
    if (this.header) {
      // Signature (11 bytes), flags, the header extension's length and the extension.
      o += 19 + int32(buf, o + 15);
      this.header = false;
    }
    const { fields } = this.layout;
    while (o < end) {
      const count = (byte(buf, o) << 8) | byte(buf, o + 1);
      if (count === 0xffff) return;
      if (count !== fields)
        throw new Error(`backtest stream: ${String(count)} fields, expected ${String(fields)}`);
      o = this.row(buf, o + 2);
      if (o > end) throw new Error('backtest stream: a row runs past its message');
    }
  }

  /** The row whose first field is at p; returns the offset after it. */
  private row(buf: Buffer, at: number): number {
    const { rows } = this.ev;
    const ts = at + 4;
    const gl = int32(buf, at + 12);
    const gs = at + 16;
    let p = gs + Math.max(gl, 0);
    this.enterGroup(buf, gs, gl);
    const i = rows.add(buf, ts);
    if (this.plan.needsAmounts) {
      const cl = int32(buf, p + 12);
      rows.amountAt(buf, i, p + 4, p + 16);
      p += 16 + Math.max(cl, 0);
    }
    for (let k = 0; k < this.plan.distinctColumns.length; k++) {
      const l = int32(buf, p);
      rows.distinct[k]?.push(l < 0 ? null : buf.toString('utf8', p + 4, p + 4 + l));
      p += 4 + Math.max(l, 0);
    }
    const { mask } = this.layout;
    rows.bits[i] = mask ? int32(buf, p + 4) : 0;
    return mask ? p + 8 : p;
  }

  /** A row of another group value (or none after some) evaluates the last group first. */
  private enterGroup(buf: Buffer, gs: number, gl: number): void {
    const { rows } = this.ev;
    if (rows.is(buf, gs, gl)) return;
    this.ev.flush();
    rows.enter(buf, gs, gl);
    this.ev.present = gl > 0;
    this.ev.labelled = this.labels.at(buf, gs, gl);
  }
}

/**
 * The ids of streamed hits, read again by group value and time (from the key's index). Payments
 * of one group at one instant are told apart by what the rule read of them: those alike are hits
 * alike. Should one have changed since it was streamed (a field a leaf reads), the payments left
 * at that instant take the hits left, in id order.
 */
async function resolveHits(
  client: pg.ClientBase,
  plan: StreamPlan,
  hits: readonly StreamedHit[],
  labels: ReadonlyMap<string, PaymentLabel>,
): Promise<StreamHit[]> {
  if (hits.length === 0) return [];
  // The hits by instant of a group; each group's first names it in the query.
  const instants = [...Map.groupBy(hits, (h) => `${String(h.us)} ${h.group ?? ''}`).values()];
  const keys = instants.map((list) => list[0]).filter((h) => h !== undefined);
  const g = `p.${plan.groupBy}`;
  const { rows } = await client.query<{
    i: string;
    id: string;
    bits: number;
    amount: string;
    currency: string;
  }>(
    `select k.i, p.id, ${plan.leaves.length > 0 ? maskSql(plan) : '0'} as bits,
            p.amount_minor::text as amount, p.currency::text as currency
       from unnest($1::text[], $2::timestamptz[]) with ordinality k(g, t, i)
       join payments p on p.created_at = k.t and (${g} = k.g or (k.g is null and ${g} is null))
      order by k.i, p.id`,
    [keys.map((h) => h.group), keys.map((h) => isoMicros(h.us))],
  );
  const out: StreamHit[] = [];
  const found = Map.groupBy(rows, (r) => Number(r.i));
  instants.forEach((want, k) => {
    const ids = matchIds(plan, want, found.get(k + 1) ?? []);
    want.forEach((h, j) => {
      const id = ids[j];
      if (id === undefined) return;
      out.push({ id, us: h.us, label: labels.get(id) ?? null, aggs: h.aggs });
    });
  });
  return out.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
}

/** For each streamed hit at one instant, the id of a payment there alike (undefined: none left). */
function matchIds(
  plan: StreamPlan,
  want: readonly StreamedHit[],
  found: readonly { id: string; bits: number; amount: string; currency: string }[],
): (string | undefined)[] {
  const taken = new Set<number>();
  const alike = (h: StreamedHit, r: (typeof found)[number]) =>
    r.bits === h.bits &&
    (!plan.needsAmounts || (eq(bound(r.amount), h.amount) && currencyCode(r.currency) === h.currency));
  const pick = (test: (r: (typeof found)[number]) => boolean): string | undefined => {
    const at = found.findIndex((r, k) => !taken.has(k) && test(r));
    if (at < 0) return undefined;
    taken.add(at);
    return found[at]?.id;
  };
  const ids = want.map((h) => pick((r) => alike(h, r)));
  return ids.map((id) => id ?? pick(() => true));
}

/** Reads one slice and evaluates the rule on its payments created in [from, to). */
export async function streamSlice(
  client: pg.ClientBase,
  plan: StreamPlan,
  slice: StreamSlice,
  opts: StreamOptions,
): Promise<StreamSliceResult> {
  const ev = new SliceEvaluator(plan, slice.from, opts);
  const reader = new SliceReader(plan, ev, opts.labels.index);
  // A plain scan in key order: compiling it (JIT) costs more than it saves.
  await client.query('set jit = off');
  try {
    await copyOut(client, copySql(client, plan, slice), (buf, start, end) => {
      reader.data(buf, start, end);
    });
    ev.flush();
    const hits = await resolveHits(client, plan, ev.streamed, opts.labels.byId);
    const out = { ...ev.out, first: hits.slice(0, opts.keep) };
    return opts.all ? { ...out, all: hits.map((h) => h.id) } : out;
  } finally {
    await client.query('reset jit').catch(() => undefined);
  }
}

/**
 * Bounds for `slices` slices of the window's group values: values splitting a sample of them (at
 * most about 10,000 payments' worth of the table's pages) evenly; fewer when values repeat.
 */
export async function streamBounds(
  client: pg.ClientBase,
  plan: StreamPlan,
  window: { from: Date; to: Date; total: number },
  slices: number,
): Promise<string[]> {
  if (slices <= 1 || window.total <= 0) return [];
  const fractions = Array.from({ length: slices - 1 }, (_, k) => (k + 1) / slices);
  const percent = Math.min(100, (100 * 10_000) / window.total);
  const g = `p.${plan.groupBy}`;
  const { rows } = await client.query<{ b: (string | null)[] | null }>(
    `select percentile_disc($1::float8[]) within group (order by ${g}) as b
       from payments p tablesample system ($2)
      where p.created_at >= $3 and p.created_at < $4 and ${g} is not null`,
    [fractions, percent, window.from, window.to],
  );
  const out: string[] = [];
  for (const b of rows[0]?.b ?? []) if (b !== null && b !== out[out.length - 1]) out.push(b);
  return out;
}
