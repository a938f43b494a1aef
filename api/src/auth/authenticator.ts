import type { Request } from 'express';
import { Unauthorized } from '../domain/errors.ts';
import type { Authenticator, Principal, UserRole } from '../http/principal.ts';
import { withTransaction } from '../store/tx.ts';
import { API_KEY_PREFIX, principalOfApiKey } from './api-keys.ts';
import { audit, type AuthCore, type RequestMeta } from './core.ts';
import { TokenRejected } from './jwt.ts';

/** Audit rows for refused credentials, at most this many per IP and minute (the rest only logged). */
const REJECTION_AUDITS_PER_MINUTE = 30;

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i;

export function metaOf(req: Request): RequestMeta {
  return { ip: req.ip ?? 'unknown', requestId: req.id, userAgent: req.get('user-agent') };
}

function credentialOf(req: Request): { kind: 'jwt' | 'api_key'; value: string } | undefined {
  const apiKey = req.get('x-api-key');
  if (apiKey !== undefined) return { kind: 'api_key', value: apiKey.trim() };
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const m = BEARER.exec(header.trim());
  if (!m?.[1]) throw new Unauthorized('The Authorization header must be `Bearer <token>`.');
  return { kind: m[1].startsWith(API_KEY_PREFIX) ? 'api_key' : 'jwt', value: m[1] };
}

interface Refusal {
  what: 'access_token' | 'api_key';
  reason: string;
  jti?: string | undefined;
}

async function rejected(core: AuthCore, req: Request, { what, reason, jti }: Refusal): Promise<never> {
  const meta = metaOf(req);
  req.log.info({ what, reason }, 'credentials refused');
  if (await core.limiter.take(`reject-audit:${meta.ip}`, REJECTION_AUDITS_PER_MINUTE, 60)) {
    await withTransaction(core.pool, async (client) => {
      await audit(client, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.credentials_rejected',
        resourceType: what,
        resourceId: jti ?? 'unknown',
        reason,
      });
    });
  }
  throw new Unauthorized(`The ${what.replace('_', ' ')} is not valid.`);
}

interface SessionUser {
  id: string;
  email: string;
  role: UserRole;
  merchant_ids: string[] | null;
  token_version: number;
  disabled_at: Date | null;
  session_ended: boolean;
}

async function userPrincipal(core: AuthCore, req: Request, token: string): Promise<Principal> {
  if (!core.tokens) return rejected(core, req, { what: 'access_token', reason: 'auth_not_configured' });
  let claims;
  try {
    claims = core.tokens.verify(token);
  } catch (err) {
    const e = err instanceof TokenRejected ? err : new TokenRejected('malformed');
    return rejected(core, req, { what: 'access_token', reason: e.reason, jti: e.jti });
  }
  // One read per request: a disabled account, a password change or a reset ends every access
  // token at once, role changes apply at once, and so does ending one session (its family has
  // revoked rows; a family never issues again once revoked).
  const { rows } = await core.pool.query<SessionUser>(
    `select id, email, role, merchant_ids, token_version, disabled_at,
            ($2::text is not null and exists (
               select 1 from refresh_tokens where family_id = $2 and revoked_at is not null)) as session_ended
       from users where id = $1`,
    [claims.sub, claims.sid ?? null],
  );
  const user = rows[0];
  if (!user) return rejected(core, req, { what: 'access_token', reason: 'unknown_user', jti: claims.jti });
  if (user.disabled_at)
    return rejected(core, req, { what: 'access_token', reason: 'account_disabled', jti: claims.jti });
  if (user.token_version !== claims.ver)
    return rejected(core, req, { what: 'access_token', reason: 'sessions_ended', jti: claims.jti });
  if (user.session_ended)
    return rejected(core, req, { what: 'access_token', reason: 'session_ended', jti: claims.jti });
  return {
    kind: 'user',
    id: user.id,
    role: user.role,
    email: user.email,
    sessionId: claims.sid,
    merchantScope: user.merchant_ids ?? undefined,
  };
}

/** Bearer access token or API key (`Authorization: Bearer pk_…` or `X-API-Key`) → Principal. */
export function createAuthenticator(core: AuthCore): Authenticator {
  return async (req) => {
    const credential = credentialOf(req);
    if (!credential) return undefined;
    if (credential.kind === 'jwt') return userPrincipal(core, req, credential.value);
    const principal = credential.value.startsWith(API_KEY_PREFIX)
      ? await principalOfApiKey(core.pool, credential.value)
      : undefined;
    return principal ?? rejected(core, req, { what: 'api_key', reason: 'unknown_or_revoked' });
  };
}
