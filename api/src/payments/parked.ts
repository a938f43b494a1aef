// Parked events (migration 0014) as operators see them: processor events that arrived before
// their payment existed or before the state they need, waiting in Postgres for the worker to
// apply them after their predecessor (or to dead-letter them past PARK_HORIZON_SECONDS, the
// worker's setting, counted from parked_at).
import type { Queryable } from './store.ts';

/** All parked events at once: the figures of /queue/stats and the system health. */
export interface ParkedSummary {
  /** Events waiting. */
  count: number;
  /** Payments they belong to (known or not yet created). */
  payments: number;
  /** Seconds since the oldest waiting event was first parked; null when none waits. */
  oldest_age_seconds: number | null;
  /** Rejected parked events (impossible, or past the horizon) the worker has yet to send to the DLQ. */
  dead_letter_pending: number;
}

export async function parkedSummary(db: Queryable): Promise<ParkedSummary> {
  const { rows } = await db.query<{
    count: number;
    payments: number;
    oldest: number | null;
    dead: number;
  }>(
    `select count(*) filter (where status = 'parked')::int as count,
            count(distinct payment_id) filter (where status = 'parked')::int as payments,
            extract(epoch from now() - min(parked_at) filter (where status = 'parked'))::float8 as oldest,
            count(*) filter (where status = 'dead')::int as dead
       from parked_events`,
  );
  // One aggregate row, always.
  const r = rows[0] ?? { count: 0, payments: 0, oldest: null, dead: 0 };
  return {
    count: r.count,
    payments: r.payments,
    oldest_age_seconds: r.oldest === null ? null : Math.round(r.oldest * 10) / 10,
    dead_letter_pending: r.dead,
  };
}

/** One parked event of a payment, in the API's JSON shape. */
export interface ParkedEventEntry {
  event_id: string;
  type: string;
  occurred_at: string;
  /** When it was first parked: the horizon counts from here. */
  parked_at: string;
  age_seconds: number;
  /** `payment` (the payment does not exist yet) or the state(s) that accept it. */
  waiting_for: string;
  /** Why it could not apply when last decided. */
  reason: string;
  /** parked: waiting; dead: rejected, about to be dead-lettered with `dead_reason`. */
  status: 'parked' | 'dead';
  dead_reason: string | null;
  /** The event as received. */
  event: unknown;
}

/** A payment's parked events in the order the worker will try them (occurred_at, then id). */
export async function parkedEventsOf(db: Queryable, paymentId: string): Promise<ParkedEventEntry[]> {
  const { rows } = await db.query<{
    event_id: string;
    type: string;
    occurred_at: Date;
    parked_at: Date;
    age: number;
    waiting_for: string;
    reason: string;
    status: 'parked' | 'dead';
    dead_reason: string | null;
    body: string;
  }>(
    `select event_id, type, occurred_at, parked_at, extract(epoch from now() - parked_at)::float8 as age,
            waiting_for, reason, status, dead_reason, body
       from parked_events where payment_id = $1 order by occurred_at, event_id`,
    [paymentId],
  );
  return rows.map((r) => ({
    event_id: r.event_id,
    type: r.type,
    occurred_at: r.occurred_at.toISOString(),
    parked_at: r.parked_at.toISOString(),
    age_seconds: Math.round(r.age * 10) / 10,
    waiting_for: r.waiting_for,
    reason: r.reason,
    status: r.status,
    dead_reason: r.dead_reason,
    event: bodyJson(r.body),
  }));
}

function bodyJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return { raw: body.slice(0, 4096) };
  }
}
