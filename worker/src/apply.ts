// Applies a micro-batch of SQS payment events in ONE Postgres transaction, exactly once in
// effect per event:
//   1. already-final event ids (processed_events applied/ignored) are duplicates;
//   2. the batch's payments are locked (`for update`, in id order: no deadlocks between batches);
//   3. each event is decided in TypeScript (state machine, rules with windowed aggregates
//      computed in SQL for the whole batch) together with the payment's parked events, in
//      occurred_at order per payment: whenever one applies, the others are tried again on the
//      moved payment; an event that arrives early is parked (parked_events, migration 0014);
//   4. `worker_apply_events` (migration 0007) writes every event in its own subtransaction
//      (savepoint): processed_events key, CAS update on (state, version), payment_events,
//      audit, outbox, notify, rule_hits, alerts; a failing event rolls back only itself;
//   5. parked_events: the early events inserted, the applied ones deleted, the impossible or
//      expired ones marked dead (the parking lot sends them to the DLQ), the rest re-dated.
// Then the transaction commits; only after that does the consumer delete the messages.
import type pg from 'pg';
import {
  newId,
  parsePaymentEventBody,
  idTimestamp,
  isId,
  type AggregateValue,
  type PaymentEvent,
  type TransitionDecision,
} from '@payflow/api/domain';
import {
  PAYMENT_COLUMNS,
  PAYMENT_UPDATES_TOPIC,
  PAYMENTS_NOTIFY_CHANNEL,
  paymentFromRow,
  paymentJson,
  type Payment,
  type PaymentRow,
} from '@payflow/api/payments';
import { compareOccurrence, decide, type Decision } from './decide.ts';
import { aggregatesFor, hitsFor, type LoadedRule, type RuleHit } from './rules.ts';

/** One received message, as the applier sees it. */
export interface BatchItem {
  readonly body: string;
  readonly messageId: string;
  /** When SQS first delivered it (ApproximateFirstReceiveTimestamp), epoch ms. */
  readonly firstReceiveAt: number;
  /** The body already parsed (the consumer parses once on receive, for the event id). */
  parsed?: ParsedBody;
}

/** A body as parsed: the event, or why it is invalid; the id it is deduplicated on. */
export interface ParsedBody {
  readonly event: PaymentEvent | undefined;
  readonly eventId: string;
  readonly invalid?: string;
}

export type Verdict =
  | { readonly kind: 'done'; readonly outcome: 'applied' | 'ignored' | 'duplicate'; readonly eventId: string }
  /** Parked in Postgres (now, or by an earlier copy): its message is deleted. */
  | { readonly kind: 'parked'; readonly eventId: string; readonly waitingFor: string }
  | { readonly kind: 'dead'; readonly reason: string; readonly eventId: string | undefined }
  | { readonly kind: 'retry'; readonly reason: string; readonly transient: boolean };

export interface ApplyContext {
  readonly pool: pg.Pool;
  readonly actor: string;
  readonly rules: (client: pg.ClientBase) => Promise<readonly LoadedRule[]>;
  /** Called when the set-based fast path failed and the batch is applied event by event. */
  readonly onFallback?: (err: unknown) => void;
  /** Called after each commit that parked, released or dead-lettered parked events. */
  readonly onParking?: (s: ParkingSummary) => void;
  /**
   * Test-only fault (PAYFLOW_WORKER_FAULT=double-apply, refused by the config outside NODE_ENV=test
   * on a loopback database): each applied event's effect is written a second time, as a worker
   * that lost its exactly-once key would; the chaos tool's checks must then turn red.
   */
  readonly doubleApply?: boolean;
}

/** What one transaction did to parked events. */
export interface ParkingSummary {
  /** Events parked now (copies of parked events not counted). */
  readonly parked: number;
  /** Parked events applied (or found processed) and removed. */
  readonly released: number;
  /** Parked events rejected (impossible now, or past the horizon): on their way to the DLQ. */
  readonly dead: number;
}

