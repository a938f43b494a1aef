import type { ApiDeps } from '../deps.ts';
import type { Authenticator } from '../http/principal.ts';
import { createAuthenticator } from './authenticator.ts';
import type { AuthCore } from './core.ts';
import { createAccessTokens } from './jwt.ts';
import { LoginLimiter } from './limiter.ts';
import { createMailer } from './mailer.ts';
import { OidcLogin, oidcSettings } from './oidc.ts';

export interface Auth {
  readonly core: AuthCore;
  readonly authenticate: Authenticator;
  /** Sign-in with the configured OpenID Connect issuer, when configured. */
  readonly oidc: OidcLogin | undefined;
  close(): void;
}

function build(deps: ApiDeps): Auth {
  const c = deps.config;
  const tokens = c.JWT_PRIVATE_KEY
    ? createAccessTokens({
        privateKeyPem: c.JWT_PRIVATE_KEY,
        previousPublicKeyPem: c.JWT_PREVIOUS_PUBLIC_KEY,
        issuer: c.JWT_ISSUER,
        audience: c.JWT_AUDIENCE,
        ttlSeconds: c.ACCESS_TOKEN_TTL_SECONDS,
      })
    : undefined;
  const mailer = createMailer(c.SMTP_URL, c.EMAIL_FROM, deps.logger);
  const limiter = new LoginLimiter(deps.kv, {
    maxPerAccountIp: c.LOGIN_MAX_FAILURES_ACCOUNT_IP,
    maxPerAccount: c.LOGIN_MAX_FAILURES_ACCOUNT,
    maxPerIp: c.LOGIN_MAX_FAILURES_IP,
    windowSeconds: c.LOGIN_FAILURE_WINDOW_SECONDS,
  });
  const core: AuthCore = {
    config: c,
    pool: deps.pool,
    logger: deps.logger,
    tokens,
    mailer,
    limiter,
  };
  const oidc = oidcSettings(c);
  return {
    core,
    authenticate: createAuthenticator(core),
    oidc: oidc && c.JWT_PRIVATE_KEY ? new OidcLogin(core, oidc, c.JWT_PRIVATE_KEY) : undefined,
    close: () => {
      mailer.close();
    },
  };
}

const instances = new WeakMap<ApiDeps, Auth>();

/** The auth module of one API instance: built once per deps, shared by the route table and the server. */
export function authFor(deps: ApiDeps): Auth {
  let auth = instances.get(deps);
  if (!auth) {
    auth = build(deps);
    instances.set(deps, auth);
  }
  return auth;
}

/** Production refuses to start without a signing key (secrets have no default). */
export function assertAuthConfigured(config: ApiDeps['config']): void {
  if (!config.JWT_PRIVATE_KEY) {
    throw new Error(
      'invalid configuration:\n  JWT_PRIVATE_KEY: required (an EC P-256 private key in PEM for ES256)',
    );
  }
}

export { authMiddleware } from './http.ts';
export { endAllSessions } from './store.ts';
