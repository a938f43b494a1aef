// The rule language compiled to one SQL predicate, for evaluating a rule over stored history in
// the database (a backtest) instead of row by row in TypeScript. Same semantics as `evaluate`
// (rules.ts), which a test checks on random rules and payments:
// - every leaf is coalesced to false, so a comparison on a missing field is false for every
//   operator and `not` of it is true;
// - metadata values compare with their JSON type (jsonb equality), ordering only on numbers,
//   text operators only on strings;
// - an aggregate over a window w for the payment at t counts payments of the same group with
//   t - w < created_at <= t (the payment itself included): a window function over the rows read
//   ordered by created_at, framed `range between (w - 1 µs) preceding and current row`; `sum` is
//   partitioned by currency as well (the payment's own currency). `distinct` has no window
//   function form in PostgreSQL and is a correlated subquery on the group's index.
//
// The predicate reads columns of a row alias (`r` by default) that carries the payment's
// columns and one column per aggregate (`agg_0`, …) computed by `aggregateColumns`.
import type { AggregateSpec } from './rules.ts';
import { aggregateSpec } from './rules.ts';
import type { AggregateCondition, Comparison, Expr, RuleBaseField, Scalar } from './rules-schema.ts';
import { isScalarList } from './rules-schema.ts';

export interface CompiledAggregate {
  readonly spec: AggregateSpec;
  /** Column name in the row the predicate reads. */
  readonly column: string;
}

export interface CompiledRule {
  /** A boolean SQL expression, never null. */
  readonly predicate: string;
  /** Bind values, `$first`, `$first+1`, … */
  readonly params: unknown[];
  readonly aggregates: readonly CompiledAggregate[];
  /** Longest aggregate window, seconds: how far before a range its rows must be read. */
  readonly lookbackSeconds: number;
}

const COLUMN: Readonly<Record<RuleBaseField, string>> = {
  amount_minor: 'amount_minor',
  currency: 'currency',
  merchant_id: 'merchant_id',
  payer_id: 'payer_id',
  state: 'current_state',
  card_fingerprint: 'card_fingerprint',
  country: 'country',
};

const INT8_MAX = 9_223_372_036_854_775_807n;
/** A validated amount (a non-negative integer, as a number or digits) within bigint's range. */
const fitsBigint = (v: Scalar): boolean => /^\d+$/.test(String(v)) && BigInt(String(v)) <= INT8_MAX;

