import { Forbidden, RateLimited, Unauthorized, ValidationError } from '../domain/errors.ts';
import { withTransaction } from '../store/tx.ts';
import { audit, newSession, signIn, signer, type AuthCore, type RequestMeta, type SignedIn } from './core.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { selfSignupRole, SignupRefused } from './policy.ts';
import { lockRefreshToken, markRotated, refreshProblem, revokeFamily } from './sessions.ts';
import {
  consumeOneTimeToken,
  createOneTimeToken,
  endAllSessions,
  findUserByEmail,
  findUserById,
  insertUser,
  lockSignups,
  type UserRow,
} from './store.ts';

const VERIFY_TTL_SECONDS = 24 * 3600;
const RESET_TTL_SECONDS = 3600;
/** At most this many verification or reset emails per address per hour. */
const EMAILS_PER_HOUR = 5;

export const ACCEPTED = {
  status: 'accepted',
  message: 'If the address can receive mail, a message is on its way.',
} as const;

const BAD_LOGIN = 'Email or password is incorrect.';

export interface SignupInput {
  email: string;
  password: string;
  name: string;
}

function verifyLink(core: AuthCore, token: string): string {
  return `${core.config.APP_BASE_URL}/api/v1/auth/verify-email?token=${encodeURIComponent(token)}`;
}

function resetLink(core: AuthCore, token: string): string {
  const base = core.config.CONSOLE_ORIGIN ?? core.config.APP_BASE_URL;
  return `${base}/reset-password?token=${encodeURIComponent(token)}`;
}

async function mayEmail(core: AuthCore, email: string): Promise<boolean> {
  return core.limiter.take(`mail:${email.toLowerCase()}`, EMAILS_PER_HOUR, 3600);
}

/**
 * Signup answers the same whether or not the address is registered: a new
 * address gets a verification link, a known one a note that it already has an
 * account. The password is hashed in both cases so that timing tells nothing.
 */
export async function signup(core: AuthCore, input: SignupInput, meta: RequestMeta): Promise<void> {
  const role = selfSignupRole(core.config, input.email);
  if (role instanceof SignupRefused) {
    await withTransaction(core.pool, async (client) => {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.signup_refused',
        resourceType: 'login',
        resourceId: input.email.toLowerCase(),
        reason: `${core.config.SIGNUP_POLICY}: ${role.reason}`,
      });
    });
    throw role;
  }
  const passwordHash = await hashPassword(input.password);
  type Outcome = { existing: UserRow } | { user: UserRow; token: string };
  const outcome = await withTransaction(core.pool, async (client): Promise<Outcome> => {
    await lockSignups(client);
    const existing = await findUserByEmail(client, input.email);
    if (existing) {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.signup_existing_email',
        resourceId: existing.id,
      });
      return { existing };
    }
    const user = await insertUser(client, { ...input, passwordHash, emailVerified: false, role });
    const token = await createOneTimeToken(client, user.id, 'verify_email', VERIFY_TTL_SECONDS);
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.signup',
      resourceId: user.id,
      after: { email: user.email, name: user.name, role: user.role },
    });
    return { user, token };
  });
  if (!(await mayEmail(core, input.email))) return;
  if ('token' in outcome) {
    core.mailer.sendLater({
      to: outcome.user.email,
      subject: 'Verify your PayFlow email address',
      text: `Welcome to PayFlow.\n\nConfirm your address: ${verifyLink(core, outcome.token)}\n\nThe link is valid for 24 hours.`,
    });
    return;
  }
  core.mailer.sendLater({
    to: outcome.existing.email,
    subject: 'Your PayFlow account',
    text: 'Someone tried to sign up with this address, which already has a PayFlow account.\n\nIf it was you, sign in or reset your password. If not, you can ignore this message.',
  });
}

async function throttle(core: AuthCore, email: string, meta: RequestMeta): Promise<void> {
  const wait = await core.limiter.retryAfter(email, meta.ip);
  if (wait === 0) return;
  await withTransaction(core.pool, async (client) => {
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.login_throttled',
      resourceType: 'login',
      resourceId: email.toLowerCase(),
      reason: `retry after ${String(wait)} s`,
    });
  });
  throw new RateLimited(wait, `Too many failed sign-in attempts; retry after ${String(wait)} seconds.`);
}

interface Failure {
  email: string;
  user: UserRow | undefined;
  reason: string;
}

