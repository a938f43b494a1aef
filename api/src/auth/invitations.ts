// Invitations: the way into a server whose sign-up is closed. An admin invites an address with a
// role; the mail holds a single-use link that expires; accepting it sets a password (or links an
// OpenID Connect identity of the same verified address) and verifies the address in one step.
// Invitations are listed, resent (a new link, the old one dead) and revoked; every step audited.
import type pg from 'pg';
import { Conflict, NotFound, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { actorOf, type Principal, type Role } from '../http/principal.ts';
import { withTransaction } from '../store/tx.ts';
import { audit, newSession, signIn, signer, type AuthCore, type RequestMeta, type SignedIn } from './core.ts';
import { hashPassword } from './passwords.ts';
import { newSecret, sha256Hex } from './secrets.ts';
import { findUserByEmail, insertUser, lockSignups, type UserRow } from './store.ts';

export const INVITATION_TOKEN_PREFIX = 'inv_';
export const INVITATION_STATUSES = ['pending', 'expired', 'accepted', 'revoked'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  /** The merchants the account will be limited to; null: all merchants. */
  merchant_ids: string[] | null;
  status: InvitationStatus;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  sent_at: string;
  send_count: number;
  accepted_at: string | null;
  accepted_user_id: string | null;
  revoked_at: string | null;
}

interface InvitationRow {
  id: string;
  email: string;
  role: Role;
  merchant_ids: string[] | null;
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  sent_at: Date;
  send_count: number;
  accepted_at: Date | null;
  accepted_user_id: string | null;
  revoked_at: Date | null;
  expired: boolean;
}

const COLUMNS = `id, email, role, merchant_ids, invited_by, created_at, expires_at, sent_at, send_count,
  accepted_at, accepted_user_id, revoked_at, expires_at <= now() as expired`;

function statusOf(r: InvitationRow): InvitationStatus {
  if (r.accepted_at) return 'accepted';
  if (r.revoked_at) return 'revoked';
  return r.expired ? 'expired' : 'pending';
}

function view(r: InvitationRow): InvitationView {
  return {
    id: r.id,
    email: r.email,
    role: r.role,
    merchant_ids: r.merchant_ids,
    status: statusOf(r),
    invited_by: r.invited_by,
    created_at: r.created_at.toISOString(),
    expires_at: r.expires_at.toISOString(),
    sent_at: r.sent_at.toISOString(),
    send_count: r.send_count,
    accepted_at: r.accepted_at?.toISOString() ?? null,
    accepted_user_id: r.accepted_user_id,
    revoked_at: r.revoked_at?.toISOString() ?? null,
  };
}

function acceptLink(core: AuthCore, token: string): string {
  const base = core.config.CONSOLE_ORIGIN ?? core.config.APP_BASE_URL;
  return `${base}/accept-invitation?token=${encodeURIComponent(token)}`;
}

function ttlSeconds(core: AuthCore): number {
  return core.config.INVITATION_TTL_HOURS * 3600;
}

function mail(core: AuthCore, to: string, role: Role, token: string): void {
  const hours = core.config.INVITATION_TTL_HOURS;
  const valid = hours % 24 === 0 ? `${String(hours / 24)} day(s)` : `${String(hours)} hour(s)`;
  core.mailer.sendLater({
    to,
    subject: 'You are invited to PayFlow',
    text: `An administrator invited you to PayFlow as ${role}.\n\nAccept the invitation: ${acceptLink(core, token)}\n\nThe link works once and is valid for ${valid}. If you did not expect it, ignore this message.`,
  });
}

export interface InviteInput {
  email: string;
  role: Role;
  merchant_ids?: string[] | null | undefined;
}

/** Invites an address that has no account; an open invitation of the address is a 409 (resend it). */
export async function createInvitation(
  core: AuthCore,
  by: Principal,
  input: InviteInput,
  meta: RequestMeta,
): Promise<InvitationView> {
  const token = newSecret(INVITATION_TOKEN_PREFIX);
  const row = await withTransaction(core.pool, async (client) => {
    await lockSignups(client);
    if (await findUserByEmail(client, input.email))
      throw new Conflict('This address has an account already; change its role on the Users page.', {
        code: 'account_exists',
        field: 'email',
      });
    const open = await client.query<InvitationRow>(
      `select ${COLUMNS} from invitations
        where lower(email) = lower($1) and accepted_at is null and revoked_at is null for update`,
      [input.email],
    );
    const previous = open.rows[0];
    if (previous && !previous.expired)
      throw new Conflict('This address has an open invitation; resend or revoke it.', {
        code: 'already_invited',
        field: 'email',
      });
    if (previous) {
      // An expired invitation of the address gives way to the new one.
      await client.query('update invitations set revoked_at = now() where id = $1', [previous.id]);
      await audit(client, meta, {
        ...actorOf(by),
        action: 'auth.invitation_revoked',
        resourceType: 'invitation',
        resourceId: previous.id,
        reason: 'superseded_after_expiry',
      });
    }
    const { rows } = await client.query<InvitationRow>(
      `insert into invitations (id, email, role, merchant_ids, token_hash, invited_by, expires_at)
       values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) returning ${COLUMNS}`,
      [
        newId('inv'),
        input.email,
        input.role,
        input.merchant_ids ?? null,
        sha256Hex(token),
        by.id,
        ttlSeconds(core),
      ],
    );
    const created = rows[0];
    if (!created) throw new Error('insert into invitations returned no row');
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.invitation_created',
      resourceType: 'invitation',
      resourceId: created.id,
      after: { email: created.email, role: created.role, merchant_ids: created.merchant_ids },
    });
    return created;
  });
  mail(core, row.email, row.role, token);
  return view(row);
}

