import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SourceCell } from './RulesPage';
import { KUBERNETES_NOTE, ruleSource } from './source';
import type { Rule } from './types';

function rule(patch: Partial<Rule>): Rule {
  return {
    id: 'rul_1',
    name: 'large-payment',
    description: '',
    enabled: true,
    rule_definition: { condition: {}, action: 'alert', severity: 'high', mode: 'enforce' },
    source: 'api',
    version: 1,
    created_by: null,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...patch,
  };
}

describe('ruleSource', () => {
  it('when the rule was made through the API, then it is API with no note', () => {
    expect(ruleSource(rule({}))).toEqual({ label: 'API' });
  });

  it('when the rule is synced from Kubernetes, then its stored namespace/name names the resource', () => {
    expect(ruleSource(rule({ source: 'kubernetes', name: 'fraud/large-payment' }))).toEqual({
      label: 'Kubernetes',
      resource: 'fraud/large-payment',
      note: KUBERNETES_NOTE,
    });
  });

  it('when the JSON names the resource, then that name wins over the rule name', () => {
    const s = ruleSource(
      rule({ source: 'kubernetes', name: 'x', resource: { namespace: 'payments', name: 'velocity' } }),
    );
    expect(s.resource).toBe('payments/velocity');
  });

  it('when a Kubernetes rule has no resource name, then only the note is shown', () => {
    const s = ruleSource(rule({ source: 'kubernetes', name: 'plain' }));
    expect(s.resource).toBeUndefined();
    expect(s.note).toBe(KUBERNETES_NOTE);
  });

  it('when the source cell shows a Kubernetes rule, then it says where it is managed', () => {
    render(<SourceCell rule={rule({ source: 'kubernetes', name: 'fraud/large-payment' })} />);
    expect(screen.getByText('Kubernetes')).toBeTruthy();
    expect(screen.getByText('Rule fraud/large-payment')).toBeTruthy();
    expect(screen.getByText('Managed in Git through a Rule resource; read-only here')).toBeTruthy();
  });
});
