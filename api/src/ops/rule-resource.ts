// The Kubernetes Rule custom resource equivalent to a rule, so a platform team can move a rule
// made in the console into Git: `kubectl apply` of the YAML makes the controller sync the same
// rule (source 'kubernetes', read-only in the console from then on). The object is checked
// against the CRD's own zod schema before it is shown.
import { stringify } from 'yaml';
import { API_VERSION, ruleSchema } from '../crd/index.ts';
import type { RuleDefinition } from '../domain/rules-schema.ts';

export interface RuleLike {
  readonly name: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly rule_definition: RuleDefinition;
  readonly resource?: { namespace: string; name: string } | null;
}

/** A lowercase RFC 1123 name from a display name: `High value / EU` → `high-value-eu`. */
export function resourceName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .replace(/-{2,}/g, '-')
    .slice(0, 63)
    .replace(/[^a-z0-9]+$/g, '');
  return slug === '' ? 'rule' : slug;
}

export function ruleResource(rule: RuleLike, namespace = 'payflow'): Record<string, unknown> {
  const d = rule.rule_definition;
  const object = {
    apiVersion: API_VERSION,
    kind: 'Rule' as const,
    metadata: rule.resource
      ? { name: rule.resource.name, namespace: rule.resource.namespace }
      : { name: resourceName(rule.name), namespace },
    spec: {
      displayName: rule.name.slice(0, 128),
      ...(rule.description === '' ? {} : { description: rule.description }),
      enabled: rule.enabled,
      mode: d.mode,
      action: d.action,
      severity: d.severity,
      definition: d.condition as unknown as Record<string, unknown>,
    },
  };
  ruleSchema.parse(object);
  return object;
}

export function ruleResourceYaml(rule: RuleLike, namespace?: string): string {
  return stringify(ruleResource(rule, namespace), { lineWidth: 0 });
}
