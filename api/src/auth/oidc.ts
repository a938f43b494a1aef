import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type pg from 'pg';
import * as client from 'openid-client';
import type { ApiConfig } from '../config.ts';
import { DomainError, Forbidden, Unauthorized } from '../domain/errors.ts';
import type { UserRole } from '../http/principal.ts';
import { withTransaction } from '../store/tx.ts';
import { acceptInTransaction } from './invitations.ts';
import { selfSignupRole, SignupRefused } from './policy.ts';

/** Why accepting an invitation with a sign-in failed (acceptInTransaction's reasons). */
const INVITATION_REFUSALS = new Set([
  'unknown',
  'accepted',
  'revoked',
  'expired',
  'email_mismatch',
  'account_exists',
]);
import { audit, newSession, signIn, type AuthCore, type RequestMeta, type SignedIn } from './core.ts';
import {
  endAllSessions,
  findUserByEmail,
  findUserById,
  insertUser,
  lockSignups,
  type UserRow,
} from './store.ts';

export const OIDC_COOKIE = 'pf_oidc';
const FLOW_TTL_SECONDS = 600;
const FLOW_TYP = 'oidc-flow+jwt';
const FLOW_AUD = 'payflow-oidc-flow';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export interface OidcSettings {
  provider: string;
  issuer: URL;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  allowInsecureHttp: boolean;
}

/** The OIDC settings when all four are configured, else undefined (OIDC sign-in off). */
export function oidcSettings(c: ApiConfig): OidcSettings | undefined {
  if (!c.OIDC_ISSUER || !c.OIDC_CLIENT_ID || !c.OIDC_CLIENT_SECRET || !c.OIDC_REDIRECT_URI) return undefined;
  if (c.OIDC_ALLOW_INSECURE_HTTP && !LOOPBACK.has(new URL(c.OIDC_ISSUER).hostname)) {
    throw new Error(
      'invalid configuration:\n  OIDC_ALLOW_INSECURE_HTTP: only for tests with an issuer on loopback, not ' +
        c.OIDC_ISSUER,
    );
  }
  return {
    provider: c.OIDC_PROVIDER,
    issuer: new URL(c.OIDC_ISSUER),
    clientId: c.OIDC_CLIENT_ID,
    clientSecret: c.OIDC_CLIENT_SECRET,
    redirectUri: c.OIDC_REDIRECT_URI,
    allowInsecureHttp: c.OIDC_ALLOW_INSECURE_HTTP,
  };
}

/** What the browser keeps between the redirect and the callback: signed, httpOnly, one use. */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  provider: string;
  /** An invitation being accepted with this sign-in (its link's token). */
  invitation?: string;
}

/** 503: the identity provider could not be reached or configured. */
class IdpUnavailable extends DomainError {
  constructor(cause: unknown) {
    super({
      code: 'idp_unavailable',
      status: 503,
      title: 'Identity provider unavailable',
      detail: 'The identity provider did not answer; try again later.',
      cause,
    });
  }
}

export interface OidcClaims {
  issuer: string;
  sub: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string;
}

/** Why a callback was refused (for the audit row); the client sees 401. */
function failureReason(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError) return `provider_error:${err.error}`;
  const cause = err instanceof Error ? err.cause : undefined;
  const message = `${err instanceof Error ? err.message : ''} ${cause instanceof Error ? cause.message : ''}`;
  if (message.includes('"state"')) return 'state_mismatch';
  if (message.includes('"nonce"')) return 'nonce_mismatch';
  if (message.includes('code_verifier') || message.includes('PKCE')) return 'pkce_failed';
  return 'token_exchange_failed';
}

/** OpenID Connect sign-in with any issuer: authorization code, PKCE S256, state and nonce in a signed cookie. */
export class OidcLogin {
  readonly settings: OidcSettings;
  readonly #core: AuthCore;
  readonly #signingKey: KeyObject;
  readonly #verifyKey: KeyObject;
  #config: Promise<client.Configuration> | undefined;

  constructor(core: AuthCore, settings: OidcSettings, privateKeyPem: string) {
    this.#core = core;
    this.settings = settings;
    this.#signingKey = createPrivateKey(privateKeyPem);
    this.#verifyKey = createPublicKey(this.#signingKey);
  }

