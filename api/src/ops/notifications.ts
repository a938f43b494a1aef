// A signed-in user's notifications: the recent ones (written by triggers, migration 0020) with
// read / unread kept per user, and whether the user wants to be told at all (the Notifications
// preference: when it is off the notifications are still listed, but the console neither counts
// them on the badge nor pops them up). A notification is read when the user marked it, or when
// "mark all read" moved the user's watermark past it.
import type pg from 'pg';
import { Forbidden, NotFound, ValidationError } from '../domain/errors.ts';
import { merchantScopeOf, type Principal } from '../http/principal.ts';

export const NOTIFICATION_KINDS = ['alert', 'batch_job', 'dlq', 'worker_pool'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];
export const NOTIFICATION_SEVERITIES = ['critical', 'high', 'warning', 'info', 'success'] as const;

/** Only notifications this recent are listed and counted. */
export const NOTIFICATION_DAYS = 30;
export const MAX_NOTIFICATIONS = 100;

export interface Notification {
  id: string;
  kind: NotificationKind;
  severity: (typeof NOTIFICATION_SEVERITIES)[number];
  title: string;
  body: string;
  object_type: string;
  object_id: string;
  link: string;
  read: boolean;
  created_at: Date;
}

export interface NotificationList {
  items: Notification[];
  unread_count: number;
  /** The user's Notifications preference. */
  enabled: boolean;
}

function userOf(principal: Principal | undefined): string {
  if (principal?.kind !== 'user') {
    throw new Forbidden('Notifications belong to a signed-in user; API keys and system callers have none.');
  }
  return principal.id;
}

/** A notification id as the API shows it (digits), or a 400 naming the field. */
function idOf(id: string, field: string): string {
  if (!/^[1-9][0-9]{0,17}$/.test(id)) throw ValidationError.of(field, 'must be a notification id');
  return id;
}

const READ = `(r.notification_id is not null or n.id <= coalesce(w.read_through, 0))`;
const FROM = `from notifications n
  left join notification_reads r on r.notification_id = n.id and r.user_id = $1
  left join notification_watermarks w on w.user_id = $1`;
const RECENT = `n.created_at > now() - make_interval(days => ${String(NOTIFICATION_DAYS)})`;

/**
 * The caller's merchant scope as a condition on parameter $n (text[], null: every merchant): a
 * scoped caller hears only of the alerts of its merchants' payments (batch jobs, dead letters and
 * worker pools span every merchant).
 */
const inScope = (n: number): string =>
  `($${String(n)}::text[] is null or (n.kind = 'alert' and exists (
     select 1 from alerts a where a.id = n.object_id and a.merchant_id = any($${String(n)}::text[]))))`;

export async function listNotifications(
  pool: pg.Pool,
  principal: Principal | undefined,
  opts: { limit: number; unread?: boolean | undefined; before?: string | undefined },
): Promise<NotificationList> {
  const user = userOf(principal);
  const scope = merchantScopeOf(principal) ?? null;
  const values: unknown[] = [user, opts.limit, scope];
  const where = [RECENT, inScope(3)];
  if (opts.unread) where.push(`not ${READ}`);
  if (opts.before !== undefined) {
    values.push(idOf(opts.before, 'before'));
    where.push(`n.id < $${String(values.length)}::bigint`);
  }
  const [list, count, prefs] = await Promise.all([
    pool.query<Notification>(
      `select n.id::text as id, n.kind, n.severity, n.title, n.body, n.object_type, n.object_id, n.link,
              ${READ} as read, n.created_at
         ${FROM} where ${where.join(' and ')} order by n.id desc limit $2`,
      values,
    ),
    pool.query<{ n: number }>(
      `select count(*)::int as n ${FROM} where ${RECENT} and ${inScope(2)} and not ${READ}`,
      [user, scope],
    ),
    pool.query<{ enabled: boolean }>(
      'select notifications_enabled as enabled from user_preferences where user_id = $1',
      [user],
    ),
  ]);
  return {
    items: list.rows,
    unread_count: count.rows[0]?.n ?? 0,
    enabled: prefs.rows[0]?.enabled ?? true,
  };
}

/** Marks one notification read or unread for the caller; answers it as the caller now sees it. */
export async function markNotification(
  client: pg.ClientBase,
  principal: Principal | undefined,
  id: string,
  read: boolean,
): Promise<Notification> {
  const user = userOf(principal);
  idOf(id, 'notificationId');
  const found = await client.query(
    `select 1 from notifications n where n.id = $1::bigint and ${inScope(2)}`,
    [id, merchantScopeOf(principal) ?? null],
  );
  if (found.rowCount === 0) throw new NotFound('Notification', id);
  if (read) {
    await client.query(
      `insert into notification_reads (user_id, notification_id) values ($1, $2::bigint)
       on conflict do nothing`,
      [user, id],
    );
  } else {
    await client.query('delete from notification_reads where user_id = $1 and notification_id = $2::bigint', [
      user,
      id,
    ]);
    // Below the watermark a notification is read whatever its row says: lower the watermark
    // under it, keeping the ones between read individually.
    const w = await client.query<{ read_through: string }>(
      'select read_through::text from notification_watermarks where user_id = $1 for update',
      [user],
    );
    const through = w.rows[0]?.read_through;
    if (through !== undefined && BigInt(through) >= BigInt(id)) {
      await client.query(
        `insert into notification_reads (user_id, notification_id)
         select $1, n.id from notifications n where n.id > $2::bigint and n.id <= $3::bigint
         on conflict do nothing`,
        [user, id, through],
      );
      await client.query(
        `update notification_watermarks set read_through = $2::bigint - 1, updated_at = now() where user_id = $1`,
        [user, id],
      );
    }
  }
  const { rows } = await client.query<Notification>(
    `select n.id::text as id, n.kind, n.severity, n.title, n.body, n.object_type, n.object_id, n.link,
            ${READ} as read, n.created_at
       ${FROM} where n.id = $2::bigint`,
    [user, id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Notification', id);
  return row;
}

/** Marks every notification up to `through` (default: the newest) read; answers the unread count. */
export async function markAllNotificationsRead(
  client: pg.ClientBase,
  principal: Principal | undefined,
  through: string | undefined,
): Promise<{ unread_count: number }> {
  const user = userOf(principal);
  const upTo =
    through === undefined
      ? ((await client.query<{ id: string | null }>('select max(id)::text as id from notifications')).rows[0]
          ?.id ?? '0')
      : idOf(through, 'through');
  await client.query(
    `insert into notification_watermarks (user_id, read_through) values ($1, $2::bigint)
     on conflict (user_id) do update
       set read_through = greatest(notification_watermarks.read_through, excluded.read_through),
           updated_at = now()`,
    [user, upTo],
  );
  await client.query('delete from notification_reads where user_id = $1 and notification_id <= $2::bigint', [
    user,
    upTo,
  ]);
  const count = await client.query<{ n: number }>(
    `select count(*)::int as n ${FROM} where ${RECENT} and ${inScope(2)} and not ${READ}`,
    [user, merchantScopeOf(principal) ?? null],
  );
  return { unread_count: count.rows[0]?.n ?? 0 };
}
