import type pg from 'pg';
import { newId } from '../domain/ids.ts';

/** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await fn(client);
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export interface AuditEntry {
  actorType: 'user' | 'api_key' | 'system' | 'worker' | 'controller' | 'anonymous';
  actorId: string | null;
  /** `<resource>.<verb>`, e.g. `payment.created`, `alert.acknowledged`, `auth.login_failed`. */
  action: string;
  resourceType: string;
  resourceId: string;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
  requestId?: string | null;
  eventId?: string | null;
}

export interface AuditRow {
  id: string;
  chain: number;
  chain_seq: bigint;
  occurred_at: Date;
  hash: string;
}

const json = (v: unknown): string | null =>
  v === undefined || v === null
    ? null
    : JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));

/**
 * Appends one row to the hash-chained audit log. Call it with the client of
 * the transaction that makes the change, so that both commit or neither does.
 */
export async function appendAudit(client: pg.ClientBase, e: AuditEntry): Promise<AuditRow> {
  const { rows } = await client.query<AuditRow>(
    `select id, chain, chain_seq, occurred_at, hash
       from audit_append($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11)`,
    [
      newId('aud'),
      e.actorType,
      e.actorId,
      e.action,
      e.resourceType,
      e.resourceId,
      json(e.before),
      json(e.after),
      e.reason ?? null,
      e.requestId ?? null,
      e.eventId ?? null,
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('audit_append returned no row');
  return row;
}

export interface OutboxMessage {
  topic: string;
  aggregateId: string;
  eventType: string;
  payload: unknown;
}

/** Stages a message in the outbox, in the caller's transaction; the relay publishes it after commit. */
export async function enqueueOutbox(client: pg.ClientBase, m: OutboxMessage): Promise<void> {
  await client.query(
    'insert into outbox (topic, aggregate_id, event_type, payload) values ($1, $2, $3, $4::jsonb)',
    [m.topic, m.aggregateId, m.eventType, json(m.payload)],
  );
}
