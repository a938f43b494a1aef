import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ConditionList, ConditionTree } from './ConditionTree';
import { describeExpr, explainTree, parseReason, recordedConditions } from './explain';
import type { Expr } from './types';

const rule: Expr = {
  all: [
    { field: 'amount_minor', op: 'gte', value: 100000 },
    {
      any: [
        { field: 'currency', op: 'in', value: ['USD', 'EUR'] },
        { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 },
      ],
    },
  ],
};

const reasons = ['amount_minor gte 100000 (was 250000)', 'currency in ["USD", "EUR"] (was "EUR")'];

function items(tree: HTMLElement) {
  return within(tree)
    .getAllByRole('listitem')
    .map((li) => li.textContent);
}

describe('explanation', () => {
  it('when a reason is a comparison or an aggregate, then it is read into field, operator, expected and seen value', () => {
    expect(parseReason('currency in ["USD", "EUR"] (was "EUR")')).toMatchObject({
      kind: 'comparison',
      field: 'currency',
      op: 'in',
      expected: ['USD', 'EUR'],
      actual: 'EUR',
    });
    expect(parseReason('count(*) over 10m by payer_id gte 5 (was 19)')).toMatchObject({
      kind: 'aggregate',
      field: 'count(*) over 10m by payer_id',
      expected: 5,
      actual: 19,
      aggregate: { function: 'count', field: '*', window: '10m', group_by: 'payer_id' },
    });
    expect(parseReason('amount_minor gte 1 (was 99999999999999999999)').actual).toBe('99999999999999999999');
    expect(parseReason('not (country eq "BR")')).toEqual({ text: 'not (country eq "BR")', kind: 'other' });
  });

  it('when the API sends an explanation, then it is used; else details.reasons; else nothing (raw details)', () => {
    const explained = { text: 'x', kind: 'other' as const };
    expect(
      recordedConditions({
        details: { reasons },
        explanation: { rule: null, values: {}, conditions: [explained] },
      }),
    ).toEqual([explained]);
    expect(recordedConditions({ details: { reasons } })?.map((c) => c.kind)).toEqual([
      'comparison',
      'comparison',
    ]);
    expect(recordedConditions({ details: { something: 'else' } })).toBeUndefined();
  });

  it('when the rule matched through one branch of an any, then that branch is a hit and the other no hit, with the values seen', () => {
    const conditions = reasons.map(parseReason);
    render(<ConditionTree tree={explainTree(rule, conditions)} currency="EUR" />);
    const tree = screen.getByRole('group', { name: 'Rule condition' });
    const [amount, any, currency, count] = items(tree);
    expect(amount).toMatch(/^Hit.*Amount.*≥.*€1,000\.00.*seen.*€2,500\.00/);
    expect(any).toMatch(/^HitAny of these/);
    expect(currency).toMatch(/^Hit.*Currency.*is one of.*USD, EUR.*seen.*EUR/);
    expect(count).toMatch(/^No hit.*Payments for the same payer in 10m.*≥.*5/);
    expect(tree.textContent).toMatch(/^HitAll of these/);
  });

  it('when a branch of an all failed inside an any, then its parts are "not recorded", never guessed', () => {
    const tree = explainTree(
      {
        any: [
          {
            all: [
              { field: 'country', op: 'eq', value: 'BR' },
              { field: 'currency', op: 'eq', value: 'BRL' },
            ],
          },
          { field: 'amount_minor', op: 'gt', value: 10 },
        ],
      },
      [parseReason('amount_minor gt 10 (was 11)')],
    );
    expect(tree).toMatchObject({
      hit: true,
      children: [
        { kind: 'all', hit: false, children: [{ hit: undefined }, { hit: undefined }] },
        { kind: 'leaf', hit: true, recorded: { actual: 11 } },
      ],
    });
  });

  it('when a not held, then it is a hit and its inner condition no hit', () => {
    const inner: Expr = { field: 'country', op: 'eq', value: 'BR' };
    const tree = explainTree({ not: inner }, [parseReason(`not (${describeExpr(inner)})`)]);
    expect(tree).toMatchObject({ kind: 'not', hit: true, child: { hit: false } });
  });

  it('when there is no rule tree, then each recorded condition is listed as a hit with its value', () => {
    render(<ConditionList conditions={[parseReason('count(*) over 10m by payer_id gte 5 (was 19)')]} />);
    const list = screen.getByRole('list', { name: 'Conditions that held' });
    expect(list.textContent).toMatch(/^Hit.*Payments for the same payer in 10m.*≥.*5.*seen.*19/);
  });
});
