// Payment persistence shared by every writer: the API's use cases, the worker applying SQS
// events, the batch runner. No HTTP here: callers pass a pg client (inside their own
// transaction for writes) and a `ChangeContext` saying who changes what and why.
//
// Every write goes through `insertPayment` or `recordTransition`, which together with the
// change itself write, in the caller's transaction:
//   - a `payment_events` row (the payment's history),
//   - a hash-chained audit row (`appendAudit`),
//   - an outbox row on topic `payment-updates` (published to SQS by the worker's relay),
//   - a `pg_notify` on channel `payflow_payments` (delivered on commit; feeds the SSE stream).
// So either all of them commit with the change, or none does.
import pg from 'pg';
import { Conflict } from '../domain/errors.ts';
import { idTimestamp, isId, newId, type Id } from '../domain/ids.ts';
import { toJsonAmount, type CurrencyCode } from '../domain/money.ts';
import type { PaymentState, TransitionDecision, TransitionEventType } from '../domain/states.ts';
import type { AuditEntry } from '../store/tx.ts';

/** Outbox topic of payment changes (published to the payment-updates queue). */
export const PAYMENT_UPDATES_TOPIC = 'payment-updates';
/** Postgres NOTIFY channel carrying `{ id, merchant_id, payer_id, type, current_state, version }` after each change. */
export const PAYMENTS_NOTIFY_CHANNEL = 'payflow_payments';

/** A payment as stored (camelCase, money in bigint minor units). */
export interface Payment {
  readonly id: Id<'pay'>;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly merchantId: string;
  readonly payerId: string;
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
  readonly refundedMinor: bigint;
  readonly state: PaymentState;
  readonly version: number;
  readonly cardFingerprint: string | null;
  readonly country: string | null;
  readonly flagged: boolean;
  readonly held: boolean;
  readonly metadata: Record<string, unknown>;
}

/** The columns of `payments`, as pg returns them. */
export interface PaymentRow {
  id: string;
  created_at: Date;
  updated_at: Date;
  merchant_id: string;
  payer_id: string;
  amount_minor: bigint;
  currency: string;
  refunded_minor: bigint;
  current_state: string;
  version: number;
  card_fingerprint: string | null;
  country: string | null;
  flagged: boolean;
  held: boolean;
  metadata: Record<string, unknown>;
}

export const PAYMENT_COLUMNS =
  'id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency, refunded_minor, ' +
  'current_state, version, card_fingerprint, country, flagged, held, metadata';

export function paymentFromRow(r: PaymentRow): Payment {
  return {
    id: r.id as Id<'pay'>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    merchantId: r.merchant_id,
    payerId: r.payer_id,
    amountMinor: r.amount_minor,
    currency: r.currency as CurrencyCode,
    refundedMinor: r.refunded_minor,
    state: r.current_state as PaymentState,
    version: r.version,
    cardFingerprint: r.card_fingerprint,
    country: r.country,
    flagged: r.flagged,
    held: r.held,
    metadata: r.metadata,
  };
}

/**
 * The payment in the API's JSON shape (snake_case as in the seed): `amount` as a JSON number
 * that denotes exactly the amount, `amount_minor` / `refunded_amount_minor` as integer strings.
 * Also the payload of outbox messages, so that consumers see what API clients see.
 */