/** A parked_events row as loaded for a decision. */
interface ParkedRow {
  readonly event_id: string;
  readonly payment_id: string;
  readonly body: string;
  readonly message_id: string | null;
  readonly parked_at: Date;
  readonly seen_version: number | null;
}

/** Expiry: parked events first parked before `before` that still cannot apply are rejected. */
export interface Expiry {
  readonly before: Date;
  readonly horizonSeconds: number;
}

interface Parsed {
  readonly index: number;
  readonly item: BatchItem;
  readonly event: PaymentEvent | undefined;
  readonly eventId: string;
  readonly invalid?: string;
}

function rawEventId(body: string): string | undefined {
  try {
    const json: unknown = JSON.parse(body);
    const id = (json as { event_id?: unknown } | null)?.event_id;
    return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Parses a message body once; the result is kept on the item. */
export function parseBody(item: BatchItem): ParsedBody {
  if (item.parsed) return item.parsed;
  const v = parsePaymentEventBody(item.body);
  if (v.ok) return (item.parsed = { event: v.value, eventId: v.value.event_id });
  const invalid = `invalid event: ${v.issues.map((i) => `${i.field || '(body)'} ${i.message}`).join('; ')}`;
  // No usable event id: the message itself is what was rejected.
  const eventId = rawEventId(item.body) ?? `invalid:sqs:${item.messageId}`;
  return (item.parsed = { event: undefined, eventId, invalid });
}

export function parseItem(item: BatchItem, index: number): Parsed {
  return { index, item, ...parseBody(item) };
}

/** The row written for one event; see worker_apply_events in migration 0007. */
type Row = Record<string, unknown>;

interface Work {
  readonly parsed: Parsed;
  /** Set when this is a parked event (loaded from parked_events), not one of the batch. */
  readonly parked?: ParkedRow;
  seq?: number;
  row?: Row;
  verdict?: Verdict;
  /** Still early after every decision of the transaction: parked (again). */
  park?: { readonly reason: string; readonly waitingFor: string } | undefined;
}

/**
 * Applies the batch; returns one verdict per item, in order. Throws only when the whole
 * transaction failed (connection lost, commit failed): then every item is to be retried.
 */
export async function applyBatch(ctx: ApplyContext, items: readonly BatchItem[]): Promise<Verdict[]> {
  const work: Work[] = items.map((item, i) => ({ parsed: parseItem(item, i) }));
  const first = new Map<string, Work>();
  const copies: [Work, Work][] = [];
  for (const w of work) {
    const seen = first.get(w.parsed.eventId);
    if (seen) copies.push([w, seen]);
    else first.set(w.parsed.eventId, w);
  }
  const unique = [...first.values()];
  await inTransaction(ctx, async (client) => runBatch(ctx, client, unique, {}));
  for (const [copy, original] of copies) copy.verdict = copyVerdict(original.verdict);
  return work.map((w) => w.verdict ?? { kind: 'retry', reason: 'not decided', transient: true });
}

/**
 * Decides the parked events of `paymentIds` again in one transaction (the parking lot's
 * sweep: their payment moved without a worker event, was created, or their horizon passed),
 * applying those that now can, in occurred_at order.
 */
export async function settleParked(
  ctx: ApplyContext,
  paymentIds: readonly string[],
  expire?: Expiry,
): Promise<ParkingSummary> {
  return inTransaction(ctx, async (client) =>
    runBatch(ctx, client, [], { payments: paymentIds, ...(expire ? { expire } : {}) }),
  );
}

async function inTransaction(
  ctx: ApplyContext,
  body: (client: pg.PoolClient) => Promise<ParkingSummary>,
): Promise<ParkingSummary> {
  const client = await connect(ctx.pool);
  let broken: Error | undefined;
  let summary: ParkingSummary;
  try {
    await client.query('begin');
    summary = await body(client);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {
      broken = err as Error;
    });
    throw err;
  } finally {
    // A client whose connection failed is discarded, not returned to the pool.
    client.release(broken);
  }
  if (summary.parked + summary.released + summary.dead > 0) ctx.onParking?.(summary);
  return summary;
}

const guarded = new WeakSet<pg.PoolClient>();

/** A pooled client whose connection errors (e.g. a server restart) reject its queries instead of crashing. */
export async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  if (!guarded.has(client)) {
    client.on('error', () => undefined);
    guarded.add(client);
  }
  return client;
}

