// The events a replay sends: payment_events rows (every state change the stack recorded) chosen
// by payment, merchant, the payment's current state, event type, time range and source, and
// what the target stack already knows of each (its worker's dedup records).
import type pg from 'pg';

export interface Selection {
  readonly payments: readonly string[];
  readonly merchants: readonly string[];
  readonly states: readonly string[];
  readonly types: readonly string[];
  /** payment_events.source values; the processor's events are 'sqs'. */
  readonly sources: readonly string[];
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  readonly limit: number;
}

export interface StoredEvent {
  readonly id: string;
  readonly event_id: string;
  readonly payment_id: string;
  readonly merchant_id: string;
  readonly type: string;
  readonly source: string;
  readonly occurred_at: Date;
  readonly amount_minor: bigint | null;
  readonly data: Record<string, unknown>;
}

const orNull = (xs: readonly string[]): string[] | null => (xs.length > 0 ? [...xs] : null);

/** The selected events in their original order (occurred_at, id); at most `limit + 1`. */
export async function selectEvents(db: pg.Pool, s: Selection): Promise<StoredEvent[]> {
  const { rows } = await db.query<StoredEvent>(
    `select e.id, e.event_id, e.payment_id, p.merchant_id, e.type, e.source, e.occurred_at,
            e.amount_minor, e.data
       from payment_events e
       join payments p on p.id = e.payment_id and p.created_at = e.payment_created_at
      where e.type <> 'payment.created'
        and ($1::text[] is null or e.payment_id = any($1))
        and ($2::text[] is null or p.merchant_id = any($2))
        and ($3::text[] is null or p.current_state = any($3))
        and ($4::text[] is null or e.type = any($4))
        and ($5::text[] is null or e.source = any($5))
        and ($6::timestamptz is null or e.occurred_at >= $6)
        and ($7::timestamptz is null or e.occurred_at < $7)
      order by e.occurred_at, e.id
      limit $8`,
    [
      orNull(s.payments),
      orNull(s.merchants),
      orNull(s.states),
      orNull(s.types),
      orNull(s.sources),
      s.from ?? null,
      s.to ?? null,
      s.limit + 1,
    ],
  );
  return rows;
}

/**
 * What the target's worker will do with an event, judged from the target's database before
 * anything is sent:
 *   processed  a dedup record says it was applied or ignored (or it is parked): dropped as a
 *              duplicate, no effect
 *   recorded   the target holds the event (payment_events) but no dedup record of the worker:
 *              it came from the API, the seed or a batch; the worker would decide it afresh,
 *              and reject it, since its payment is already past it
 *   unknown    the target has no trace of it (a replay from another database): the worker
 *              decides it, applying, parking or rejecting it
 */
export type Prior = 'processed' | 'recorded' | 'unknown';

export interface Known {
  readonly prior: Map<string, Prior>;
  /** Effects of the processed ones, to compare after the replay. */
  readonly effects: Effects;
}

export interface Effects {
  readonly paymentEvents: bigint;
  readonly auditRows: bigint;
  /** The latest processed_at of their dedup records (unchanged when the worker dropped them). */
  readonly lastProcessedAt: string | null;
  readonly dedupRecords: bigint;
}

const CHUNK = 5000;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

export async function priorOf(db: pg.Pool, events: readonly StoredEvent[]): Promise<Map<string, Prior>> {
  const prior = new Map<string, Prior>(events.map((e) => [e.event_id, 'unknown']));
  for (const part of chunks(events.map((e) => e.event_id))) {
    const { rows } = await db.query<{ event_id: string; k: Prior }>(
      `select event_id, 'recorded' as k from payment_events where event_id = any($1)
       union all
       select event_id, 'processed' from processed_events where event_id = any($1) and outcome in ('applied', 'ignored')
       union all
       select event_id, 'processed' from parked_events where event_id = any($1)`,
      [part],
    );
    for (const r of rows) if (prior.get(r.event_id) !== 'processed') prior.set(r.event_id, r.k);
  }
  return prior;
}

/** The effects in the target of these events: rows that would change if one took effect twice. */
export async function effectsOf(
  db: pg.Pool,
  events: readonly { event_id: string; payment_id: string }[],
): Promise<Effects> {
  const total = {
    paymentEvents: 0n,
    auditRows: 0n,
    dedupRecords: 0n,
    lastProcessedAt: null as string | null,
  };
  for (const part of chunks(events)) {
    const ids = part.map((e) => e.event_id);
    const { rows } = await db.query<{ pe: bigint; audit: bigint; dedup: bigint; last: string | null }>(
      `select (select count(*) from payment_events where event_id = any($1)) as pe,
              (select count(*) from audit_log where resource_type = 'payment' and resource_id = any($2)
                  and event_id = any($1)) as audit,
              (select count(*) from processed_events where event_id = any($1)) as dedup,
              (select max(processed_at)::text from processed_events where event_id = any($1)) as last`,
      [ids, [...new Set(part.map((e) => e.payment_id))]],
    );
    const r = rows[0] ?? { pe: 0n, audit: 0n, dedup: 0n, last: null };
    total.paymentEvents += r.pe;
    total.auditRows += r.audit;
    total.dedupRecords += r.dedup;
    total.lastProcessedAt = latest(total.lastProcessedAt, r.last);
  }
  return total;
}

function latest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}

export type Outcome = 'applied' | 'rejected' | 'ignored' | 'parked' | 'undecided';

/** What the target's database says of events that were not processed before the replay. */
export async function outcomesOf(
  db: pg.Pool,
  eventIds: readonly string[],
  since: Date,
): Promise<Map<string, { outcome: Outcome; reason: string | null }>> {
  const out = new Map<string, { outcome: Outcome; reason: string | null }>();
  for (const part of chunks(eventIds)) {
    const { rows } = await db.query<{ event_id: string; outcome: Outcome; reason: string | null }>(
      `select event_id, outcome, reason from processed_events
        where event_id = any($1) and (outcome <> 'rejected' or processed_at >= $2)
       union all
       select event_id, 'parked', reason from parked_events where event_id = any($1) and status = 'parked'`,
      [part, since],
    );
    for (const r of rows) out.set(r.event_id, { outcome: r.outcome, reason: r.reason });
  }
  for (const id of eventIds) if (!out.has(id)) out.set(id, { outcome: 'undecided', reason: null });
  return out;
}
