import type pg from 'pg';
import { newId } from '../domain/ids.ts';
import { newSecret, sha256Hex } from './secrets.ts';

export const REFRESH_PREFIX = 'rt_';

export interface RefreshRow {
  id: string;
  family_id: string;
  user_id: string;
  token_version: number;
  family_expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
  user_token_version: number;
  user_disabled_at: Date | null;
  family_expired: boolean;
}

export interface FamilyStart {
  familyId: string;
  familyExpiresAt: Date | string;
  /** The client presenting the sign-in or rotation, recorded on its row (the session list shows it). */
  client?: SessionClient | undefined;
}

export interface SessionClient {
  ip: string;
  userAgent?: string | undefined;
}

/** The longest User-Agent kept (migration 0017 checks it). */
const USER_AGENT_MAX = 512;

/** Stores a new refresh token (hashed); a new family at sign-in, the same family on rotation. */
export async function issueRefreshToken(
  client: pg.ClientBase,
  userId: string,
  tokenVersion: number,
  family: FamilyStart,
): Promise<string> {
  const token = newSecret(REFRESH_PREFIX);
  await client.query(
    `insert into refresh_tokens (id, token_hash, family_id, user_id, token_version, family_expires_at,
                                 user_agent, ip)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      newId('key'),
      sha256Hex(token),
      family.familyId,
      userId,
      tokenVersion,
      family.familyExpiresAt,
      family.client?.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
      family.client?.ip.slice(0, 64) ?? null,
    ],
  );
  return token;
}

export function newFamily(ttlSeconds: number, client?: SessionClient): FamilyStart {
  return { familyId: newId('key'), familyExpiresAt: new Date(Date.now() + ttlSeconds * 1000), client };
}

/** Finds a refresh token by its value and locks it, so that two rotations of one token serialise. */
export async function lockRefreshToken(
  client: pg.ClientBase,
  token: string,
): Promise<RefreshRow | undefined> {
  const { rows } = await client.query<RefreshRow>(
    `select rt.id, rt.family_id, rt.user_id, rt.token_version, rt.family_expires_at,
            rt.rotated_at, rt.revoked_at, u.token_version as user_token_version,
            u.disabled_at as user_disabled_at, rt.family_expires_at <= now() as family_expired
       from refresh_tokens rt join users u on u.id = rt.user_id
      where rt.token_hash = $1
        for update of rt`,
    [sha256Hex(token)],
  );
  return rows[0];
}

export async function markRotated(client: pg.ClientBase, id: string): Promise<void> {
  await client.query('update refresh_tokens set rotated_at = now() where id = $1', [id]);
}

/** Revokes every live token of a family; returns how many were live. */
export async function revokeFamily(client: pg.ClientBase, familyId: string, reason: string): Promise<number> {
  const { rowCount } = await client.query(
    `update refresh_tokens set revoked_at = now(), revoked_reason = $2
      where family_id = $1 and revoked_at is null`,
    [familyId, reason],
  );
  return rowCount ?? 0;
}

/** Why a presented refresh token is not usable, or undefined when it is. */
export function refreshProblem(row: RefreshRow): string | undefined {
  if (row.rotated_at) return 'reused';
  if (row.revoked_at) return 'revoked';
  if (row.family_expired) return 'expired';
  if (row.user_disabled_at) return 'account_disabled';
  if (row.token_version !== row.user_token_version) return 'sessions_ended';
  return undefined;
}
