// An audit row as GET /api/v1/audit answers it (api/src/payments/audit.ts auditJson).
export interface AuditEntry {
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  request_id: string | null;
  event_id: string | null;
  chain: number;
  chain_seq: string;
  prev_hash: string;
  hash: string;
}

export interface ChainReport {
  chain: number;
  rows_checked: string;
  valid: boolean;
  first_bad_id: string | null;
  problem: string | null;
}

export interface VerifyReport {
  valid: boolean;
  chains: ChainReport[];
}

export interface VerifyStatus {
  last: {
    verified_at: string;
    valid: boolean;
    rows_checked: number;
    chains: number;
    bad_chain: number | null;
    first_bad_id: string | null;
    problem: string | null;
    verified_by: string | null;
  } | null;
  last_passed_at: string | null;
}
