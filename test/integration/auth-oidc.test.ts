import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';
import { CookieJar, followUntil, startIdp, type TestIdp } from '../support/oidc.ts';
import { freePort } from '../../hack/testenv/proc.ts';

describe('sign-in with any OpenID Connect issuer (a real oidc-provider, configured as "google")', () => {
  let h: AuthHarness;
  let idp: TestIdp;
  let redirectUri: string;

  /** Starts a sign-in at the API: the provider URL and a browser jar holding the flow cookie. */
  async function begin(): Promise<{ authUrl: string; jar: CookieJar }> {
    const jar = new CookieJar();
    const url = `${h.api.url}/api/v1/auth/oauth/google`;
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    jar.store(url, res);
    return { authUrl: res.headers.get('location') ?? '', jar };
  }

  /** Completes the provider side as `sub`; returns the callback URL the provider redirects to. */
  async function atProvider(authUrl: string, sub: string): Promise<string> {
    idp.signInAs(sub);
    return followUntil(authUrl, redirectUri, new CookieJar());
  }

  async function callback(callbackUrl: string, jar: CookieJar): Promise<Response> {
    const url = `${h.api.url}${new URL(callbackUrl).pathname}${new URL(callbackUrl).search}`;
    return fetch(url, {
      redirect: 'manual',
      headers: { cookie: jar.header(url), accept: 'application/json', 'x-forwarded-for': h.ip },
    });
  }

  async function signInWithIdp(sub: string): Promise<Response> {
    const { authUrl, jar } = await begin();
    return callback(await atProvider(authUrl, sub), jar);
  }

  const userCount = async (): Promise<number> =>
    Number((await h.pool.query<{ n: string }>('select count(*)::text as n from users')).rows[0]?.n);

  beforeAll(async () => {
    const port = await freePort();
    redirectUri = `http://127.0.0.1:${String(port)}/api/v1/auth/oauth/google/callback`;
    idp = await startIdp(redirectUri);
    h = await startAuthApi({
      PORT: String(port),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_CLIENT_SECRET: idp.clientSecret,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_ALLOW_INSECURE_HTTP: 'true',
    });
  });
  afterAll(async () => {
    await h.close();
    await idp.close();
  });

  it('when sign-in starts, then it redirects with code flow, PKCE S256, state and nonce, bound to an httpOnly SameSite=Lax cookie', async () => {
    const res = await fetch(`${h.api.url}/api/v1/auth/oauth/google`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get('response_type')).toBe('code');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('redirect_uri')).toBe(redirectUri);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pf_oidc='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toContain(location.searchParams.get('state') ?? 'x');
  });

  it('when a new person signs in with a verified email, then an account is created, linked, audited, and the tokens work', async () => {
    const email = uniqueEmail('oidc-new');
    const sub = idp.addAccount({ email, email_verified: true, name: 'Olivia' });
    const res = await signInWithIdp(sub);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SignedInBody;
    expect(body.user).toMatchObject({ email, email_verified: true, name: 'Olivia' });
    expect((await h.audit('auth.oidc_linked')).at(-1)).toMatchObject({ resource_id: body.user.id });
    const again = await signInWithIdp(sub);
    expect(again.status).toBe(200);
    expect(((await again.json()) as SignedInBody).user.id).toBe(body.user.id);
    expect(await h.audit('auth.oidc_linked')).toHaveLength(1);
    const refresh = await h.call('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: body.refreshToken },
    });
    expect(refresh.status).toBe(200);
    // The profile lists the linked identity.
    const identities = await h.call('GET', '/api/v1/users/me/identities', { token: body.accessToken });
    expect(await identities.json()).toEqual({
      data: [{ provider: 'google', issuer: idp.issuer, email, linked_at: expect.any(String) as string }],
    });
  });

  it('when the browser asks for HTML, then the callback sets the refresh cookie and redirects to the console with no token in the URL', async () => {
    const sub = idp.addAccount({ email: uniqueEmail('oidc-html'), email_verified: true });
    const { authUrl, jar } = await begin();
    const cb = await atProvider(authUrl, sub);
    const url = `${h.api.url}${new URL(cb).pathname}${new URL(cb).search}`;
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: jar.header(url), accept: 'text/html' },
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin).toBe('http://console.test:5173');
    expect(location.pathname).toBe('/oauth/callback');
    expect(location.search).toBe('');
    expect(location.hash).toBe('');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pf_refresh='));
    expect(cookie).toMatch(/^pf_refresh=rt_/);
    expect(cookie).toMatch(/HttpOnly/);
  });

  it('when a password account with the same verified email signs in with the provider, then it is linked, not duplicated', async () => {
    const email = uniqueEmail('oidc-link');
    const local = await registerAndLogin(h, email);
    const sub = idp.addAccount({ email: email.toUpperCase(), email_verified: true });
    const res = await signInWithIdp(sub);
    expect(res.status).toBe(200);
    expect(((await res.json()) as SignedInBody).user.id).toBe(local.user.id);
    const { rows } = await h.pool.query('select subject from oidc_identities where user_id = $1', [
      local.user.id,
    ]);
    expect(rows).toEqual([{ subject: sub }]);
  });

  it('when someone pre-registered the address without verifying it, then the provider sign-in takes the account over and their password stops working', async () => {
    const email = uniqueEmail('oidc-squat');
    await h.call('POST', '/api/v1/auth/signup', { body: { email, password: 'squatter password' } });
    await h.smtp.next(email);
    const sub = idp.addAccount({ email, email_verified: true });
    expect((await signInWithIdp(sub)).status).toBe(200);
    const login = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: 'squatter password' },
    });
    expect(login.status).toBe(401);
  });

  it('when the provider does not vouch for the email, then 403, audited, and no account or link is created', async () => {
    const before = await userCount();
    const sub = idp.addAccount({ email: uniqueEmail('oidc-unverified'), email_verified: false });
    const res = await signInWithIdp(sub);
    expect(res.status).toBe(403);
    expect((await h.audit('auth.oidc_failed')).at(-1)?.reason).toBe('email_not_verified');
    expect(await userCount()).toBe(before);
    expect((await h.pool.query('select 1 from oidc_identities where subject = $1', [sub])).rows).toHaveLength(
      0,
    );
  });

  it('when the callback carries the state of another browser session (login CSRF), then 401 state_mismatch, audited, nobody signed in', async () => {
    const before = await userCount();
    const sub = idp.addAccount({ email: uniqueEmail('oidc-csrf'), email_verified: true });
    const victim = await begin();
    const attacker = await begin();
    const attackerCallback = await atProvider(attacker.authUrl, sub);
    const res = await callback(attackerCallback, victim.jar);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await h.audit('auth.oidc_failed')).at(-1)?.reason).toBe('state_mismatch');
    expect(await userCount()).toBe(before);
  });

  it('when the ID token carries another nonce than this session sent, then 401 nonce_mismatch, audited, nobody signed in', async () => {
    const before = await userCount();
    const sub = idp.addAccount({ email: uniqueEmail('oidc-nonce'), email_verified: true });
    const { authUrl, jar } = await begin();
    const tampered = new URL(authUrl);
    tampered.searchParams.set('nonce', 'attacker-chosen-nonce');
    const res = await callback(await atProvider(tampered.href, sub), jar);
    expect(res.status).toBe(401);
    expect((await h.audit('auth.oidc_failed')).at(-1)?.reason).toBe('nonce_mismatch');
    expect(await userCount()).toBe(before);
  });

  it('when the callback arrives without the flow cookie, then 401 no_flow_cookie', async () => {
    const sub = idp.addAccount({ email: uniqueEmail('oidc-nocookie'), email_verified: true });
    const { authUrl } = await begin();
    const res = await callback(await atProvider(authUrl, sub), new CookieJar());
    expect(res.status).toBe(401);
    expect((await h.audit('auth.oidc_failed')).at(-1)?.reason).toBe('no_flow_cookie');
  });

  it('when the provider name is not the configured one, then 404', async () => {
    const res = await fetch(`${h.api.url}/api/v1/auth/oauth/github`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });
});
