// Where a rule is managed. A rule synced from a Kubernetes Rule resource is stored under the name
// "<namespace>/<name>" (controller/src/reconcilers/rule.ts); a later API may name the resource itself.
import type { Rule } from './types';

export const KUBERNETES_NOTE = 'Managed in Git through a Rule resource; read-only here';

export interface RuleSource {
  label: string;
  /** namespace/name of the Rule resource, when it is known. */
  resource?: string;
  note?: string;
}

function resourceOf(rule: Pick<Rule, 'name' | 'resource'>): string | undefined {
  const r = rule.resource;
  if (r?.name) return r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const parts = rule.name.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return rule.name;
  return undefined;
}

export function ruleSource(rule: Pick<Rule, 'name' | 'source' | 'resource'>): RuleSource {
  if (rule.source !== 'kubernetes') return { label: 'API' };
  return { label: 'Kubernetes', resource: resourceOf(rule), note: KUBERNETES_NOTE };
}
