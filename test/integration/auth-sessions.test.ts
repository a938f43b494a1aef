import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginAdmin,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

interface SessionBody {
  id: string;
  user_agent: string | null;
  ip: string | null;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  current: boolean;
}

const PASSWORD = 'correct horse battery';

describe('sessions a person can see and end: device, address, times; one or all others', () => {
  let h: AuthHarness;
  let email: string;

  /** Signs in from a client that names itself by its User-Agent. */
  async function loginAs(userAgent: string): Promise<SignedInBody> {
    const res = await h.call('POST', '/api/v1/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'user-agent': userAgent },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as SignedInBody;
  }

  async function sessions(token: string): Promise<SessionBody[]> {
    const res = await h.call('GET', '/api/v1/users/me/sessions', { token });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: SessionBody[] }).data;
  }

  async function refresh(token: string, userAgent = 'test'): Promise<Response> {
    return h.call('POST', '/api/v1/auth/refresh', {
      body: { refreshToken: token },
      headers: { 'user-agent': userAgent },
    });
  }

  beforeAll(async () => {
    h = await startAuthApi();
    email = uniqueEmail('sessions');
    await registerAndLogin(h, email, PASSWORD);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when a person signs in from two clients, then both sessions are listed with device, address and times, this one marked current', async () => {
    const laptop = await loginAs('Mozilla/5.0 (X11; Linux x86_64) Laptop');
    const phone = await loginAs('Mozilla/5.0 (iPhone) Phone');
    const list = await sessions(laptop.accessToken);
    const mine = list.filter((s) => /Laptop|Phone/.test(s.user_agent ?? ''));
    expect(mine).toHaveLength(2);
    // The latest use first: the phone signed in last.
    expect(mine.map((s) => s.user_agent)).toEqual([
      'Mozilla/5.0 (iPhone) Phone',
      'Mozilla/5.0 (X11; Linux x86_64) Laptop',
    ]);
    expect(mine.map((s) => s.current)).toEqual([false, true]);
    for (const s of mine) {
      expect(s.ip).toBe(h.ip);
      expect(s.id).toMatch(/^key_[0-9A-Z]{26}$/);
      expect(Date.parse(s.expires_at)).toBeGreaterThan(Date.parse(s.created_at));
    }
    expect(JSON.stringify(list)).not.toContain(laptop.refreshToken);
    // A rotation keeps the session (same id and start) and moves its last use and device.
    const laptopSession = mine[1];
    const rotated = await refresh(laptop.refreshToken, 'Mozilla/5.0 (X11; Linux x86_64) Laptop v2');
    expect(rotated.status).toBe(200);
    const after = (await sessions(phone.accessToken)).find((s) => s.id === laptopSession?.id);
    expect(after).toMatchObject({
      created_at: laptopSession?.created_at,
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Laptop v2',
      current: false,
    });
    expect(Date.parse(after?.last_used_at ?? '')).toBeGreaterThan(
      Date.parse(laptopSession?.last_used_at ?? ''),
    );
    expect((await sessions(phone.accessToken)).filter((s) => s.id === laptopSession?.id)).toHaveLength(1);
  });

  it('when one session is signed out, then its refresh and access tokens fail at once, the others work and it is audited', async () => {
    const a = await loginAs('client A');
    const b = await loginAs('client B');
    const target = (await sessions(a.accessToken)).find((s) => s.user_agent === 'client B');
    expect(target).toBeDefined();
    const del = await h.call('DELETE', `/api/v1/users/me/sessions/${target?.id ?? ''}`, {
      token: a.accessToken,
    });
    expect(del.status).toBe(204);
    // B's access token is refused before it expires, and its refresh token is dead.
    expect((await h.call('GET', '/api/v1/users/me', { token: b.accessToken })).status).toBe(401);
    expect((await refresh(b.refreshToken)).status).toBe(401);
    // A is untouched.
    expect((await h.call('GET', '/api/v1/users/me', { token: a.accessToken })).status).toBe(200);
    expect((await sessions(a.accessToken)).some((s) => s.id === target?.id)).toBe(false);
    const audits = await h.audit('auth.session_ended');
    expect(audits.at(-1)?.after).toMatchObject({ session: target?.id, current: false });
    // Again: it is gone (404), as is a session of somebody else or a malformed id (400).
    const again = await h.call('DELETE', `/api/v1/users/me/sessions/${target?.id ?? ''}`, {
      token: a.accessToken,
    });
    expect(again.status).toBe(404);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const bad = await h.call('DELETE', '/api/v1/users/me/sessions/not-a-session', { token: a.accessToken });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe('sessionId');
  });

  it("when somebody else's session is named, then it is a 404 and that session lives on", async () => {
    const other = await registerAndLogin(h, uniqueEmail('other'), PASSWORD);
    const [theirs] = await sessions(other.accessToken);
    const me = await loginAs('client C');
    const res = await h.call('DELETE', `/api/v1/users/me/sessions/${theirs?.id ?? ''}`, {
      token: me.accessToken,
    });
    expect(res.status).toBe(404);
    expect((await h.call('GET', '/api/v1/users/me', { token: other.accessToken })).status).toBe(200);
    expect((await refresh(other.refreshToken)).status).toBe(200);
  });

  it('when every other session is signed out, then only this one is left and the others fail at once', async () => {
    const keep = await loginAs('keeper');
    const others = [await loginAs('other 1'), await loginAs('other 2')];
    const res = await h.call('POST', '/api/v1/users/me/sessions/sign-out-others', {
      token: keep.accessToken,
    });
    expect(res.status).toBe(200);
    const { ended } = (await res.json()) as { ended: number };
    expect(ended).toBeGreaterThanOrEqual(2);
    const left = await sessions(keep.accessToken);
    expect(left.map((s) => [s.user_agent, s.current])).toEqual([['keeper', true]]);
    for (const o of others) {
      expect((await h.call('GET', '/api/v1/users/me', { token: o.accessToken })).status).toBe(401);
      expect((await refresh(o.refreshToken)).status).toBe(401);
    }
    expect((await refresh(keep.refreshToken)).status).toBe(200);
    expect((await h.audit('auth.other_sessions_ended')).at(-1)?.after).toMatchObject({ ended });
  });

  it('when an API key or nobody asks for sessions, then it is refused (403, 401)', async () => {
    const admin = await loginAdmin(h);
    const created = await h.call('POST', '/api/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'machine', role: 'admin' },
    });
    const { key } = (await created.json()) as { key: string };
    expect((await h.call('GET', '/api/v1/users/me/sessions', { headers: { 'x-api-key': key } })).status).toBe(
      403,
    );
    expect((await h.call('GET', '/api/v1/users/me/sessions')).status).toBe(401);
    expect((await h.call('POST', '/api/v1/users/me/sessions/sign-out-others')).status).toBe(401);
  });

  it('when signed out through /auth/logout, then the access token of that session stops too', async () => {
    const s = await loginAs('leaving');
    const out = await h.call('POST', '/api/v1/auth/logout', { body: { refreshToken: s.refreshToken } });
    expect(out.status).toBe(204);
    expect((await h.call('GET', '/api/v1/users/me', { token: s.accessToken })).status).toBe(401);
  });

  it('when no identity is linked, then the identities list is empty', async () => {
    const s = await loginAs('identities');
    const res = await h.call('GET', '/api/v1/users/me/identities', { token: s.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [] });
  });
});
