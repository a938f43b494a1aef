// Who may make an account: the sign-up policy for password sign-up and a first OpenID Connect
// sign-in, accounts without a role until an admin grants one, and the first admin from the
// configuration (ADMIN_EMAIL with a password file, or a one-time setup token), never from being
// the first to sign up.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapFirstAdmin } from '../../api/src/auth/first-admin.ts';
import { authFor } from '../../api/src/auth/index.ts';
import {
  ADMIN_PASSWORD,
  loginAdmin,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';
import { CookieJar, followUntil, startIdp, type TestIdp } from '../support/oidc.ts';
import { tokenFrom } from '../support/smtp.ts';
import { freePort } from '../../hack/testenv/proc.ts';

const PASSWORD = 'correct horse battery';

async function userCount(h: AuthHarness): Promise<number> {
  return Number((await h.pool.query<{ n: string }>('select count(*)::text as n from users')).rows[0]?.n);
}

async function signup(h: AuthHarness, email: string): Promise<Response> {
  return h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD, name: 'Someone' } });
}

describe('sign-up policy closed (the default) and invite', () => {
  for (const policy of ['', 'invite']) {
    const name = policy || 'closed (unset)';
    describe(name, () => {
      let h: AuthHarness;
      beforeAll(async () => {
        h = await startAuthApi({ SIGNUP_POLICY: policy, SIGNUP_ROLE: '' });
      });
      afterAll(async () => {
        await h.close();
      });

      it(`when someone signs up under ${name}, then a 403 problem says sign-up is by invitation, nothing is created and the refusal is audited`, async () => {
        const before = await userCount(h);
        const email = uniqueEmail('closed');
        const res = await signup(h, email);
        expect(res.status).toBe(403);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        const body = (await res.json()) as { code: string; detail: string; field: string };
        expect(body).toMatchObject({ code: 'signup_by_invitation', field: 'email' });
        expect(body.detail).toMatch(/by invitation/);
        expect(await userCount(h)).toBe(before);
        expect((await h.audit('auth.signup_refused')).at(-1)).toMatchObject({
          resource_id: email,
          reason: `${policy || 'closed'}: signup_by_invitation`,
        });
      });

      it('when the configured admin signs in, then it exists as the only admin', async () => {
        const admin = await loginAdmin(h);
        expect(admin.user).toMatchObject({ email: h.adminEmail, role: 'admin', email_verified: true });
        expect(await h.audit('auth.first_admin_created')).toHaveLength(1);
      });
    });
  }
});

describe('sign-up policy domain', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthApi({
      SIGNUP_POLICY: 'domain',
      SIGNUP_DOMAINS: 'allowed.test, @also.test',
      SIGNUP_ROLE: '',
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('when an address outside the listed domains signs up, then 403 signup_domain_not_allowed and no account', async () => {
    const before = await userCount(h);
    const res = await signup(h, uniqueEmail('outsider'));
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'signup_domain_not_allowed', field: 'email' });
    expect(await userCount(h)).toBe(before);
  });

  it('when an address in a listed domain signs up and verifies, then it has no role (pending) until an admin grants one', async () => {
    const email = `pending.${String(Date.now())}@also.test`;
    expect((await signup(h, email)).status).toBe(202);
    const mail = await h.smtp.next(email);
    const verify = await h.call(
      'GET',
      `/api/v1/auth/verify-email?token=${encodeURIComponent(tokenFrom(mail))}`,
    );
    expect(verify.status).toBe(200);
    const login = await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    const me = (await login.json()) as SignedInBody;
    expect(me.user.role).toBe('none');
    // Its own profile answers; payments and everything else do not.
    const profile = await h.call('GET', '/api/v1/users/me', { token: me.accessToken });
    expect(profile.status).toBe(200);
    expect(await profile.json()).toMatchObject({ role: 'none' });
    const list = await h.call('GET', '/api/v1/transactions', { token: me.accessToken });
    expect(list.status).toBe(403);
    expect(((await list.json()) as { detail: string }).detail).toMatch(/approve/);
    // An admin grants viewer: the same token reads payments at the next request.
    const admin = await loginAdmin(h);
    const grant = await h.call('PATCH', `/api/v1/users/${me.user.id}`, {
      token: admin.accessToken,
      body: { role: 'viewer' },
    });
    expect(grant.status).toBe(200);
    expect((await h.call('GET', '/api/v1/transactions', { token: me.accessToken })).status).toBe(200);
  });
});