async function loginFailed(
  core: AuthCore,
  { email, user, reason }: Failure,
  meta: RequestMeta,
): Promise<never> {
  await core.limiter.failed(email, meta.ip);
  await withTransaction(core.pool, async (client) => {
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.login_failed',
      resourceType: user ? 'user' : 'login',
      resourceId: user ? user.id : email.toLowerCase(),
      reason,
    });
  });
  throw new Unauthorized(BAD_LOGIN);
}

/** Email and password → tokens, under per-account and per-IP failure limits. */
export async function login(
  core: AuthCore,
  input: { email: string; password: string },
  meta: RequestMeta,
): Promise<SignedIn> {
  signer(core);
  await throttle(core, input.email, meta);
  const user = await findUserByEmail(core.pool, input.email);
  const ok = await verifyPassword(user?.password_hash, input.password);
  if (!user || !ok)
    return loginFailed(
      core,
      { email: input.email, user, reason: user ? 'wrong_password' : 'unknown_email' },
      meta,
    );
  if (user.disabled_at)
    return loginFailed(core, { email: input.email, user, reason: 'account_disabled' }, meta);
  await core.limiter.succeeded(input.email, meta.ip);
  if (!user.email_verified_at) {
    throw new Forbidden(
      'Verify your email address first; POST /api/v1/auth/resend-verification sends a new link.',
    );
  }
  return withTransaction(core.pool, async (client) => {
    const session = await signIn(core, client, user, await newSession(core, client, meta));
    await audit(client, meta, {
      actorType: 'user',
      actorId: user.id,
      action: 'auth.login',
      resourceId: user.id,
    });
    return session;
  });
}

type RefreshOutcome = { ok: true; session: SignedIn } | { ok: false; reason: string };

/** Rotates a refresh token; a rotated token presented again revokes its whole family. */
export async function refresh(core: AuthCore, token: string, meta: RequestMeta): Promise<SignedIn> {
  signer(core);
  const outcome = await withTransaction(core.pool, async (client): Promise<RefreshOutcome> => {
    const row = await lockRefreshToken(client, token);
    if (!row) return { ok: false, reason: 'unknown' };
    const problem = refreshProblem(row);
    const actor = { actorType: 'user' as const, actorId: row.user_id, resourceId: row.user_id };
    if (problem === 'reused') {
      const revoked = await revokeFamily(client, row.family_id, 'reuse_detected');
      await audit(client, meta, {
        ...actor,
        action: 'auth.refresh_reuse_detected',
        after: { family: row.family_id, revoked },
      });
      return { ok: false, reason: problem };
    }
    if (problem) {
      await revokeFamily(client, row.family_id, problem);
      await audit(client, meta, { ...actor, action: 'auth.refresh_failed', reason: problem });
      return { ok: false, reason: problem };
    }
    await markRotated(client, row.id);
    const user = await findUserById(client, row.user_id);
    if (!user) return { ok: false, reason: 'unknown' };
    const session = await signIn(core, client, user, {
      familyId: row.family_id,
      familyExpiresAt: row.family_expires_at,
      client: meta,
    });
    await audit(client, meta, { ...actor, action: 'auth.refresh', after: { family: row.family_id } });
    return { ok: true, session };
  });
  if (!outcome.ok)
    throw new Unauthorized(`The refresh token is not valid (${outcome.reason}); sign in again.`);
  return outcome.session;
}

/** Revokes the session (the refresh-token family) the token belongs to. Unknown tokens are ignored. */
export async function logout(core: AuthCore, token: string, meta: RequestMeta): Promise<void> {
  await withTransaction(core.pool, async (client) => {
    const row = await lockRefreshToken(client, token);
    if (!row) return;
    await revokeFamily(client, row.family_id, 'logout');
    await audit(client, meta, {
      actorType: 'user',
      actorId: row.user_id,
      action: 'auth.logout',
      resourceId: row.user_id,
      after: { family: row.family_id },
    });
  });
}

export async function verifyEmail(core: AuthCore, token: string, meta: RequestMeta): Promise<void> {
  const ok = await withTransaction(core.pool, async (client) => {
    const userId = await consumeOneTimeToken(client, token, 'verify_email');
    if (!userId) {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.email_verify_failed',
        resourceType: 'auth_token',
        resourceId: 'verify_email',
      });
      return false;
    }
    await client.query(
      'update users set email_verified_at = coalesce(email_verified_at, now()), updated_at = now() where id = $1',
      [userId],
    );
    await audit(client, meta, {
      actorType: 'user',
      actorId: userId,
      action: 'auth.email_verified',
      resourceId: userId,
    });
    return true;
  });
  if (!ok)
    throw ValidationError.of('token', 'The link is invalid, already used or expired; ask for a new one.');
}

