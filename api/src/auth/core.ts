import type pg from 'pg';
import type { ApiConfig } from '../config.ts';
import { DomainError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import { appendAudit, type AuditEntry } from '../store/tx.ts';
import type { AccessTokenSigner } from './jwt.ts';
import type { LoginLimiter } from './limiter.ts';
import type { Mailer } from './mailer.ts';
import { sessionLifetimeSeconds } from '../ops/system-settings.ts';
import { issueRefreshToken, newFamily, type FamilyStart } from './sessions.ts';
import { publicUser, type PublicUser, type UserRow } from './store.ts';

/** Everything the auth use cases share. */
export interface AuthCore {
  readonly config: ApiConfig;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly tokens: AccessTokenSigner | undefined;
  readonly mailer: Mailer;
  readonly limiter: LoginLimiter;
}

/** Who asked, for rate limits and audit rows. */
export interface RequestMeta {
  ip: string;
  requestId: string;
  /** The User-Agent header, recorded on the session a sign-in or rotation starts. */
  userAgent?: string | undefined;
}

export interface SignedIn {
  user: PublicUser;
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  /** When the refresh-token family ends (absolute; the cookie's lifetime). Not part of any response body. */
  refreshExpiresAt: Date;
}

/** 503: signing in is impossible because the server has no signing key. */
export class AuthNotConfigured extends DomainError {
  constructor() {
    super({
      code: 'auth_not_configured',
      status: 503,
      title: 'Authentication is not configured',
      detail: 'This server has no JWT_PRIVATE_KEY; it cannot issue tokens.',
    });
  }
}

export function signer(core: AuthCore): AccessTokenSigner {
  if (!core.tokens) throw new AuthNotConfigured();
  return core.tokens;
}

/**
 * Issues an access token and a refresh token (new family unless `family` is given). The access
 * token names its family (`sid`), so that ending the session ends the access token at once.
 */
export async function signIn(
  core: AuthCore,
  client: pg.ClientBase,
  user: UserRow,
  family: FamilyStart,
): Promise<SignedIn> {
  const access = signer(core).sign({ sub: user.id, ver: user.token_version, sid: family.familyId });
  const refreshToken = await issueRefreshToken(client, user.id, user.token_version, family);
  return {
    user: publicUser(user),
    accessToken: access.token,
    refreshToken,
    tokenType: 'Bearer',
    expiresIn: access.expiresIn,
    refreshExpiresAt: new Date(family.familyExpiresAt),
  };
}

/** A new session for this client, as long as the admin's session lifetime (or the environment's) says. */
export async function newSession(core: AuthCore, db: pg.ClientBase, meta: RequestMeta): Promise<FamilyStart> {
  const seconds = await sessionLifetimeSeconds(db, core.config.REFRESH_TOKEN_TTL_SECONDS);
  return newFamily(seconds, meta);
}

type AuthAudit = Omit<AuditEntry, 'requestId' | 'resourceType'> & { resourceType?: string };

/** Writes an `auth.*` audit row in the caller's transaction. */
export async function audit(client: pg.ClientBase, meta: RequestMeta, e: AuthAudit): Promise<void> {
  await appendAudit(client, {
    ...e,
    resourceType: e.resourceType ?? 'user',
    requestId: meta.requestId,
    after: e.after === undefined ? { ip: meta.ip } : { ...(e.after as object), ip: meta.ip },
  });
}
