// The gaps `payflow backfill` finds and repairs, per chunk of payments (in (created_at, id)
// order):
//   created   a payment with no `payment.created` event: the event is recorded as the API
//             records it (to_state pending, the payment's amount, occurred at its created_at),
//             source 'batch'; nothing is published (the payment is not new to anyone)
//   audit     a recorded state change (payment_events) with no audit row for its event id: an
//             audit row `payment.audit_backfilled` naming the event, its states and its time
//   merchant  a payment of a merchant in the attributes file lacking some of the attributes in
//             metadata.merchant: the missing ones are added, present ones never overwritten (a
//             different present value is counted as a conflict and kept)
// Every change gets its audit row, actor `system` / `payflow-backfill`, in the transaction of the
// change; audit rows are only appended (audit_append), so the hash chain stays valid.
import type pg from 'pg';
import { appendAudit } from '@payflow/api/store';
import { newId } from '@payflow/api/domain';
import type { MerchantAttributes, Scalar } from './merchants.ts';

export const ACTOR = { actorType: 'system', actorId: 'payflow-backfill' } as const;

export type GapKind = 'created' | 'audit' | 'merchant';
export const GAP_KINDS: readonly GapKind[] = ['created', 'audit', 'merchant'];

export interface PaymentKey {
  readonly id: string;
  readonly created_at: Date;
}

interface PaymentRow extends PaymentKey {
  readonly merchant_id: string;
  readonly amount_minor: bigint;
  readonly merchant: Record<string, unknown> | null;
  readonly has_created: boolean;
}

interface EventRow {
  readonly event_id: string;
  readonly payment_id: string;
  readonly type: string;
  readonly from_state: string | null;
  readonly to_state: string | null;
  readonly amount_minor: bigint | null;
  readonly source: string;
  readonly occurred_at: Date;
  readonly recorded_at: Date;
}

export interface MerchantFix {
  readonly payment: PaymentRow;
  readonly add: Record<string, Scalar>;
  readonly conflicts: string[];
}

export interface ChunkGaps {
  readonly created: PaymentRow[];
  readonly audit: EventRow[];
  readonly merchant: MerchantFix[];
  /** Attributes present with another value than the file's (kept). */
  readonly conflicts: number;
}

export interface Scope {
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  readonly merchants: readonly string[];
}

/** The next `limit` payment keys after `after`, in (created_at, id) order. */
export async function nextPayments(
  db: pg.ClientBase,
  scope: Scope,
  after: { at: string; id: string } | null,
  limit: number,
): Promise<PaymentKey[]> {
  const { rows } = await db.query<PaymentKey>(
    `select id, created_at from payments
      where ($1::timestamptz is null or created_at >= $1) and ($2::timestamptz is null or created_at < $2)
        and ($3::text[] is null or merchant_id = any($3))
        and (created_at, id) > ($4::timestamptz, $5)
      order by created_at, id limit $6`,
    [
      scope.from ?? null,
      scope.to ?? null,
      scope.merchants.length > 0 ? scope.merchants : null,
      after?.at ?? '-infinity',
      after?.id ?? '',
      limit,
    ],
  );
  return rows;
}

export async function countPayments(db: pg.ClientBase, scope: Scope): Promise<number> {
  const { rows } = await db.query<{ n: bigint }>(
    `select count(*) as n from payments
      where ($1::timestamptz is null or created_at >= $1) and ($2::timestamptz is null or created_at < $2)
        and ($3::text[] is null or merchant_id = any($3))`,
    [scope.from ?? null, scope.to ?? null, scope.merchants.length > 0 ? scope.merchants : null],
  );
  return Number(rows[0]?.n ?? 0n);
}

/** The chunk's payments, locked (`lock`) in id order as the worker locks them. */
async function loadPayments(
  db: pg.ClientBase,
  keys: readonly PaymentKey[],
  lock: boolean,
): Promise<PaymentRow[]> {
  const { rows } = await db.query<PaymentRow>(
    `select p.id, p.created_at, p.merchant_id, p.amount_minor, p.metadata->'merchant' as merchant,
            exists (select 1 from payment_events e where e.payment_id = p.id and e.type = 'payment.created')
              as has_created
       from payments p
      where p.id = any($1) and p.created_at = any($2)
      order by p.id ${lock ? 'for update of p' : ''}`,
    [keys.map((k) => k.id), [...new Set(keys.map((k) => k.created_at.toISOString()))]],
  );
  return rows;
}

async function eventsWithoutAudit(db: pg.ClientBase, ids: readonly string[]): Promise<EventRow[]> {
  const { rows } = await db.query<EventRow>(
    `select e.event_id, e.payment_id, e.type, e.from_state, e.to_state, e.amount_minor, e.source,
            e.occurred_at, e.recorded_at
       from payment_events e
      where e.payment_id = any($1)
        and not exists (select 1 from audit_log a where a.resource_type = 'payment'
                          and a.resource_id = e.payment_id and a.event_id = e.event_id)
      order by e.payment_id, e.occurred_at, e.id`,
    [ids],
  );
  return rows;
}

