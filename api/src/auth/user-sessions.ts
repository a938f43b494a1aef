// A person's sessions: each sign-in starts a refresh-token family, every rotation adds a row to
// it, and ending the family ends the session. Its refresh token fails at once (the row is
// revoked) and so does its access token, which names the family (`sid`, see authenticator.ts).
import type pg from 'pg';
import { Conflict, NotFound } from '../domain/errors.ts';
import type { Principal } from '../http/principal.ts';
import { withTransaction } from '../store/tx.ts';
import { audit, type AuthCore, type RequestMeta } from './core.ts';
import { revokeFamily } from './sessions.ts';

/** At most this many sessions are listed (newest use first). */
export const SESSIONS_LISTED = 100;

export interface SessionView {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  /** The session this request was made in. */
  current: boolean;
}

interface SessionRow {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: Date;
  last_used_at: Date;
  expires_at: Date;
}

/**
 * The live sessions of the signed-in user: the family's unrotated, unrevoked, unexpired token
 * is its head (one per family); its first row says when it started.
 */
export async function listSessions(pool: pg.Pool, me: Principal): Promise<SessionView[]> {
  const { rows } = await pool.query<SessionRow>(
    `select h.family_id as id, h.user_agent, h.ip, h.created_at as last_used_at,
            h.family_expires_at as expires_at,
            (select min(f.created_at) from refresh_tokens f where f.family_id = h.family_id) as created_at
       from refresh_tokens h
      where h.user_id = $1 and h.revoked_at is null and h.rotated_at is null and h.family_expires_at > now()
      order by h.created_at desc, h.id desc
      limit ${String(SESSIONS_LISTED)}`,
    [me.id],
  );
  return rows.map((r) => ({
    id: r.id,
    user_agent: r.user_agent,
    ip: r.ip,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at.toISOString(),
    expires_at: r.expires_at.toISOString(),
    current: r.id === me.sessionId,
  }));
}

/** Ends one of the user's own live sessions; another user's or an ended one is a 404. */
export async function endSession(
  core: AuthCore,
  me: Principal,
  sessionId: string,
  meta: RequestMeta,
): Promise<void> {
  await withTransaction(core.pool, async (client) => {
    const { rows } = await client.query<{ family_id: string }>(
      `select family_id from refresh_tokens
        where family_id = $1 and user_id = $2 and revoked_at is null and rotated_at is null
          and family_expires_at > now()
        for update`,
      [sessionId, me.id],
    );
    if (!rows[0]) throw new NotFound('session', sessionId);
    await revokeFamily(client, sessionId, 'signed_out_by_user');
    await audit(client, meta, {
      actorType: 'user',
      actorId: me.id,
      action: 'auth.session_ended',
      resourceId: me.id,
      after: { session: sessionId, current: sessionId === me.sessionId },
    });
  });
}

/** Ends every session of the user but the one this request was made in; answers how many ended. */
export async function endOtherSessions(core: AuthCore, me: Principal, meta: RequestMeta): Promise<number> {
  const keep = me.sessionId;
  if (keep === undefined) {
    throw new Conflict(
      'This access token names no session, so the others cannot be told apart; sign in again first.',
      { code: 'session_unknown' },
    );
  }
  return withTransaction(core.pool, async (client) => {
    const { rows } = await client.query<{ ended: number }>(
      `with ended as (
         update refresh_tokens set revoked_at = now(), revoked_reason = 'signed_out_elsewhere'
          where user_id = $1 and family_id <> $2 and revoked_at is null
          returning family_id, rotated_at, family_expires_at)
       select count(*)::integer as ended from ended where rotated_at is null and family_expires_at > now()`,
      [me.id, keep],
    );
    const ended = rows[0]?.ended ?? 0;
    await audit(client, meta, {
      actorType: 'user',
      actorId: me.id,
      action: 'auth.other_sessions_ended',
      resourceId: me.id,
      after: { kept: keep, ended },
    });
    return ended;
  });
}

export interface IdentityView {
  provider: string;
  issuer: string;
  email: string;
  linked_at: string;
}

/** The OpenID Connect accounts (Google, say) linked to the user, by verified email. */
export async function listIdentities(pool: pg.Pool, me: Principal): Promise<IdentityView[]> {
  const { rows } = await pool.query<{ provider: string; issuer: string; email: string; created_at: Date }>(
    `select provider, issuer, email, created_at from oidc_identities
      where user_id = $1 order by created_at, issuer, subject`,
    [me.id],
  );
  return rows.map((r) => ({
    provider: r.provider,
    issuer: r.issuer,
    email: r.email,
    linked_at: r.created_at.toISOString(),
  }));
}