const SQL_OP = { eq: '=', ne: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
const ORDER_OPS: Readonly<Partial<Record<Comparison['op'], string>>> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

class Compiler {
  readonly params: unknown[] = [];
  readonly aggregates = new Map<string, CompiledAggregate>();
  private readonly first: number;
  private readonly row: string;

  constructor(first: number, row: string) {
    this.first = first;
    this.row = row;
  }

  bind(value: unknown, cast: string): string {
    this.params.push(value);
    return `$${String(this.first + this.params.length - 1)}::${cast}`;
  }

  col(name: string): string {
    return `${this.row}.${name}`;
  }

  expr(e: Expr): string {
    if ('all' in e) return e.all.length === 0 ? 'true' : `(${e.all.map((c) => this.expr(c)).join(' and ')})`;
    if ('any' in e) return e.any.length === 0 ? 'false' : `(${e.any.map((c) => this.expr(c)).join(' or ')})`;
    if ('not' in e) return `(not ${this.expr(e.not)})`;
    if ('aggregate' in e) return this.aggregate(e);
    return `coalesce(${this.comparison(e)}, false)`;
  }

  private aggregate(e: AggregateCondition): string {
    const spec = aggregateSpec(e);
    let agg = this.aggregates.get(spec.key);
    if (!agg) {
      agg = { spec, column: `agg_${String(this.aggregates.size)}` };
      this.aggregates.set(spec.key, agg);
    }
    const group = this.col(spec.groupBy);
    const bound = this.bind(String(e.value), 'numeric');
    return `coalesce(${group} <> '' and ${this.col(agg.column)} ${SQL_OP[e.op]} ${bound}, false)`;
  }

  private comparison(c: Comparison): string {
    if (c.field.startsWith('metadata.')) return this.metadata(c, c.field.slice('metadata.'.length));
    const field = c.field as RuleBaseField;
    const col = this.col(COLUMN[field]);
    const list = isScalarList(c.value) ? c.value : [c.value];
    // Amounts compare as bigint (no numeric conversion per row) unless a value lies beyond it.
    const cast = field !== 'amount_minor' ? 'text' : list.every(fitsBigint) ? 'int8' : 'numeric';
    if (c.op === 'in' || c.op === 'not_in') {
      const any = `${col} = any(${this.bind(list.map(String), `${cast}[]`)})`;
      return c.op === 'in' ? `(${any})` : `(${col} is not null and not (${any}))`;
    }
    const first = list[0] ?? '';
    return this.single(c.op, col, this.bind(cast === 'text' ? first : String(first), cast));
  }

  private single(op: Exclude<Comparison['op'], 'in' | 'not_in'>, col: string, one: string): string {
    if (op === 'contains') return `(strpos(${col}, ${one}) > 0)`;
    if (op === 'starts_with') return `starts_with(${col}, ${one})`;
    return `(${col} ${SQL_OP[op]} ${one})`;
  }

  private metadata(c: Comparison, key: string): string {
    const v = `(${this.col('metadata')} -> ${this.bind(key, 'text')})`;
    const scalar = `jsonb_typeof(${v}) in ('string', 'number', 'boolean')`;
    const list = isScalarList(c.value) ? c.value : [c.value];
    const first = list[0];
    const json = (items: readonly Scalar[]) =>
      this.bind(
        items.map((i) => JSON.stringify(i)),
        'jsonb[]',
      );
    switch (c.op) {
      case 'eq':
        return `(${v} = ${this.bind(JSON.stringify(first), 'jsonb')})`;
      case 'ne':
        return `(${scalar} and ${v} <> ${this.bind(JSON.stringify(first), 'jsonb')})`;
      case 'in':
        return `(${scalar} and ${v} = any(${json(list)}))`;
      case 'not_in':
        return `(${scalar} and not (${v} = any(${json(list)})))`;
      default:
        return this.metadataOrdered(c, key, v);
    }
  }

  /** Text operators on strings, ordering on numbers; anything else is false (as in evaluate). */
  private metadataOrdered(c: Comparison, key: string, v: string): string {
    const first = isScalarList(c.value) ? c.value[0] : c.value;
    if (c.op === 'contains' || c.op === 'starts_with') {
      if (typeof first !== 'string') return 'false';
      const text = `(${this.col('metadata')} ->> ${this.bind(key, 'text')})`;
      const needle = this.bind(first, 'text');
      const test = c.op === 'contains' ? `strpos(${text}, ${needle}) > 0` : `starts_with(${text}, ${needle})`;
      return `(jsonb_typeof(${v}) = 'string' and ${test})`;
    }
    const op = ORDER_OPS[c.op];
    if (typeof first !== 'number' || op === undefined) return 'false';
    return `(jsonb_typeof(${v}) = 'number' and (${v})::numeric ${op} ${this.bind(first, 'numeric')})`;
  }
}

/**
 * Compiles a validated expression. `first` is the number of the first bind parameter (the
 * caller's own parameters come before), `row` the alias of the row the predicate reads.
 */
export function compileRule(expr: Expr, opts: { first?: number; row?: string } = {}): CompiledRule {
  const c = new Compiler(opts.first ?? 1, opts.row ?? 'r');
  const predicate = c.expr(expr);
  const aggregates = [...c.aggregates.values()];
  const lookbackSeconds = Math.max(0, ...aggregates.map((a) => a.spec.windowSeconds));
  return { predicate, params: c.params, aggregates, lookbackSeconds };
}

const DISTINCT_COLUMN: Readonly<Record<string, string>> = {
  payer_id: 'payer_id',
  merchant_id: 'merchant_id',
  card_fingerprint: 'card_fingerprint',
  country: 'country',
  currency: 'currency',
};

/**
 * The select-list entries (`<expr> as agg_0`, …) computing each aggregate over rows of
 * `payments` aliased `alias`, read in full for the window (created_at from the range start minus
 * the lookback). Window specifications are literal (validated integer seconds).
 */
export function aggregateColumns(aggregates: readonly CompiledAggregate[], alias = 'p'): string[] {
  return aggregates.map(({ spec, column }) => {
    const g = `${alias}.${spec.groupBy}`;
    const micros = String(spec.windowSeconds * 1_000_000 - 1);
    const frame = `order by ${alias}.created_at range between interval '${micros} microseconds' preceding and current row`;
    if (spec.fn === 'count') return `count(*) over (partition by ${g} ${frame}) as ${column}`;
    if (spec.fn === 'sum') {
      return `sum(${alias}.amount_minor) over (partition by ${g}, ${alias}.currency ${frame}) as ${column}`;
    }
    const field = DISTINCT_COLUMN[spec.field ?? ''] ?? 'payer_id';
    return `(select count(distinct q.${field}) from payments q
              where q.${spec.groupBy} = ${g}
                and q.created_at > ${alias}.created_at - interval '${String(spec.windowSeconds)} seconds'
                and q.created_at <= ${alias}.created_at) as ${column}`;
  });
}
