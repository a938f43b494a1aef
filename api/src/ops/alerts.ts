// Alerts: the list, the work queue and detail queries, what an alert says about why it was
// raised, and the operator's actions (acknowledge, one or many; resolve, assign, note). Every
// change is a compare-and-set on `version` with its audit row in one transaction.
import type pg from 'pg';
import { Conflict, NotFound, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { toJsonAmount } from '../domain/money.ts';
import { AGGREGATE_FUNCTIONS, AGGREGATE_OPS, COMPARISON_OPS } from '../domain/rules-schema.ts';
import { findPayment } from '../payments/store.ts';
import { merchantScopeOf, type Principal } from '../http/principal.ts';
import { appendAudit, type AuditEntry } from '../store/tx.ts';
import {
  auditBy,
  checkVersion,
  likePattern,
  listPage,
  SqlFilter,
  type Actor,
  type Page,
  type PageRequest,
} from './common.ts';

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const ALERT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export const ALERT_SORT_KEYS = ['created_at', 'updated_at', 'severity', 'status'] as const;
/** How an alert was closed. Older rows may hold free text from before this list. */
export const ALERT_RESOLUTIONS = ['false_positive', 'confirmed_fraud', 'other'] as const;
export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];
/** Most alerts one bulk acknowledge takes. */
export const MAX_BULK_ALERTS = 200;
/** Longest note (an alert note, a resolution note). */
export const MAX_NOTE_LENGTH = 4000;

