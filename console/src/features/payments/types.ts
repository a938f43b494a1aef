// The JSON the transactions endpoints answer (api/src/routes/transactions.ts).

export interface Payment {
  id: string;
  merchant_id: string;
  payer_id: string;
  amount: number | string;
  amount_minor: string;
  currency: string;
  current_state: string;
  refunded_amount: number | string;
  refunded_amount_minor: string;
  card_fingerprint: string | null;
  country: string | null;
  metadata: Record<string, unknown>;
  flagged: boolean;
  held: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface TimelineEntry {
  at: string;
  kind: 'created' | 'event' | 'command';
  type: string | null;
  outcome?: 'applied' | 'rejected';
  from_state: string | null;
  to_state: string | null;
  event_id: string | null;
  source?: string | null;
  occurred_at?: string | null;
  actor: { type: string; id: string | null } | null;
  request_id?: string | null;
  amount?: number | string;
  amount_minor?: string;
  reason?: string;
  /** A dispute's card-network reason code, and whether it names fraud (null: unknown network). */
  dispute_reason?: { code: string; fraud: boolean | null };
}

export interface RuleHit {
  rule_id: string;
  rule_name: string | null;
  rule_version: number | null;
  mode: string;
  action: string;
  acted: boolean;
  reasons: unknown[];
  matched_at: string;
  event_id?: string | null;
  alert_id: string | null;
}

export interface AuditRow {
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  event_id: string | null;
}

export interface PaymentAlert {
  id: string;
  rule_name: string | null;
  severity: string;
  status: string;
  title: string;
  message: string;
  created_at: string;
}
