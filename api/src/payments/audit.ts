// Reading the hash-chained audit log (written by appendAudit in api/src/store/tx.ts) and
// verifying its chains with the SQL function audit_verify().
import type { Queryable } from './store.ts';

export interface AuditFilter {
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly actorId?: string;
  readonly action?: string;
  /** Inclusive. */
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  /** The caller's merchant scope: only rows about these merchants' payments and alerts. */
  readonly merchantScope?: readonly string[];
}

interface AuditLogRow {
  id: string;
  chain: number;
  chain_seq: bigint;
  occurred_at: Date;
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
  prev_hash: string;
  hash: string;
}

/** An audit row in the API's JSON shape. */
export type AuditJson = Record<string, unknown>;

function auditJson(r: AuditLogRow): AuditJson {
  return {
    id: r.id,
    occurred_at: r.occurred_at.toISOString(),
    actor_type: r.actor_type,
    actor_id: r.actor_id,
    action: r.action,
    resource_type: r.resource_type,
    resource_id: r.resource_id,
    before: r.before,
    after: r.after,
    reason: r.reason,
    request_id: r.request_id,
    event_id: r.event_id,
    chain: r.chain,
    chain_seq: r.chain_seq.toString(),
    prev_hash: r.prev_hash,
    hash: r.hash,
  };
}

const COLUMNS =
  'id, chain, chain_seq, occurred_at, actor_type, actor_id, action, resource_type, resource_id, ' +
  'before, after, reason, request_id, event_id, prev_hash, hash';

type Cond = [unknown, string];

function where(f: AuditFilter): { sql: string; params: unknown[] } {
  const conds: Cond[] = [
    [f.resourceType, 'resource_type = $'],
    [f.resourceId, 'resource_id = $'],
    [f.actorId, 'actor_id = $'],
    [f.action, 'action = $'],
    [f.from, 'occurred_at >= $'],
    [f.to, 'occurred_at < $'],
  ];
  const params: unknown[] = [];
  const parts: string[] = [];
  for (const [value, sql] of conds) {
    if (value === undefined) continue;
    params.push(value);
    parts.push(`${sql}${String(params.length)}`);
  }
  if (f.merchantScope !== undefined) {
    // A scoped caller sees the rows about its merchants' payments and their alerts, nothing else:
    // such rows carry the payment's merchant (audit_log_merchant_time), other rows none.
    params.push(f.merchantScope);
    parts.push(`merchant_id = any($${String(params.length)}::text[])`);
  }
  return { sql: parts.length === 0 ? '' : `where ${parts.join(' and ')}`, params };
}

export const AUDIT_TOTAL_CAP = 10_000;

/** Newest first, offset paged; `total` exact up to AUDIT_TOTAL_CAP. */
export async function listAudit(
  db: Queryable,
  f: AuditFilter,
  page: { limit: number; offset: number },
): Promise<{ items: AuditJson[]; total: number; totalExact: boolean }> {
  const w = where(f);
  const n = w.params.length;
  const [list, count] = await Promise.all([
    db.query<AuditLogRow>(
      `select ${COLUMNS} from audit_log ${w.sql} order by occurred_at desc, id desc
        limit $${String(n + 1)} offset $${String(n + 2)}`,
      [...w.params, page.limit, page.offset],
    ),
    db.query<{ n: bigint }>(
      `select count(*) as n from (select 1 from audit_log ${w.sql} limit ${String(AUDIT_TOTAL_CAP + 1)}) t`,
      w.params,
    ),
  ]);
  const total = Number(count.rows[0]?.n ?? 0n);
  return {
    items: list.rows.map(auditJson),
    total: Math.min(total, AUDIT_TOTAL_CAP),
    totalExact: total <= AUDIT_TOTAL_CAP,
  };
}

/** Every audit row of one resource, oldest first. */
export async function auditTrail(
  db: Queryable,
  resourceType: string,
  resourceId: string,
): Promise<AuditJson[]> {
  const { rows } = await db.query<AuditLogRow>(
    `select ${COLUMNS} from audit_log where resource_type = $1 and resource_id = $2
      order by occurred_at, chain_seq`,
    [resourceType, resourceId],
  );
  return rows.map(auditJson);
}

export interface ChainReport {
  chain: number;
  rows_checked: string;
  valid: boolean;
  first_bad_id: string | null;
  problem: string | null;
}

/** Runs audit_verify(): every chain's hashes and links, from genesis to the head. */
export async function verifyAudit(db: Queryable): Promise<{ valid: boolean; chains: ChainReport[] }> {
  const { rows } = await db.query<{
    chain: number;
    rows_checked: bigint;
    first_bad_id: string | null;
    problem: string | null;
  }>('select chain, rows_checked, first_bad_id, problem from audit_verify() order by chain');
  const chains = rows.map((r) => ({
    chain: r.chain,
    rows_checked: r.rows_checked.toString(),
    valid: r.problem === null,
    first_bad_id: r.first_bad_id,
    problem: r.problem,
  }));
  return { valid: chains.every((c) => c.valid), chains };
}