describe('sign-up policy open (demos)', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthApi({ SIGNUP_POLICY: 'open', SIGNUP_ROLE: 'viewer' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('when anyone signs up, then they get the role SIGNUP_ROLE names, never admin', async () => {
    const first = await registerAndLogin(h, uniqueEmail('open'));
    expect(first.user.role).toBe('viewer');
  });
});

describe('the first admin from ADMIN_EMAIL and a password file', () => {
  let h: AuthHarness;
  let second: AuthHarness | undefined;
  const adminEmail = uniqueEmail('owner');
  const dir = mkdtempSync(join(tmpdir(), 'payflow-admin-'));
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'a password from a secret\n');

  beforeAll(async () => {
    // A fresh install whose admin is not configured yet, with open sign-up: someone takes the
    // future admin's address first.
    h = await startAuthApi({ SIGNUP_POLICY: 'open', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
  });
  afterAll(async () => {
    await second?.close();
    await h.close();
  });

  it('when sign-ups race the configured admin, then none of them becomes admin and the squatted address is taken back', async () => {
    expect((await signup(h, adminEmail)).status).toBe(202);
    const racers = [1, 2, 3, 4, 5].map((i) => uniqueEmail(`racer${String(i)}`));
    // The same database, a second API instance starting with the configuration, while sign-ups run.
    const dbUrl = h.api.deps.config.DATABASE_URL;
    const [started] = await Promise.all([
      startAuthApi({
        DATABASE_URL: dbUrl,
        SIGNUP_POLICY: 'open',
        ADMIN_EMAIL: adminEmail,
        ADMIN_PASSWORD: '',
        ADMIN_PASSWORD_FILE: passwordFile,
      }),
      ...racers.map((e) => signup(h, e)),
    ]);
    second = started;
    const { rows } = await h.pool.query<{ email: string; role: string; verified: boolean }>(
      'select email, role, email_verified_at is not null as verified from users order by email',
    );
    expect(rows.filter((r) => r.role === 'admin')).toEqual([
      { email: adminEmail, role: 'admin', verified: true },
    ]);
    expect(rows.filter((r) => racers.includes(r.email)).map((r) => r.role)).toEqual(
      racers.map(() => 'viewer'),
    );
    // The squatter's password is gone; the configured one signs in.
    const squatter = await h.call('POST', '/api/v1/auth/login', {
      body: { email: adminEmail, password: PASSWORD },
    });
    expect(squatter.status).toBe(401);
    const owner = await h.call('POST', '/api/v1/auth/login', {
      body: { email: adminEmail, password: 'a password from a secret' },
    });
    expect(owner.status).toBe(200);
    expect(((await owner.json()) as SignedInBody).user.role).toBe('admin');
    expect(await h.audit('auth.first_admin_claimed')).toHaveLength(1);
  });
});

describe('the first admin from a one-time setup token', () => {
  let h: AuthHarness;
  beforeAll(async () => {
    h = await startAuthApi({ SIGNUP_POLICY: '', ADMIN_EMAIL: '', ADMIN_PASSWORD: '' });
  });
  afterAll(async () => {
    await h.close();
  });

  it('when no admin exists, then a setup token makes one once; a wrong token is a 400 naming token; once an admin exists tokens stop', async () => {
    const core = authFor(h.api.deps).core;
    const { setupToken } = await bootstrapFirstAdmin(core);
    const { setupToken: other } = await bootstrapFirstAdmin(core);
    expect(setupToken).toMatch(/^pfs_/);
    expect(other).toMatch(/^pfs_/);
    const email = uniqueEmail('setup');
    const body = { email, password: ADMIN_PASSWORD, name: 'First Admin' };
    const wrong = await h.call('POST', '/api/v1/auth/setup', {
      body: { ...body, token: `pfs_${'x'.repeat(40)}` },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ field: 'token' });
    const made = await h.call('POST', '/api/v1/auth/setup', { body: { ...body, token: setupToken } });
    expect(made.status).toBe(200);
    expect(((await made.json()) as SignedInBody).user).toMatchObject({
      email,
      role: 'admin',
      email_verified: true,
    });
    const again = await h.call('POST', '/api/v1/auth/setup', {
      body: { ...body, email: uniqueEmail('late'), token: other },
    });
    expect(again.status).toBe(409);
    expect(await bootstrapFirstAdmin(core)).toEqual({});
    expect((await h.audit('auth.setup_refused')).map((r) => r.reason)).toEqual(['bad_token', 'admin_exists']);
  });
});

describe('first sign-in with OpenID Connect under the closed policy (a real oidc-provider as "google")', () => {
  let h: AuthHarness;
  let idp: TestIdp;
  let redirectUri: string;

  async function signInWithIdp(sub: string, accept: string, invitation?: string): Promise<Response> {
    const jar = new CookieJar();
    const start = `${h.api.url}/api/v1/auth/oauth/google${invitation ? `?invitation=${encodeURIComponent(invitation)}` : ''}`;
    const res = await fetch(start, { redirect: 'manual' });
    jar.store(start, res);
    idp.signInAs(sub);
    const cb = await followUntil(res.headers.get('location') ?? '', redirectUri, new CookieJar());
    const url = `${h.api.url}${new URL(cb).pathname}${new URL(cb).search}`;
    return fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url), accept } });
  }

  beforeAll(async () => {
    const port = await freePort();
    redirectUri = `http://127.0.0.1:${String(port)}/api/v1/auth/oauth/google/callback`;
    idp = await startIdp(redirectUri);
    h = await startAuthApi({
      SIGNUP_POLICY: '',
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

  it('when an identity no account has signs in, then a clear 403 (problem for JSON, a page for a browser), nothing created, audited', async () => {
    const before = await userCount(h);
    const email = uniqueEmail('stranger');
    const sub = idp.addAccount({ email, email_verified: true, name: 'Stranger' });
    const json = await signInWithIdp(sub, 'application/json');
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ code: 'signup_by_invitation' });
    const page = await signInWithIdp(sub, 'text/html');
    expect(page.status).toBe(403);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/by invitation/);
    expect(page.headers.getSetCookie().some((c) => c.startsWith('pf_refresh='))).toBe(false);
    expect(await userCount(h)).toBe(before);
    const { rows } = await h.pool.query('select 1 from oidc_identities');
    expect(rows).toHaveLength(0);
    expect((await h.audit('auth.oidc_failed')).map((r) => r.reason)).toEqual([
      'signup_by_invitation',
      'signup_by_invitation',
    ]);
  });

  it('when an invited person accepts by signing in with the provider, then the account is made with the invitation role, linked; another address is refused', async () => {
    const admin = await loginAdmin(h);
    const email = uniqueEmail('invited-google');
    const invited = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email, role: 'operator' },
    });
    expect(invited.status).toBe(201);
    const token = tokenFrom(await h.smtp.next(email));
    const wrong = idp.addAccount({ email: uniqueEmail('not-invited'), email_verified: true });
    const refused = await signInWithIdp(wrong, 'application/json', token);
    expect(refused.status).toBe(403);
    const sub = idp.addAccount({ email, email_verified: true, name: 'Gina' });
    const res = await signInWithIdp(sub, 'application/json', token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SignedInBody;
    expect(body.user).toMatchObject({ email, role: 'operator', email_verified: true });
    expect((await h.audit('auth.oidc_linked')).at(-1)?.resource_id).toBe(body.user.id);
    // The link worked once; the linked identity signs in without it from now on.
    expect((await signInWithIdp(sub, 'application/json')).status).toBe(200);
  });

  it('when the identity has the verified address of an existing account, then it still signs in (linked)', async () => {
    const sub = idp.addAccount({ email: h.adminEmail ?? '', email_verified: true });
    const res = await signInWithIdp(sub, 'application/json');
    expect(res.status).toBe(200);
  });
});