function copyVerdict(v: Verdict | undefined): Verdict | undefined {
  if (v?.kind === 'done') return { ...v, outcome: 'duplicate' };
  return v;
}

/** Marks duplicates (processed, or parked already) and returns what is left to decide. */
function stillToDecide(unique: Work[], parked: Work[], known: Map<string, 'final' | 'parked'>): Work[] {
  const todo: Work[] = [];
  for (const w of unique) {
    const k = known.get(w.parsed.eventId);
    if (k === 'final') w.verdict = { kind: 'done', outcome: 'duplicate', eventId: w.parsed.eventId };
    else if (k === 'parked') w.verdict = { kind: 'parked', eventId: w.parsed.eventId, waitingFor: 'parked' };
    else todo.push(w);
  }
  for (const w of parked) {
    // Processed by another path meanwhile (a copy applied before this one was parked).
    if (known.get(w.parsed.eventId) === 'final')
      w.verdict = { kind: 'done', outcome: 'duplicate', eventId: w.parsed.eventId };
    else todo.push(w);
  }
  return todo;
}

interface RunOptions {
  /** Payments whose parked events are decided again even without an event of theirs here. */
  readonly payments?: readonly string[];
  readonly expire?: Expiry;
}

const NOTHING: ParkingSummary = { parked: 0, released: 0, dead: 0 };

async function runBatch(
  ctx: ApplyContext,
  client: pg.PoolClient,
  unique: Work[],
  opts: RunOptions,
): Promise<ParkingSummary> {
  // Lock first, then look for processed ids: a concurrent worker's commit for these payments
  // is then either visible or still holding the lock we wait for.
  const extra = opts.payments ?? [];
  const { payments, now, withParked } = await lockPayments(client, unique, extra);
  const parkedOf = [...new Set([...withParked, ...extra])];
  const parked = parkedOf.length === 0 ? [] : await loadParked(client, parkedOf, unique.length);
  const known = await knownIds(client, [
    ...unique.map((w) => w.parsed.eventId),
    ...parked.map((w) => w.parsed.eventId),
  ]);
  const todo = stillToDecide(unique, parked, known);
  if (todo.length === 0) return parked.length === 0 ? NOTHING : writeParking(client, [], parked, payments);
  const rules = await ctx.rules(client);
  const values = rules.length === 0 ? new Map() : await aggregatesFor(client, rules, [...payments.values()]);
  decideAll({ ctx, payments, now, rules, values, expire: opts.expire }, todo);
  const rows = todo.filter((w) => w.row !== undefined).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  if (rows.length > 0) await writeRows(ctx, client, rows);
  const early = unique.filter((w) => w.park !== undefined && w.row === undefined);
  if (early.length === 0 && parked.length === 0) return NOTHING;
  return writeParking(client, early, parked, payments);
}

/**
 * The parked_events changes of the transaction, in one statement, from what was decided and
 * what the writes did: batch events still early are parked (a copy parked concurrently by
 * another worker stays the one row); parked events applied, ignored or found processed are
 * deleted; parked events rejected are marked dead for the parking lot to dead-letter; the
 * others stay, with the version they were decided on (one whose write failed gets none, so
 * the next sweep decides it again).
 */
