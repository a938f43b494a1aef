// Alerts: the list and detail queries and the operator's actions (acknowledge, resolve, assign,
// note). Every change is a compare-and-set on `version` with its audit row in one transaction.
import type pg from 'pg';
import { Conflict, NotFound, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { appendAudit } from '../store/tx.ts';
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

interface AlertRow {
  id: string;
  rule_id: string | null;
  rule_name: string | null;
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
  version: number;
  created_at: Date;
  updated_at: Date;
}

export type Alert = Omit<AlertRow, 'rule_name'> & { rule_name: string | null };

export interface AlertNote {
  id: string;
  author_id: string | null;
  body: string;
  created_at: Date;
}

const COLUMNS = `t.id, t.rule_id, r.name as rule_name, t.payment_id, t.severity, t.status, t.title,
  t.message, t.details, t.assignee_id, t.acknowledged_by, t.acknowledged_at, t.resolved_by,
  t.resolved_at, t.resolution, t.version, t.created_at, t.updated_at`;
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

function toAlert(row: AlertRow): Alert {
  const { rule_name, ...rest } = row;
  return { ...rest, rule_name };
}

export interface AlertFilters {
  status?: AlertStatus[] | undefined;
  severity?: string[] | undefined;
  rule_id?: string | undefined;
  payment_id?: string | undefined;
  assignee_id?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
}

export async function listAlerts(pool: pg.Pool, f: AlertFilters, page: PageRequest): Promise<Page<unknown>> {
  const filter = new SqlFilter();
  filter.when(f.status, (p) => `t.status = any(${p}::text[])`);
  filter.when(f.severity, (p) => `t.severity = any(${p}::text[])`);
  filter.when(f.rule_id, (p) => `t.rule_id = ${p}`);
  filter.when(f.payment_id, (p) => `t.payment_id = ${p}`);
  filter.when(f.assignee_id, (p) => `t.assignee_id = ${p}`);
  filter.when(f.from, (p) => `t.created_at >= ${p}::timestamptz`);
  filter.when(f.to, (p) => `t.created_at < ${p}::timestamptz`);
  if (f.q !== undefined) {
    const exact = filter.bind(f.q);
    const like = filter.bind(likePattern(f.q));
    filter.where(
      `(t.id = ${exact} or t.payment_id = ${exact} or t.title ilike ${like} or t.message ilike ${like})`,
    );
  }
  return listPage<AlertRow>(pool, {
    columns: COLUMNS,
    from: FROM,
    filter,
    sortKeys: SORT_KEYS,
    page,
    map: toAlert,
  });
}

async function findAlert(db: pg.ClientBase | pg.Pool, id: string): Promise<Alert> {
  const { rows } = await db.query<AlertRow>(`select ${COLUMNS} from ${FROM} where t.id = $1`, [id]);
  const row = rows[0];
  if (!row) throw new NotFound('Alert', id);
  return toAlert(row);
}

export async function getAlert(pool: pg.Pool, id: string): Promise<Alert & { notes: AlertNote[] }> {
  const alert = await findAlert(pool, id);
  const { rows } = await pool.query<AlertNote>(
    'select id, author_id, body, created_at from alert_notes where alert_id = $1 order by created_at, id',
    [id],
  );
  return { ...alert, notes: rows };
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

/** Compare-and-set on version; the audit row commits with the update or not at all. */
async function applyChange(
  client: pg.ClientBase,
  before: Alert,
  change: Change,
  actor: Actor,
): Promise<Alert> {
  const { rowCount } = await client.query(
    `update alerts set version = version + 1, updated_at = now(), ${change.set}
      where id = $1 and version = $2`,
    [before.id, before.version, ...change.values],
  );
  if (rowCount !== 1) throw new Conflict(`Alert ${before.id} was changed by someone else; read it again.`);
  const after = await findAlert(client, before.id);
  await appendAudit(client, {
    ...auditBy(actor),
    action: change.action,
    resourceType: 'alert',
    resourceId: before.id,
    before,
    after,
    reason: change.reason ?? null,
  });
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
  const before = await findAlert(tx, id);
  checkVersion(ctx.expect.version, before.version);
  return applyChange(tx, before, plan(before), ctx.actor);
}

function illegal(alert: Alert, verb: string): Conflict {
  return new Conflict(`Alert ${alert.id} is ${alert.status}; it cannot be ${verb}.`, {
    code: 'invalid_transition',
    title: 'Invalid state transition',
  });
}

export async function acknowledgeAlert(
  tx: pg.ClientBase,
  id: string,
  actor: Actor,
  expect: Expectation = {},
): Promise<Alert> {
  return change(
    tx,
    id,
    (alert) => {
      if (alert.status !== 'open') throw illegal(alert, 'acknowledged');
      return {
        action: 'alert.acknowledged',
        set: "status = 'acknowledged', acknowledged_by = $3, acknowledged_at = now()",
        values: [actor.principal?.id ?? null],
      };
    },
    { actor, expect },
  );
}

export async function resolveAlert(
  tx: pg.ClientBase,
  id: string,
  input: { resolution: string; actor: Actor },
  expect: Expectation = {},
): Promise<Alert> {
  return change(
    tx,
    id,
    (alert) => {
      if (alert.status === 'resolved') throw illegal(alert, 'resolved again');
      return {
        action: 'alert.resolved',
        set: "status = 'resolved', resolved_by = $3, resolved_at = now(), resolution = $4",
        values: [input.actor.principal?.id ?? null, input.resolution],
        reason: input.resolution,
      };
    },
    { actor: input.actor, expect },
  );
}

export async function assignAlert(
  tx: pg.ClientBase,
  id: string,
  input: { assigneeId: string | null; actor: Actor },
  expect: Expectation = {},
): Promise<Alert> {
  const before = await findAlert(tx, id);
  checkVersion(expect.version, before.version);
  if (before.status === 'resolved') throw illegal(before, 'assigned');
  if (input.assigneeId !== null) await assertAssignable(tx, input.assigneeId);
  return applyChange(
    tx,
    before,
    { action: 'alert.assigned', set: 'assignee_id = $3', values: [input.assigneeId] },
    input.actor,
  );
}

async function assertAssignable(client: pg.ClientBase, userId: string): Promise<void> {
  const { rows } = await client.query<{ disabled: boolean }>(
    'select disabled_at is not null as disabled from users where id = $1',
    [userId],
  );
  const user = rows[0];
  if (!user) throw ValidationError.of('assignee_id', `no user ${userId}`);
  if (user.disabled) throw ValidationError.of('assignee_id', `user ${userId} is disabled`);
}

export async function addAlertNote(
  client: pg.ClientBase,
  id: string,
  input: { body: string; actor: Actor },
): Promise<AlertNote> {
  const alert = await findAlert(client, id);
  const { rows } = await client.query<AlertNote>(
    `insert into alert_notes (id, alert_id, author_id, body) values ($1, $2, $3, $4)
     returning id, author_id, body, created_at`,
    [`note_${newId('alt').slice('alt_'.length)}`, alert.id, input.actor.principal?.id ?? null, input.body],
  );
  const note = rows[0];
  if (!note) throw new Error('insert returned no row');
  await client.query('update alerts set updated_at = now() where id = $1', [alert.id]);
  await appendAudit(client, {
    ...auditBy(input.actor),
    action: 'alert.note_added',
    resourceType: 'alert',
    resourceId: alert.id,
    after: note,
  });
  return note;
}
