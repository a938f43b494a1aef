import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAndLogin, startAuthApi, uniqueEmail, type AuthHarness } from '../support/auth.ts';
import { CookieJar, followUntil, startIdp, type TestIdp } from '../support/oidc.ts';
import { freePort } from '../../hack/testenv/proc.ts';

const COOKIE_MODE = { 'x-payflow-session': 'cookie' };
const PASSWORD = 'correct horse battery';
const TTL_SECONDS = 14 * 86_400;

interface Cookie {
  value: string;
  attributes: Map<string, string>;
  line: string;
}

/** The pf_refresh cookie a response sets (or clears), attributes keyed in lower case. */
function refreshCookieOf(res: Response): Cookie | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith('pf_refresh='));
  if (!line) return undefined;
  const [pair = '', ...rest] = line.split(';').map((p) => p.trim());
  const attributes = new Map(
    rest.map((a): [string, string] => {
      const eq = a.indexOf('=');
      return eq < 0 ? [a.toLowerCase(), ''] : [a.slice(0, eq).toLowerCase(), a.slice(eq + 1)];
    }),
  );
  return { value: decodeURIComponent(pair.slice('pf_refresh='.length)), attributes, line };
}

function expectCleared(res: Response): void {
  const cookie = refreshCookieOf(res);
  expect(cookie?.value).toBe('');
  expect(cookie?.attributes.get('expires')).toMatch(/01 Jan 1970/);
  expect(cookie?.attributes.get('path')).toBe('/api/v1/auth');
}

