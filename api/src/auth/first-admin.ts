// The first admin of an install comes from its configuration, never from being the first to
// sign up: ADMIN_EMAIL with a password from ADMIN_PASSWORD_FILE (a mounted secret) or
// ADMIN_PASSWORD, applied at start while no admin exists; or, without ADMIN_EMAIL, a one-time
// setup token printed once in the log of an API that finds no admin (POST /api/v1/auth/setup).
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { Conflict, ValidationError } from '../domain/errors.ts';
import { withTransaction } from '../store/tx.ts';
import { audit, newSession, signIn, signer, type AuthCore, type RequestMeta, type SignedIn } from './core.ts';
import { hashPassword } from './passwords.ts';
import { newSecret, sha256Hex } from './secrets.ts';
import {
  adminExists,
  endAllSessions,
  findUserByEmail,
  findUserById,
  insertUser,
  lockSignups,
  type UserRow,
} from './store.ts';

export const SETUP_TOKEN_PREFIX = 'pfs_';

const SYSTEM_META: RequestMeta = { ip: 'local', requestId: 'startup' };

/** The configured admin password: the file's content (one trailing newline dropped) or the variable. */
export function configuredAdminPassword(core: AuthCore): string | undefined {
  const c = core.config;
  if (c.ADMIN_PASSWORD_FILE) return readFileSync(c.ADMIN_PASSWORD_FILE, 'utf8').replace(/\r?\n$/, '');
  return c.ADMIN_PASSWORD;
}

interface AdminAccount {
  email: string;
  name: string;
  passwordHash: string;
}

/**
 * Makes `account` the admin, in the caller's transaction (which holds the sign-up lock). An
 * account of that address made earlier by someone else (a self sign-up racing the install) is
 * taken over: its password replaced, its sessions ended, its address verified.
 */
async function makeAdmin(
  client: pg.ClientBase,
  account: AdminAccount,
): Promise<{ user: UserRow; claimed: boolean }> {
  const existing = await findUserByEmail(client, account.email);
  if (!existing) {
    const user = await insertUser(client, {
      email: account.email,
      name: account.name,
      passwordHash: account.passwordHash,
      emailVerified: true,
      role: 'admin',
    });
    return { user, claimed: false };
  }
  await client.query(
    `update users set role = 'admin', password_hash = $2, disabled_at = null,
            email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
      where id = $1`,
    [existing.id, account.passwordHash],
  );
  await endAllSessions(client, existing.id, 'first_admin_configured');
  const user = await findUserById(client, existing.id);
  if (!user) throw new Error('the claimed account vanished');
  return { user, claimed: true };
}

async function applyConfiguredAdmin(core: AuthCore, email: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  const outcome = await withTransaction(core.pool, async (client) => {
    await lockSignups(client);
    if (await adminExists(client)) return 'admin_exists' as const;
    const { user, claimed } = await makeAdmin(client, { email, name: core.config.ADMIN_NAME, passwordHash });
    await audit(client, SYSTEM_META, {
      actorType: 'system',
      actorId: null,
      action: claimed ? 'auth.first_admin_claimed' : 'auth.first_admin_created',
      resourceId: user.id,
      after: { email: user.email, role: user.role, from: 'ADMIN_EMAIL' },
    });
    return user;
  });
  if (outcome === 'admin_exists') {
    core.logger.info({ adminEmail: email }, 'an admin exists: ADMIN_EMAIL is used only for the first admin');
    return;
  }
  core.logger.info({ adminEmail: outcome.email, userId: outcome.id }, 'first admin created from ADMIN_EMAIL');
}

/**
 * Runs at start: warns about an open sign-up policy, applies ADMIN_EMAIL, or (no ADMIN_EMAIL and
 * no admin) makes a setup token and prints it once. Answers the token printed, if any.
 */
export async function bootstrapFirstAdmin(core: AuthCore): Promise<{ setupToken?: string }> {
  const c = core.config;
  if (c.SIGNUP_POLICY === 'open')
    core.logger.warn(
      { signupPolicy: 'open', signupRole: c.SIGNUP_ROLE },
      'SIGNUP_POLICY=open: anyone who can reach this API can make an account (for demos only)',
    );
  if (c.ADMIN_EMAIL) {
    const password = configuredAdminPassword(core);
    if (password === undefined) throw new Error('ADMIN_EMAIL needs ADMIN_PASSWORD_FILE or ADMIN_PASSWORD');
    await applyConfiguredAdmin(core, c.ADMIN_EMAIL, password);
    return {};
  }
  if (await adminExists(core.pool)) return {};
  const token = newSecret(SETUP_TOKEN_PREFIX);
  await core.pool.query('insert into setup_tokens (token_hash) values ($1)', [sha256Hex(token)]);
  core.logger.warn(
    { setupToken: token },
    'no admin exists: make the first one with POST /api/v1/auth/setup (or the console at /setup) and this one-time token; it stops working once an admin exists',
  );
  return { setupToken: token };
}

export interface SetupInput {
  token: string;
  email: string;
  name: string;
  password: string;
}

/** A setup token makes the first admin, once, while no admin exists; the new admin is signed in. */
export async function setupFirstAdmin(
  core: AuthCore,
  input: SetupInput,
  meta: RequestMeta,
): Promise<SignedIn> {
  signer(core);
  const passwordHash = await hashPassword(input.password);
  type Outcome = SignedIn | 'admin_exists' | 'bad_token';
  const outcome = await withTransaction(core.pool, async (client): Promise<Outcome> => {
    await lockSignups(client);
    const refused = async (reason: 'admin_exists' | 'bad_token'): Promise<Outcome> => {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.setup_refused',
        resourceType: 'setup_token',
        resourceId: 'setup',
        reason,
      });
      return reason;
    };
    if (await adminExists(client)) return refused('admin_exists');
    const used = await client.query(
      'update setup_tokens set used_at = now() where token_hash = $1 and used_at is null',
      [sha256Hex(input.token)],
    );
    if (used.rowCount !== 1) return refused('bad_token');
    await client.query('update setup_tokens set used_at = now() where used_at is null');
    const { user, claimed } = await makeAdmin(client, { email: input.email, name: input.name, passwordHash });
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: claimed ? 'auth.first_admin_claimed' : 'auth.first_admin_created',
      resourceId: user.id,
      after: { email: user.email, role: user.role, from: 'setup_token' },
    });
    return signIn(core, client, user, await newSession(core, client, meta));
  });
  if (outcome === 'admin_exists')
    throw new Conflict(
      'An admin exists already: setup tokens no longer work. Sign in, or ask an admin for an invitation.',
    );
  if (outcome === 'bad_token')
    throw ValidationError.of('token', 'is not a setup token of this server, or was used already.');
  return outcome;
}
