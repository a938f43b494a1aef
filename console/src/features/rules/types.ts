// The rules API as the console reads it (api/src/routes/rules.ts).
import type { Definition } from './model';

export const RULE_MODES = ['enforce', 'shadow'] as const;
export const RULE_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const RULE_SOURCES = ['api', 'kubernetes'] as const;

export type RuleDefinition = Definition;

export interface Rule {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  source: 'api' | 'kubernetes';
  version: number;
  hits_24h?: number;
  /** Hits per hour over the last 24 hours, oldest first. */
  hits_24h_series?: number[];
  /** The live rule a shadow rule challenges. */
  shadow_of?: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  /** The Kubernetes Rule resource a kubernetes rule is synced from. */
  resource?: { namespace?: string; name?: string } | null;
}

export interface RuleVersion {
  rule_id: string;
  version: number;
  name: string;
  description: string;
  enabled: boolean;
  rule_definition: RuleDefinition;
  shadow_of: string | null;
  source: 'api' | 'kubernetes';
  change: string;
  changed_by: string | null;
  changed_by_email: string | null;
  reason: string | null;
  created_at: string;
}

export interface Validation {
  valid: boolean;
  issues: { field: string; message: string }[];
  resource_yaml: string | null;
}

export interface BacktestExample {
  payment_id: string;
  created_at: string;
  merchant_id: string;
  payer_id: string;
  amount_minor: string;
  currency: string;
  state: string;
  country: string | null;
  card_fingerprint: string | null;
  /** How an alert on the payment was resolved, else `chargeback` for a dispute it lost (fraud). */
  label: 'confirmed_fraud' | 'false_positive' | 'chargeback' | null;
  values: Record<string, string>;
  reasons: string[];
}

export interface Backtest {
  id: string;
  status: string;
  from: string;
  to: string;
  processed: number;
  total: number | null;
  progress: number | null;
  error: string | null;
  hits: number;
  hits_by_day: { day: string; hits: number }[];
  examples: BacktestExample[];
  labels: {
    confirmed_fraud_hit: number;
    false_positive_hit: number;
    confirmed_fraud_missed: number;
    /** Of the confirmed fraud, the chargebacks on which no alert was resolved. */
    chargebacks: number;
    precision: number | null;
    recall: number | null;
  };
  created_at: string;
  completed_at: string | null;
}

export interface ShadowHit {
  payment_id: string;
  matched_at: string;
  reasons: string[];
}

export interface ShadowCompare {
  rule_id: string;
  compared_with: 'rule' | 'live_rules';
  live_rule: { id: string; name: string; version: number } | null;
  since: string;
  /** The version whose start is `since` (this rule's or the live rule's); null: the window's length. */
  since_version: { rule_id: string; version: number } | null;
  until: string;
  bucket: 'hour' | 'day';
  buckets: { start: string; shadow: number; live: number; both: number }[];
  totals: { shadow: number; live: number; both: number; only_shadow: number; only_live: number };
  only_shadow: ShadowHit[];
  only_live: ShadowHit[];
}
