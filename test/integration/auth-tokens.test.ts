import { createHmac, createPublicKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  newSigningKey,
  loginAdmin,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('access and refresh tokens: rotation, reuse, revocation, and forged tokens', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  let kid: string;
  let publicPem: string;

  const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => {
    const now = Math.floor(Date.now() / 1000);
    return {
      sub: admin.user.id,
      ver: 0,
      jti: `forged-${String(Math.random())}`,
      iss: 'payflow',
      aud: 'payflow-api',
      iat: now,
      nbf: now,
      exp: now + 600,
      ...over,
    };
  };
  const es256 = (
    payload: Record<string, unknown>,
    header: Record<string, unknown> = {},
    key = h.key,
  ): string =>
    jwt.sign(payload, key, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid, ...header } });

  /** Tries to create an API key with the token: must be 401, audited with `reason`, and create nothing. */
  async function refused(token: string, reason: string): Promise<void> {
    const before = (await h.audit('auth.credentials_rejected')).length;
    const res = await h.call('POST', '/api/v1/api-keys', { token, body: { name: 'forged', role: 'admin' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="payflow"');
    const rows = await h.audit('auth.credentials_rejected');
    expect(rows).toHaveLength(before + 1);
    expect(rows.at(-1)?.reason).toBe(reason);
    const { rows: keys } = await h.pool.query('select 1 from api_keys');
    expect(keys).toHaveLength(0);
  }

  beforeAll(async () => {
    h = await startAuthApi();
    admin = await loginAdmin(h);
    const header = jwt.decode(admin.accessToken, { complete: true })?.header;
    kid = header?.kid ?? '';
    publicPem = createPublicKey(h.key).export({ type: 'spki', format: 'pem' }).toString();
  });
  afterAll(async () => {
    await h.close();
  });

  it('when the access token is genuine, then it opens an admin route and carries ES256, at+jwt, iss, aud, exp, nbf, jti', async () => {
    const res = await h.call('GET', '/api/v1/api-keys', { token: admin.accessToken });
    expect(res.status).toBe(200);
    const decoded = jwt.decode(admin.accessToken, { complete: true });
    expect(decoded?.header).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const p = decoded?.payload as Record<string, number | string>;
    expect(p).toMatchObject({ iss: 'payflow', aud: 'payflow-api', sub: admin.user.id });
    expect(Number(p.exp) - Number(p.iat)).toBe(900);
    expect(p.nbf).toBeTypeOf('number');
    expect(p.jti).toBeTypeOf('string');
  });

  describe('forged or unusable access tokens are refused with 401, audited, and change nothing', () => {
    it('alg none', async () => {
      await refused(`${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims())}.`, 'wrong_algorithm');
    });
    it('HS256 signed with the public key as HMAC secret (key confusion)', async () => {
      const head = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims())}`;
      const sig = createHmac('sha256', publicPem).update(head).digest('base64url');
      await refused(`${head}.${sig}`, 'wrong_algorithm');
    });
    it('expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(es256(claims({ iat: now - 3600, nbf: now - 3600, exp: now - 60 })), 'expired');
    });
    it('not yet valid', async () => {
      const now = Math.floor(Date.now() / 1000);
      await refused(es256(claims({ nbf: now + 600, exp: now + 1200 })), 'not_yet_valid');
    });
    it('wrong audience', async () => {
      await refused(es256(claims({ aud: 'another-api' })), 'wrong_audience');
    });
    it('wrong issuer', async () => {
      await refused(es256(claims({ iss: 'https://evil.example' })), 'wrong_issuer');
    });
    it('tampered payload (sub and ver changed, signature kept)', async () => {
      const second = await registerAndLogin(h, uniqueEmail('viewer'));
      const [head, payload, sig] = second.accessToken.split('.');
      const p = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
      await refused(`${head ?? ''}.${b64({ ...p, sub: admin.user.id })}.${sig ?? ''}`, 'bad_signature');
    });
    it('signed by another key under our key id', async () => {
      await refused(es256(claims(), {}, newSigningKey()), 'bad_signature');
    });
    it('typ other than at+jwt (e.g. an ID token)', async () => {
      await refused(es256(claims(), { typ: 'JWT' }), 'wrong_type');
    });
    it('no exp claim', async () => {
      const { exp: _exp, ...noExp } = claims();
      await refused(es256(noExp), 'no_expiry');
    });
    it('garbage in the Bearer header', async () => {
      await refused('not-a-jwt', 'malformed');
    });
    it('an API key that does not exist', async () => {
      await refused('pk_doesnotexistdoesnotexistdoesnotexist00', 'unknown_or_revoked');
    });
  });

  it('when a refresh token is used, then new tokens come back and the old refresh token is spent', async () => {
    const s = await registerAndLogin(h, uniqueEmail('rotate'));
    const res = await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(200);
    const next = (await res.json()) as SignedInBody;
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect(next.user.id).toBe(s.user.id);
    expect((await h.audit('auth.refresh')).at(-1)?.resource_id).toBe(s.user.id);
    const { rows } = await h.pool.query<{ token_hash: string }>(
      'select token_hash from refresh_tokens where user_id = $1',
      [s.user.id],
    );
    expect(rows.map((r) => r.token_hash).every((x) => /^[0-9a-f]{64}$/.test(x))).toBe(true);
    expect(rows.some((r) => r.token_hash.includes(next.refreshToken))).toBe(false);
  });

  it('when a rotated refresh token is used again, then 401, the whole family is revoked (the newest token too) and reuse is audited', async () => {
    const s = await registerAndLogin(h, uniqueEmail('reuse'));
    const first = (await (
      await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } })
    ).json()) as SignedInBody;
    const replay = await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } });
    expect(replay.status).toBe(401);
    const reuse = (await h.audit('auth.refresh_reuse_detected')).at(-1);
    expect(reuse?.resource_id).toBe(s.user.id);
    // Both the spent token and its live successor are marked revoked.
    expect(reuse?.after).toMatchObject({ revoked: 2 });
    const legit = await h.call('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: first.refreshToken },
    });
    expect(legit.status).toBe(401);
    const { rows } = await h.pool.query<{ n: string }>(
      'select count(*)::text as n from refresh_tokens where user_id = $1 and revoked_at is null',
      [s.user.id],
    );
    expect(rows[0]?.n).toBe('0');
  });

  it('when a user logs out, then that refresh token no longer works and the logout is audited', async () => {
    const s = await registerAndLogin(h, uniqueEmail('logout'));
    const out = await h.call('POST', '/api/v1/auth/logout', { body: { refreshToken: s.refreshToken } });
    expect(out.status).toBe(204);
    expect((await h.audit('auth.logout')).at(-1)?.resource_id).toBe(s.user.id);
    expect(
      (await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } })).status,
    ).toBe(401);
  });

  it('when a session passes its absolute lifetime, then its refresh token is refused even though it was never used', async () => {
    const s = await registerAndLogin(h, uniqueEmail('old'));
    await h.pool.query(
      "update refresh_tokens set family_expires_at = now() - interval '1 second' where user_id = $1",
      [s.user.id],
    );
    const res = await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } });
    expect(res.status).toBe(401);
    expect((await h.audit('auth.refresh_failed')).at(-1)).toMatchObject({
      resource_id: s.user.id,
      reason: 'expired',
    });
  });

  it('when an admin disables an account, then its access token, its refresh token and its password stop working at once', async () => {
    const email = uniqueEmail('disabled');
    const s = await registerAndLogin(h, email);
    expect(
      (await h.call('POST', '/api/v1/auth/change-password', { token: s.accessToken, body: {} })).status,
    ).toBe(400);
    const disable = await h.call('PATCH', `/api/v1/users/${s.user.id}`, {
      token: admin.accessToken,
      body: { disabled: true },
    });
    expect(disable.status).toBe(200);
    expect(
      (await h.call('POST', '/api/v1/auth/change-password', { token: s.accessToken, body: {} })).status,
    ).toBe(401);
    expect((await h.audit('auth.credentials_rejected')).at(-1)?.reason).toBe('account_disabled');
    expect(
      (await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/auth/login', { body: { email, password: 'correct horse battery' } }))
        .status,
    ).toBe(401);
    // Re-enabling the account does not revive the old session.
    const enable = await h.call('PATCH', `/api/v1/users/${s.user.id}`, {
      token: admin.accessToken,
      body: { disabled: false },
    });
    expect(enable.status).toBe(200);
    expect(
      (await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: s.refreshToken } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/auth/change-password', { token: s.accessToken, body: {} })).status,
    ).toBe(401);
  });
});