  async #discover(): Promise<client.Configuration> {
    const s = this.settings;
    this.#config ??= client
      .discovery(s.issuer, s.clientId, s.clientSecret, undefined, {
        // Plain http only when OIDC_ALLOW_INSECURE_HTTP says so (tests with a loopback issuer).
        // eslint-disable-next-line @typescript-eslint/no-deprecated
        ...(s.allowInsecureHttp ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new IdpUnavailable(err);
      });
    return this.#config;
  }

  /** Starts a sign-in: the provider's authorization URL and the cookie value binding the flow to this browser. */
  async start(invitation?: string): Promise<{ url: string; cookie: string }> {
    const config = await this.#discover();
    const flow: Flow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
      provider: this.settings.provider,
      ...(invitation ? { invitation } : {}),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    const cookie = jwt.sign(flow, this.#signingKey, {
      algorithm: 'ES256',
      header: { alg: 'ES256', typ: FLOW_TYP },
      audience: FLOW_AUD,
      expiresIn: FLOW_TTL_SECONDS,
    });
    return { url: url.href, cookie };
  }

  #flowOf(cookie: string | undefined): Flow | undefined {
    if (!cookie) return undefined;
    try {
      const decoded = jwt.verify(cookie, this.#verifyKey, {
        algorithms: ['ES256'],
        audience: FLOW_AUD,
        complete: true,
      });
      if (decoded.header.typ !== FLOW_TYP || typeof decoded.payload === 'string') return undefined;
      const flow = decoded.payload as Partial<Flow>;
      if (!flow.state || !flow.nonce || !flow.verifier || flow.provider !== this.settings.provider)
        return undefined;
      return flow as Flow;
    } catch {
      return undefined;
    }
  }

  async #refuse(meta: RequestMeta, reason: string, cause?: unknown): Promise<never> {
    await this.#auditFailure(meta, reason, cause);
    throw new Unauthorized(`Sign-in with ${this.settings.provider} failed (${reason}); start again.`);
  }

  async #auditFailure(meta: RequestMeta, reason: string, cause?: unknown): Promise<void> {
    this.#core.logger.info(
      { reason, err: cause instanceof Error ? cause.message : undefined },
      'oidc callback refused',
    );
    await withTransaction(this.#core.pool, async (c) => {
      await audit(c, meta, {
        actorType: 'anonymous',
        actorId: null,
        action: 'auth.oidc_failed',
        resourceType: 'oidc',
        resourceId: this.settings.provider,
        reason,
      });
    });
  }

  /** Completes a sign-in from the callback URL; state, nonce and PKCE verifier come from the cookie. */
  async finish(callbackQuery: string, cookie: string | undefined, meta: RequestMeta): Promise<SignedIn> {
    const flow = this.#flowOf(cookie);
    if (!flow) return this.#refuse(meta, 'no_flow_cookie');
    const config = await this.#discover();
    const current = new URL(this.settings.redirectUri);
    current.search = callbackQuery;
    let claims: OidcClaims;
    try {
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = await this.#claimsOf(config, tokens);
    } catch (err) {
      if (err instanceof Unauthorized) throw err;
      return this.#refuse(meta, failureReason(err), err);
    }
    return this.#signInWith(claims, meta, flow.invitation);
  }

  /** ID token claims; email and name from userinfo when the ID token leaves them out. */
  async #claimsOf(
    config: client.Configuration,
    tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
  ): Promise<OidcClaims> {
    const id = tokens.claims();
    if (!id) throw new TypeError('no ID token in the token response');
    const info =
      typeof id.email === 'string' ? id : await client.fetchUserInfo(config, tokens.access_token, id.sub);
    return {
      issuer: id.iss,
      sub: id.sub,
      email: typeof info.email === 'string' ? info.email : undefined,
      emailVerified: info.email_verified === true,
      name: typeof info.name === 'string' ? info.name : '',
    };
  }

  async #signInWith(claims: OidcClaims, meta: RequestMeta, invitation?: string): Promise<SignedIn> {
    const outcome = await withTransaction(this.#core.pool, async (c) => {
      const user = await this.#userFor(c, claims, meta, invitation);
      if (typeof user === 'string') return user;
      const session = await signIn(this.#core, c, user, await newSession(this.#core, c, meta));
      await audit(c, meta, {
        actorType: 'user',
        actorId: user.id,
        action: 'auth.login',
        resourceId: user.id,
        reason: `oidc:${this.settings.provider}`,
      });
      return session;
    });
    if (typeof outcome !== 'string') return outcome;
    await this.#auditFailure(meta, outcome);
    const refusal = selfSignupRole(this.#core.config, claims.email ?? '');
    if (refusal instanceof SignupRefused && refusal.reason === outcome) throw refusal;
    if (INVITATION_REFUSALS.has(outcome))
      throw new Forbidden(
        outcome === 'email_mismatch'
          ? `The invitation is for another address than the one ${this.settings.provider} confirmed.`
          : 'The invitation link is invalid, already used, revoked or expired; ask for a new one.',
      );
    throw new Forbidden(
      outcome === 'email_not_verified'
        ? `${this.settings.provider} did not confirm a verified email address; accounts are linked by verified email only.`
        : 'This account is disabled.',
    );
  }

  /** The user for these claims, linking or creating by verified email; a string names why not. */
  async #userFor(
    c: pg.PoolClient,
    claims: OidcClaims,
    meta: RequestMeta,
    invitation?: string,
  ): Promise<UserRow | string> {
    const linked = await this.#linked(c, claims);
    if (linked) return linked.disabled_at ? 'account_disabled' : linked;
    if (!claims.email || !claims.emailVerified) return 'email_not_verified';
    const user = invitation
      ? await acceptInTransaction(
          c,
          invitation,
          { name: claims.name, passwordHash: null, email: claims.email },
          meta,
        )
      : await this.#byEmail(c, claims, meta);
    if (typeof user === 'string') return user;
    await c.query(
      'insert into oidc_identities (provider, issuer, subject, user_id, email) values ($1, $2, $3, $4, $5)',
      [this.settings.provider, claims.issuer, claims.sub, user.id, claims.email],
    );
    await this.#auditLink(c, user, claims, meta);
    return (await findUserById(c, user.id)) ?? user;
  }

  /** The account with the provider's verified email, or a new one. */
  async #byEmail(c: pg.PoolClient, claims: OidcClaims, meta: RequestMeta): Promise<UserRow | string> {
    await lockSignups(c);
    const existing = await findUserByEmail(c, claims.email ?? '');
    if (!existing) {
      // An identity no account has: the sign-up policy decides, as for a password sign-up.
      const role = selfSignupRole(this.#core.config, claims.email ?? '');
      if (role instanceof SignupRefused) return role.reason;
      return this.#create(c, claims, role, meta);
    }
    if (existing.disabled_at) return 'account_disabled';
    if (!existing.email_verified_at) await this.#claimUnverified(c, existing);
    return existing;
  }

  async #auditLink(c: pg.PoolClient, user: UserRow, claims: OidcClaims, meta: RequestMeta): Promise<void> {
    await audit(c, meta, {
      actorType: 'user',
      actorId: user.id,
      action: 'auth.oidc_linked',
      resourceId: user.id,
      after: {
        provider: this.settings.provider,
        issuer: claims.issuer,
        subject: claims.sub,
        email: claims.email,
      },
    });
  }

  async #linked(c: pg.PoolClient, claims: OidcClaims): Promise<UserRow | undefined> {
    const { rows } = await c.query<{ user_id: string }>(
      'select user_id from oidc_identities where issuer = $1 and subject = $2',
      [claims.issuer, claims.sub],
    );
    return rows[0] ? findUserById(c, rows[0].user_id, true) : undefined;
  }

  /**
   * Someone may have signed up with this address without proving it: their
   * password and sessions must not survive the real owner's arrival.
   */
  async #claimUnverified(c: pg.PoolClient, existing: UserRow): Promise<void> {
    await c.query('update users set email_verified_at = now(), password_hash = null where id = $1', [
      existing.id,
    ]);
    await endAllSessions(c, existing.id, 'oidc_link_unverified_account');
  }

  async #create(c: pg.PoolClient, claims: OidcClaims, role: UserRole, meta: RequestMeta): Promise<UserRow> {
    const user = await insertUser(c, {
      email: claims.email ?? '',
      name: claims.name,
      passwordHash: null,
      emailVerified: true,
      role,
    });
    await audit(c, meta, {
      actorType: 'anonymous',
      actorId: null,
      action: 'auth.signup',
      resourceId: user.id,
      after: { email: user.email, name: user.name, role: user.role, via: this.settings.provider },
    });
    return user;
  }
}
