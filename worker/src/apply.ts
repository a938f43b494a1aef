// Applies a micro-batch of SQS payment events in ONE Postgres transaction, exactly once in
// effect per event:
//   1. already-final event ids (processed_events applied/ignored) are duplicates;
//   2. the batch's payments are locked (`for update`, in id order: no deadlocks between batches);
//   3. each event is decided in TypeScript (state machine, grace period, rules with windowed
//      aggregates computed in SQL for the whole batch), in occurred_at order per payment;
//   4. `worker_apply_events` (migration 0007) writes every event in its own subtransaction
//      (savepoint): processed_events key, CAS update on (state, version), payment_events,
//      audit, outbox, notify, rule_hits, alerts; a failing event rolls back only itself.
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
import { decide, type Decision } from './decide.ts';
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
  | { readonly kind: 'dead'; readonly reason: string; readonly eventId: string | undefined }
  | { readonly kind: 'retry'; readonly reason: string; readonly transient: boolean };

export interface ApplyContext {
  readonly pool: pg.Pool;
  readonly actor: string;
  readonly graceMs: number;
  readonly rules: (client: pg.ClientBase) => Promise<readonly LoadedRule[]>;
  /** Called when the set-based fast path failed and the batch is applied event by event. */
  readonly onFallback?: (err: unknown) => void;
}

interface Parsed {
  readonly index: number;
  readonly item: BatchItem;
  readonly event: PaymentEvent | undefined;
  readonly eventId: string;
  readonly invalid?: string;
}

const FINAL = new Set(['applied', 'ignored']);

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
  seq?: number;
  row?: Row;
  verdict?: Verdict;
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
  const client = await connect(ctx.pool);
  let broken: Error | undefined;
  try {
    await client.query('begin');
    await runBatch(ctx, client, unique);
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
  for (const [copy, original] of copies) copy.verdict = copyVerdict(original.verdict);
  return work.map((w) => w.verdict ?? { kind: 'retry', reason: 'not decided', transient: true });
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

async function runBatch(ctx: ApplyContext, client: pg.PoolClient, unique: Work[]): Promise<void> {
  // Lock first, then look for processed ids: a concurrent worker's commit for these payments
  // is then either visible or still holding the lock we wait for.
  const { payments, now } = await lockPayments(client, unique);
  const final = await finalIds(
    client,
    unique.map((w) => w.parsed.eventId),
  );
  const todo: Work[] = [];
  for (const w of unique) {
    if (final.has(w.parsed.eventId))
      w.verdict = { kind: 'done', outcome: 'duplicate', eventId: w.parsed.eventId };
    else todo.push(w);
  }
  if (todo.length === 0) return;
  const rules = await ctx.rules(client);
  const values = rules.length === 0 ? new Map() : await aggregatesFor(client, rules, [...payments.values()]);
  decideAll({ ctx, payments, now, rules, values }, todo);
  const rows = todo.filter((w) => w.row !== undefined).sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  if (rows.length > 0) await writeRows(ctx, client, rows);
}

/** The set-based fast path under a savepoint; event by event when any event fails in it. */
async function writeRows(ctx: ApplyContext, client: pg.PoolClient, rows: Work[]): Promise<void> {
  const items = JSON.stringify(batchRows(rows));
  await client.query('savepoint batch');
  try {
    await client.query('select worker_apply_batch($1::jsonb, $2)', [items, ctx.actor]);
    for (const w of rows) w.verdict = verdictOf(w, statusOf(w.row), null);
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

async function finalIds(client: pg.ClientBase, ids: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ event_id: string; outcome: string }>(
    'select event_id, outcome from processed_events where event_id = any($1::text[])',
    [ids],
  );
  return new Set(rows.filter((r) => FINAL.has(r.outcome)).map((r) => r.event_id));
}

async function lockPayments(
  client: pg.ClientBase,
  todo: readonly Work[],
): Promise<{ payments: Map<string, Payment>; now: Date }> {
  const ids = [
    ...new Set(
      todo.flatMap((w) =>
        w.parsed.event && isId('pay', w.parsed.event.payment_id) ? [w.parsed.event.payment_id] : [],
      ),
    ),
  ].sort();
  const { rows } = await client.query<PaymentRow & { now: Date }>(
    `select ${PAYMENT_COLUMNS}, now() as now from payments
      where id = any($1::text[]) and created_at = any($2::timestamptz[])
      order by id for update`,
    [ids, [...new Set(ids.map((id) => idTimestamp(id)))].map((t) => new Date(t))],
  );
  const now = rows[0]?.now ?? new Date();
  return { payments: new Map(rows.map((r) => [r.id, paymentFromRow(r)])), now };
}

function byOccurrence(a: Work, b: Work): number {
  const ea = a.parsed.event;
  const eb = b.parsed.event;
  if (!ea || !eb) return 0;
  return Date.parse(ea.occurred_at) - Date.parse(eb.occurred_at) || a.parsed.index - b.parsed.index;
}

interface DecideState {
  readonly ctx: ApplyContext;
  readonly payments: Map<string, Payment>;
  readonly now: Date;
  readonly rules: readonly LoadedRule[];
  readonly values: ReadonlyMap<string, ReadonlyMap<string, AggregateValue>>;
}

function decideAll(st: DecideState, todo: Work[]): void {
  let seq = 0;
  for (const w of [...todo].sort(byOccurrence)) {
    w.seq = seq++;
    const { event, invalid, item } = w.parsed;
    if (!event) {
      const reason = invalid ?? 'invalid event';
      w.row = rejectRow(w.parsed, undefined, reason);
      w.verdict = { kind: 'dead', reason, eventId: w.parsed.eventId };
      continue;
    }
    const payment = st.payments.get(event.payment_id);
    const since = Math.min(Date.parse(event.occurred_at), item.firstReceiveAt);
    const d = decide({ event, payment, ageMs: st.now.getTime() - since, graceMs: st.ctx.graceMs });
    applyDecision(st, w, d, payment);
  }
}

function applyDecision(st: DecideState, w: Work, d: Decision, payment: Payment | undefined): void {
  const event = w.parsed.event;
  if (!event) return;
  if (d.kind === 'retry') {
    w.verdict = { kind: 'retry', reason: d.reason, transient: false };
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
