// Users as the API shows them: the caller's own profile and preferences, and the admin's list
// and role / disable changes. Sign-up, passwords and sessions belong to the auth module.
import type pg from 'pg';
import { Conflict, Forbidden, NotFound, ValidationError } from '../domain/errors.ts';
import type { Principal, UserRole as Role } from '../http/principal.ts';
import { appendAudit } from '../store/tx.ts';
import {
  auditBy,
  likePattern,
  listPage,
  SqlFilter,
  type Actor,
  type Page,
  type PageRequest,
} from './common.ts';

export const THEMES = ['light', 'dark', 'system'] as const;
export const DENSITIES = ['compact', 'comfortable'] as const;
export const USER_SORT_KEYS = ['email', 'name', 'created_at'] as const;
/** The console pages one may land on after sign-in (kept in user_preferences.extra.landing_page). */
export const LANDING_PAGES = [
  '/dashboard',
  '/payments',
  '/alerts',
  '/health',
  '/rules',
  '/batch-jobs',
  '/worker-pools',
  '/audit',
] as const;
export type LandingPage = (typeof LANDING_PAGES)[number];

/** Table and column ids of the console's remembered column pickers. */
export const TABLE_KEY = /^[a-z0-9_.-]{1,64}$/;
export const MAX_TABLES = 20;
export const MAX_COLUMNS = 40;

/** One table's remembered settings: the columns shown, in order. */
export interface TablePreference {
  columns: string[];
}

export interface Preferences {
  theme: (typeof THEMES)[number];
  density: (typeof DENSITIES)[number];
  notifications_enabled: boolean;
  timezone: string;
  /** Where the console opens after sign-in. */
  landing_page: LandingPage;
  /** Per table id (kept in user_preferences.extra.tables). */
  tables: Record<string, TablePreference>;
}

/** A change: the columns given replace; `tables` merges per table (null removes one). */
export type PreferencesPatch = Partial<Omit<Preferences, 'tables'>> & {
  tables?: Record<string, TablePreference | null> | undefined;
};

const DEFAULT_PREFERENCES: Omit<Preferences, 'tables'> = {
  theme: 'system',
  density: 'comfortable',
  notifications_enabled: true,
  timezone: 'UTC',
  landing_page: '/dashboard',
};

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  merchant_ids: string[] | null;
  email_verified_at: Date | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The merchants the user is limited to; null: every merchant (always so for an admin). */
  merchant_ids: string[] | null;
  email_verified: boolean;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  't.id, t.email, t.name, t.role, t.merchant_ids, t.email_verified_at, t.disabled_at, t.created_at, t.updated_at';