async function writeParking(
  client: pg.PoolClient,
  early: readonly Work[],
  parked: readonly Work[],
  payments: ReadonlyMap<string, Payment>,
): Promise<ParkingSummary> {
  const park = early.flatMap((w) => parkRow(w, payments));
  const release: string[] = [];
  const dead: Row[] = [];
  const seen: Row[] = [];
  for (const w of parked) {
    const v = w.verdict;
    if (v?.kind === 'done') release.push(w.parsed.eventId);
    else if (v?.kind === 'dead') dead.push({ event_id: w.parsed.eventId, reason: v.reason });
    else {
      const row = seenRow(w, payments);
      // Decided on the same version again: the same state, the same words; nothing to write.
      if (row.seen_version === null || row.seen_version !== w.parked?.seen_version) seen.push(row);
    }
  }
  if (park.length + release.length + dead.length + seen.length === 0) return NOTHING;
  await client.query(PARKING_SQL, [
    JSON.stringify(park),
    release,
    JSON.stringify(dead),
    JSON.stringify(seen),
  ]);
  return { parked: park.length, released: release.length, dead: dead.length };
}

/** The parked_events row of a batch event still early; its verdict becomes `parked`. */
function parkRow(w: Work, payments: ReadonlyMap<string, Payment>): Row[] {
  const event = w.parsed.event;
  if (!event || !w.park) return [];
  w.verdict = { kind: 'parked', eventId: event.event_id, waitingFor: w.park.waitingFor };
  return [
    {
      event_id: event.event_id,
      payment_id: event.payment_id,
      payment_created_at: new Date(idTimestamp(event.payment_id)).toISOString(),
      type: event.type,
      occurred_at: event.occurred_at,
      body: w.parsed.item.body,
      message_id: w.parsed.item.messageId || null,
      waiting_for: w.park.waitingFor,
      reason: w.park.reason,
      seen_version: payments.get(event.payment_id)?.version ?? null,
    },
  ];
}

/** A parked event that stays: what it waits for now, on which version (none when its write failed). */
function seenRow(w: Work, payments: ReadonlyMap<string, Payment>): Row {
  const v = w.verdict;
  const version = payments.get(eventOf(w).payment_id)?.version ?? null;
  if (v?.kind === 'retry')
    return { event_id: w.parsed.eventId, seen_version: null, waiting_for: 'payment', reason: v.reason };
  return {
    event_id: w.parsed.eventId,
    seen_version: version,
    waiting_for: w.park?.waitingFor ?? 'payment',
    reason: w.park?.reason ?? 'not decided',
  };
}

const PARKING_SQL = `
  with parked as (
    insert into parked_events (event_id, payment_id, payment_created_at, type, occurred_at, body, message_id,
                               waiting_for, reason, seen_version)
    select event_id, payment_id, payment_created_at, type, occurred_at, body, message_id, waiting_for, reason,
           seen_version
      from jsonb_to_recordset($1::jsonb) as x(event_id text, payment_id text, payment_created_at timestamptz,
           type text, occurred_at timestamptz, body text, message_id text, waiting_for text, reason text,
           seen_version integer)
    on conflict (event_id) do nothing
    returning 1
  ), released as (
    delete from parked_events where event_id = any($2::text[]) returning 1
  ), dead as (
    update parked_events p set status = 'dead', dead_reason = x.reason
      from jsonb_to_recordset($3::jsonb) as x(event_id text, reason text)
     where p.event_id = x.event_id
    returning 1
  ), seen as (
    update parked_events p
       set seen_version = x.seen_version, waiting_for = x.waiting_for, reason = x.reason
      from jsonb_to_recordset($4::jsonb) as x(event_id text, seen_version integer, waiting_for text, reason text)
     where p.event_id = x.event_id
    returning 1
  )
  select (select count(*) from parked) + (select count(*) from released) + (select count(*) from dead)
       + (select count(*) from seen) as n`;