describe('console sessions: the refresh token only in an HttpOnly cookie', () => {
  let h: AuthHarness;
  let email: string;

  /** A console sign-in: the cookie it sets and the JSON it answers. */
  async function consoleLogin(): Promise<{ cookie: Cookie; body: Record<string, unknown> }> {
    const res = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
      headers: COOKIE_MODE,
    });
    expect(res.status).toBe(200);
    const cookie = refreshCookieOf(res);
    expect(cookie).toBeDefined();
    return { cookie: cookie!, body: (await res.json()) as Record<string, unknown> };
  }

  const refreshWith = async (value: string, headers: Record<string, string> = COOKIE_MODE) =>
    h.call('POST', '/api/v1/auth/refresh', {
      body: {},
      headers: { ...headers, cookie: `pf_refresh=${value}` },
    });

  beforeAll(async () => {
    h = await startAuthApi();
    email = uniqueEmail('console');
    await registerAndLogin(h, email, PASSWORD);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when the console signs in, then the refresh token is an HttpOnly SameSite=Strict cookie on /api/v1/auth for the family lifetime, and not in the body', async () => {
    const { cookie, body } = await consoleLogin();
    expect(cookie.value).toMatch(/^rt_/);
    expect(cookie.attributes.has('httponly')).toBe(true);
    expect(cookie.attributes.get('samesite')).toBe('Strict');
    expect(cookie.attributes.get('path')).toBe('/api/v1/auth');
    expect(cookie.attributes.has('secure')).toBe(false); // plain http, APP_BASE_URL http
    const maxAge = Number(cookie.attributes.get('max-age'));
    expect(maxAge).toBeLessThanOrEqual(TTL_SECONDS);
    expect(maxAge).toBeGreaterThan(TTL_SECONDS - 3600);
    expect(body).not.toHaveProperty('refreshToken');
    expect(body).not.toHaveProperty('refreshExpiresAt');
    expect(body).toMatchObject({ user: { email }, tokenType: 'Bearer', expiresIn: 900 });
    const me = await h.call('GET', '/api/v1/users/me', { token: body.accessToken as string });
    expect(me.status).toBe(200);
  });

  it('when the console signs in and out, then a readable pf_session hint (no secret, path /) is set beside the cookie and cleared with it', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
      headers: COOKIE_MODE,
    });
    const hint = res.headers.getSetCookie().find((c) => c.startsWith('pf_session='));
    expect(hint).toMatch(/^pf_session=1;/);
    expect(hint).toMatch(/Path=\/;/);
    expect(hint).not.toMatch(/HttpOnly/i);
    expect(hint).toMatch(/SameSite=Strict/);
    const cookie = refreshCookieOf(res);
    const out = await h.call('POST', '/api/v1/auth/logout', {
      body: {},
      headers: { ...COOKIE_MODE, cookie: `pf_refresh=${cookie?.value ?? ''}` },
    });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('pf_session='))).toMatch(/01 Jan 1970/);
  });

  it('when an API client signs in without the header, then nothing changes: the refresh token is in the body and no cookie is set', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    expect(refreshCookieOf(res)).toBeUndefined();
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.refreshToken).toMatch(/^rt_/);
    expect(body).not.toHaveProperty('refreshExpiresAt');
  });

  it('when the request is secure (TLS at a trusted proxy), then the cookie is Secure', async () => {
    const res = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
      headers: { ...COOKIE_MODE, 'x-forwarded-proto': 'https' },
    });
    expect(refreshCookieOf(res)?.attributes.has('secure')).toBe(true);
  });

  it('when the console refreshes with the cookie and an empty body, then the cookie rotates, the lifetime is not extended and a new access token comes back', async () => {
    const { cookie } = await consoleLogin();
    const res = await refreshWith(cookie.value);
    expect(res.status).toBe(200);
    const next = refreshCookieOf(res);
    expect(next?.value).toMatch(/^rt_/);
    expect(next?.value).not.toBe(cookie.value);
    expect(next?.attributes.has('httponly')).toBe(true);
    expect(next?.attributes.get('samesite')).toBe('Strict');
    expect(Number(next?.attributes.get('max-age'))).toBeLessThanOrEqual(
      Number(cookie.attributes.get('max-age')),
    );
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('refreshToken');
    expect(body).toMatchObject({ user: { email }, tokenType: 'Bearer', expiresIn: 900 });
    expect((await h.call('GET', '/api/v1/users/me', { token: body.accessToken as string })).status).toBe(200);

    // No body at all works the same.
    const bare = await h.call('POST', '/api/v1/auth/refresh', {
      headers: { ...COOKIE_MODE, cookie: `pf_refresh=${next?.value ?? ''}` },
    });
    expect(bare.status).toBe(200);
    expect(refreshCookieOf(bare)?.value).toMatch(/^rt_/);
  });

  it('when a rotated cookie is replayed, then 401, the cookie is cleared and the whole family is revoked', async () => {
    const { cookie } = await consoleLogin();
    const rotated = await refreshWith(cookie.value);
    const current = refreshCookieOf(rotated)!;
    const replay = await refreshWith(cookie.value);
    expect(replay.status).toBe(401);
    expect(replay.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await replay.json()) as { status: number; detail: string };
    expect(problem.status).toBe(401);
    expect(problem.detail).toContain('reused');
    expectCleared(replay);
    const legit = await refreshWith(current.value);
    expect(legit.status).toBe(401);
    expectCleared(legit);
    expect((await h.audit('auth.refresh_reuse_detected')).length).toBeGreaterThan(0);
  });

  it('when the cookie comes without the header (a cross-site form could send it), then it is not accepted and not used up', async () => {
    const { cookie } = await consoleLogin();
    for (const body of [{}, undefined]) {
      const res = await h.call('POST', '/api/v1/auth/refresh', {
        ...(body ? { body } : {}),
        headers: { cookie: `pf_refresh=${cookie.value}` },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ field: 'refreshToken' });
      expect(refreshCookieOf(res)).toBeUndefined();
    }
    const logout = await h.call('POST', '/api/v1/auth/logout', {
      body: {},
      headers: { cookie: `pf_refresh=${cookie.value}` },
    });
    expect(logout.status).toBe(400);
    // The session is intact: the same cookie still refreshes with the header.
    expect((await refreshWith(cookie.value)).status).toBe(200);
  });

  it('when cookie mode has no cookie or an unknown one, then 401 problem and the cookie is cleared', async () => {
    const none = await h.call('POST', '/api/v1/auth/refresh', { body: {}, headers: COOKIE_MODE });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expectCleared(none);
    const unknown = await refreshWith('rt_not-a-token-anyone-was-given');
    expect(unknown.status).toBe(401);
    expectCleared(unknown);
  });

  it('when cookie mode also sends a refresh token in the body, or the header has another value, then 400 names the field', async () => {
    const { cookie } = await consoleLogin();
    const both = await h.call('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: cookie.value },
      headers: COOKIE_MODE,
    });
    expect(both.status).toBe(400);
    expect(await both.json()).toMatchObject({ field: 'refreshToken' });
    const other = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'x-payflow-session': 'token' },
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ field: 'X-PayFlow-Session' });
  });

  it('when the console signs out, then the session is revoked, audited and the cookie cleared', async () => {
    const { cookie, body } = await consoleLogin();
    const out = await h.call('POST', '/api/v1/auth/logout', {
      body: {},
      headers: { ...COOKIE_MODE, cookie: `pf_refresh=${cookie.value}` },
    });
    expect(out.status).toBe(204);
    expectCleared(out);
    expect((await refreshWith(cookie.value)).status).toBe(401);
    const user = (body.user as { id: string }).id;
    expect((await h.audit('auth.logout')).at(-1)).toMatchObject({ actor_id: user });
    // Signing out again without a cookie is still a clean 204.
    const again = await h.call('POST', '/api/v1/auth/logout', { headers: COOKIE_MODE });
    expect(again.status).toBe(204);
    expectCleared(again);
  });

  it('when the console changes the password, then the new session is in a new cookie and the old cookie is dead', async () => {
    const other = uniqueEmail('console-pw');
    await registerAndLogin(h, other, PASSWORD);
    const login = await h.call('POST', '/api/v1/auth/login', {
      body: { email: other, password: PASSWORD },
      headers: COOKIE_MODE,
    });
    const old = refreshCookieOf(login)!;
    const { accessToken } = (await login.json()) as { accessToken: string };
    const res = await h.call('POST', '/api/v1/auth/change-password', {
      token: accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
      headers: COOKIE_MODE,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty('refreshToken');
    const fresh = refreshCookieOf(res)!;
    expect(fresh.value).not.toBe(old.value);
    expect((await refreshWith(old.value)).status).toBe(401);
    expect((await refreshWith(fresh.value)).status).toBe(200);
  });

  it('when the console origin sends a preflight, then the session header is allowed', async () => {
    const res = await h.call('OPTIONS', '/api/v1/auth/refresh', {
      headers: {
        origin: 'http://console.test:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-payflow-session',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toContain('X-PayFlow-Session');
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('when no OpenID Connect issuer is configured, then the providers list only has the password', async () => {
    const res = await h.call('GET', '/api/v1/auth/providers');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ password: true, oidc: [] });
  });
});

describe('console sessions after signing in with an OpenID Connect provider', () => {
  let h: AuthHarness;
  let idp: TestIdp;
  let redirectUri: string;

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

  it('when an issuer is configured, then the providers list names it with its login URL', async () => {
    const res = await h.call('GET', '/api/v1/auth/providers');
    expect(await res.json()).toEqual({
      password: true,
      oidc: [{ id: 'google', name: 'Google', login_url: '/api/v1/auth/oauth/google' }],
    });
  });

  it('when a browser finishes the provider sign-in, then the API sets the refresh cookie and sends it to the console with no token in the URL; the console then refreshes', async () => {
    const email = uniqueEmail('console-oidc');
    const sub = idp.addAccount({ email, email_verified: true, name: 'Oona' });
    const jar = new CookieJar();
    const start = `${h.api.url}/api/v1/auth/oauth/google`;
    const begun = await fetch(start, { redirect: 'manual' });
    jar.store(start, begun);
    idp.signInAs(sub);
    const cb = await followUntil(begun.headers.get('location') ?? '', redirectUri, new CookieJar());
    const url = `${h.api.url}${new URL(cb).pathname}${new URL(cb).search}`;
    const res = await fetch(url, {
      redirect: 'manual',
      headers: { cookie: jar.header(url), accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://console.test:5173/oauth/callback');
    const cookie = refreshCookieOf(res);
    expect(cookie?.value).toMatch(/^rt_/);
    expect(cookie?.attributes.has('httponly')).toBe(true);
    expect(cookie?.attributes.get('samesite')).toBe('Strict');
    expect(cookie?.attributes.get('path')).toBe('/api/v1/auth');
    expect(Number(cookie?.attributes.get('max-age'))).toBeGreaterThan(TTL_SECONDS - 3600);

    const refreshed = await h.call('POST', '/api/v1/auth/refresh', {
      body: {},
      headers: { ...COOKIE_MODE, cookie: `pf_refresh=${cookie?.value ?? ''}` },
    });
    expect(refreshed.status).toBe(200);
    const body = (await refreshed.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ user: { email, name: 'Oona' }, tokenType: 'Bearer' });
    expect(body).not.toHaveProperty('refreshToken');
  });
});