export async function listInvitations(
  pool: pg.Pool,
  status: readonly InvitationStatus[] | undefined,
): Promise<InvitationView[]> {
  const { rows } = await pool.query<InvitationRow>(
    `select ${COLUMNS} from invitations order by created_at desc, id desc limit 500`,
  );
  const all = rows.map(view);
  return status ? all.filter((i) => status.includes(i.status)) : all;
}

async function lockInvitation(client: pg.ClientBase, id: string): Promise<InvitationRow> {
  const { rows } = await client.query<InvitationRow>(
    `select ${COLUMNS} from invitations where id = $1 for update`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Invitation', id);
  return row;
}

/** A new link (the previous one stops working) and a new expiry, for an invitation not accepted or revoked. */
export async function resendInvitation(
  core: AuthCore,
  by: Principal,
  id: string,
  meta: RequestMeta,
): Promise<InvitationView> {
  const token = newSecret(INVITATION_TOKEN_PREFIX);
  const row = await withTransaction(core.pool, async (client) => {
    const current = await lockInvitation(client, id);
    const status = statusOf(current);
    if (status === 'accepted' || status === 'revoked')
      throw new Conflict(`The invitation is ${status}; invite the address again instead.`, {
        code: `invitation_${status}`,
      });
    const { rows } = await client.query<InvitationRow>(
      `update invitations set token_hash = $2, expires_at = now() + make_interval(secs => $3),
              sent_at = now(), send_count = send_count + 1
        where id = $1 returning ${COLUMNS}`,
      [id, sha256Hex(token), ttlSeconds(core)],
    );
    const updated = rows[0];
    if (!updated) throw new NotFound('Invitation', id);
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.invitation_resent',
      resourceType: 'invitation',
      resourceId: id,
      after: { email: updated.email, send_count: updated.send_count, expires_at: updated.expires_at },
    });
    return updated;
  });
  mail(core, row.email, row.role, token);
  return view(row);
}

/** Revokes an invitation that was not accepted: its link stops working. */
export async function revokeInvitation(
  core: AuthCore,
  by: Principal,
  id: string,
  meta: RequestMeta,
): Promise<InvitationView> {
  return withTransaction(core.pool, async (client) => {
    const current = await lockInvitation(client, id);
    if (current.accepted_at)
      throw new Conflict('The invitation was accepted; disable the account instead.', {
        code: 'invitation_accepted',
      });
    if (current.revoked_at) return view(current);
    const { rows } = await client.query<InvitationRow>(
      `update invitations set revoked_at = now(), revoked_by = $2 where id = $1 returning ${COLUMNS}`,
      [id, by.id],
    );
    await audit(client, meta, {
      ...actorOf(by),
      action: 'auth.invitation_revoked',
      resourceType: 'invitation',
      resourceId: id,
      before: { email: current.email, role: current.role },
    });
    const row = rows[0];
    if (!row) throw new NotFound('Invitation', id);
    return view(row);
  });
}