interface AlertRow {
  id: string;
  rule_id: string | null;
  rule_name: string | null;
  rule_version: number | null;
  rule_mode: 'enforce' | 'shadow' | null;
  payment_id: string | null;
  severity: string;
  status: AlertStatus;
  title: string;
  message: string;
  details: unknown;
  assignee_id: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Date | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  resolution: string | null;
  resolution_note: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** An alert as stored (what audit rows hold). */
export type StoredAlert = Omit<AlertRow, 'details'> & { details: AlertDetails };

/** An alert as the API shows it: the stored fields and the explanation derived from them. */
export type Alert = StoredAlert & { explanation: AlertExplanation };

export interface AlertDetails {
  /** Why the rule matched, one line per satisfied condition (empty when nothing was recorded). */
  reasons: string[];
  [key: string]: unknown;
}

export interface AlertNote {
  id: string;
  author_id: string | null;
  body: string;
  created_at: Date;
}

export interface PaymentSummary {
  id: string;
  amount: number | string;
  amount_minor: string;
  currency: string;
  current_state: string;
  merchant_id: string;
  payer_id: string;
}

export type AlertDetail = Alert & { notes: AlertNote[]; payment: PaymentSummary | null };

// rule_mode: as recorded when the alert was raised; for rows raised before that was recorded,
// the rule's mode now.
const COLUMNS = `t.id, t.rule_id, r.name as rule_name, t.rule_version, coalesce(t.rule_mode, r.mode) as rule_mode,
  t.payment_id, t.severity, t.status, t.title, t.message, t.details, t.assignee_id, t.acknowledged_by,
  t.acknowledged_at, t.resolved_by, t.resolved_at, t.resolution, t.resolution_note, t.version,
  t.created_at, t.updated_at`;
const FROM = 'alerts t left join rules r on r.id = t.rule_id';

const SORT_KEYS = {
  created_at: { expr: 't.created_at', type: 'timestamptz' },
  updated_at: { expr: 't.updated_at', type: 'timestamptz' },
  severity: {
    expr: "(case t.severity when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end)",
    type: 'integer',
  },
  status: {
    expr: "(case t.status when 'open' then 1 when 'acknowledged' then 2 else 3 end)",
    type: 'integer',
  },
} as const;

function detailsOf(raw: unknown): AlertDetails {
  const obj = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : {};
  const reasons = (obj as { reasons?: unknown }).reasons;
  const list = Array.isArray(reasons) ? reasons.filter((r): r is string => typeof r === 'string') : [];
  return { ...(obj as Record<string, unknown>), reasons: list };
}

function toStored(row: AlertRow): StoredAlert {
  return { ...row, details: detailsOf(row.details) };
}

function toAlert(row: AlertRow): Alert {
  const stored = toStored(row);
  return { ...stored, explanation: explain(stored) };
}

/** The stored part of an alert, for audit rows (the explanation is derived, not stored). */
function storedPart(alert: Alert): StoredAlert {
  const { explanation: _derived, ...stored } = alert;
  return stored;
}

// ---------------------------------------------------------------------------------------------
// Explanation: what the rule engine recorded (`details.reasons`, see describeExpr and evaluate
// in domain/rules.ts), read back into structure. A comparison reads
// `<field> <op> <value> (was <seen>)`, an aggregate
// `<fn>(<field>|*) over <window> by <group> <op> <n> (was <seen>)`; anything else (a `not (…)`,
// an empty `all()`) is kept as text only.

type Scalar = string | number | boolean;

export interface ExplainedCondition {
  /** The reason exactly as recorded. */
  text: string;
  kind: 'comparison' | 'aggregate' | 'other';
  /** The payment field, or for an aggregate its name, e.g. `count(*) over 1h by payer_id`. */
  field?: string;
  op?: string;
  /** What the rule compares with (a list for in / not_in). */
  expected?: Scalar | Scalar[];
  /** The value seen when the rule fired. */
  actual?: Scalar;
  aggregate?: { function: string; field: string; window: string; group_by: string };
}

export interface AlertExplanation {
  rule: { id: string; name: string | null; version: number | null } | null;
  /** Field (or aggregate) → the value seen when the rule fired. */
  values: Record<string, Scalar>;
  conditions: ExplainedCondition[];
}

const LITERAL = String.raw`"(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
const COMPARISON_REASON = new RegExp(
  String.raw`^(?<field>\S+) (?<op>${COMPARISON_OPS.join('|')}) (?<expected>.+) \(was (?<seen>${LITERAL})\)$`,
);
const AGGREGATE_REASON = new RegExp(
  String.raw`^(?<name>(?<fn>${AGGREGATE_FUNCTIONS.join('|')})\((?<field>\*|[a-z_]+)\) over (?<window>\S+) by (?<group>[a-z_]+)) ` +
    String.raw`(?<op>${AGGREGATE_OPS.join('|')}) (?<bound>-?\d+) \(was (?<seen>-?\d+)\)$`,
);

/** A rendered literal back to its value; integers beyond 2^53 stay exact as strings. */
function literal(text: string): Scalar | Scalar[] {
  if (/^-?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value.map((v) => literal(JSON.stringify(v)) as Scalar);
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? value
      : text;
  } catch {
    return text;
  }
}

function scalar(text: string): Scalar {
  const value = literal(text);
  return Array.isArray(value) ? text : value;
}

function group(m: RegExpExecArray, name: string): string {
  return m.groups?.[name] ?? '';
}

function aggregateCondition(text: string, m: RegExpExecArray): ExplainedCondition {
  return {
    text,
    kind: 'aggregate',
    field: group(m, 'name'),
    op: group(m, 'op'),
    expected: scalar(group(m, 'bound')),
    actual: scalar(group(m, 'seen')),
    aggregate: {
      function: group(m, 'fn'),
      field: group(m, 'field'),
      window: group(m, 'window'),
      group_by: group(m, 'group'),
    },
  };
}

function comparisonCondition(text: string, m: RegExpExecArray): ExplainedCondition {
  return {
    text,
    kind: 'comparison',
    field: group(m, 'field'),
    op: group(m, 'op'),
    expected: literal(group(m, 'expected')),
    actual: scalar(group(m, 'seen')),
  };
}

/** One recorded reason read back into structure (kind `other` when it is neither shape). */
export function explainReason(text: string): ExplainedCondition {
  const agg = AGGREGATE_REASON.exec(text);
  if (agg) return aggregateCondition(text, agg);
  const cmp = COMPARISON_REASON.exec(text);
  if (cmp) return comparisonCondition(text, cmp);
  return { text, kind: 'other' };
}

function explain(alert: StoredAlert): AlertExplanation {
  const conditions = alert.details.reasons.map(explainReason);
  const values: Record<string, Scalar> = {};
  for (const c of conditions) if (c.field !== undefined && c.actual !== undefined) values[c.field] = c.actual;
  const named = alert.details.rule_name;
  const rule =
    alert.rule_id === null
      ? null
      : {
          id: alert.rule_id,
          name: typeof named === 'string' ? named : alert.rule_name,
          version: alert.rule_version,
        };
  return { rule, values, conditions };
}

// ---------------------------------------------------------------------------------------------
// Reads

export interface AlertFilters {
  status?: AlertStatus[] | undefined;
  severity?: string[] | undefined;
  rule_id?: string | undefined;
  payment_id?: string | undefined;
  assignee_id?: string | undefined;
  /** Only alerts nobody is assigned to. */
  unassigned?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  /** The caller's merchant scope (merchantScopeOf): only alerts of these merchants' payments. */
  scope?: readonly string[] | undefined;
}

function alertFilter(f: AlertFilters): SqlFilter {
  const filter = new SqlFilter();
  filter.when(f.scope, (p) => `t.merchant_id = any(${p}::text[])`);
  filter.when(f.status, (p) => `t.status = any(${p}::text[])`);
  filter.when(f.severity, (p) => `t.severity = any(${p}::text[])`);
  filter.when(f.rule_id, (p) => `t.rule_id = ${p}`);
  filter.when(f.payment_id, (p) => `t.payment_id = ${p}`);
  filter.when(f.assignee_id, (p) => `t.assignee_id = ${p}`);
  if (f.unassigned === true) filter.where('t.assignee_id is null');
  filter.when(f.from, (p) => `t.created_at >= ${p}::timestamptz`);
  filter.when(f.to, (p) => `t.created_at < ${p}::timestamptz`);
  if (f.q !== undefined) {
    const exact = filter.bind(f.q);
    const like = filter.bind(likePattern(f.q));
    filter.where(
      `(t.id = ${exact} or t.payment_id = ${exact} or t.title ilike ${like} or t.message ilike ${like})`,
    );
  }
  return filter;
}

export async function listAlerts(pool: pg.Pool, f: AlertFilters, page: PageRequest): Promise<Page<unknown>> {
  return listPage<AlertRow>(pool, {
    columns: COLUMNS,
    from: FROM,
    filter: alertFilter(f),
    sortKeys: SORT_KEYS,
    page,
    map: toAlert,
  });
}

/** One alert; with a merchant scope, an alert of another merchant's payment is not found. */
async function findAlert(db: pg.ClientBase | pg.Pool, id: string, scope?: readonly string[]): Promise<Alert> {
  const { rows } = await db.query<AlertRow>(
    `select ${COLUMNS} from ${FROM} where t.id = $1 and ($2::text[] is null or t.merchant_id = any($2::text[]))`,
    [id, scope ?? null],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Alert', id);
  return toAlert(row);
}

async function paymentSummary(pool: pg.Pool, id: string | null): Promise<PaymentSummary | null> {
  if (id === null) return null;
  const p = await findPayment(pool, id);
  if (!p) return null;
  return {
    id: p.id,
    amount: toJsonAmount({ amountMinor: p.amountMinor, currency: p.currency }),
    amount_minor: p.amountMinor.toString(),
    currency: p.currency,
    current_state: p.state,
    merchant_id: p.merchantId,
    payer_id: p.payerId,
  };
}

async function withDetail(pool: pg.Pool, alert: Alert): Promise<AlertDetail> {
  const [notes, payment] = await Promise.all([
    pool.query<AlertNote>(
      'select id, author_id, body, created_at from alert_notes where alert_id = $1 order by created_at, id',
      [alert.id],
    ),
    paymentSummary(pool, alert.payment_id),
  ]);
  return { ...alert, notes: notes.rows, payment };
}

export async function getAlert(
  pool: pg.Pool,
  id: string,
  viewer: Principal | undefined,
): Promise<AlertDetail> {
  return withDetail(pool, await findAlert(pool, id, merchantScopeOf(viewer)));
}

// The work queue: open before acknowledged, most severe first, oldest first (then by id). The
// expressions are those of the alerts_queue index (migration 0013).
const QUEUE_KEY = [
  "(case t.status when 'open' then 1 when 'acknowledged' then 2 else 3 end)",
  "(case t.severity when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end)",
  't.created_at',
  't.id',
].join(', ');

export interface QueueRequest extends AlertFilters {
  /** The alert the caller passes over: the answer is the first alert after it in queue order. */
  after?: string | undefined;
}

export interface NextAlert {
  /** The alert to work next, with its notes and payment; null when the queue is empty. */
  alert: AlertDetail | null;
  /** How many alerts the queue holds with these filters (`after` aside). */
  total: number;
}

/**
 * The next alert to work. Without a status filter the queue is the unresolved alerts (open and
 * acknowledged). `after` continues after that alert's place in the queue as it stands now.
 */
export async function nextAlert(pool: pg.Pool, req: QueueRequest): Promise<NextAlert> {
  const { after, ...filters } = req;
  const status = filters.status ?? ['open', 'acknowledged'];
  const filter = alertFilter({ ...filters, status });
  // Lets the planner use the partial alerts_queue index when resolved alerts are not asked for.
  if (!status.includes('resolved')) filter.where("t.status <> 'resolved'");
  const counted = await pool.query<{ total: bigint }>(
    `select count(*) as total from alerts t ${filter.sql}`,
    filter.values,
  );
  if (after !== undefined) {
    const known = await pool.query(
      'select 1 from alerts where id = $1 and ($2::text[] is null or merchant_id = any($2::text[]))',
      [after, filters.scope ?? null],
    );
    if (known.rowCount === 0) throw ValidationError.of('after', `no alert ${after}`);
    const p = filter.bind(after);
    filter.where(`(${QUEUE_KEY}) > (select ${QUEUE_KEY} from alerts t where t.id = ${p})`);
  }
  const { rows } = await pool.query<AlertRow>(
    `select ${COLUMNS} from ${FROM} ${filter.sql} order by ${QUEUE_KEY} limit 1`,
    filter.values,
  );
  const row = rows[0];
  const total = Number(counted.rows[0]?.total ?? 0n);
  return { alert: row ? await withDetail(pool, toAlert(row)) : null, total };
}

// ---------------------------------------------------------------------------------------------
// Changes

interface Change {
  /** Audit action, e.g. `alert.acknowledged`. */
  readonly action: string;
  /** SQL `set` assignments after the version bump, with parameters from $3 on. */
  readonly set: string;
  readonly values: unknown[];
  readonly reason?: string | null;
}

/** Compare-and-set on version; returns the alert after. The caller writes the audit row. */
async function update(client: pg.ClientBase, before: Alert, change: Change): Promise<Alert> {
  const { rowCount } = await client.query(
    `update alerts set version = version + 1, updated_at = now(), ${change.set}
      where id = $1 and version = $2`,
    [before.id, before.version, ...change.values],
  );
  if (rowCount !== 1) throw new Conflict(`Alert ${before.id} was changed by someone else; read it again.`);
  return findAlert(client, before.id);
}

function changeAudit(before: Alert, after: Alert, change: Change, actor: Actor): AuditEntry {
  return {
    ...auditBy(actor),
    action: change.action,
    resourceType: 'alert',
    resourceId: before.id,
    before: storedPart(before),
    after: storedPart(after),
    reason: change.reason ?? null,
  };
}

/** The update and its audit row, in the caller's transaction: both commit or neither. */
async function applyChange(
  client: pg.ClientBase,
  before: Alert,
  change: Change,
  actor: Actor,
): Promise<Alert> {
  const after = await update(client, before, change);
  await appendAudit(client, changeAudit(before, after, change, actor));
  return after;
}

export interface Expectation {
  /** From `If-Match`: the version the caller read. */
  readonly version?: number | undefined;
}

async function change(
  tx: pg.ClientBase,
  id: string,
  plan: (alert: Alert) => Change,
  ctx: { actor: Actor; expect: Expectation },
): Promise<Alert> {
  const before = await findAlert(tx, id, merchantScopeOf(ctx.actor.principal));
  checkVersion(ctx.expect.version, before.version);
  return applyChange(tx, before, plan(before), ctx.actor);
}

function illegal(alert: { id: string; status: AlertStatus }, verb: string): Conflict {
  return new Conflict(`Alert ${alert.id} is ${alert.status}; it cannot be ${verb}.`, {
    code: 'invalid_transition',
    title: 'Invalid state transition',
  });
}

function acknowledgement(alert: Alert, actor: Actor): Change {
  if (alert.status !== 'open') throw illegal(alert, 'acknowledged');
  return {
    action: 'alert.acknowledged',
    set: "status = 'acknowledged', acknowledged_by = $3, acknowledged_at = now()",
    values: [actor.principal?.id ?? null],
  };
}

export async function acknowledgeAlert(
  tx: pg.ClientBase,
  id: string,
  actor: Actor,
  expect: Expectation = {},
): Promise<Alert> {
  return change(tx, id, (alert) => acknowledgement(alert, actor), { actor, expect });
}

export type BulkAckStatus = 'acknowledged' | 'already_acknowledged' | 'not_found' | 'conflict';

export interface BulkAckResult {
  id: string;
  status: BulkAckStatus;
  /** The alert after the call (absent when not found). */
  alert?: Alert;
  /** Why an alert could not be acknowledged (conflict). */
  detail?: string;
}

async function lockAlerts(
  tx: pg.ClientBase,
  ids: readonly string[],
  scope: readonly string[] | undefined,
): Promise<Map<string, Alert>> {
  // Row locks in id order: two bulk calls over the same alerts cannot deadlock.
  const { rows } = await tx.query<AlertRow>(
    `select ${COLUMNS} from ${FROM} where t.id = any($1::text[])
        and ($2::text[] is null or t.merchant_id = any($2::text[])) order by t.id for update of t`,
    [ids, scope ?? null],
  );
  return new Map(rows.map((r) => [r.id, toAlert(r)]));
}

/**
 * Audit chain heads for these alerts, locked in chain order before many audit rows are written
 * (as the worker takes them), so that writers of several rows never wait on each other in a cycle.
 */
async function lockAuditChains(tx: pg.ClientBase, ids: readonly string[]): Promise<void> {
  await tx.query(
    `select 1 from audit_chain_heads
      where chain = any(array(select (abs(hashtext('alert:' || x)) % 8)::smallint from unnest($1::text[]) x))
      order by chain for update`,
    [ids],
  );
}

interface Pending {
  readonly audits: AuditEntry[];
}

async function acknowledgeOne(
  tx: pg.ClientBase,
  alert: Alert | undefined,
  input: { note?: string | undefined; actor: Actor },
  pending: Pending,
): Promise<Omit<BulkAckResult, 'id'>> {
  if (!alert) return { status: 'not_found' };
  if (alert.status === 'acknowledged') return { status: 'already_acknowledged', alert };
  if (alert.status !== 'open')
    return { status: 'conflict', alert, detail: illegal(alert, 'acknowledged').detail };
  const plan = acknowledgement(alert, input.actor);
  const after = await update(tx, alert, plan);
  pending.audits.push(changeAudit(alert, after, plan, input.actor));
  if (input.note !== undefined) {
    const note = await insertNote(tx, alert.id, input.note, input.actor);
    pending.audits.push(noteAudit(alert.id, note, input.actor));
  }
  return { status: 'acknowledged', alert: after };
}

/**
 * Acknowledges many alerts in the caller's transaction: one result per distinct id, in the
 * order given. Each acknowledgement is audited exactly as a single one is; a note, when given,
 * is added to every alert acknowledged here (and audited as a note).
 */
export async function acknowledgeAlerts(
  tx: pg.ClientBase,
  input: { ids: readonly string[]; note?: string | undefined; actor: Actor },
): Promise<BulkAckResult[]> {
  const ids = [...new Set(input.ids)];
  const alerts = await lockAlerts(tx, ids, merchantScopeOf(input.actor.principal));
  const pending: Pending = { audits: [] };
  const results: BulkAckResult[] = [];
  for (const id of ids) {
    results.push({ id, ...(await acknowledgeOne(tx, alerts.get(id), input, pending)) });
  }
  if (pending.audits.length > 0) await lockAuditChains(tx, ids);
  for (const entry of pending.audits) await appendAudit(tx, entry);
  return results;
}

export interface ResolveInput {
  /** One of ALERT_RESOLUTIONS, or (older clients) free text. */
  resolution: string;
  note?: string | undefined;
  actor: Actor;
}

/**
 * A resolution as stored: one of the values, with the note. Free text from older clients names
 * a value when it spells one ("False positive", "confirmed-fraud"); otherwise it is `other`
 * and the text becomes (the start of) the note.
 */
export function normalizeResolution(
  resolution: string,
  note: string | undefined,
): { resolution: AlertResolution; note: string | null } {
  const spelled = resolution
    .trim()
    .toLowerCase()
    .replaceAll(/[\s-]+/g, '_');
  const known = ALERT_RESOLUTIONS.find((r) => r === spelled);
  if (known) return { resolution: known, note: note ?? null };
  const text = note === undefined ? resolution.trim() : `${resolution.trim()}\n${note}`;
  if (text.length > MAX_NOTE_LENGTH) {
    throw ValidationError.of(
      'note',
      `with a free-text resolution, at most ${MAX_NOTE_LENGTH} characters in all`,
    );
  }
  return { resolution: 'other', note: text };
}

export async function resolveAlert(
  tx: pg.ClientBase,
  id: string,
  input: ResolveInput,
  expect: Expectation = {},
): Promise<Alert> {
  const { resolution, note } = normalizeResolution(input.resolution, input.note);
  return change(
    tx,
    id,
    (alert) => {
      if (alert.status === 'resolved') throw illegal(alert, 'resolved again');
      return {
        action: 'alert.resolved',
        set: "status = 'resolved', resolved_by = $3, resolved_at = now(), resolution = $4, resolution_note = $5",
        values: [input.actor.principal?.id ?? null, resolution, note],
        reason: note === null ? resolution : `${resolution}: ${note}`,
      };
    },
    { actor: input.actor, expect },
  );
}

/** Who an assignment names: a user id, `me` (the caller), or null (nobody). */
export function assigneeOf(assignee: string | null, actor: Actor): string | null {
  if (assignee !== 'me') return assignee;
  if (actor.principal?.kind !== 'user') {
    throw ValidationError.of('assignee_id', '"me" needs a signed-in user; API keys cannot be assigned');
  }
  return actor.principal.id;
}

export async function assignAlert(
  tx: pg.ClientBase,
  id: string,
  input: { assigneeId: string | null; actor: Actor },
  expect: Expectation = {},
): Promise<Alert> {
  const assigneeId = assigneeOf(input.assigneeId, input.actor);
  const before = await findAlert(tx, id, merchantScopeOf(input.actor.principal));
  checkVersion(expect.version, before.version);
  if (before.status === 'resolved') throw illegal(before, 'assigned');
  if (assigneeId !== null) await assertAssignable(tx, assigneeId);
  return applyChange(
    tx,
    before,
    { action: 'alert.assigned', set: 'assignee_id = $3', values: [assigneeId] },
    input.actor,
  );
}

/** Alerts go to active people who can work them (operators and admins). */
async function assertAssignable(client: pg.ClientBase, userId: string): Promise<void> {
  const { rows } = await client.query<{ disabled: boolean; role: string }>(
    'select disabled_at is not null as disabled, role from users where id = $1',
    [userId],
  );
  const user = rows[0];
  if (!user) throw ValidationError.of('assignee_id', `no user ${userId}`);
  if (user.disabled) throw ValidationError.of('assignee_id', `user ${userId} is disabled`);
  if (user.role === 'viewer') {
    throw ValidationError.of('assignee_id', `user ${userId} is a viewer and cannot work alerts`);
  }
}

async function insertNote(
  client: pg.ClientBase,
  alertId: string,
  body: string,
  actor: Actor,
): Promise<AlertNote> {
  const { rows } = await client.query<AlertNote>(
    `insert into alert_notes (id, alert_id, author_id, body) values ($1, $2, $3, $4)
     returning id, author_id, body, created_at`,
    [`note_${newId('alt').slice('alt_'.length)}`, alertId, actor.principal?.id ?? null, body],
  );
  const note = rows[0];
  if (!note) throw new Error('insert returned no row');
  await client.query('update alerts set updated_at = now() where id = $1', [alertId]);
  return note;
}

function noteAudit(alertId: string, note: AlertNote, actor: Actor): AuditEntry {
  return {
    ...auditBy(actor),
    action: 'alert.note_added',
    resourceType: 'alert',
    resourceId: alertId,
    after: note,
  };
}

export async function addAlertNote(
  client: pg.ClientBase,
  id: string,
  input: { body: string; actor: Actor },
): Promise<AlertNote> {
  const alert = await findAlert(client, id, merchantScopeOf(input.actor.principal));
  const note = await insertNote(client, alert.id, input.body, input.actor);
  await appendAudit(client, noteAudit(alert.id, note, input.actor));
  return note;
}
