import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface UserBody {
  id: string;
  email: string;
  role: string;
  email_verified: boolean;
  disabled: boolean;
  preferences?: Record<string, unknown>;
  password_hash?: unknown;
}
interface PageBody {
  data: UserBody[];
  pagination: { total: number; next_cursor: string | null };
}

describe('users API against real PostgreSQL', () => {
  let t: OpsApi;
  const me = { role: 'viewer' as const, user: 'usr_viewer' };
  const admin = { role: 'admin' as const, user: 'usr_admin1' };

  async function auditActions(id: string): Promise<string[]> {
    const { rows } = await t.api.deps.pool.query<{ action: string }>(
      "select action from audit_log where resource_type = 'user' and resource_id = $1 order by occurred_at",
      [id],
    );
    return rows.map((r) => r.action);
  }

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      `insert into users (id, email, name, role, password_hash, email_verified_at) values
        ('usr_viewer', 'viewer@example.com', 'Vera Viewer', 'viewer', 'secret-hash', now()),
        ('usr_admin1', 'admin1@example.com', 'Ada Admin', 'admin', null, null),
        ('usr_admin2', 'admin2@example.com', 'Abe Admin', 'admin', null, null),
        ('usr_op', 'op@example.com', 'Otto Operator', 'operator', null, null)`,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a signed-in user asks for /users/me, then it shows the profile and default preferences, never the password hash', async () => {
    const res = await t.call<UserBody>('GET', '/api/v1/users/me', me);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: 'usr_viewer',
      email: 'viewer@example.com',
      name: 'Vera Viewer',
      role: 'viewer',
      email_verified: true,
      preferences: {
        theme: 'system',
        density: 'comfortable',
        notifications_enabled: true,
        timezone: 'UTC',
        landing_page: '/dashboard',
        tables: {},
      },
    });
    expect(JSON.stringify(res.body)).not.toContain('secret-hash');
  });

  it('when preferences are patched with the seed body, then they are stored and audited', async () => {
    const res = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...me,
      body: { theme: 'dark', density: 'comfortable', notifications_enabled: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      theme: 'dark',
      density: 'comfortable',
      notifications_enabled: true,
      timezone: 'UTC',
      landing_page: '/dashboard',
      tables: {},
    });
    const tz = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...me,
      body: { timezone: 'Europe/Paris' },
    });
    expect(tz.body).toMatchObject({ theme: 'dark', timezone: 'Europe/Paris' });
    const got = await t.call<UserBody>('GET', '/api/v1/users/me', me);
    expect(got.body.preferences).toMatchObject({ theme: 'dark', timezone: 'Europe/Paris' });
    expect(await auditActions('usr_viewer')).toEqual([
      'user.preferences_updated',
      'user.preferences_updated',
    ]);
  });

  it('when preferences carry a role or bad values, then it is a 400 naming the field and nothing changes', async () => {
    const cases: [unknown, string][] = [
      [{ theme: 'dark', role: 'admin' }, 'role'],
      [{ theme: 'neon' }, 'theme'],
      [{ density: 'cozy' }, 'density'],
      [{ notifications_enabled: 'yes' }, 'notifications_enabled'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ landing_page: '/settings' }, 'landing_page'],
      [{ landing_page: 'https://evil.example/' }, 'landing_page'],
      [{}, ''],
      [[], ''],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('PATCH', '/api/v1/users/me/preferences', { ...me, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
    }
    const got = await t.call<UserBody>('GET', '/api/v1/users/me', me);
    expect(got.body.role).toBe('viewer');
    expect(got.body.preferences).toMatchObject({ theme: 'dark' });
  });

  it('when table columns are patched, then they are stored per table, merged with the other tables and audited', async () => {
    await t.api.deps.pool.query(
      "insert into users (id, email, name, role) values ('usr_cols', 'cols@example.com', 'Col Picker', 'operator')",
    );
    const who = { role: 'operator' as const, user: 'usr_cols' };
    const first = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: {
        tables: {
          payments: { columns: ['id', 'amount', 'current_state'] },
          'alerts.queue': { columns: ['severity', 'title'] },
        },
      },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      theme: 'system',
      tables: {
        payments: { columns: ['id', 'amount', 'current_state'] },
        'alerts.queue': { columns: ['severity', 'title'] },
      },
    });
    // One table changed (its columns replaced, in the new order), the other kept; then one forgotten.
    const second = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { density: 'compact', tables: { payments: { columns: ['created_at', 'id', 'merchant_id'] } } },
    });
    expect(second.body).toEqual({
      theme: 'system',
      density: 'compact',
      notifications_enabled: true,
      timezone: 'UTC',
      landing_page: '/dashboard',
      tables: {
        payments: { columns: ['created_at', 'id', 'merchant_id'] },
        'alerts.queue': { columns: ['severity', 'title'] },
      },
    });
    const themeOnly = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { theme: 'light' },
    });
    expect(themeOnly.body.tables).toEqual(second.body.tables);
    const forget = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { tables: { 'alerts.queue': null } },
    });
    expect(forget.body.tables).toEqual({ payments: { columns: ['created_at', 'id', 'merchant_id'] } });
    const me = await t.call<UserBody>('GET', '/api/v1/users/me', who);
    expect(me.body.preferences).toEqual(forget.body);
    // Another user's tables are their own.
    const other = await t.call<UserBody>('GET', '/api/v1/users/me', { role: 'admin', user: 'usr_admin1' });
    expect(other.body.preferences?.tables).toEqual({});
    const { rows } = await t.api.deps.pool.query<{ before: { tables: unknown }; after: { tables: unknown } }>(
      `select before, after from audit_log where resource_type = 'user' and resource_id = 'usr_cols'
          and action = 'user.preferences_updated' order by chain_seq`,
    );
    expect(rows.map((r) => Object.keys(r.after.tables as object).sort())).toEqual([
      ['alerts.queue', 'payments'],
      ['alerts.queue', 'payments'],
      ['alerts.queue', 'payments'],
      ['payments'],
    ]);
    expect(rows[1]?.before.tables).toEqual(first.body.tables);
    const extra = await t.api.deps.pool.query<{ extra: unknown }>(
      "select extra from user_preferences where user_id = 'usr_cols'",
    );
    expect(extra.rows[0]?.extra).toEqual({ landing_page: '/dashboard', tables: forget.body.tables });
  });

  it('when table preferences are malformed or too many, then it is a 400 naming the field and nothing changes', async () => {
    await t.api.deps.pool.query(
      "insert into users (id, email, name, role) values ('usr_cols2', 'cols2@example.com', '', 'viewer')",
    );
    const who = { role: 'viewer' as const, user: 'usr_cols2' };
    const columns = (n: number): string[] => Array.from({ length: n }, (_, i) => `col_${String(i)}`);
    const tables = (n: number, from = 0): Record<string, { columns: string[] }> =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`table_${String(from + i)}`, { columns: ['id'] }]),
      );
    const cases: [unknown, string][] = [
      [{ tables: { Payments: { columns: ['id'] } } }, 'tables.Payments'],
      [{ tables: { 'my table': { columns: ['id'] } } }, 'tables["my table"]'],
      [{ tables: { ['x'.repeat(65)]: { columns: ['id'] } } }, `tables.${'x'.repeat(65)}`],
      [{ tables: { payments: { columns: ['id', 'Amount'] } } }, 'tables.payments.columns[1]'],
      [{ tables: { payments: { columns: ['id', ''] } } }, 'tables.payments.columns[1]'],
      [{ tables: { payments: { columns: ['id', 'id'] } } }, 'tables.payments.columns'],
      [{ tables: { payments: { columns: [] } } }, 'tables.payments.columns'],
      [{ tables: { payments: { columns: columns(41) } } }, 'tables.payments.columns'],
      [{ tables: { payments: { columns: 'id,amount' } } }, 'tables.payments.columns'],
      [{ tables: { payments: { columns: ['id'], width: 3 } } }, 'tables.payments.width'],
      [{ tables: { payments: ['id'] } }, 'tables.payments'],
      [{ tables: ['payments'] }, 'tables'],
      [{ tables: tables(21) }, 'tables'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('PATCH', '/api/v1/users/me/preferences', { ...who, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.field, JSON.stringify(body).slice(0, 80)).toBe(field);
    }
    // 20 tables are fine; one more, even in a later patch, is not.
    const full = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { tables: tables(20) },
    });
    expect(full.status).toBe(200);
    const more = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { tables: tables(1, 20) },
    });
    expect(more.status).toBe(400);
    expect(more.body.field).toBe('tables');
    // Replacing one of the 20 (and forgetting one to add another) is fine.
    const swap = await t.call<{ tables: Record<string, unknown> }>('PATCH', '/api/v1/users/me/preferences', {
      ...who,
      body: { tables: { table_0: null, table_20: { columns: columns(40) } } },
    });
    expect(swap.status).toBe(200);
    expect(Object.keys(swap.body.tables)).toHaveLength(20);
    const got = await t.call<UserBody>('GET', '/api/v1/users/me', who);
    expect(got.body.preferences?.tables).toEqual(swap.body.tables);
  });

  it('when /users/me is asked without a user, then anonymous is 401, an API key 403 and an unknown user 404', async () => {
    expect((await t.call('GET', '/api/v1/users/me')).status).toBe(401);
    const key = await t.call('GET', '/api/v1/users/me', {
      role: 'admin',
      headers: { 'x-test-kind': 'api_key' },
    });
    expect(key.status).toBe(403);
    expect((await t.call('GET', '/api/v1/users/me', { role: 'viewer', user: 'usr_ghost' })).status).toBe(404);
  });

  it('when an admin lists users, then filters and sort apply; others get 403', async () => {
    const res = await t.call<PageBody>('GET', '/api/v1/users?role=admin&sort=-email', admin);
    expect(res.status).toBe(200);
    expect(res.body.data.map((u) => u.id)).toEqual(['usr_admin2', 'usr_admin1']);
    expect(JSON.stringify(res.body)).not.toContain('password');
    const q = await t.call<PageBody>('GET', '/api/v1/users?q=otto', admin);
    expect(q.body.data.map((u) => u.id)).toEqual(['usr_op']);
    expect((await t.call('GET', '/api/v1/users', { role: 'operator' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/users?role=root', admin)).status).toBe(400);
  });

  it('when an admin changes a role or disables a user, then it applies and is audited', async () => {
    const promoted = await t.call<UserBody>('PATCH', '/api/v1/users/usr_op', {
      ...admin,
      body: { role: 'admin' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('admin');
    const disabled = await t.call<UserBody>('PATCH', '/api/v1/users/usr_op', {
      ...admin,
      body: { disabled: true },
    });
    expect(disabled.body.disabled).toBe(true);
    const enabled = await t.call<UserBody>('PATCH', '/api/v1/users/usr_op', {
      ...admin,
      body: { disabled: false, role: 'operator' },
    });
    expect(enabled.body).toMatchObject({ disabled: false, role: 'operator' });
    expect(await auditActions('usr_op')).toEqual(['user.updated', 'user.updated', 'user.updated']);
  });

  it('when the last active admin would be demoted or disabled, then it is a 409 and nothing changes', async () => {
    const first = await t.call<UserBody>('PATCH', '/api/v1/users/usr_admin2', {
      ...admin,
      body: { role: 'viewer' },
    });
    expect(first.status).toBe(200);
    for (const body of [{ role: 'operator' }, { disabled: true }]) {
      const res = await t.call('PATCH', '/api/v1/users/usr_admin1', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(res.body.code).toBe('last_admin');
    }
    const list = await t.call<PageBody>('GET', '/api/v1/users?role=admin', admin);
    expect(list.body.data.map((u) => u.id)).toEqual(['usr_admin1']);
    // Restore a second admin; then the two demoting each other at once leaves one admin.
    await t.call('PATCH', '/api/v1/users/usr_admin2', { ...admin, body: { role: 'admin' } });
    const both = await Promise.all([
      t.call('PATCH', '/api/v1/users/usr_admin1', { ...admin, body: { role: 'viewer' } }),
      t.call('PATCH', '/api/v1/users/usr_admin2', { ...admin, body: { role: 'viewer' } }),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const after = await t.call<PageBody>('GET', '/api/v1/users?role=admin', admin);
    expect(after.body.data).toHaveLength(1);
  });

  it('when the admin change is malformed or names nobody, then 400 or 404; non-admins get 403', async () => {
    const cases: [unknown, string][] = [
      [{ role: 'root' }, 'role'],
      [{ disabled: 'true' }, 'disabled'],
      [{ email: 'x@example.com' }, 'email'],
      [{}, ''],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('PATCH', '/api/v1/users/usr_op', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    expect(
      (await t.call('PATCH', '/api/v1/users/usr_nobody', { ...admin, body: { role: 'viewer' } })).status,
    ).toBe(404);
    const op = await t.call('PATCH', '/api/v1/users/usr_viewer', {
      role: 'operator',
      body: { role: 'admin' },
    });
    expect(op.status).toBe(403);
  });

  it('when the landing page is chosen, then it is stored with the preferences and audited', async () => {
    const res = await t.call('PATCH', '/api/v1/users/me/preferences', {
      ...me,
      body: { landing_page: '/alerts' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ landing_page: '/alerts' });
    const got = await t.call<UserBody>('GET', '/api/v1/users/me', me);
    expect(got.body.preferences).toMatchObject({ landing_page: '/alerts' });
    const { rows } = await t.api.deps.pool.query<{ after: { landing_page: string } }>(
      "select after from audit_log where action = 'user.preferences_updated' and resource_id = 'usr_viewer' order by occurred_at desc limit 1",
    );
    expect(rows[0]?.after.landing_page).toBe('/alerts');
  });

  it('when a user renames themselves, then the name is trimmed, stored and audited; a bad name is a 400 naming it', async () => {
    const res = await t.call<UserBody & { name: string }>('PATCH', '/api/v1/users/me', {
      ...me,
      body: { name: '  Vera V. Viewer ' },
    });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Vera V. Viewer');
    const { rows } = await t.api.deps.pool.query<{ before: unknown; after: unknown }>(
      "select before, after from audit_log where action = 'user.profile_updated' and resource_id = 'usr_viewer'",
    );
    expect(rows).toEqual([{ before: { name: 'Vera Viewer' }, after: { name: 'Vera V. Viewer' } }]);
    const cases: [unknown, string][] = [
      [{ name: '   ' }, 'name'],
      [{ name: 'x'.repeat(201) }, 'name'],
      [{ name: 'Eve', role: 'admin' }, 'role'],
      [{ name: 'Eve', email: 'new@example.com' }, 'email'],
    ];
    for (const [body, field] of cases) {
      const bad = await t.call('PATCH', '/api/v1/users/me', { ...me, body });
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(bad.body.field, JSON.stringify(body)).toBe(field);
    }
    const after = await t.call<UserBody & { name: string }>('GET', '/api/v1/users/me', me);
    expect(after.body).toMatchObject({ name: 'Vera V. Viewer', role: 'viewer' });
  });
});
