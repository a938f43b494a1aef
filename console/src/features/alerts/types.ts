// The alert shapes as the API answers them (api/src/routes/alerts.ts). Fields added to the API
// later (rule_version, rule_mode, explanation, payment) are optional here, so that the console
// also reads alerts from an API that does not send them yet.

export type Scalar = string | number | boolean;

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type Resolution = 'false_positive' | 'confirmed_fraud' | 'other';

export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export interface ExplainedCondition {
  /** The reason exactly as the rule engine recorded it. */
  text: string;
  kind: 'comparison' | 'aggregate' | 'other';
  field?: string;
  op?: string;
  expected?: Scalar | Scalar[];
  /** The value seen when the rule fired. */
  actual?: Scalar;
  aggregate?: { function: string; field: string; window: string; group_by: string };
}

export interface AlertExplanation {
  rule: { id: string; name: string | null; version: number | null } | null;
  values: Record<string, Scalar>;
  conditions: ExplainedCondition[];
}

export interface Alert {
  id: string;
  rule_id: string | null;
  rule_name: string | null;
  rule_version?: number | null;
  rule_mode?: 'enforce' | 'shadow' | null;
  payment_id: string | null;
  severity: Severity;
  status: AlertStatus;
  title: string;
  message: string;
  details: Record<string, unknown>;
  explanation?: AlertExplanation;
  assignee_id: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
  resolution: string | null;
  resolution_note?: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface AlertNote {
  id: string;
  author_id: string | null;
  body: string;
  created_at: string;
}

export interface PaymentSummary {
  id: string;
  amount: number | string;
  amount_minor?: string;
  currency: string;
  current_state: string;
  merchant_id: string;
  payer_id: string;
}

export interface AlertDetail extends Alert {
  notes?: AlertNote[];
  /** Absent from an API that does not send it yet; null when the payment is gone. */
  payment?: PaymentSummary | null;
}

export interface NextAlert {
  alert: AlertDetail | null;
  total: number;
}

export type BulkStatus = 'acknowledged' | 'already_acknowledged' | 'not_found' | 'conflict';

export interface BulkResult {
  id: string;
  status: BulkStatus;
  alert?: Alert;
  detail?: string;
}

export interface DirectoryUser {
  id: string;
  name: string;
  email: string;
  role: string;
}

/** The rule language (api/src/domain/rules-schema.ts), as far as the explanation reads it. */
export type Expr =
  | { all: Expr[] }
  | { any: Expr[] }
  | { not: Expr }
  | { field: string; op: string; value: Scalar | Scalar[] }
  | {
      aggregate: string;
      field?: string;
      window: string;
      group_by: string;
      op: string;
      value: number | string;
    };

export interface RuleSummary {
  id: string;
  name: string;
  version: number;
  rule_definition: { condition: Expr; action: string; severity: string; mode?: string };
}
