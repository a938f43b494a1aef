import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AggregateSource, AggregateSpec, AggregateValue, RulePayment } from './rules.ts';
import type { Comparison, Expr, RuleDefinition } from './rules-schema.ts';
import {
  MAX_RULE_DEPTH,
  MAX_RULE_NODES,
  exprSchema,
  parseDuration,
  ruleDefinitionInputSchema,
  ruleDefinitionSchema,
  validateExpr,
  validateRuleDefinition,
} from './rules-schema.ts';
import { collectAggregates, describeExpr, evaluate, evaluateRule, fieldValue } from './rules.ts';
import { PAYMENT_STATES } from './states.ts';
import type { PathSegment } from './validation.ts';
import { formatPath } from './validation.ts';

// ---------------------------------------------------------------------------------------------
// Generators

const smallAmount = fc.integer({ min: 0, max: 20_000 });
const ordering = fc.constantFrom('eq', 'ne', 'gt', 'gte', 'lt', 'lte');

const comparisonArb: fc.Arbitrary<Comparison> = fc.oneof(
  fc.record({ field: fc.constant('amount_minor' as const), op: ordering, value: smallAmount }),
  fc.record({ field: fc.constant('amount_minor' as const), op: ordering, value: smallAmount.map(String) }),
  fc.record({
    field: fc.constant('amount_minor' as const),
    op: fc.constantFrom('in', 'not_in'),
    value: fc.array(smallAmount, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    field: fc.constant('currency' as const),
    op: fc.constantFrom('eq', 'ne'),
    value: fc.constantFrom('USD', 'EUR', 'JPY'),
  }),
  fc.record({
    field: fc.constantFrom('merchant_id' as const, 'payer_id' as const, 'card_fingerprint' as const),
    op: fc.constantFrom('eq', 'ne', 'contains', 'starts_with'),
    value: fc.constantFrom('m1', 'p1', 'p1x', 'c', 'c1', ''),
  }),
  fc.record({
    field: fc.constant('country' as const),
    op: fc.constantFrom('in', 'not_in'),
    value: fc.subarray(['US', 'DE', 'FR'], { minLength: 1 }),
  }),
  fc.record({
    field: fc.constant('state' as const),
    op: fc.constantFrom('eq', 'ne'),
    value: fc.constantFrom(...PAYMENT_STATES),
  }),
  fc.record({
    field: fc.constant('metadata.channel' as const),
    op: fc.constantFrom('eq', 'ne', 'starts_with'),
    value: fc.constantFrom('web', 'app', 'w'),
  }),
  fc.record({
    field: fc.constant('metadata.score' as const),
    op: ordering,
    value: fc.integer({ min: 0, max: 100 }),
  }),
);

const windowArb = fc.constantFrom('10m', '600s', '1h', '60m', '24h', '1d', '30d');
const groupArb = fc.constantFrom('payer_id' as const, 'merchant_id' as const, 'card_fingerprint' as const);
const aggregateArb: fc.Arbitrary<Expr> = fc.oneof(
  fc.record({
    aggregate: fc.constant('count' as const),
    window: windowArb,
    group_by: groupArb,
    op: ordering,
    value: fc.integer({ min: 0, max: 10 }),
  }),
  fc.record({
    aggregate: fc.constant('sum' as const),
    field: fc.constant('amount_minor' as const),
    window: windowArb,
    group_by: groupArb,
    op: ordering,
    value: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }).map(String)),
  }),
  fc.record({
    aggregate: fc.constant('distinct' as const),
    field: fc.constantFrom('card_fingerprint' as const, 'country' as const),
    window: windowArb,
    group_by: fc.constant('payer_id' as const),
    op: ordering,
    value: fc.integer({ min: 0, max: 10 }),
  }),
);

const { expr: exprArb } = fc.letrec<{ expr: Expr; all: Expr; any: Expr; not: Expr }>((tie) => ({
  expr: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'expr' },
    comparisonArb,
    aggregateArb,
    tie('all'),
    tie('any'),
    tie('not'),
  ),
  all: fc.record({ all: fc.array(tie('expr'), { maxLength: 3 }) }),
  any: fc.record({ any: fc.array(tie('expr'), { maxLength: 3 }) }),
  not: fc.record({ not: tie('expr') }),
}));