/** The set-based fast path under a savepoint; event by event when any event fails in it. */
async function writeRows(ctx: ApplyContext, client: pg.PoolClient, rows: Work[]): Promise<void> {
  const items = JSON.stringify(batchRows(rows));
  await client.query('savepoint batch');
  try {
    await client.query('select worker_apply_batch($1::jsonb, $2)', [items, ctx.actor]);
    for (const w of rows) w.verdict = verdictOf(w, statusOf(w.row), null);
    if (ctx.doubleApply === true) await applyAgain(ctx, client, rows);
    return;
  } catch (err) {
    await client.query('rollback to savepoint batch');
    ctx.onFallback?.(err);
  }
  // One subtransaction per event: a failing event rolls back only itself.
  const { rows: results } = await client.query<{ ord: number; status: string; message: string | null }>(
    'select ord, status, message from worker_apply_events($1::jsonb, $2)',
    [items, ctx.actor],
  );
  for (const r of results) {
    const w = rows[r.ord];
    if (w) w.verdict = verdictOf(w, r.status, r.message);
  }
  if (ctx.doubleApply === true)
    await applyAgain(
      ctx,
      client,
      rows.filter((w) => w.verdict?.kind === 'done'),
    );
}

/**
 * The double-apply fault (test-only, see ApplyContext.doubleApply): the effect of every applied
 * event once more, in the same transaction: one more version step of its payment and one more
 * audit row of its action, for the same event id.
 */
async function applyAgain(ctx: ApplyContext, client: pg.PoolClient, rows: readonly Work[]): Promise<void> {
  for (const w of rows) {
    const row = w.row;
    if (row?.kind !== 'apply') continue;
    await client.query('update payments set version = version + 1 where id = $1 and created_at = $2', [
      row.payment_id,
      row.created_at,
    ]);
    await client.query(
      `select audit_append($1, 'worker', $2, $3, 'payment', $4, $5::jsonb, null, 'double-apply fault', null, $6)`,
      [newId('aud'), ctx.actor, row.type, row.payment_id, JSON.stringify(row.before), row.event_id],
    );
  }
}

function statusOf(row: Row | undefined): string {
  if (row?.kind === 'apply') return 'applied';
  return row?.kind === 'reject' ? 'rejected' : 'ignored';
}

/** The rows in decision order, with the batch-wide compare-and-set on each payment's last row. */
function batchRows(rows: readonly Work[]): Row[] {
  const items = rows.map((w, ord): Row => ({ ...w.row, ord }));
  const first = new Map<string, Row>();
  const last = new Map<string, Row>();
  for (const it of items) {
    if (it.kind !== 'apply') continue;
    const id = String(it.payment_id);
    if (!first.has(id)) first.set(id, it);
    last.set(id, it);
  }
  for (const [id, it] of last) {
    const f = first.get(id);
    it.last_of_payment = true;
    it.first_from = f?.from_state;
    it.first_version = f?.expected_version;
  }
  return items;
}

function verdictOf(w: Work, status: string, message: string | null): Verdict {
  const eventId = w.parsed.eventId;
  switch (status) {
    case 'applied':
    case 'ignored':
    case 'duplicate':
      return { kind: 'done', outcome: status, eventId };
    case 'rejected':
      return w.verdict ?? { kind: 'dead', reason: String(w.row?.reason), eventId };
    case 'conflict':
      return { kind: 'retry', reason: message ?? 'concurrent update', transient: true };
    default:
      // Unexpected database error for this event alone: retried; SQS dead-letters it after
      // maxReceiveCount receives if it keeps failing.
      return { kind: 'retry', reason: `database error: ${message ?? status}`, transient: true };
  }
}

/** Event ids already final (processed_events applied / ignored) or parked. */
async function knownIds(client: pg.ClientBase, ids: string[]): Promise<Map<string, 'final' | 'parked'>> {
  const { rows } = await client.query<{ event_id: string; k: 'final' | 'parked' }>(
    `select event_id, 'final' as k from processed_events
      where event_id = any($1::text[]) and outcome in ('applied', 'ignored')
     union all
     select event_id, 'parked' from parked_events where event_id = any($1::text[])`,
    [ids],
  );
  const known = new Map<string, 'final' | 'parked'>();
  for (const r of rows) if (known.get(r.event_id) !== 'final') known.set(r.event_id, r.k);
  return known;
}

