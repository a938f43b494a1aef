import { describe, expect, it } from 'vitest';
import { setCondition, transitions } from './conditions.ts';

describe('conditions', () => {
  it('when a condition keeps its status, then its lastTransitionTime is kept and the rest updated', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Synced', message: 'a' },
      1,
      '2026-01-01T00:00:00.000Z',
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'True', reason: 'Synced', message: 'b' },
      2,
      '2026-01-02T00:00:00.000Z',
    );
    expect(second).toEqual([
      {
        type: 'Ready',
        status: 'True',
        reason: 'Synced',
        message: 'b',
        observedGeneration: 2,
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
  });

  it('when a condition changes status, then it gets a new lastTransitionTime and counts as a transition', () => {
    const first = setCondition(
      [],
      { type: 'Ready', status: 'True', reason: 'Synced', message: '' },
      1,
      '2026-01-01T00:00:00.000Z',
    );
    const second = setCondition(
      first,
      { type: 'Ready', status: 'False', reason: 'InvalidDefinition', message: 'x' },
      2,
      '2026-01-02T00:00:00.000Z',
    );
    expect(second[0]?.lastTransitionTime).toBe('2026-01-02T00:00:00Z');
    expect(transitions(first, second).map((c) => c.reason)).toEqual(['InvalidDefinition']);
    expect(transitions(second, second)).toEqual([]);
  });

  it('when conditions of other types exist, then they are left alone', () => {
    const list = setCondition([], { type: 'Synced', status: 'True', reason: 'UpToDate', message: '' }, 1);
    const both = setCondition(list, { type: 'Ready', status: 'True', reason: 'Synced', message: '' }, 1);
    expect(both.map((c) => c.type)).toEqual(['Synced', 'Ready']);
  });
});
