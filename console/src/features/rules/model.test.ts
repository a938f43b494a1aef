import { describe, expect, it } from 'vitest';
import { lineDiff } from './diff';
import { describe as say, lineOf, locate, ownIssues, segments, valueIssue } from './model';

const text = JSON.stringify(
  {
    condition: {
      all: [{ field: 'currency', op: 'gt', value: 'USD' }, { not: { field: 'x', op: 'eq', value: 1 } }],
    },
    action: 'alert',
  },
  null,
  2,
);

describe('rule model', () => {
  it('when an API path is located in the JSON as written, then it points at that value', () => {
    const at = locate(text, segments('rule_definition.condition.all[0].op').slice(1));
    expect(at && text.slice(at.start, at.end)).toBe('"gt"');
    expect(at && lineOf(text, at.start)).toBe(6);
    const nested = locate(text, segments('condition.all[1].not.field'));
    expect(nested && text.slice(nested.start, nested.end)).toBe('"x"');
  });

  it('when the path names a key that is not there, then the nearest enclosing value is shown', () => {
    const at = locate(text, ['condition', 'all', 0, 'window']);
    expect(at && text.slice(at.start, at.end)).toMatch(/^\{\s+"field": "currency"/);
  });

  it('when issues are given, then a node sees its own and its list values, not its children’s', () => {
    const issues = [
      { field: 'rule_definition.condition.all[0].op', message: 'bad op' },
      { field: 'rule_definition.condition.all[0].value[2]', message: 'must be a string' },
      { field: 'rule_definition.condition.all[0].not.field', message: 'deeper' },
    ];
    expect(ownIssues(issues, 'rule_definition.condition.all[0]').map((i) => i.message)).toEqual(['bad op']);
    expect(valueIssue(issues, 'rule_definition.condition.all[0]')).toBe('value[2]: must be a string');
  });

  it('when a condition is described, then it reads as a sentence', () => {
    expect(say({ aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 })).toBe(
      'count of payments per payer over 10m ≥ 5',
    );
    expect(
      say({
        all: [
          { field: 'currency', op: 'in', value: ['USD', 'EUR'] },
          { not: { field: 'country', op: 'eq', value: 'US' } },
        ],
      }),
    ).toBe('(Currency is one of USD, EUR) and (not (Country = US))');
  });

  it('when two versions differ, then the diff keeps common lines and marks the rest', () => {
    expect(lineDiff('a\nb\nc', 'a\nc\nd')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'same', text: 'c' },
      { kind: 'added', text: 'd' },
    ]);
  });
});