const BAD_LINK = 'The invitation link is invalid, already used, revoked or expired; ask for a new one.';

/** Why a token is not a live invitation: unknown, accepted, revoked or expired; undefined when it is live. */
async function liveInvitation(
  client: pg.ClientBase | pg.Pool,
  token: string,
  lock: boolean,
): Promise<InvitationRow | string> {
  const { rows } = await client.query<InvitationRow>(
    `select ${COLUMNS} from invitations where token_hash = $1${lock ? ' for update' : ''}`,
    [sha256Hex(token)],
  );
  const row = rows[0];
  if (!row) return 'unknown';
  const status = statusOf(row);
  return status === 'pending' ? row : status;
}

/** What the accept page shows: the address and role of a live invitation. */
export async function peekInvitation(
  core: AuthCore,
  token: string,
): Promise<{ email: string; role: Role; expires_at: string }> {
  const row = await liveInvitation(core.pool, token, false);
  if (typeof row === 'string') throw ValidationError.of('token', BAD_LINK);
  return { email: row.email, role: row.role, expires_at: row.expires_at.toISOString() };
}

/**
 * Accepts a live invitation in the caller's transaction: makes the account (verified, with the
 * invitation's role and merchants), marks the invitation accepted. A string names why not.
 * `email`, when given (an OpenID Connect identity), must be the invited address.
 */
export async function acceptInTransaction(
  client: pg.ClientBase,
  token: string,
  account: { name: string; passwordHash: string | null; email?: string | undefined },
  meta: RequestMeta,
): Promise<UserRow | string> {
  await lockSignups(client);
  const row = await liveInvitation(client, token, true);
  const fail = async (reason: string): Promise<string> => {
    await audit(client, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.invitation_accept_failed',
      resourceType: 'invitation',
      resourceId: typeof row === 'string' ? 'unknown' : row.id,
      reason,
    });
    return reason;
  };
  if (typeof row === 'string') return fail(row);
  if (account.email !== undefined && account.email.toLowerCase() !== row.email.toLowerCase())
    return fail('email_mismatch');
  if (await findUserByEmail(client, row.email)) return fail('account_exists');
  const user = await insertUser(client, {
    email: row.email,
    name: account.name,
    passwordHash: account.passwordHash,
    emailVerified: true,
    role: row.role,
  });
  if (row.merchant_ids)
    await client.query('update users set merchant_ids = $2 where id = $1', [user.id, row.merchant_ids]);
  await client.query('update invitations set accepted_at = now(), accepted_user_id = $2 where id = $1', [
    row.id,
    user.id,
  ]);
  await audit(client, meta, {
    actorType: 'user',
    actorId: user.id,
    action: 'auth.invitation_accepted',
    resourceType: 'invitation',
    resourceId: row.id,
    after: { user_id: user.id, email: user.email, role: user.role, merchant_ids: row.merchant_ids },
  });
  return user;
}

/** Accepts an invitation with a password: the account exists, verified, and is signed in. */
export async function acceptInvitation(
  core: AuthCore,
  input: { token: string; name: string; password: string },
  meta: RequestMeta,
): Promise<SignedIn> {
  signer(core);
  const passwordHash = await hashPassword(input.password);
  const outcome = await withTransaction(core.pool, async (client) => {
    const user = await acceptInTransaction(client, input.token, { name: input.name, passwordHash }, meta);
    if (typeof user === 'string') return user;
    return signIn(core, client, user, await newSession(core, client, meta));
  });
  if (outcome === 'account_exists')
    throw new Conflict('This address has an account already; sign in instead.', { code: 'account_exists' });
  if (typeof outcome === 'string') throw ValidationError.of('token', BAD_LINK);
  return outcome;
}