/** The parked events of these payments, locked, as work items (indexes after the batch's). */
async function loadParked(client: pg.ClientBase, paymentIds: string[], offset: number): Promise<Work[]> {
  const { rows } = await client.query<ParkedRow>(
    `select event_id, payment_id, body, message_id, parked_at, seen_version from parked_events
      where payment_id = any($1::text[]) and status = 'parked'
      order by payment_id, occurred_at, event_id for update`,
    [paymentIds],
  );
  return rows.map((row, i) => ({
    parsed: parseItem({ body: row.body, messageId: row.message_id ?? '', firstReceiveAt: 0 }, offset + i),
    parked: row,
  }));
}

async function lockPayments(
  client: pg.ClientBase,
  todo: readonly Work[],
  extra: readonly string[],
): Promise<{ payments: Map<string, Payment>; now: Date; withParked: string[] }> {
  const ids = [
    ...new Set([
      ...todo.flatMap((w) =>
        w.parsed.event && isId('pay', w.parsed.event.payment_id) ? [w.parsed.event.payment_id] : [],
      ),
      ...extra.filter((id) => isId('pay', id)),
    ]),
  ].sort();
  if (ids.length === 0) return { payments: new Map(), now: new Date(), withParked: [] };
  const { rows } = await client.query<PaymentRow & { now: Date; has_parked: boolean }>(
    `select ${PAYMENT_COLUMNS}, now() as now,
            exists (select 1 from parked_events pe where pe.payment_id = payments.id and pe.status = 'parked')
              as has_parked
       from payments
      where id = any($1::text[]) and created_at = any($2::timestamptz[])
      order by id for update`,
    [ids, [...new Set(ids.map((id) => idTimestamp(id)))].map((t) => new Date(t))],
  );
  const now = rows[0]?.now ?? new Date();
  return {
    payments: new Map(rows.map((r) => [r.id, paymentFromRow(r)])),
    now,
    withParked: rows.filter((r) => r.has_parked).map((r) => r.id),
  };
}

interface DecideState {
  readonly ctx: ApplyContext;
  readonly payments: Map<string, Payment>;
  readonly now: Date;
  readonly rules: readonly LoadedRule[];
  readonly values: ReadonlyMap<string, ReadonlyMap<string, AggregateValue>>;
  readonly expire: Expiry | undefined;
}

function decideAll(st: DecideState, todo: Work[]): void {
  const seq = { next: 0 };
  const byPayment = new Map<string, Work[]>();
  for (const w of todo) {
    const { event, invalid } = w.parsed;
    if (!event) {
      const reason = invalid ?? 'invalid event';
      w.seq = seq.next++;
      w.row = rejectRow(w.parsed, undefined, reason);
      w.verdict = { kind: 'dead', reason, eventId: w.parsed.eventId };
      continue;
    }
    const list = byPayment.get(event.payment_id);
    if (list) list.push(w);
    else byPayment.set(event.payment_id, [w]);
  }
  for (const [paymentId, list] of byPayment) decidePayment(st, paymentId, list, seq);
}

function eventOf(w: Work): PaymentEvent {
  const event = w.parsed.event;
  if (!event) throw new Error(`event ${w.parsed.eventId} has no payment`);
  return event;
}

/**
 * One payment's events of the transaction (the batch's and its parked ones), tried in
 * occurred_at order (ties: the state machine's lifecycle order, then event id). Whenever one
 * applies, the ones still waiting are tried again from the first on the moved payment, so a
 * predecessor releases what it makes applicable, recursively. What is still early is parked;
 * a parked event past the horizon is rejected, naming what it waited for.
 */