export function paymentJson(p: Payment): Record<string, unknown> {
  return {
    id: p.id,
    merchant_id: p.merchantId,
    payer_id: p.payerId,
    amount: toJsonAmount({ amountMinor: p.amountMinor, currency: p.currency }),
    amount_minor: p.amountMinor.toString(),
    currency: p.currency,
    current_state: p.state,
    // Most payments have no refund: 0 is what toJsonAmount answers for zero, without its work.
    refunded_amount:
      p.refundedMinor === 0n ? 0 : toJsonAmount({ amountMinor: p.refundedMinor, currency: p.currency }),
    refunded_amount_minor: p.refundedMinor.toString(),
    card_fingerprint: p.cardFingerprint,
    country: p.country,
    metadata: p.metadata,
    flagged: p.flagged,
    held: p.held,
    version: p.version,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

/** Who makes a change, from where, and why; recorded in payment_events and the audit row. */
export interface ChangeContext {
  readonly source: 'api' | 'sqs' | 'batch' | 'system';
  readonly actor: Pick<AuditEntry, 'actorType' | 'actorId'>;
  readonly requestId?: string | null;
  /** The processor event applied (worker); a fresh `evt_` id is made when absent. */
  readonly eventId?: string | null;
  readonly reason?: string | null;
  /** When the event happened at its source; default now. */
  readonly occurredAt?: Date;
  /** Free-form event data kept in payment_events.data. */
  readonly data?: Record<string, unknown>;
}

/** Anything that can run a query: a pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.ClientBase;

/** The created_at of a payment id (its ULID timestamp), or undefined for a malformed id. */
function createdAtOf(id: string): Date | undefined {
  return isId('pay', id) ? new Date(idTimestamp(id)) : undefined;
}

/** The monthly partition a created_at falls in, as migration 0002 names them (UTC months). */
function partitionOf(createdAt: Date): string {
  const month = String(createdAt.getUTCMonth() + 1).padStart(2, '0');
  return `payments_${String(createdAt.getUTCFullYear())}_${month}`;
}

function isUndefinedTable(err: unknown): boolean {
  return (err as { code?: unknown }).code === '42P01';
}

async function findIn(
  db: Queryable,
  table: string,
  id: string,
  at: { createdAt: Date; scope: readonly string[] | undefined },
): Promise<Payment | undefined> {
  const { createdAt, scope } = at;
  const { rows } = await db.query<PaymentRow>(
    scope === undefined
      ? {
          name: `find_${table}`,
          text: `select ${PAYMENT_COLUMNS} from ${table} where id = $1 and created_at = $2`,
          values: [id, createdAt],
        }
      : {
          name: `find_scoped_${table}`,
          text: `select ${PAYMENT_COLUMNS} from ${table} where id = $1 and created_at = $2 and merchant_id = any($3::text[])`,
          values: [id, createdAt, scope],
        },
  );
  return rows[0] ? paymentFromRow(rows[0]) : undefined;
}

/**
 * Reads one payment. The id names its partition (created_at is the id's timestamp), so the
 * lookup touches one partition. Malformed ids are simply not found.
 *
 * Outside a transaction (a pool), the monthly partition is read directly: planning a query on
 * the partitioned parent costs more than the lookup itself. When that partition does not exist
 * or has no such row (a row kept in the default partition, a server whose months are not UTC),
 * the parent answers. Inside a transaction, the parent is always used (an error there would
 * abort the caller's transaction).
 */
export async function findPayment(
  db: Queryable,
  id: string,
  scope?: readonly string[],
): Promise<Payment | undefined> {
  const createdAt = createdAtOf(id);
  if (!createdAt) return undefined;
  if (db instanceof pg.Pool) {
    const hit = await findIn(db, partitionOf(createdAt), id, { createdAt, scope }).catch((err: unknown) => {
      if (isUndefinedTable(err)) return undefined;
      throw err;
    });
    if (hit) return hit;
  }
  return findIn(db, 'payments', id, { createdAt, scope });
}

/**
 * Reads and row-locks one payment (`for update`) in the caller's transaction; with a merchant
 * scope, a payment of another merchant is not found.
 */
export async function lockPayment(
  client: pg.ClientBase,
  id: string,
  scope?: readonly string[],
): Promise<Payment | undefined> {
  const createdAt = createdAtOf(id);
  if (!createdAt) return undefined;
  const { rows } = await client.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from payments where id = $1 and created_at = $2
        and ($3::text[] is null or merchant_id = any($3::text[])) for update`,
    [id, createdAt, scope ?? null],
  );
  return rows[0] ? paymentFromRow(rows[0]) : undefined;
}

/** A payment to create; amounts already validated (see api/src/domain/money.ts). */
export interface NewPayment {
  /** Normally omitted (a fresh id is made); tools that replay history may pass one. */
  readonly id?: Id<'pay'>;
  readonly merchantId: string;
  readonly payerId: string;
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
  readonly cardFingerprint?: string | null;
  readonly country?: string | null;
  readonly metadata?: Record<string, unknown>;
}

interface HistoryEntry {
  readonly payment: Payment;
  readonly type: string;
  readonly from: PaymentState | null;
  readonly amountMinor: bigint | null;
  readonly before: unknown;
}

/** payment_events + audit + outbox + notify for one change that has been written. */
// One statement, one round trip: the event row and the outbox row (data-modifying CTEs), the
// audit row (audit_append, the same SQL function appendAudit calls) and the notification.
// Any failure fails the statement, and the caller's transaction rolls back with it.
const HISTORY_SQL = `
  with event as (
    insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state,
      to_state, amount_minor, source, occurred_at, data)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)
  ), message as (
    insert into outbox (topic, aggregate_id, event_type, payload) values ($12, $3, $5, $13::jsonb)
  )
  select a.id, pg_notify($14, $15) as notified
    from audit_append($16, $17, $18, $5, 'payment', $3, $19::jsonb, $20::jsonb, $21, $22, $2) a`;

/** payment_events + audit + outbox + notify for one change that has been written. */
async function recordHistory(client: pg.ClientBase, h: HistoryEntry, ctx: ChangeContext): Promise<string> {
  const eventId = ctx.eventId ?? newId('evt');
  const p = h.payment;
  const after = paymentJson(p);
  const message = { event_id: eventId, type: h.type, from_state: h.from, payment: after };
  const note = {
    id: p.id,
    merchant_id: p.merchantId,
    payer_id: p.payerId,
    type: h.type,
    current_state: p.state,
    version: p.version,
  };
  const { rowCount } = await client.query({
    name: 'payments_history',
    text: HISTORY_SQL,
    values: [
      newId('evt'),
      eventId,
      p.id,
      p.createdAt,
      h.type,
      h.from,
      p.state,
      h.amountMinor,
      ctx.source,
      ctx.occurredAt ?? new Date(),
      JSON.stringify(ctx.data ?? {}),
      PAYMENT_UPDATES_TOPIC,
      JSON.stringify(message),
      PAYMENTS_NOTIFY_CHANNEL,
      JSON.stringify(note),
      newId('aud'),
      ctx.actor.actorType,
      ctx.actor.actorId,
      h.before === null ? null : JSON.stringify(h.before),
      JSON.stringify(after),
      ctx.reason ?? null,
      ctx.requestId ?? null,
    ],
  });
  if (rowCount !== 1) throw new Error('audit_append returned no row');
  return eventId;
}

/**
 * Inserts a new payment in state `pending`, with its `payment.created` event, audit row,
 * outbox message and notification, in the caller's transaction. created_at is the id's
 * timestamp. Returns the stored payment.
 */
export async function insertPayment(
  client: pg.ClientBase,
  input: NewPayment,
  ctx: ChangeContext,
): Promise<Payment> {
  const id = input.id ?? newId('pay');
  const { rows } = await client.query<PaymentRow>(
    `insert into payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency,
       current_state, card_fingerprint, country, metadata)
     values ($1, $2, now(), $3, $4, $5, $6, 'pending', $7, $8, $9::jsonb)
     returning ${PAYMENT_COLUMNS}`,
    [
      id,
      new Date(idTimestamp(id)),
      input.merchantId,
      input.payerId,
      input.amountMinor,
      input.currency,
      input.cardFingerprint ?? null,
      input.country ?? null,
      JSON.stringify(input.metadata ?? {}),
    ],
  );
  const row = rows[0];
  if (!row) throw new Error('insert into payments returned no row');
  const payment = paymentFromRow(row);
  const history = {
    payment,
    type: 'payment.created',
    from: null,
    amountMinor: payment.amountMinor,
    before: null,
  };
  await recordHistory(client, history, ctx);
  return payment;
}

/** The event type a decision stands for when the caller does not name one. */
export function eventTypeFor(decision: TransitionDecision): TransitionEventType {
  if (decision.from === 'disputed')
    return decision.to === 'settled' ? 'payment.dispute_won' : 'payment.dispute_lost';
  return `payment.${decision.to}` as TransitionEventType;
}

export interface TransitionInput extends ChangeContext {
  /** The payment as read (normally by `lockPayment`) when the decision was made. */
  readonly payment: Payment;
  /** From `decideCommand` / `decideEvent` (api/src/domain/states.ts). */
  readonly decision: TransitionDecision;
  /** The event type recorded; default derived from the decision (`payment.<to>`). */
  readonly type?: TransitionEventType;
}

/**
 * Applies a decided transition in the caller's transaction: a compare-and-set update on
 * (current_state, version), then the payment_events row, the audit row (before/after), the
 * outbox message and the notification. Throws `Conflict` (409, code `concurrent_update`) when
 * the payment changed since it was read; the caller's transaction must then roll back.
 * Returns the updated payment and the event id recorded.
 */
export async function recordTransition(
  client: pg.ClientBase,
  t: TransitionInput,
): Promise<{ payment: Payment; eventId: string }> {
  const p = t.payment;
  const { rows } = await client.query<PaymentRow>(
    `update payments
        set current_state = $3, refunded_minor = $4, version = version + 1, updated_at = now()
      where id = $1 and created_at = $2 and current_state = $5 and version = $6
      returning ${PAYMENT_COLUMNS}`,
    [p.id, p.createdAt, t.decision.to, t.decision.refundedMinor, t.decision.from, p.version],
  );
  const row = rows[0];
  if (!row) {
    throw new Conflict(`Payment ${p.id} changed while this change was being made; retry.`, {
      code: 'concurrent_update',
    });
  }
  const payment = paymentFromRow(row);
  const type = t.type ?? eventTypeFor(t.decision);
  const amountMinor = t.decision.refundMinor > 0n ? t.decision.refundMinor : null;
  const eventId = await recordHistory(
    client,
    { payment, type, from: t.decision.from, amountMinor, before: paymentJson(p) },
    t,
  );
  return { payment, eventId };
}