const SORT_KEYS = {
  email: { expr: 'lower(t.email)', type: 'text' },
  name: { expr: 't.name', type: 'text' },
  created_at: { expr: 't.created_at', type: 'timestamptz' },
} as const;

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    merchant_ids: row.merchant_ids,
    email_verified: row.email_verified_at !== null,
    disabled: row.disabled_at !== null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function findUser(db: pg.ClientBase | pg.Pool, id: string, lock = false): Promise<User> {
  const { rows } = await db.query<UserRow>(
    `select ${COLUMNS} from users t where t.id = $1${lock ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('User', id);
  return toUser(row);
}

async function readPreferences(
  db: pg.ClientBase | pg.Pool,
  userId: string,
  lock = false,
): Promise<Preferences> {
  const { rows } = await db.query<Preferences>(
    `select theme, density, notifications_enabled, timezone,
            coalesce(extra->>'landing_page', '/dashboard') as landing_page,
            coalesce(extra->'tables', '{}'::jsonb) as tables
       from user_preferences where user_id = $1${lock ? ' for update' : ''}`,
    [userId],
  );
  return rows[0] ?? { ...DEFAULT_PREFERENCES, tables: {} };
}

/** The tables after a patch: each table named replaces the stored one (null removes it). */
function mergeTables(
  before: Record<string, TablePreference>,
  patch: PreferencesPatch['tables'],
): Record<string, TablePreference> {
  if (patch === undefined) return before;
  // A map, not an object: no table id can reach a prototype.
  const after = new Map(Object.entries(before));
  for (const [id, table] of Object.entries(patch)) {
    if (table === null) after.delete(id);
    else after.set(id, { columns: [...table.columns] });
  }
  if (after.size > MAX_TABLES) {
    throw ValidationError.of(
      'tables',
      `at most ${String(MAX_TABLES)} tables are remembered; remove one first`,
    );
  }
  return Object.fromEntries(after);
}

function signedInUser(principal: Principal | undefined): string {
  if (principal?.kind !== 'user') {
    throw new Forbidden('This describes a signed-in user; API keys and system callers have no user profile.');
  }
  return principal.id;
}

export async function getMe(
  pool: pg.Pool,
  principal: Principal | undefined,
): Promise<User & { preferences: Preferences }> {
  const id = signedInUser(principal);
  const user = await findUser(pool, id);
  return { ...user, preferences: await readPreferences(pool, id) };
}

export async function updateMyPreferences(
  client: pg.ClientBase,
  patch: PreferencesPatch,
  actor: Actor,
): Promise<Preferences> {
  const id = signedInUser(actor.principal);
  await findUser(client, id);
  await client.query('insert into user_preferences (user_id) values ($1) on conflict (user_id) do nothing', [
    id,
  ]);
  const before = await readPreferences(client, id, true);
  const { tables, ...fields } = patch;
  const after: Preferences = { ...before, ...fields, tables: mergeTables(before.tables, tables) };
  await client.query(
    `update user_preferences set theme = $2, density = $3, notifications_enabled = $4, timezone = $5,
       extra = jsonb_set(jsonb_set(extra, '{tables}', $6::jsonb), '{landing_page}', to_jsonb($7::text)),
       updated_at = now()
      where user_id = $1`,
    [
      id,
      after.theme,
      after.density,
      after.notifications_enabled,
      after.timezone,
      JSON.stringify(after.tables),
      after.landing_page,
    ],
  );
  await appendAudit(client, {
    ...auditBy(actor),
    action: 'user.preferences_updated',
    resourceType: 'user',
    resourceId: id,
    before,
    after,
  });
  return after;
}

export const NAME_MAX = 200;

/** Changes the signed-in user's display name (the email is the sign-in and changes with proof only). */
export async function updateMyProfile(
  client: pg.ClientBase,
  change: { name: string },
  actor: Actor,
): Promise<User> {
  const id = signedInUser(actor.principal);
  const before = await findUser(client, id, true);
  await client.query('update users set name = $2, updated_at = now() where id = $1', [id, change.name]);
  const after = await findUser(client, id);
  await appendAudit(client, {
    ...auditBy(actor),
    action: 'user.profile_updated',
    resourceType: 'user',
    resourceId: id,
    before: { name: before.name },
    after: { name: after.name },
  });
  return after;
}

export interface UserFilters {
  role?: Role[] | undefined;
  disabled?: boolean | undefined;
  q?: string | undefined;
}

export async function listUsers(pool: pg.Pool, f: UserFilters, page: PageRequest): Promise<Page<unknown>> {
  const filter = new SqlFilter();
  filter.when(f.role, (p) => `t.role = any(${p}::text[])`);
  if (f.disabled !== undefined)
    filter.where(f.disabled ? 't.disabled_at is not null' : 't.disabled_at is null');
  if (f.q !== undefined) {
    const like = filter.bind(likePattern(f.q));
    filter.where(`(t.id = ${filter.bind(f.q)} or t.email ilike ${like} or t.name ilike ${like})`);
  }
  return listPage<UserRow>(pool, {
    columns: COLUMNS,
    from: 'users t',
    filter,
    sortKeys: SORT_KEYS,
    page,
    map: toUser,
  });
}

export interface UserChange {
  readonly role?: Role | undefined;
  readonly disabled?: boolean | undefined;
  /** null: every merchant; undefined: unchanged. */
  readonly merchant_ids?: string[] | null | undefined;
}

const isActiveAdmin = (u: { role: Role; disabled: boolean }): boolean => u.role === 'admin' && !u.disabled;

/** Needs the role-change lock held, so that two admins demoting each other cannot both succeed. */
async function assertNotLastAdmin(
  client: pg.ClientBase,
  before: User,
  after: { role: Role; disabled: boolean },
): Promise<void> {
  if (!isActiveAdmin(before) || isActiveAdmin(after)) return;
  const { rows } = await client.query<{ id: string }>(
    "select id from users where role = 'admin' and disabled_at is null",
  );
  if (rows.every((r) => r.id === before.id)) {
    throw new Conflict(`${before.email} is the last active admin; make another user admin first.`, {
      code: 'last_admin',
    });
  }
}

export async function changeUser(
  client: pg.ClientBase,
  id: string,
  change: UserChange,
  actor: Actor,
): Promise<User> {
  // Role and disable changes are rare: one lock orders them all (and cannot deadlock).
  await client.query("select pg_advisory_xact_lock(hashtext('payflow:user-role-changes'))");
  const before = await findUser(client, id, true);
  const target = { role: change.role ?? before.role, disabled: change.disabled ?? before.disabled };
  await assertNotLastAdmin(client, before, target);
  const merchants = change.merchant_ids === undefined ? before.merchant_ids : change.merchant_ids;
  await client.query(
    `update users set role = $2,
       disabled_at = case when $3::boolean then coalesce(disabled_at, now()) else null end,
       merchant_ids = $4,
       updated_at = now()
     where id = $1`,
    [id, target.role, target.disabled, merchants],
  );
  const after = await findUser(client, id);
  await appendAudit(client, {
    ...auditBy(actor),
    action: 'user.updated',
    resourceType: 'user',
    resourceId: id,
    before,
    after,
  });
  return after;
}

// ---------------------------------------------------------------------------------------------
// Directory: the people alerts can be assigned to, readable by operators (the full user list
// is admin-only).

export const DIRECTORY_LIMIT = 50;

export interface DirectoryEntry {
  id: string;
  name: string;
  email: string;
  role: Role;
}

/**
 * Active operators and admins (who can work alerts), by name then email. `q` matches the start
 * of the email, of the name or of a word of the name, ignoring case.
 */
export async function listDirectory(
  pool: pg.Pool,
  q: string | undefined,
  limit: number = DIRECTORY_LIMIT,
): Promise<DirectoryEntry[]> {
  const filter = new SqlFilter();
  filter.where("t.disabled_at is null and t.role in ('operator', 'admin')");
  if (q !== undefined) {
    const prefix = likePattern(q).slice(1);
    const start = filter.bind(prefix);
    const word = filter.bind(`% ${prefix}`);
    filter.where(`(t.email ilike ${start} or t.name ilike ${start} or t.name ilike ${word})`);
  }
  const { rows } = await pool.query<DirectoryEntry>(
    `select t.id, t.name, t.email, t.role from users t ${filter.sql}
      order by lower(coalesce(nullif(t.name, ''), t.email)), lower(t.email), t.id
      limit ${String(Math.min(limit, DIRECTORY_LIMIT))}`,
    filter.values,
  );
  return rows;
}