function decidePayment(st: DecideState, paymentId: string, list: Work[], seq: { next: number }): void {
  let waiting = [...list].sort((a, b) => compareOccurrence(eventOf(a), eventOf(b)));
  for (let moved = true; moved && waiting.length > 0;) {
    moved = false;
    const still: Work[] = [];
    for (const w of waiting) {
      if (moved) {
        still.push(w);
        continue;
      }
      const payment = st.payments.get(paymentId);
      const d = decide({ event: eventOf(w), payment });
      if (d.kind === 'park') {
        w.park = { reason: d.reason, waitingFor: d.waitingFor };
        still.push(w);
        continue;
      }
      w.park = undefined;
      w.seq = seq.next++;
      applyDecision(st, w, d, payment);
      moved = d.kind === 'apply';
    }
    waiting = still;
  }
  expireWaiting(st, paymentId, waiting, seq);
}

/** Parked events first parked before the horizon that still wait are rejected, naming what they waited for. */
function expireWaiting(
  st: DecideState,
  paymentId: string,
  waiting: readonly Work[],
  seq: { next: number },
): void {
  const expire = st.expire;
  if (!expire) return;
  for (const w of waiting) {
    if (!w.parked || !w.park || w.parked.parked_at >= expire.before) continue;
    const reason = expiredReason(w, st.payments.get(paymentId), expire, st.now);
    w.seq = seq.next++;
    w.row = rejectRow(w.parsed, paymentId, reason);
    w.verdict = { kind: 'dead', reason, eventId: w.parsed.eventId };
    w.park = undefined;
  }
}

function expiredReason(w: Work, payment: Payment | undefined, expire: Expiry, now: Date): string {
  const since = w.parked?.parked_at ?? now;
  const waited = Math.round((now.getTime() - since.getTime()) / 1000);
  const what =
    w.park?.waitingFor === 'payment' || !payment
      ? `payment ${eventOf(w).payment_id} to be created`
      : `the payment to reach ${String(w.park?.waitingFor)} (it is ${payment.state})`;
  return (
    `parked ${String(waited)} s (since ${since.toISOString()}), past the parking horizon of ` +
    `${String(expire.horizonSeconds)} s, waiting for ${what}: ${String(w.park?.reason)}`
  );
}

function applyDecision(st: DecideState, w: Work, d: Decision, payment: Payment | undefined): void {
  const event = w.parsed.event;
  if (!event) return;
  if (d.kind === 'park') {
    w.park = { reason: d.reason, waitingFor: d.waitingFor };
  } else if (d.kind === 'reject') {
    w.row = rejectRow(w.parsed, event.payment_id, d.reason);
    w.verdict = { kind: 'dead', reason: d.reason, eventId: event.event_id };
  } else if (d.kind === 'ignore') {
    w.row = { kind: 'ignore', event_id: event.event_id, payment_id: event.payment_id };
  } else if (payment) {
    const moved: Payment = {
      ...payment,
      state: d.decision.to,
      refundedMinor: d.decision.refundedMinor,
      version: payment.version + 1,
      updatedAt: st.now,
    };
    const before = paymentJson(payment);
    const row = applyRow(event, payment, before, d.decision);
    const after = applyRules(st, row, moved);
    st.payments.set(payment.id, after);
    finishRow(row, before, after);
    w.row = row;
  }
}

function rejectRow(p: Parsed, paymentId: string | undefined, reason: string): Row {
  let body: unknown;
  try {
    body = JSON.parse(p.item.body);
  } catch {
    body = { raw: p.item.body.slice(0, 4096) };
  }
  return {
    kind: 'reject',
    event_id: p.eventId,
    payment_id: paymentId ?? null,
    reason,
    audit_id: newId('aud'),
    body: { message_id: p.item.messageId, event: body },
  };
}

