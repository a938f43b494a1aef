import type pg from 'pg';
import { newId } from '../domain/ids.ts';
import type { UserRole } from '../http/principal.ts';
import { newSecret, sha256Hex } from './secrets.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  password_hash: string | null;
  email_verified_at: Date | null;
  disabled_at: Date | null;
  token_version: number;
  created_at: Date;
}

/** The user as the API shows it: never a hash, never a token version. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  email_verified: boolean;
  created_at: string;
}

export function publicUser(u: UserRow): PublicUser {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    email_verified: u.email_verified_at !== null,
    created_at: u.created_at.toISOString(),
  };
}

const USER_COLUMNS =
  'id, email, name, role, password_hash, email_verified_at, disabled_at, token_version, created_at';

export async function findUserByEmail(
  db: pg.ClientBase | pg.Pool,
  email: string,
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from users where lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}

export async function findUserById(
  db: pg.ClientBase | pg.Pool,
  id: string,
  lock = false,
): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    `select ${USER_COLUMNS} from users where id = $1${lock ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

/**
 * Serialises account creation until the transaction ends (re-entrant): take it
 * before looking an address up, so that two signups of one address cannot both
 * see it free, and two first signups cannot both become admin.
 */
export async function lockSignups(client: pg.ClientBase): Promise<void> {
  await client.query("select pg_advisory_xact_lock(hashtext('payflow.users.signup'))");
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  emailVerified: boolean;
  /** The role the sign-up policy, the invitation or the configuration gives; never "first one wins". */
  role: UserRole;
}

/**
 * Inserts a user with the role its caller decided (the sign-up policy, an invitation, the
 * first-admin configuration). A transaction-scoped advisory lock serialises account creation.
 */
export async function insertUser(client: pg.ClientBase, u: NewUser): Promise<UserRow> {
  await lockSignups(client);
  const { rows } = await client.query<UserRow>(
    `insert into users (id, email, name, role, password_hash, email_verified_at)
     values ($1, $2, $3, $4, $5, case when $6::boolean then now() end)
     returning ${USER_COLUMNS}`,
    [newId('usr'), u.email, u.name, u.role, u.passwordHash, u.emailVerified],
  );
  await client.query('insert into user_preferences (user_id) values ($1) on conflict do nothing', [
    rows[0]?.id,
  ]);
  const row = rows[0];
  if (!row) throw new Error('insert into users returned no row');
  return row;
}

export type OneTimePurpose = 'verify_email' | 'reset_password';

/** Creates a one-time token for an email link; only its hash is stored. */
export async function createOneTimeToken(
  client: pg.ClientBase,
  userId: string,
  purpose: OneTimePurpose,
  ttlSeconds: number,
): Promise<string> {
  const token = newSecret('');
  await client.query(
    `insert into auth_tokens (token_hash, purpose, user_id, expires_at)
     values ($1, $2, $3, now() + make_interval(secs => $4))`,
    [sha256Hex(token), purpose, userId, ttlSeconds],
  );
  return token;
}

/** Marks a one-time token used, once, if it has not expired; returns its user. */
export async function consumeOneTimeToken(
  client: pg.ClientBase,
  token: string,
  purpose: OneTimePurpose,
): Promise<string | undefined> {
  const { rows } = await client.query<{ user_id: string }>(
    `update auth_tokens set used_at = now()
      where token_hash = $1 and purpose = $2 and used_at is null and expires_at > now()
      returning user_id`,
    [sha256Hex(token), purpose],
  );
  return rows[0]?.user_id;
}

/** Whether an active admin exists (the first-admin bootstrap and setup tokens stop once one does). */
export async function adminExists(db: pg.ClientBase | pg.Pool): Promise<boolean> {
  const { rows } = await db.query<{ exists: boolean }>(
    "select exists (select 1 from users where role = 'admin' and disabled_at is null) as exists",
  );
  return rows[0]?.exists ?? false;
}

/** Ends every session of a user: access tokens stop at the next request, refresh tokens are revoked. */
export async function endAllSessions(client: pg.ClientBase, userId: string, reason: string): Promise<void> {
  await client.query('update users set token_version = token_version + 1, updated_at = now() where id = $1', [
    userId,
  ]);
  await client.query(
    `update refresh_tokens set revoked_at = now(), revoked_reason = $2
      where user_id = $1 and revoked_at is null`,
    [userId, reason],
  );
}