export async function resendVerification(core: AuthCore, email: string, meta: RequestMeta): Promise<void> {
  const token = await withTransaction(core.pool, async (client) => {
    const user = await findUserByEmail(client, email);
    if (!user || user.email_verified_at || user.disabled_at) return undefined;
    const t = await createOneTimeToken(client, user.id, 'verify_email', VERIFY_TTL_SECONDS);
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.verification_resent',
      resourceId: user.id,
    });
    return { to: user.email, t };
  });
  if (!token || !(await mayEmail(core, email))) return;
  core.mailer.sendLater({
    to: token.to,
    subject: 'Verify your PayFlow email address',
    text: `Confirm your address: ${verifyLink(core, token.t)}\n\nThe link is valid for 24 hours.`,
  });
}

export async function forgotPassword(core: AuthCore, email: string, meta: RequestMeta): Promise<void> {
  const token = await withTransaction(core.pool, async (client) => {
    const user = await findUserByEmail(client, email);
    const known = user && !user.disabled_at;
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.password_reset_requested',
      resourceType: known ? 'user' : 'login',
      resourceId: known ? user.id : email.toLowerCase(),
      reason: known ? null : 'unknown_email',
    });
    if (!known) return undefined;
    return {
      to: user.email,
      t: await createOneTimeToken(client, user.id, 'reset_password', RESET_TTL_SECONDS),
    };
  });
  if (!token || !(await mayEmail(core, email))) return;
  core.mailer.sendLater({
    to: token.to,
    subject: 'Reset your PayFlow password',
    text: `Choose a new password: ${resetLink(core, token.t)}\n\nThe link is valid for one hour and works once. If you did not ask for it, ignore this message.`,
  });
}

/** A reset token sets a new password once, ends every session and proves the address. */
export async function resetPassword(
  core: AuthCore,
  input: { token: string; password: string },
  meta: RequestMeta,
): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const ok = await withTransaction(core.pool, async (client) => {
    const userId = await consumeOneTimeToken(client, input.token, 'reset_password');
    if (!userId) {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.password_reset_failed',
        resourceType: 'auth_token',
        resourceId: 'reset_password',
      });
      return false;
    }
    await client.query(
      `update users set password_hash = $2, email_verified_at = coalesce(email_verified_at, now()), updated_at = now()
        where id = $1`,
      [userId, passwordHash],
    );
    await client.query(
      "update auth_tokens set used_at = now() where user_id = $1 and purpose = 'reset_password' and used_at is null",
      [userId],
    );
    await endAllSessions(client, userId, 'password_reset');
    await audit(client, meta, {
      actorType: 'user',
      actorId: userId,
      action: 'auth.password_reset',
      resourceId: userId,
    });
    return true;
  });
  if (!ok)
    throw ValidationError.of(
      'token',
      'The reset link is invalid, already used or expired; ask for a new one.',
    );
}

/** Changes the password of the signed-in user, ends every other session and signs in afresh. */
export async function changePassword(
  core: AuthCore,
  userId: string,
  input: { currentPassword: string; newPassword: string },
  meta: RequestMeta,
): Promise<SignedIn> {
  const user = await findUserById(core.pool, userId);
  if (!user) throw new Unauthorized();
  await throttle(core, user.email, meta);
  if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
    await core.limiter.failed(user.email, meta.ip);
    await withTransaction(core.pool, async (client) => {
      await audit(client, meta, {
        actorType: 'user',
        actorId: userId,
        action: 'auth.password_change_failed',
        resourceId: userId,
        reason: 'wrong_password',
      });
    });
    throw ValidationError.of('currentPassword', 'The current password is incorrect.');
  }
  const passwordHash = await hashPassword(input.newPassword);
  return withTransaction(core.pool, async (client) => {
    await client.query('update users set password_hash = $2, updated_at = now() where id = $1', [
      userId,
      passwordHash,
    ]);
    await endAllSessions(client, userId, 'password_changed');
    const fresh = await findUserById(client, userId);
    if (!fresh) throw new Unauthorized();
    await audit(client, meta, {
      actorType: 'user',
      actorId: userId,
      action: 'auth.password_changed',
      resourceId: userId,
    });
    return signIn(core, client, fresh, await newSession(core, client, meta));
  });
}