function applyRow(event: PaymentEvent, before: Payment, beforeJson: Row, d: TransitionDecision): Row {
  return {
    kind: 'apply',
    event_id: event.event_id,
    payment_id: before.id,
    created_at: before.createdAt.toISOString(),
    type: event.type,
    from_state: d.from,
    to_state: d.to,
    expected_version: before.version,
    refunded_minor: d.refundedMinor.toString(),
    refund_minor: d.refundMinor.toString(),
    occurred_at: event.occurred_at,
    reason: event.reason ?? null,
    data: event.data ?? {},
    row_id: newId('evt'),
    audit_id: newId('aud'),
    before: beforeJson,
    notify_channel: PAYMENTS_NOTIFY_CHANNEL,
    hits: [],
  };
}

/**
 * Final touches once rules have run. `after` travels as the fields that differ from `before`
 * (Postgres makes the full JSON as `before || after`, the same jsonb); the outbox payload
 * (`{event_id, type, from_state, payment: after}`) is built in SQL too: less JSON to make,
 * send and parse per event.
 */
function finishRow(row: Row, before: Row, after: Payment): void {
  const full = paymentJson(after);
  const patch: Row = {};
  for (const [k, v] of Object.entries(full)) if (before[k] !== v) patch[k] = v;
  row.after = patch;
  row.updated_at = full.updated_at;
  row.flagged = after.flagged;
  row.held = after.held;
  row.outbox = { topic: PAYMENT_UPDATES_TOPIC };
  row.notify = JSON.stringify({
    id: after.id,
    merchant_id: after.merchantId,
    payer_id: after.payerId,
    type: row.type,
    current_state: after.state,
    version: after.version,
  });
}

/** Evaluates the rules on the moved payment; records hits on the row; returns the payment after their actions. */
function applyRules(st: DecideState, row: Row, moved: Payment): Payment {
  if (st.rules.length === 0) return moved;
  let current = moved;
  const out: Row[] = [];
  for (const hit of hitsFor(st.rules, moved, st.values.get(moved.id) ?? new Map())) {
    const effect = hitEffect(hit, current, row);
    out.push(effect.row);
    current = effect.payment;
  }
  row.hits = out;
  return current;
}

function hitEffect(hit: RuleHit, payment: Payment, row: Row): { row: Row; payment: Payment } {
  const { rule } = hit;
  const base: Row = {
    rule_id: rule.id,
    // The version evaluated (the rule cache may lag an edit), stored on the hit.
    rule_version: rule.version,
    mode: rule.mode,
    action: rule.action,
    acted: hit.acted,
    reasons: hit.reasons,
  };
  if (!hit.acted) return { row: base, payment };
  const reason = `rule ${rule.name}: ${hit.reasons.join('; ')}`;
  if (rule.action === 'alert' || rule.action === 'decline') base.alert = alertOf(hit, payment, row);
  const field = rule.action === 'flag' ? 'flagged' : rule.action === 'alert' ? undefined : 'held';
  if (field === undefined || payment[field]) return { row: base, payment };
  base.audit = {
    id: newId('aud'),
    action: field === 'flagged' ? 'payment.flagged' : 'payment.held',
    before: { [field]: false },
    after: { [field]: true },
    reason,
  };
  return { row: base, payment: { ...payment, [field]: true } };
}

function alertOf(hit: RuleHit, payment: Payment, row: Row): Row {
  return {
    id: newId('alt'),
    audit_id: newId('aud'),
    severity: hit.rule.severity,
    title: `${hit.rule.name} matched payment ${payment.id}`,
    message: hit.reasons.join('; '),
    details: {
      reasons: hit.reasons,
      event_id: row.event_id,
      rule_name: hit.rule.name,
      // The version the worker evaluated (its rule cache may lag an edit by RULES_TTL_MS).
      rule_version: hit.rule.version,
      action: hit.rule.action,
    },
    dedupe_key: `${hit.rule.id}:${payment.id}`,
  };
}
