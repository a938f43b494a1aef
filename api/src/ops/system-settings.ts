// The system settings an admin may change while PayFlow runs (table system_settings, migration
// 0017). Deliberately few: each is read where it takes effect, so a change needs no restart, and
// none can lock people out or lose data.
//
//   session_lifetime_hours  how long a new session lasts (the refresh-token family's absolute
//                           lifetime), 1 hour to 90 days; default REFRESH_TOKEN_TTL_SECONDS.
//                           Sessions already started keep the end they were given.
//   default_alert_assignee  who alerts raised without an assignee go to (an active operator or
//                           admin), or nobody. Applied by a trigger on alerts (migration 0017).
//
// Everything else (keys, URLs, rate limits, queues) stays in the environment: changing it needs
// a deploy, a review and a restart.
import type pg from 'pg';
import { ValidationError } from '../domain/errors.ts';
import { appendAudit } from '../store/tx.ts';
import { auditBy, type Actor } from './common.ts';

export const SESSION_HOURS_MIN = 1;
export const SESSION_HOURS_MAX = 90 * 24;

export interface SystemSettings {
  session_lifetime_hours: number;
  default_alert_assignee: { id: string; name: string; email: string } | null;
  /** The value without an override (from the environment). */
  defaults: { session_lifetime_hours: number; default_alert_assignee: null };
  updated_at: string | null;
  updated_by: string | null;
}

export interface SystemSettingsPatch {
  session_lifetime_hours?: number | null | undefined;
  default_alert_assignee?: string | null | undefined;
}

interface Row {
  key: string;
  value: unknown;
  updated_at: Date;
  updated_by: string | null;
}

type Db = pg.ClientBase | pg.Pool;

/** The env default in whole hours (REFRESH_TOKEN_TTL_SECONDS may be shorter than an hour). */
function defaultHours(ttlSeconds: number): number {
  return Math.max(SESSION_HOURS_MIN, Math.round(ttlSeconds / 3600));
}

/**
 * The lifetime, in seconds, of a session starting now: the admin's setting, else the
 * environment's REFRESH_TOKEN_TTL_SECONDS.
 */
export async function sessionLifetimeSeconds(db: Db, envSeconds: number): Promise<number> {
  const { rows } = await db.query<{ hours: number | null }>(
    "select (value #>> '{}')::integer as hours from system_settings where key = 'session_lifetime_hours'",
  );
  const hours = rows[0]?.hours;
  return typeof hours === 'number' ? hours * 3600 : envSeconds;
}

async function personOf(db: Db, id: unknown): Promise<SystemSettings['default_alert_assignee']> {
  if (typeof id !== 'string') return null;
  const { rows } = await db.query<{ id: string; name: string; email: string }>(
    'select id, name, email from users where id = $1',
    [id],
  );
  return rows[0] ?? null;
}

function latestOf(rows: Row[]): Row | undefined {
  return rows.reduce<Row | undefined>((a, r) => (!a || r.updated_at > a.updated_at ? r : a), undefined);
}

export async function readSystemSettings(db: Db, envSeconds: number): Promise<SystemSettings> {
  const { rows } = await db.query<Row>('select key, value, updated_at, updated_by from system_settings');
  const byKey = new Map(rows.map((r) => [r.key, r.value]));
  const hours = byKey.get('session_lifetime_hours');
  const latest = latestOf(rows);
  return {
    session_lifetime_hours: typeof hours === 'number' ? hours : defaultHours(envSeconds),
    default_alert_assignee: await personOf(db, byKey.get('default_alert_assignee')),
    defaults: { session_lifetime_hours: defaultHours(envSeconds), default_alert_assignee: null },
    updated_at: latest?.updated_at.toISOString() ?? null,
    updated_by: latest?.updated_by ?? null,
  };
}

/** The default assignee must be able to work alerts: an active operator or admin. */
async function assertAssignable(client: pg.ClientBase, userId: string): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>(
    "select disabled_at is null and role in ('operator', 'admin') as ok from users where id = $1",
    [userId],
  );
  if (!rows[0]) throw ValidationError.of('default_alert_assignee', `no user ${userId}`);
  if (!rows[0].ok) {
    throw ValidationError.of(
      'default_alert_assignee',
      'must be an active operator or admin (viewers and disabled accounts cannot work alerts)',
    );
  }
}

/** The settings as the audit row keeps them: values and ids, no names. */
function audited(s: SystemSettings): Record<string, unknown> {
  return {
    session_lifetime_hours: s.session_lifetime_hours,
    default_alert_assignee: s.default_alert_assignee?.id ?? null,
  };
}

async function put(client: pg.ClientBase, key: string, value: unknown, by: string | null): Promise<void> {
  if (value === null) {
    await client.query('delete from system_settings where key = $1', [key]);
    return;
  }
  await client.query(
    `insert into system_settings (key, value, updated_at, updated_by) values ($1, $2::jsonb, now(), $3)
     on conflict (key) do update set value = excluded.value, updated_at = now(), updated_by = excluded.updated_by`,
    [key, JSON.stringify(value), by],
  );
}

/** Applies a change (null puts a setting back to its default) and audits it with before and after. */
export async function updateSystemSettings(
  client: pg.ClientBase,
  patch: SystemSettingsPatch,
  actor: Actor & { envSeconds: number },
): Promise<SystemSettings> {
  // One change at a time, so before/after in the audit are exact.
  await client.query("select pg_advisory_xact_lock(hashtext('payflow:system-settings'))");
  const before = await readSystemSettings(client, actor.envSeconds);
  const by = actor.principal?.id ?? null;
  if (typeof patch.default_alert_assignee === 'string')
    await assertAssignable(client, patch.default_alert_assignee);
  if (patch.session_lifetime_hours !== undefined)
    await put(client, 'session_lifetime_hours', patch.session_lifetime_hours, by);
  if (patch.default_alert_assignee !== undefined)
    await put(client, 'default_alert_assignee', patch.default_alert_assignee, by);
  const after = await readSystemSettings(client, actor.envSeconds);
  await appendAudit(client, {
    ...auditBy(actor),
    action: 'settings.updated',
    resourceType: 'system_settings',
    resourceId: 'system',
    before: audited(before),
    after: audited(after),
  });
  return after;
}