const paymentArb: fc.Arbitrary<RulePayment> = fc.record({
  amountMinor: fc.bigInt({ min: 1n, max: 20_000n }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY'),
  merchantId: fc.constantFrom('m1', 'm2'),
  payerId: fc.constantFrom('p1', 'p1x', 'p2'),
  state: fc.constantFrom(...PAYMENT_STATES),
  cardFingerprint: fc.option(fc.constantFrom('c1', 'c2'), { nil: null }),
  country: fc.option(fc.constantFrom('US', 'DE'), { nil: undefined }),
  metadata: fc.option(
    fc.record(
      { channel: fc.constantFrom('web', 'app'), score: fc.integer({ min: 0, max: 100 }) },
      { requiredKeys: [] },
    ),
    { nil: null },
  ),
});

const aggregateValuesArb = fc.array(fc.bigInt({ min: 0n, max: 40n }), { minLength: 1, maxLength: 8 });

/** Deterministic aggregate values for every key an expression might need. */
function valuesFor(exprs: readonly Expr[], pool: readonly bigint[]): Map<string, AggregateValue> {
  const values = new Map<string, AggregateValue>();
  for (const expr of exprs) {
    for (const spec of collectAggregates(expr)) {
      values.set(spec.key, pool[values.size % pool.length] ?? 0n);
    }
  }
  return values;
}

function matches(expr: Expr, payment: RulePayment, values: ReadonlyMap<string, AggregateValue>): boolean {
  return evaluate(expr, payment, values).matched;
}

interface Leaf {
  readonly path: readonly PathSegment[];
  readonly node: Expr;
}

function leaves(expr: Expr, path: readonly PathSegment[] = []): Leaf[] {
  if ('all' in expr) return expr.all.flatMap((child, i) => leaves(child, [...path, 'all', i]));
  if ('any' in expr) return expr.any.flatMap((child, i) => leaves(child, [...path, 'any', i]));
  if ('not' in expr) return leaves(expr.not, [...path, 'not']);
  return [{ path, node: expr }];
}

function setAt(root: unknown, path: readonly PathSegment[], key: string, value: unknown): void {
  let node = root as Record<PathSegment, unknown>;
  for (const segment of path) node = node[segment] as Record<PathSegment, unknown>;
  node[key] = value;
}

const definition = (condition: unknown): unknown => ({ condition, action: 'alert', severity: 'high' });

const payment: RulePayment = {
  amountMinor: 250_000n,
  currency: 'USD',
  merchantId: 'merchant_123',
  payerId: 'payer_9',
  state: 'authorized',
  cardFingerprint: 'fp_abc',
  country: 'NG',
  metadata: { channel: 'web', score: 87, vip: true },
};

// ---------------------------------------------------------------------------------------------

describe('validateRuleDefinition', () => {
  it('when a definition is valid, then it comes back typed with mode defaulting to enforce', () => {
    const result = validateRuleDefinition(definition({ field: 'amount_minor', op: 'gt', value: 100_000 }));
    expect(result).toEqual({
      ok: true,
      value: {
        condition: { field: 'amount_minor', op: 'gt', value: 100_000 },
        action: 'alert',
        severity: 'high',
        mode: 'enforce',
      },
    });
  });

  it.each([
    [
      {
        all: [
          { field: 'amount_minor', op: 'gt', value: 1 },
          { field: 'currency', op: 'between', value: 'USD' },
        ],
      },
      'condition.all[1].op',
    ],
    [{ any: [{ not: { field: 'nope', op: 'eq', value: 1 } }] }, 'condition.any[0].not.field'],
    [{ field: 'metadata.a b', op: 'eq', value: 1 }, 'condition.field'],
    [{ field: 'amount_minor', op: 'gt', value: 1.5 }, 'condition.value'],
    [{ field: 'amount_minor', op: 'gt', value: -1 }, 'condition.value'],
    [{ field: 'amount_minor', op: 'contains', value: '1' }, 'condition.op'],
    [{ field: 'currency', op: 'gt', value: 'USD' }, 'condition.op'],
    [{ field: 'currency', op: 'eq', value: 'usd' }, 'condition.value'],
    [{ field: 'currency', op: 'in', value: ['USD', 'XYZ'] }, 'condition.value[1]'],
    [{ field: 'currency', op: 'in', value: 'USD' }, 'condition.value'],
    [{ field: 'currency', op: 'eq', value: ['USD'] }, 'condition.value'],
    [{ field: 'currency', op: 'in', value: [] }, 'condition.value'],
    [{ field: 'state', op: 'eq', value: 'won' }, 'condition.value'],
    [{ field: 'country', op: 'eq', value: 'usa' }, 'condition.value'],
    [{ field: 'payer_id', op: 'eq', value: 5 }, 'condition.value'],
    [{ field: 'metadata.score', op: 'gte', value: '5' }, 'condition.value'],
    [{ field: 'metadata.channel', op: 'contains', value: true }, 'condition.value'],
    [{ field: 'payer_id', op: 'eq', value: 'x', extra: 1 }, 'condition.extra'],
    [{ field: 'payer_id', op: 'eq' }, 'condition.value'],
    [{ all: {} }, 'condition.all'],
    [{ all: [], any: [] }, 'condition'],
    [{ not: { field: 'payer_id', op: 'eq', value: 'x' }, why: 'x' }, 'condition.why'],
    [{}, 'condition'],
    [[], 'condition'],
    ['amount > 5', 'condition'],
    [{ all: [null] }, 'condition.all[0]'],
    [
      { aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'gt', value: 3, field: 'amount_minor' },
      'condition.field',
    ],
    [{ aggregate: 'sum', window: '1h', group_by: 'payer_id', op: 'gt', value: 3 }, 'condition.field'],
    [
      { aggregate: 'distinct', field: 'payer_id', window: '1h', group_by: 'payer_id', op: 'gt', value: 3 },
      'condition.field',
    ],
    [{ aggregate: 'count', window: '31d', group_by: 'payer_id', op: 'gt', value: 3 }, 'condition.window'],
    [{ aggregate: 'count', window: '1w', group_by: 'payer_id', op: 'gt', value: 3 }, 'condition.window'],
    [{ aggregate: 'count', window: '0m', group_by: 'payer_id', op: 'gt', value: 3 }, 'condition.window'],
    [{ aggregate: 'count', window: '1h', group_by: 'country', op: 'gt', value: 3 }, 'condition.group_by'],
    [{ aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'in', value: 3 }, 'condition.op'],
    [{ aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'gt', value: -3 }, 'condition.value'],
    [{ aggregate: 'avg', window: '1h', group_by: 'payer_id', op: 'gt', value: 3 }, 'condition.aggregate'],
  ])('when the condition is %j, then the only issue is at %s', (condition, field) => {
    const result = validateRuleDefinition(definition(condition));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.field)).toEqual([field]);
  });

  it('when action, severity, mode and the top level are wrong, then each is reported', () => {
    const result = validateRuleDefinition({
      condition: { all: [] },
      action: 'block',
      severity: 'urgent',
      mode: 'dry',
      x: 1,
    });
    expect(result.ok ? [] : result.issues.map((i) => i.field).sort()).toEqual([
      'action',
      'mode',
      'severity',
      'x',
    ]);
    const missing = validateRuleDefinition({ action: 'alert', severity: 'low' });
    expect(missing).toEqual({ ok: false, issues: [{ field: 'condition', message: 'is required' }] });
  });

  it('when a prefix is given, then paths start with it', () => {
    const result = validateRuleDefinition(definition({ any: [{ field: 'x', op: 'eq', value: 1 }] }), [
      'rule_definition',
    ]);
    expect(result.ok ? [] : result.issues.map((i) => i.field)).toEqual([
      'rule_definition.condition.any[0].field',
    ]);
  });

  it('when embedded in a request schema, then zod reports the precise path under rule_definition', () => {
    const body = z.object({ name: z.string(), rule_definition: ruleDefinitionInputSchema });
    const bad = body.safeParse({
      name: 'r',
      rule_definition: definition({ all: [{}, { field: 'amount_minor', op: 'lt', value: 'x' }] }),
    });
    expect(bad.success ? [] : bad.error.issues.map((i) => formatPath(i.path))).toEqual([
      'rule_definition.condition.all[0]',
      'rule_definition.condition.all[1].value',
    ]);
    const good = body.parse({ name: 'r', rule_definition: definition({ all: [] }) });
    expect(good.rule_definition.mode).toBe('enforce');
  });

  it(`when nesting is deeper than ${MAX_RULE_DEPTH}, then the first node too deep is reported`, () => {
    let condition: unknown = { field: 'payer_id', op: 'eq', value: 'x' };
    for (let i = 0; i < MAX_RULE_DEPTH; i++) condition = { not: condition };
    const result = validateRuleDefinition(definition(condition));
    expect(result.ok ? [] : result.issues).toEqual([
      {
        field: `condition${'.not'.repeat(MAX_RULE_DEPTH)}`,
        message: `nesting is deeper than ${MAX_RULE_DEPTH} levels`,
      },
    ]);
    const atLimit = validateRuleDefinition(definition((condition as { not: unknown }).not));
    expect(atLimit.ok).toBe(true);
  });

  it(`when the condition has more than ${MAX_RULE_NODES} nodes, then one issue says so`, () => {
    const leaf = { field: 'payer_id', op: 'eq', value: 'x' };
    const ok = validateRuleDefinition(
      definition({ any: Array.from({ length: MAX_RULE_NODES - 1 }, () => leaf) }),
    );
    expect(ok.ok).toBe(true);
    const tooMany = validateRuleDefinition(
      definition({ any: Array.from({ length: 100_000 }, () => ({ bad: 1 })) }),
    );
    expect(tooMany.ok ? [] : tooMany.issues.filter((i) => i.message.includes('nodes'))).toEqual([
      {
        field: `condition.any[${MAX_RULE_NODES - 1}]`,
        message: `the condition has more than ${MAX_RULE_NODES} nodes`,
      },
    ]);
  });

  it('when any generated expression is validated, then the validator and the zod schema accept it', () => {
    fc.assert(
      fc.property(exprArb, (expr) => {
        expect(validateExpr(expr)).toEqual({ ok: true, value: expr });
        expect(validateRuleDefinition(definition(expr)).ok).toBe(true);
        expect(exprSchema.safeParse(expr).success).toBe(true);
        expect(ruleDefinitionSchema.safeParse(definition(expr)).success).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('when one leaf of any valid expression gets a bad op, then exactly that op is reported', () => {
    fc.assert(
      fc.property(exprArb, fc.nat(), (expr, pick) => {
        const all = leaves(expr);
        fc.pre(all.length > 0);
        const target = all[pick % all.length]!;
        const broken = structuredClone(expr) as unknown;
        if (target.path.length === 0) (broken as Record<string, unknown>).op = 'bogus';
        else setAt(broken, target.path, 'op', 'bogus');
        const result = validateRuleDefinition(definition(broken));
        expect(result.ok ? [] : result.issues.map((i) => i.field)).toEqual([
          formatPath(['condition', ...target.path, 'op']),
        ]);
      }),
      { numRuns: 500 },
    );
  });

  it('when one leaf of any valid expression gets an unknown key, then that key is reported', () => {
    fc.assert(
      fc.property(exprArb, fc.nat(), (expr, pick) => {
        const all = leaves(expr);
        fc.pre(all.length > 0);
        const target = all[pick % all.length]!;
        const broken = { all: [structuredClone(expr)] } as unknown;
        setAt(broken, ['all', 0, ...target.path], 'colour', 'red');
        const result = validateExpr(broken, ['rule_definition']);
        expect(result.ok ? [] : result.issues.map((i) => i.field)).toEqual([
          formatPath(['rule_definition', 'all', 0, ...target.path, 'colour']),
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('evaluate', () => {
  it('when a high amount comes from a flagged country, then the rule matches with reasons', () => {
    const rule = validateRuleDefinition(
      definition({
        all: [
          { field: 'amount_minor', op: 'gte', value: '100000' },
          { field: 'country', op: 'in', value: ['NG', 'GH'] },
          { not: { field: 'metadata.vip', op: 'eq', value: false } },
        ],
      }),
    );
    if (!rule.ok) throw new Error('invalid');
    expect(evaluate(rule.value, payment, new Map())).toEqual({
      matched: true,
      reasons: [
        'amount_minor gte "100000" (was 250000)',
        'country in ["NG", "GH"] (was "NG")',
        'not (metadata.vip eq false)',
      ],
    });
  });

  it('when all is empty, then it matches; when any is empty, then it does not', () => {
    expect(evaluate({ all: [] }, payment, new Map())).toEqual({
      matched: true,
      reasons: ['all() is empty, so always true'],
    });
    expect(evaluate({ any: [{ all: [] }] }, payment, new Map()).matched).toBe(true);
    expect(evaluate({ any: [] }, payment, new Map()).matched).toBe(false);
  });

  it('when a field is missing, then every comparison on it is false, ne and not_in included', () => {
    const bare: RulePayment = { ...payment, cardFingerprint: null, country: undefined, metadata: null };
    for (const op of ['eq', 'ne', 'contains', 'starts_with'] as const) {
      expect(evaluate({ field: 'card_fingerprint', op, value: 'x' }, bare, new Map()).matched, op).toBe(
        false,
      );
    }
    expect(evaluate({ field: 'country', op: 'not_in', value: ['US'] }, bare, new Map()).matched).toBe(false);
    expect(evaluate({ field: 'metadata.score', op: 'lt', value: 5 }, bare, new Map()).matched).toBe(false);
    expect(evaluate({ not: { field: 'metadata.score', op: 'lt', value: 5 } }, bare, new Map()).matched).toBe(
      true,
    );
    expect(fieldValue('metadata.toString', payment)).toBeUndefined();
  });

  it('when values have different JSON types, then they are not equal', () => {
    expect(evaluate({ field: 'metadata.score', op: 'eq', value: '87' }, payment, new Map()).matched).toBe(
      false,
    );
    expect(evaluate({ field: 'metadata.score', op: 'ne', value: '87' }, payment, new Map()).matched).toBe(
      true,
    );
    expect(evaluate({ field: 'metadata.score', op: 'eq', value: 87 }, payment, new Map()).matched).toBe(true);
  });

  it('when amounts are compared, then it is exact in bigint even beyond 2^53', () => {
    const big: RulePayment = { ...payment, amountMinor: 9_007_199_254_740_993n };
    expect(
      evaluate({ field: 'amount_minor', op: 'gt', value: '9007199254740992' }, big, new Map()).matched,
    ).toBe(true);
    expect(
      evaluate({ field: 'amount_minor', op: 'eq', value: '9007199254740993' }, big, new Map()).matched,
    ).toBe(true);
  });

  it('when an aggregate crosses its threshold, then the rule matches and names the value', () => {
    const condition: Expr = {
      aggregate: 'sum',
      field: 'amount_minor',
      window: '1h',
      group_by: 'payer_id',
      op: 'gte',
      value: 1_000_000,
    };
    const [spec] = collectAggregates(condition);
    expect(spec).toEqual({
      key: 'sum(amount_minor)/payer_id/3600s',
      fn: 'sum',
      field: 'amount_minor',
      groupBy: 'payer_id',
      windowSeconds: 3600,
    });
    const values = new Map([[spec!.key, 1_500_000n]]);
    expect(evaluate(condition, payment, values)).toEqual({
      matched: true,
      reasons: ['sum(amount_minor) over 1h by payer_id gte 1000000 (was 1500000)'],
    });
    expect(evaluate(condition, payment, new Map([[spec!.key, 999_999]])).matched).toBe(false);
  });

  it('when an aggregate value was not supplied, then evaluation throws instead of guessing', () => {
    const condition: Expr = {
      aggregate: 'count',
      window: '10m',
      group_by: 'card_fingerprint',
      op: 'gt',
      value: 3,
    };
    expect(() => evaluate(condition, payment, new Map())).toThrow(/count\(\*\)\/card_fingerprint\/600s/);
  });

  it('when the payment lacks the group_by field, then the aggregate is false and not asked for', async () => {
    const rule: RuleDefinition = {
      condition: { aggregate: 'count', window: '10m', group_by: 'card_fingerprint', op: 'gte', value: 0 },
      action: 'flag',
      severity: 'low',
      mode: 'shadow',
    };
    const asked: AggregateSpec[] = [];
    const source: AggregateSource = {
      aggregate: (spec) => {
        asked.push(spec);
        return Promise.resolve(5n);
      },
    };
    expect(await evaluateRule(rule, { ...payment, cardFingerprint: null }, source)).toEqual({
      matched: false,
      reasons: [],
    });
    expect(asked).toEqual([]);
    expect((await evaluateRule(rule, payment, source)).matched).toBe(true);
    expect(asked.map((s) => s.key)).toEqual(['count(*)/card_fingerprint/600s']);
  });

  it('when the same aggregate is written twice with equivalent windows, then it is collected once', () => {
    const a = { aggregate: 'count', window: '60m', group_by: 'payer_id', op: 'gt', value: 3 } as const;
    const b = { aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'lt', value: 9 } as const;
    const c = {
      aggregate: 'distinct',
      field: 'card_fingerprint',
      window: '1h',
      group_by: 'payer_id',
      op: 'gt',
      value: 2,
    } as const;
    expect(collectAggregates({ any: [a, { not: b }, { all: [c, a] }] }).map((s) => s.key)).toEqual([
      'count(*)/payer_id/3600s',
      'distinct(card_fingerprint)/payer_id/3600s',
    ]);
    expect(parseDuration('30d')).toBe(2_592_000);
  });

  it('when an expression is described, then the text is compact and readable', () => {
    expect(
      describeExpr({
        any: [
          { field: 'payer_id', op: 'starts_with', value: 'test_' },
          { not: { field: 'amount_minor', op: 'in', value: [1, 2] } },
        ],
      }),
    ).toBe('any(payer_id starts_with "test_", not (amount_minor in [1, 2]))');
  });
});

describe('evaluator laws', () => {
  const world = fc.record({ payment: paymentArb, pool: aggregateValuesArb });

  it('when any expression is negated twice, then the result is unchanged', () => {
    fc.assert(
      fc.property(exprArb, world, (x, { payment: p, pool }) => {
        const values = valuesFor([x], pool);
        expect(matches({ not: { not: x } }, p, values)).toBe(matches(x, p, values));
      }),
      { numRuns: 1000 },
    );
  });

  it('when all and any hold a single expression, then they equal that expression', () => {
    fc.assert(
      fc.property(exprArb, world, (x, { payment: p, pool }) => {
        const values = valuesFor([x], pool);
        expect(matches({ all: [x] }, p, values)).toBe(matches(x, p, values));
        expect(matches({ any: [x] }, p, values)).toBe(matches(x, p, values));
      }),
    );
  });

  it("when De Morgan's laws are applied, then the results agree", () => {
    fc.assert(
      fc.property(fc.array(exprArb, { maxLength: 4 }), world, (xs, { payment: p, pool }) => {
        const values = valuesFor(xs, pool);
        const nots = xs.map((x): Expr => ({ not: x }));
        expect(matches({ not: { all: xs } }, p, values)).toBe(matches({ any: nots }, p, values));
        expect(matches({ not: { any: xs } }, p, values)).toBe(matches({ all: nots }, p, values));
        expect(matches({ all: xs }, p, values)).toBe(xs.every((x) => matches(x, p, values)));
        expect(matches({ any: xs }, p, values)).toBe(xs.some((x) => matches(x, p, values)));
      }),
    );
  });

  it('when a field is present, then eq and ne, and in and not_in, are complements', () => {
    fc.assert(
      fc.property(comparisonArb, paymentArb, (c, p) => {
        const flip = { eq: 'ne', ne: 'eq', in: 'not_in', not_in: 'in' } as const;
        fc.pre(fieldValue(c.field, p) !== undefined && c.op in flip);
        const other: Comparison = { ...c, op: flip[c.op as keyof typeof flip] };
        expect(matches(other, p, new Map())).toBe(!matches(c, p, new Map()));
      }),
    );
  });

  it('when any expression is evaluated, then it has reasons exactly when it matches', () => {
    fc.assert(
      fc.property(exprArb, world, (x, { payment: p, pool }) => {
        const result = evaluate(x, p, valuesFor([x], pool));
        expect(result.reasons.length > 0).toBe(result.matched);
      }),
      { numRuns: 1000 },
    );
  });

  it('when a definition goes through JSON and back, then it evaluates the same', () => {
    fc.assert(
      fc.property(exprArb, world, (x, { payment: p, pool }) => {
        const values = valuesFor([x], pool);
        const copy = JSON.parse(JSON.stringify(x)) as Expr;
        expect(matches(copy, p, values)).toBe(matches(x, p, values));
      }),
    );
  });
});
