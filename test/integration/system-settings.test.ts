import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loginAdmin,
  registerAndLogin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';

interface Settings {
  session_lifetime_hours: number;
  default_alert_assignee: { id: string; name: string; email: string } | null;
  defaults: { session_lifetime_hours: number };
  updated_at: string | null;
  updated_by: string | null;
}

const HOUR = 3_600_000;

describe('system settings an admin changes at run time: session lifetime, default alert assignee', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  let viewer: SignedInBody;
  let operator: SignedInBody;

  async function patch(body: unknown, token = admin.accessToken): Promise<Response> {
    return h.call('PATCH', '/api/v1/settings', { token, body });
  }

  async function raiseAlert(id: string): Promise<string | null> {
    const { rows } = await h.pool.query<{ assignee_id: string | null }>(
      `insert into alerts (id, severity, title, dedupe_key) values ($1, 'high', 'test alert', $1)
       returning assignee_id`,
      [id],
    );
    return rows[0]?.assignee_id ?? null;
  }

  beforeAll(async () => {
    h = await startAuthApi({ REFRESH_TOKEN_TTL_SECONDS: String(7 * 86_400) });
    admin = await loginAdmin(h);
    viewer = await registerAndLogin(h, uniqueEmail('viewer'));
    operator = await registerAndLogin(h, uniqueEmail('operator'));
    const promote = await h.call('PATCH', `/api/v1/users/${operator.user.id}`, {
      token: admin.accessToken,
      body: { role: 'operator' },
    });
    expect(promote.status).toBe(200);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when nothing was changed, then the settings are the defaults from the environment', async () => {
    const res = await h.call('GET', '/api/v1/settings', { token: admin.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      session_lifetime_hours: 168,
      default_alert_assignee: null,
      defaults: { session_lifetime_hours: 168, default_alert_assignee: null },
      updated_at: null,
      updated_by: null,
    });
  });

  it('when the session lifetime is changed, then new sign-ins get it, earlier sessions keep theirs, and it is audited', async () => {
    const res = await patch({ session_lifetime_hours: 2 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Settings;
    expect(body).toMatchObject({ session_lifetime_hours: 2, updated_by: admin.user.id });
    const login = await h.call('POST', '/api/v1/auth/login', {
      body: { email: viewer.user.email, password: 'correct horse battery' },
      headers: { 'user-agent': 'short-lived' },
    });
    const fresh = (await login.json()) as SignedInBody;
    const list = await h.call('GET', '/api/v1/users/me/sessions', { token: fresh.accessToken });
    const sessions = (
      (await list.json()) as { data: { user_agent: string; created_at: string; expires_at: string }[] }
    ).data;
    const short = sessions.find((s) => s.user_agent === 'short-lived');
    const lifetime = Date.parse(short?.expires_at ?? '') - Date.parse(short?.created_at ?? '');
    expect(Math.abs(lifetime - 2 * HOUR)).toBeLessThan(60_000);
    // The viewer's first session (signed in before the change) keeps its week.
    const older = sessions.find((s) => s.user_agent !== 'short-lived');
    const olderLife = Date.parse(older?.expires_at ?? '') - Date.parse(older?.created_at ?? '');
    expect(Math.abs(olderLife - 168 * HOUR)).toBeLessThan(60_000);
    const audits = await h.audit('settings.updated');
    expect(audits.at(-1)).toMatchObject({ actor_id: admin.user.id, resource_id: 'system' });
    const { rows } = await h.pool.query<{ before: unknown; after: unknown }>(
      "select before, after from audit_log where action = 'settings.updated' order by occurred_at desc limit 1",
    );
    expect(rows[0]).toEqual({
      before: { session_lifetime_hours: 168, default_alert_assignee: null },
      after: { session_lifetime_hours: 2, default_alert_assignee: null },
    });
    // null puts the default back.
    const reset = await patch({ session_lifetime_hours: null });
    expect(((await reset.json()) as Settings).session_lifetime_hours).toBe(168);
  });

  it('when a default alert assignee is set, then alerts raised without one go to them, and back to nobody when cleared', async () => {
    expect(await raiseAlert('alt_before')).toBeNull();
    const res = await patch({ default_alert_assignee: operator.user.id });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Settings).default_alert_assignee).toMatchObject({
      id: operator.user.id,
      email: operator.user.email,
    });
    expect(await raiseAlert('alt_during')).toBe(operator.user.id);
    // An assignee given by the raiser wins.
    const { rows } = await h.pool.query<{ assignee_id: string }>(
      `insert into alerts (id, severity, title, dedupe_key, assignee_id) values ('alt_given', 'low', 't', 'alt_given', $1)
       returning assignee_id`,
      [admin.user.id],
    );
    expect(rows[0]?.assignee_id).toBe(admin.user.id);
    // A disabled assignee gets nothing (disabling ended their sessions: sign them in again).
    await h.pool.query('update users set disabled_at = now() where id = $1', [operator.user.id]);
    expect(await raiseAlert('alt_disabled')).toBeNull();
    await h.pool.query('update users set disabled_at = null where id = $1', [operator.user.id]);
    const again = await h.call('POST', '/api/v1/auth/login', {
      body: { email: operator.user.email, password: 'correct horse battery' },
    });
    operator = (await again.json()) as SignedInBody;
    const cleared = await patch({ default_alert_assignee: null });
    expect(((await cleared.json()) as Settings).default_alert_assignee).toBeNull();
    expect(await raiseAlert('alt_after')).toBeNull();
  });

  it('when a value is bad, then it is a 400 problem naming the field and nothing changes', async () => {
    const cases: [unknown, string][] = [
      [{ session_lifetime_hours: 0 }, 'session_lifetime_hours'],
      [{ session_lifetime_hours: 2161 }, 'session_lifetime_hours'],
      [{ session_lifetime_hours: 1.5 }, 'session_lifetime_hours'],
      [{ session_lifetime_hours: '24' }, 'session_lifetime_hours'],
      [{ default_alert_assignee: viewer.user.id }, 'default_alert_assignee'],
      [{ default_alert_assignee: 'usr_nobody' }, 'default_alert_assignee'],
      [{ jwt_private_key: 'x' }, 'jwt_private_key'],
      [{}, ''],
    ];
    for (const [body, field] of cases) {
      const res = await patch(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await res.json()) as { field: string }).field, JSON.stringify(body)).toBe(field);
    }
    const now = (await (
      await h.call('GET', '/api/v1/settings', { token: admin.accessToken })
    ).json()) as Settings;
    expect(now).toMatchObject({ session_lifetime_hours: 168, default_alert_assignee: null });
  });

  it('when a non-admin or nobody reads or changes them, then it is 403 or 401', async () => {
    for (const who of [viewer, operator]) {
      expect((await h.call('GET', '/api/v1/settings', { token: who.accessToken })).status).toBe(403);
      expect((await patch({ session_lifetime_hours: 1 }, who.accessToken)).status).toBe(403);
    }
    expect((await h.call('GET', '/api/v1/settings')).status).toBe(401);
  });
});