function merchantFix(p: PaymentRow, wanted: Readonly<Record<string, Scalar>>): MerchantFix | undefined {
  const have = p.merchant ?? {};
  const add: Record<string, Scalar> = {};
  const conflicts: string[] = [];
  for (const [k, v] of Object.entries(wanted)) {
    const cur = have[k];
    if (cur === undefined || cur === null) add[k] = v;
    else if (cur !== v) conflicts.push(k);
  }
  return Object.keys(add).length > 0 || conflicts.length > 0 ? { payment: p, add, conflicts } : undefined;
}

/** The gaps among the chunk's payments (locked when they are to be repaired). */
export async function findGaps(
  db: pg.ClientBase,
  keys: readonly PaymentKey[],
  o: { kinds: ReadonlySet<GapKind>; merchants: MerchantAttributes; lock: boolean },
): Promise<ChunkGaps> {
  const payments = await loadPayments(db, keys, o.lock);
  const created = o.kinds.has('created') ? payments.filter((p) => !p.has_created) : [];
  const audit = o.kinds.has('audit')
    ? await eventsWithoutAudit(
        db,
        payments.map((p) => p.id),
      )
    : [];
  const fixes = o.kinds.has('merchant')
    ? payments.flatMap((p) => {
        const wanted = o.merchants.get(p.merchant_id);
        const fix = wanted ? merchantFix(p, wanted) : undefined;
        return fix ? [fix] : [];
      })
    : [];
  return {
    created,
    audit,
    merchant: fixes.filter((f) => Object.keys(f.add).length > 0),
    conflicts: fixes.reduce((n, f) => n + f.conflicts.length, 0),
  };
}

export interface Repaired {
  readonly createdEvents: number;
  readonly auditRows: number;
  readonly merchantPayments: number;
  readonly merchantAttributes: number;
}

async function repairCreated(db: pg.ClientBase, p: PaymentRow): Promise<void> {
  const eventId = newId('evt');
  await db.query(
    `insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
                                 amount_minor, source, occurred_at, data)
     values ($1, $2, $3, $4, 'payment.created', null, 'pending', $5, 'batch', $4, $6::jsonb)`,
    [
      newId('evt'),
      eventId,
      p.id,
      p.created_at,
      p.amount_minor,
      JSON.stringify({ backfilled_by: ACTOR.actorId }),
    ],
  );
  await appendAudit(db, {
    ...ACTOR,
    action: 'payment.event_backfilled',
    resourceType: 'payment',
    resourceId: p.id,
    after: {
      event_id: eventId,
      type: 'payment.created',
      to_state: 'pending',
      amount_minor: p.amount_minor,
      occurred_at: p.created_at,
    },
    reason: 'the payment had no payment.created event',
    eventId,
  });
}

async function repairAudit(db: pg.ClientBase, e: EventRow): Promise<void> {
  await appendAudit(db, {
    ...ACTOR,
    action: 'payment.audit_backfilled',
    resourceType: 'payment',
    resourceId: e.payment_id,
    after: {
      event_id: e.event_id,
      type: e.type,
      from_state: e.from_state,
      to_state: e.to_state,
      amount_minor: e.amount_minor,
      source: e.source,
      occurred_at: e.occurred_at,
      recorded_at: e.recorded_at,
    },
    reason: 'the state change was recorded without an audit row',
    eventId: e.event_id,
  });
}

async function repairMerchant(db: pg.ClientBase, f: MerchantFix, file: string): Promise<void> {
  const before = f.payment.merchant;
  const after = { ...(before ?? {}), ...f.add };
  await db.query(
    `update payments set metadata = jsonb_set(metadata, '{merchant}', $3::jsonb, true), updated_at = now()
      where id = $1 and created_at = $2`,
    [f.payment.id, f.payment.created_at, JSON.stringify(after)],
  );
  await appendAudit(db, {
    ...ACTOR,
    action: 'payment.merchant_attributes_backfilled',
    resourceType: 'payment',
    resourceId: f.payment.id,
    before: { merchant: before },
    after: { merchant: after },
    reason: `merchant attributes missing; from ${file}`,
  });
}

/**
 * Repairs the gaps in the caller's transaction, the payments already locked. The audit chain
 * heads are taken in chain order first, as the worker takes them, so that the two never deadlock.
 */
export async function repairGaps(db: pg.ClientBase, g: ChunkGaps, file: string): Promise<Repaired> {
  const n = g.created.length + g.audit.length + g.merchant.length;
  if (n > 0) await db.query('select 1 from audit_chain_heads order by chain for update');
  for (const e of g.audit) await repairAudit(db, e);
  for (const p of g.created) await repairCreated(db, p);
  for (const f of g.merchant) await repairMerchant(db, f, file);
  return {
    createdEvents: g.created.length,
    auditRows: g.audit.length + g.created.length + g.merchant.length,
    merchantPayments: g.merchant.length,
    merchantAttributes: g.merchant.reduce((s, f) => s + Object.keys(f.add).length, 0),
  };
}
