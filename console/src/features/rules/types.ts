// The Rule as GET /api/v1/rules answers it (api/src/routes/rules.ts).
export const RULE_MODES = ['enforce', 'shadow'] as const;
export const RULE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const RULE_SOURCES = ['api', 'kubernetes'] as const;

export interface RuleDefinition {
  condition: unknown;
  action: string;
  severity: string;
  mode: string;
}

export interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  source: 'api' | 'kubernetes';
  version: number;
  hits_24h?: number;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** Not in the API today; read if a later version names the Rule resource. */
  resource?: { namespace?: string; name?: string } | null;
}
