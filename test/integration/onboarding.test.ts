// The onboarding checklist and tour progress through HTTP against real PostgreSQL: items tick
// when the user does the thing (their audit rows), the console-seen items by marking, the tour
// step is kept, and bad input is a 4xx naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface State {
  role: string;
  items: { id: string; done: boolean; done_at: string | null }[];
  completed: boolean;
  dismissed: boolean;
  tour: { status: string; step: number; steps: number };
}

const done = (s: State) => s.items.filter((i) => i.done).map((i) => i.id);

describe('onboarding API against real PostgreSQL', () => {
  let t: OpsApi;
  const viewer = { role: 'viewer' as const, user: 'usr_ob_viewer' };
  const admin = { role: 'admin' as const, user: 'usr_ob_admin' };

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      `insert into users (id, email, name, role) values
        ('usr_ob_viewer', 'ob-viewer@example.com', 'Vic Viewer', 'viewer'),
        ('usr_ob_admin', 'ob-admin@example.com', 'Ann Admin', 'admin'),
        ('usr_ob_new', 'ob-new@example.com', 'Ned New', 'viewer')`,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a new user asks, then the checklist is the one of their role, nothing done, tour not started', async () => {
    const v = await t.call<State>('GET', '/api/v1/users/me/onboarding', viewer);
    expect(v.status).toBe(200);
    expect(v.body.items.map((i) => i.id)).toEqual(['set_preferences', 'find_payment', 'review_alert']);
    expect(done(v.body)).toEqual([]);
    expect(v.body).toMatchObject({ role: 'viewer', completed: false, dismissed: false });
    expect(v.body.tour).toEqual({ status: 'not_started', step: 0, steps: 23 });
    const a = await t.call<State>('GET', '/api/v1/users/me/onboarding', admin);
    expect(a.body.items.map((i) => i.id)).toEqual([
      'set_preferences',
      'find_payment',
      'work_alert',
      'create_rule',
      'invite_teammate',
    ]);
  });

  it('when the user saves a preference, creates a rule and gives a teammate a role, then those items tick themselves', async () => {
    await t.call('PATCH', '/api/v1/users/me/preferences', { ...admin, body: { theme: 'dark' } });
    const rule = await t.call('POST', '/api/v1/rules', {
      ...admin,
      body: {
        name: 'onboarding-threshold',
        rule_definition: {
          condition: { field: 'amount_minor', op: 'gte', value: 100000 },
          action: 'alert',
          severity: 'low',
        },
      },
    });
    expect(rule.status).toBe(201);
    // Changing one's own role is no teammate brought in; another user's is.
    await t.call('PATCH', '/api/v1/users/usr_ob_new', { ...admin, body: { role: 'operator' } });
    const a = await t.call<State>('GET', '/api/v1/users/me/onboarding', admin);
    expect(done(a.body)).toEqual(['set_preferences', 'create_rule', 'invite_teammate']);
    expect(a.body.items.find((i) => i.id === 'create_rule')?.done_at).toMatch(/^\d{4}-/);
    // Someone else's actions tick nothing of the viewer's.
    expect(done((await t.call<State>('GET', '/api/v1/users/me/onboarding', viewer)).body)).toEqual([]);
  });

  it('when the console marks a payment found and an alert read, then they tick once; doing-items cannot be marked', async () => {
    const first = await t.call<State>('POST', '/api/v1/users/me/onboarding/items/find_payment', viewer);
    expect(first.status).toBe(200);
    const at = first.body.items.find((i) => i.id === 'find_payment')?.done_at;
    const again = await t.call<State>('POST', '/api/v1/users/me/onboarding/items/find_payment', viewer);
    expect(again.body.items.find((i) => i.id === 'find_payment')?.done_at).toBe(at);
    await t.call('POST', '/api/v1/users/me/onboarding/items/review_alert', viewer);
    await t.call('PATCH', '/api/v1/users/me/preferences', { ...viewer, body: { density: 'compact' } });
    const v = await t.call<State>('GET', '/api/v1/users/me/onboarding', viewer);
    expect(v.body.completed).toBe(true);
    const cheat = await t.call('POST', '/api/v1/users/me/onboarding/items/create_rule', admin);
    expect(cheat.status).toBe(409);
    const bad = await t.call('POST', '/api/v1/users/me/onboarding/items/fly', admin);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('item');
  });

  it('when the tour moves and the checklist is dismissed, then both are kept; bad patches name the field', async () => {
    const moved = await t.call<State>('PATCH', '/api/v1/users/me/onboarding', {
      ...viewer,
      body: { tour: { status: 'running', step: 11 } },
    });
    expect(moved.status).toBe(200);
    expect(moved.body.tour).toEqual({ status: 'running', step: 11, steps: 23 });
    await t.call('PATCH', '/api/v1/users/me/onboarding', { ...viewer, body: { dismissed: true } });
    const got = await t.call<State>('GET', '/api/v1/users/me/onboarding', viewer);
    expect(got.body).toMatchObject({ dismissed: true, tour: { status: 'running', step: 11 } });
    const cases: [unknown, string][] = [
      [{ tour: { status: 'running', step: 23 } }, 'tour.step'],
      [{ tour: { status: 'flying', step: 1 } }, 'tour.status'],
      [{ dismissed: 'yes' }, 'dismissed'],
      [{ role: 'admin' }, 'role'],
      [{}, ''],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('PATCH', '/api/v1/users/me/onboarding', { ...viewer, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(body)).toBe(field);
    }
  });
});
