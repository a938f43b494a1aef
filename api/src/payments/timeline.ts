// A payment's state timeline, from what every writer already stores: payment_events (each state
// change, whatever its source, with its from and to states) joined with the change's audit row
// (who, why, which request), and the audit rows of the processor events refused for the payment
// (`payment.event_rejected`, written by the worker with the event's body and the reason).
//
// Order: a payment's audit rows all sit on one hash chain (the chain is picked by resource), so
// their time and chain sequence give the order the changes were made in, even within one worker
// batch (one transaction, one recorded_at).
import { toJsonAmount, type CurrencyCode } from '../domain/money.ts';
import type { Queryable } from './store.ts';

export type TimelineKind = 'created' | 'event' | 'command';

/** One entry, in the API's JSON shape. */
export interface TimelineEntry {
  /** When PayFlow recorded it (ISO UTC). */
  at: string;
  kind: TimelineKind;
  /** `payment.created`, `payment.captured`, … (for a refused event, the type it claimed). */
  type: string | null;
  /** applied: the change was made; rejected: a processor event refused (nothing changed). */
  outcome: 'applied' | 'rejected';
  /** The state before; for a refused event, the state it was refused in. */
  from_state: string | null;
  /** The state after; null for a refused event. */
  to_state: string | null;
  event_id: string | null;
  /** api (commands), sqs (processor events), batch (replays, backfills), system. */
  source: string | null;
  /** When the processor says the event happened (events only). */
  occurred_at: string | null;
  actor: { type: string; id: string | null } | null;
  request_id: string | null;
  /** The payment's amount when created, the refund's amount for refunds (exact JSON number). */
  amount?: number | string;
  amount_minor?: string;
  reason?: string;
  /**
   * A dispute's card-network reason code as the processor sent it (data.reason_code), and whether
   * the code names fraud (null: a code of no known network); backtests read the same.
   */
  dispute_reason?: { code: string; fraud: boolean | null };
}

interface TimelineRow {
  outcome: 'applied' | 'rejected';
  type: string | null;
  from_state: string | null;
  to_state: string | null;
  event_id: string | null;
  amount_minor: string | null;
  source: string | null;
  occurred_at: string | null;
  at: Date;
  actor_type: string | null;
  actor_id: string | null;
  reason: string | null;
  request_id: string | null;
  reason_code: string | null;
  reason_fraud: boolean | null;
}

// Both parts read one payment's rows through their indexes: payment_events (payment_id,
// recorded_at) and audit_log (resource_type, resource_id, occurred_at).
const TIMELINE_SQL = `
  with a as (
    select chain_seq, occurred_at, actor_type, actor_id, action, reason, request_id, event_id, after
      from audit_log where resource_type = 'payment' and resource_id = $1
  )
  select 'applied' as outcome, e.type, e.from_state, e.to_state, e.event_id,
         e.amount_minor::text as amount_minor, e.source,
         to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at,
         coalesce(a.occurred_at, e.recorded_at) as at, a.chain_seq,
         a.actor_type, a.actor_id, a.reason, a.request_id,
         case when e.type in ('payment.disputed', 'payment.dispute_lost')
              then nullif(btrim(e.data->>'reason_code'), '') end as reason_code,
         dispute_reason_is_fraud(e.data->>'reason_code') as reason_fraud
    from payment_events e
    left join a on a.event_id = e.event_id and a.action = e.type
   where e.payment_id = $1
  union all
  select 'rejected', a.after->'event'->>'type', null, null, a.event_id,
         case when a.after->'event'->>'amount_minor' ~ '^[0-9]{1,16}$'
              then a.after->'event'->>'amount_minor' end,
         null, a.after->'event'->>'occurred_at',
         a.occurred_at, a.chain_seq, a.actor_type, a.actor_id, a.reason, a.request_id, null, null
    from a where a.action = 'payment.event_rejected'
   order by at, chain_seq nulls last`;

function kindOf(r: TimelineRow): TimelineKind {
  if (r.type === 'payment.created') return 'created';
  return r.source === 'api' ? 'command' : 'event';
}

/** A timestamp as ISO UTC; null when absent or not a timestamp (a refused event's body). */
function isoOrNull(v: string | null): string | null {
  if (v === null) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function entryOf(r: TimelineRow, currency: CurrencyCode, stateBefore: string | null): TimelineEntry {
  const entry: TimelineEntry = {
    at: r.at.toISOString(),
    kind: kindOf(r),
    type: r.type,
    outcome: r.outcome,
    from_state: r.outcome === 'rejected' ? stateBefore : r.from_state,
    to_state: r.to_state,
    event_id: r.event_id,
    source: r.source,
    occurred_at: isoOrNull(r.occurred_at),
    actor: r.actor_type === null ? null : { type: r.actor_type, id: r.actor_id },
    request_id: r.request_id,
  };
  if (r.amount_minor !== null) {
    entry.amount = toJsonAmount({ amountMinor: BigInt(r.amount_minor), currency });
    entry.amount_minor = r.amount_minor;
  }
  if (r.reason !== null) entry.reason = r.reason;
  if (r.reason_code !== null) entry.dispute_reason = { code: r.reason_code, fraud: r.reason_fraud };
  return entry;
}

/** The payment's timeline, oldest first (the payment must exist: the caller checks). */
export async function paymentTimeline(
  db: Queryable,
  payment: { readonly id: string; readonly currency: CurrencyCode },
): Promise<TimelineEntry[]> {
  const { rows } = await db.query<TimelineRow>(TIMELINE_SQL, [payment.id]);
  const out: TimelineEntry[] = [];
  let state: string | null = null;
  for (const r of rows) {
    const entry = entryOf(r, payment.currency, state);
    if (r.outcome === 'applied') state = r.to_state;
    out.push(entry);
  }
  return out;
}
