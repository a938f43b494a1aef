import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFrom } from '../support/smtp.ts';
import {
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

const PASSWORD = 'correct horse battery';

describe('accounts: signup, email verification, login, password reset and change', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  const adminEmail = uniqueEmail('first');

  beforeAll(async () => {
    h = await startAuthApi();
    admin = await registerAndLogin(h, adminEmail);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when the first user of a fresh install signs up and verifies, then they are a viewer (never admin) and login returns user and tokens', async () => {
    expect(admin.user).toMatchObject({ email: adminEmail, role: 'viewer', email_verified: true });
    expect(admin.accessToken.split('.')).toHaveLength(3);
    expect(admin.refreshToken).toMatch(/^rt_/);
    expect(await h.audit('auth.signup')).toHaveLength(1);
    expect(await h.audit('auth.email_verified')).toHaveLength(1);
    const logins = await h.audit('auth.login');
    expect(logins.at(-1)).toMatchObject({ actor_id: admin.user.id, resource_id: admin.user.id });
    const { rows } = await h.pool.query<{ password_hash: string }>(
      'select password_hash from users where id = $1',
      [admin.user.id],
    );
    expect(rows[0]?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('when a later user signs up, then they are a viewer', async () => {
    const second = await registerAndLogin(h, uniqueEmail('second'));
    expect(second.user.role).toBe('viewer');
  });

  it('when an address that is registered signs up again, then the answer is identical to a new signup and the owner gets a notice', async () => {
    const fresh = await h.call('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('new'), password: PASSWORD, name: 'X' },
    });
    const again = await h.call('POST', '/api/v1/auth/signup', {
      body: { email: adminEmail.toUpperCase(), password: 'another password', name: 'Mallory' },
    });
    expect(again.status).toBe(fresh.status);
    expect(await again.json()).toEqual(await fresh.json());
    const notice = await h.smtp.next(adminEmail);
    expect(notice.subject).toBe('Your PayFlow account');
    expect(notice.text).not.toMatch(/token=/);
    const { rows } = await h.pool.query<{ n: string }>(
      'select count(*)::text as n from users where lower(email) = lower($1)',
      [adminEmail],
    );
    expect(rows[0]?.n).toBe('1');
    expect((await h.audit('auth.signup_existing_email')).at(-1)?.resource_id).toBe(admin.user.id);
  });

  it('when a password is shorter than 8 or longer than 128 characters, then signup is a 400 naming the field', async () => {
    for (const password of ['short12', 'x'.repeat(129)]) {
      const res = await h.call('POST', '/api/v1/auth/signup', {
        body: { email: uniqueEmail('p'), password },
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_failed', field: 'password' });
    }
    const ok = await h.call('POST', '/api/v1/auth/signup', {
      body: { email: uniqueEmail('p'), password: 'aaaaaaaa' },
    });
    expect(ok.status).toBe(202);
  });

  it('when the signup body carries a role, then it is refused with 400 naming role and no user is created (escalation attempt)', async () => {
    const email = uniqueEmail('escalate');
    const res = await h.call('POST', '/api/v1/auth/signup', {
      body: { email, password: PASSWORD, role: 'admin' },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ field: 'role' });
    const { rows } = await h.pool.query('select 1 from users where email = $1', [email]);
    expect(rows).toHaveLength(0);
  });

  it('when an unverified user logs in with the right password, then 403; with a wrong one, 401 and an audit row', async () => {
    const email = uniqueEmail('unverified');
    await h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD } });
    await h.smtp.next(email);
    const res = await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(403);
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await h.audit('auth.login_failed')).at(-1)).toMatchObject({ reason: 'wrong_password' });
  });

  it('when the login email is unknown, then the answer equals a wrong password', async () => {
    const unknown = await h.call('POST', '/api/v1/auth/login', {
      body: { email: uniqueEmail('nobody'), password: PASSWORD },
    });
    const wrong = await h.call('POST', '/api/v1/auth/login', {
      body: { email: adminEmail, password: 'wrong password' },
    });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const a = (await unknown.json()) as Record<string, unknown>;
    const b = (await wrong.json()) as Record<string, unknown>;
    expect({ ...a, instance: '' }).toEqual({ ...b, instance: '' });
    expect((await h.audit('auth.login_failed')).some((r) => r.reason === 'unknown_email')).toBe(true);
  });

  it('when a verification link is used twice, then the second time is a 400 on token', async () => {
    const email = uniqueEmail('twice');
    await h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD } });
    const token = tokenFrom(await h.smtp.next(email));
    expect((await h.call('GET', `/api/v1/auth/verify-email?token=${token}`)).status).toBe(200);
    const again = await h.call('GET', `/api/v1/auth/verify-email?token=${token}`);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ field: 'token' });
    expect(await h.audit('auth.email_verify_failed')).not.toHaveLength(0);
  });

  it('when a browser follows the verification link, then it lands on the console sign-in page', async () => {
    const email = uniqueEmail('browser');
    await h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD } });
    const token = tokenFrom(await h.smtp.next(email));
    const res = await h.call('GET', `/api/v1/auth/verify-email?token=${token}`, {
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('http://console.test:5173/login?verified=1');
  });

  it('when verification is resent, then a new working link arrives; for an unknown address the answer is the same', async () => {
    const email = uniqueEmail('resend');
    await h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD } });
    await h.smtp.next(email);
    const res = await h.call('POST', '/api/v1/auth/resend-verification', { body: { email } });
    const unknown = await h.call('POST', '/api/v1/auth/resend-verification', {
      body: { email: uniqueEmail('nope') },
    });
    expect(res.status).toBe(202);
    expect(await unknown.json()).toEqual(await res.json());
    const token = tokenFrom(await h.smtp.next(email));
    expect((await h.call('GET', `/api/v1/auth/verify-email?token=${token}`)).status).toBe(200);
  });

  describe('password reset', () => {
    it('when an unknown address asks for a reset, then the answer equals a known one and no mail is sent', async () => {
      const unknownEmail = uniqueEmail('ghost');
      const unknown = await h.call('POST', '/api/v1/auth/forgot-password', { body: { email: unknownEmail } });
      const known = await h.call('POST', '/api/v1/auth/forgot-password', { body: { email: adminEmail } });
      expect(unknown.status).toBe(202);
      expect(known.status).toBe(202);
      expect(await unknown.json()).toEqual(await known.json());
      await h.smtp.next(adminEmail); // the known address gets its link
      expect(h.smtp.pending(unknownEmail)).toHaveLength(0);
      expect((await h.audit('auth.password_reset_requested')).some((r) => r.reason === 'unknown_email')).toBe(
        true,
      );
    });

    it('when a reset link is used, then the new password works, every session ends, and the link is refused the second time', async () => {
      const email = uniqueEmail('reset');
      const before = await registerAndLogin(h, email);
      await h.call('POST', '/api/v1/auth/forgot-password', { body: { email } });
      const token = tokenFrom(await h.smtp.next(email));
      const reset = await h.call('POST', '/api/v1/auth/reset-password', {
        body: { token, password: 'brand new secret' },
      });
      expect(reset.status).toBe(204);
      expect((await h.audit('auth.password_reset')).at(-1)?.resource_id).toBe(before.user.id);

      const oldAccess = await h.call('POST', '/api/v1/auth/change-password', {
        token: before.accessToken,
        body: { currentPassword: 'brand new secret', newPassword: 'whatever123' },
      });
      expect(oldAccess.status).toBe(401);
      const oldRefresh = await h.call('POST', '/api/v1/auth/refresh', {
        body: { refreshToken: before.refreshToken },
      });
      expect(oldRefresh.status).toBe(401);
      expect(
        (await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).status,
      ).toBe(401);
      expect(
        (await h.call('POST', '/api/v1/auth/login', { body: { email, password: 'brand new secret' } }))
          .status,
      ).toBe(200);

      const { rows: hashBefore } = await h.pool.query<{ password_hash: string }>(
        'select password_hash from users where id = $1',
        [before.user.id],
      );
      const twice = await h.call('POST', '/api/v1/auth/reset-password', {
        body: { token, password: 'attacker password' },
      });
      expect(twice.status).toBe(400);
      expect(await twice.json()).toMatchObject({ field: 'token' });
      const { rows: hashAfter } = await h.pool.query<{ password_hash: string }>(
        'select password_hash from users where id = $1',
        [before.user.id],
      );
      expect(hashAfter[0]?.password_hash).toBe(hashBefore[0]?.password_hash);
      expect((await h.audit('auth.password_reset_failed')).length).toBeGreaterThan(0);
    });

    it('when a reset link has expired, then it is refused with 400, audited, and the password is unchanged', async () => {
      const email = uniqueEmail('expired');
      const user = await registerAndLogin(h, email);
      await h.call('POST', '/api/v1/auth/forgot-password', { body: { email } });
      const token = tokenFrom(await h.smtp.next(email));
      // Move the token's expiry into the past instead of waiting an hour.
      await h.pool.query(
        "update auth_tokens set expires_at = now() - interval '1 second' where user_id = $1 and purpose = 'reset_password'",
        [user.user.id],
      );
      const failedBefore = (await h.audit('auth.password_reset_failed')).length;
      const res = await h.call('POST', '/api/v1/auth/reset-password', {
        body: { token, password: 'attacker password' },
      });
      expect(res.status).toBe(400);
      expect(await h.audit('auth.password_reset_failed')).toHaveLength(failedBefore + 1);
      expect(
        (await h.call('POST', '/api/v1/auth/login', { body: { email, password: PASSWORD } })).status,
      ).toBe(200);
    });
  });

  it('when a user changes their password, then old access and refresh tokens stop working and the new tokens work', async () => {
    const email = uniqueEmail('change');
    const first = await registerAndLogin(h, email);
    const wrong = await h.call('POST', '/api/v1/auth/change-password', {
      token: first.accessToken,
      body: { currentPassword: 'not it at all', newPassword: 'next password 1' },
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ field: 'currentPassword' });
    const res = await h.call('POST', '/api/v1/auth/change-password', {
      token: first.accessToken,
      body: { currentPassword: PASSWORD, newPassword: 'next password 1' },
    });
    expect(res.status).toBe(200);
    const next = (await res.json()) as SignedInBody;
    expect((await h.audit('auth.password_changed')).at(-1)?.resource_id).toBe(first.user.id);
    const stale = await h.call('POST', '/api/v1/auth/change-password', {
      token: first.accessToken,
      body: { currentPassword: 'next password 1', newPassword: 'next password 2' },
    });
    expect(stale.status).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: first.refreshToken } })).status,
    ).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/auth/refresh', { body: { refreshToken: next.refreshToken } })).status,
    ).toBe(200);
  });
});

describe('signup races on a fresh install', () => {
  let h: AuthHarness;

  beforeAll(async () => {
    h = await startAuthApi();
  });
  afterAll(async () => {
    await h.close();
  });

  it('when several people sign up at the same moment on a fresh install, then none becomes admin (the configured one is the only admin); the same address at once makes one account', async () => {
    const emails = [1, 2, 3, 4].map((i) => uniqueEmail(`racer${String(i)}`));
    const same = uniqueEmail('twin');
    const all = [...emails, same, same];
    const answers = await Promise.all(
      all.map((email) => h.call('POST', '/api/v1/auth/signup', { body: { email, password: PASSWORD } })),
    );
    expect(answers.map((r) => r.status)).toEqual(all.map(() => 202));
    const { rows } = await h.pool.query<{ role: string; email: string }>('select role, email from users');
    expect(rows).toHaveLength(6);
    expect(rows.filter((r) => r.role === 'admin').map((r) => r.email)).toEqual([h.adminEmail]);
  });
});
