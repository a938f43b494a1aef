// The rule lifecycle endpoints against real PostgreSQL and Redis: validate as you type, PUT of what
// GET answered, versions (who and why, view, roll back), shadow rules beside the live side and
// their promotion, the equivalent Kubernetes Rule resource, and backtests as batch jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { newId } from '@payflow/api/domain';
import { ruleSchema as ruleResourceSchema } from '@payflow/api/crd';
import { runBatchJob } from '../../worker/src/batch.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface RuleBody {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  version: number;
  source: string;
  shadow_of: string | null;
  resource: { namespace: string; name: string } | null;
  hits_24h: number;
  hits_24h_series: number[];
  created_at: string;
  updated_at: string;
  rule_definition: { condition: unknown; action: string; severity: string; mode: string };
}
interface VersionBody {
  version: number;
  name: string;
  change: string;
  changed_by: string | null;
  reason: string | null;
  rule_definition: RuleBody['rule_definition'];
}

const velocity = {
  condition: { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 },
  action: 'alert',
  severity: 'high',
};
const bigUsd = {
  condition: {
    all: [
      { field: 'amount_minor', op: 'gt', value: 100_000 },
      { field: 'currency', op: 'eq', value: 'USD' },
    ],
  },
  action: 'alert',
  severity: 'medium',
};

describe('rule lifecycle API against real PostgreSQL and Redis', () => {
  let t: OpsApi;
  const admin = { role: 'admin' as const, user: 'usr_admin' };

  async function create(name: string, extra: Record<string, unknown> = {}): Promise<RuleBody> {
    const res = await t.call<RuleBody>('POST', '/api/v1/rules', {
      ...admin,
      body: { name, rule_definition: bigUsd, ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }
  const versions = async (id: string) =>
    (await t.call<{ data: VersionBody[] }>('GET', `/api/v1/rules/${id}/versions`, { role: 'viewer' })).body
      .data;
  const auditOf = async (id: string) =>
    (
      await t.api.deps.pool.query<{ action: string; reason: string | null }>(
        "select action, reason from audit_log where resource_type = 'rule' and resource_id = $1 order by chain_seq",
        [id],
      )
    ).rows;

  beforeAll(async () => {
    t = await startOpsApi();
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a draft is validated, then every issue names its path and a valid one comes with its Rule resource', async () => {
    const bad = await t.call<{ valid: boolean; issues: { field: string }[]; resource_yaml: string | null }>(
      'POST',
      '/api/v1/rules/validate',
      {
        role: 'viewer',
        body: {
          name: '<bad>',
          rule_definition: {
            ...velocity,
            condition: {
              all: [
                velocity.condition,
                { field: 'currency', op: 'gt', value: 'USD' },
                { not: { field: 'colour', op: 'eq', value: 1 } },
              ],
            },
          },
        },
      },
    );
    expect(bad.status).toBe(200);
    expect(bad.body.valid).toBe(false);
    expect(bad.body.issues.map((i) => i.field).sort()).toEqual([
      'name',
      'rule_definition.condition.all[1].op',
      'rule_definition.condition.all[2].not.field',
    ]);
    expect(bad.body.resource_yaml).toBeNull();
    const good = await t.call<{ valid: boolean; issues: unknown[]; resource_yaml: string }>(
      'POST',
      '/api/v1/rules/validate',
      {
        role: 'viewer',
        body: { name: 'Payer velocity 10 min', rule_definition: velocity },
      },
    );
    expect(good.body).toMatchObject({ valid: true, issues: [] });
    const object = ruleResourceSchema.parse(parse(good.body.resource_yaml));
    expect(object.metadata.name).toBe('payer-velocity-10-min');
    expect(object.spec).toMatchObject({
      displayName: 'Payer velocity 10 min',
      mode: 'enforce',
      definition: velocity.condition,
    });
    for (const [body, field] of [
      [{}, 'rule_definition'],
      [{ rule_definition: velocity, role: 'admin' }, 'role'],
    ] as const) {
      const res = await t.call('POST', '/api/v1/rules/validate', { role: 'viewer', body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.field).toBe(field);
    }
  });

  it('when PUT sends back the body GET answered, then it is accepted; a changed read-only field is a 400 naming it', async () => {
    const rule = await create('round-trip');
    const got = await t.call<RuleBody>('GET', `/api/v1/rules/${rule.id}`, { role: 'viewer' });
    expect(got.body.hits_24h_series).toHaveLength(24);
    const put = await t.call<RuleBody>('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      body: { ...got.body, description: 'edited', reason: 'clarify' },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ description: 'edited', version: 2 });
    // Counters change on their own: a stale hits_24h is no reason to refuse.
    const again = await t.call<RuleBody>('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      body: { ...put.body, hits_24h: 99, hits_24h_series: [], enabled: false },
    });
    expect(again.status).toBe(200);
    const current = again.body;
    for (const [patch, field] of [
      [{ id: newId('rul') }, 'id'],
      [{ source: 'kubernetes' }, 'source'],
      [{ created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
      [{ created_by: 'usr_someone_else' }, 'created_by'],
      [{ resource: { namespace: 'x', name: 'y' } }, 'resource'],
    ] as const) {
      const res = await t.call('PUT', `/api/v1/rules/${rule.id}`, {
        ...admin,
        body: { ...current, ...patch },
      });
      expect(res.status, field).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.field).toBe(field);
      expect(String(res.body.detail)).toMatch(/read-only/);
    }
    const stale = await t.call('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      body: { ...current, version: 1 },
    });
    expect(stale.status).toBe(412);
    const unknown = await t.call('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      body: { ...current, colour: 'red' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.field).toBe('colour');
    expect((await t.call<RuleBody>('GET', `/api/v1/rules/${rule.id}`, { role: 'viewer' })).body.version).toBe(
      3,
    );
  });

  it('when a rule changes, then each change is a version with who and why, viewable and restorable', async () => {
    const rule = await create('versioned', { reason: 'first cut' });
    await t.call('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      user: 'usr_other',
      body: {
        name: 'versioned',
        rule_definition: { ...bigUsd, severity: 'critical' },
        reason: 'raise severity',
      },
    });
    const list = await versions(rule.id);
    expect(list.map((v) => [v.version, v.change, v.changed_by, v.reason])).toEqual([
      [2, 'updated', 'usr_other', 'raise severity'],
      [1, 'created', 'usr_admin', 'first cut'],
    ]);
    const v1 = await t.call<VersionBody>('GET', `/api/v1/rules/${rule.id}/versions/1`, { role: 'viewer' });
    expect(v1.body.rule_definition).toMatchObject({ severity: 'medium', mode: 'enforce' });
    const back = await t.call<RuleBody>('POST', `/api/v1/rules/${rule.id}/rollback`, {
      ...admin,
      body: { version: 1, reason: 'too noisy' },
    });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body).toMatchObject({ version: 3, rule_definition: { severity: 'medium' } });
    expect((await versions(rule.id))[0]).toMatchObject({
      version: 3,
      change: 'rolled_back',
      reason: 'too noisy',
    });
    expect((await auditOf(rule.id)).map((a) => a.action)).toEqual([
      'rule.created',
      'rule.updated',
      'rule.rolled_back',
    ]);
    const cases: [string, unknown, number, string][] = [
      ['rollback', { version: 9 }, 400, 'version'],
      ['rollback', { version: 3 }, 400, 'version'],
      ['rollback', { version: 'one' }, 400, 'version'],
      ['rollback', {}, 400, 'version'],
      ['rollback', { version: 1, reason: '' }, 400, 'reason'],
      ['promote', { reason: 5 }, 400, 'reason'],
    ];
    for (const [action, body, status, field] of cases) {
      const res = await t.call('POST', `/api/v1/rules/${rule.id}/${action}`, { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.field).toBe(field);
    }
    expect((await t.call('GET', `/api/v1/rules/${rule.id}/versions/7`, { role: 'viewer' })).status).toBe(404);
    const badVersion = await t.call('GET', `/api/v1/rules/${rule.id}/versions/x`, { role: 'viewer' });
    expect(badVersion.status).toBe(400);
    expect(badVersion.body.field).toBe('version');
    expect((await t.call('GET', `/api/v1/rules/${newId('rul')}/versions`, { role: 'viewer' })).status).toBe(
      404,
    );
    expect(
      (await t.call('POST', `/api/v1/rules/${rule.id}/rollback`, { role: 'operator', body: { version: 1 } }))
        .status,
    ).toBe(403);
  });

  it('when a shadow rule challenges a live rule, then their hits show side by side and promotion replaces the live definition', async () => {
    const live = await create('live-velocity', {
      rule_definition: { ...velocity, condition: { ...velocity.condition, value: 10 } },
    });
    const shadow = await create('velocity-candidate', {
      rule_definition: { ...velocity, mode: 'shadow' },
      shadow_of: live.id,
    });
    expect(shadow.shadow_of).toBe(live.id);
    // Traffic both evaluated: pay_1..3 hit by the shadow, pay_3..4 by the live rule.
    const hit = async (ruleId: string, paymentId: string, mode: string) =>
      t.api.deps.pool.query(
        `insert into rule_hits (rule_id, payment_id, mode, action, acted, reasons, matched_at)
         values ($1, $2, $3, 'alert', $4, $5::jsonb, now())`,
        [
          ruleId,
          paymentId,
          mode,
          mode === 'enforce',
          JSON.stringify([`count(*) over 10m by payer_id gte 5 (was 6)`]),
        ],
      );
    for (const p of ['pay_1', 'pay_2', 'pay_3']) await hit(shadow.id, p, 'shadow');
    for (const p of ['pay_3', 'pay_4']) await hit(live.id, p, 'enforce');
    const cmp = await t.call<{
      compared_with: string;
      live_rule: { id: string };
      buckets: { shadow: number; live: number; both: number }[];
      totals: Record<string, number>;
      only_shadow: { payment_id: string; reasons: string[] }[];
      only_live: { payment_id: string }[];
    }>('GET', `/api/v1/rules/${shadow.id}/shadow?hours=24`, { role: 'viewer' });
    expect(cmp.status, JSON.stringify(cmp.body)).toBe(200);
    expect(cmp.body.compared_with).toBe('rule');
    expect(cmp.body.live_rule.id).toBe(live.id);
    expect(cmp.body.totals).toEqual({ shadow: 3, live: 2, both: 1, only_shadow: 2, only_live: 1 });
    expect(cmp.body.buckets.reduce((a, b) => a + b.shadow, 0)).toBe(3);
    expect(cmp.body.only_shadow.map((h) => h.payment_id).sort()).toEqual(['pay_1', 'pay_2']);
    expect(cmp.body.only_shadow[0]?.reasons[0]).toMatch(/was 6/);
    expect(cmp.body.only_live.map((h) => h.payment_id)).toEqual(['pay_4']);
    const bad = await t.call('GET', `/api/v1/rules/${shadow.id}/shadow?hours=0`, { role: 'viewer' });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('hours');
    // shadow_of must point at a live rule, from a rule in shadow.
    for (const [extra, field] of [
      [{ rule_definition: velocity, shadow_of: live.id }, 'shadow_of'],
      [{ rule_definition: { ...velocity, mode: 'shadow' }, shadow_of: shadow.id }, 'shadow_of'],
      [{ rule_definition: { ...velocity, mode: 'shadow' }, shadow_of: newId('rul') }, 'shadow_of'],
    ] as const) {
      const res = await t.call('POST', '/api/v1/rules', {
        ...admin,
        body: { name: `bad-shadow-${field}-${newId('rul')}`, ...extra },
      });
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    const promoted = await t.call<RuleBody>('POST', `/api/v1/rules/${shadow.id}/promote`, {
      ...admin,
      body: { reason: 'fewer misses in shadow' },
    });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toMatchObject({
      id: live.id,
      version: 2,
      rule_definition: { ...velocity, mode: 'enforce' },
    });
    expect((await t.call('GET', `/api/v1/rules/${shadow.id}`, { role: 'viewer' })).status).toBe(404);
    expect((await versions(live.id))[0]).toMatchObject({
      change: 'promoted',
      reason: 'fewer misses in shadow',
    });
    expect((await auditOf(live.id)).map((a) => a.action)).toEqual(['rule.created', 'rule.promoted']);
    expect((await auditOf(shadow.id)).map((a) => a.action)).toEqual(['rule.created', 'rule.promoted']);
    // Rolling the live rule back restores its own earlier definition.
    const back = await t.call<RuleBody>('POST', `/api/v1/rules/${live.id}/rollback`, {
      ...admin,
      body: { version: 1 },
    });
    expect(back.body.rule_definition.condition).toMatchObject({ value: 10 });
  });

  it('when either condition is edited, then the comparison starts at that version: earlier hits were another rule’s; other edits keep it going', async () => {
    const live = await create('live-edited', {
      rule_definition: { ...velocity, condition: { ...velocity.condition, value: 10 } },
    });
    const shadow = await create('shadow-edited', {
      rule_definition: { ...velocity, mode: 'shadow' },
      shadow_of: live.id,
    });
    const hit = async (ruleId: string, paymentId: string, minutesAgo: number) =>
      t.api.deps.pool.query(
        `insert into rule_hits (rule_id, payment_id, mode, action, acted, reasons, matched_at)
         values ($1, $2, 'shadow', 'alert', false, '[]'::jsonb, now() - make_interval(mins => $3))`,
        [ruleId, paymentId, minutesAgo],
      );
    interface Cmp {
      since: string;
      since_version: { rule_id: string; version: number } | null;
      totals: { shadow: number; live: number };
    }
    const compare = async (): Promise<Cmp> => {
      const res = await t.call<Cmp>('GET', `/api/v1/rules/${shadow.id}/shadow?hours=24`, { role: 'viewer' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    // Both rules were made a moment ago: the comparison starts at the later one, the shadow's v1.
    const first = await compare();
    expect(first.since_version).toEqual({ rule_id: shadow.id, version: 1 });
    // Backdated to a day ago, the window's length sets the start instead.
    await t.api.deps.pool.query(
      "update rule_versions set created_at = now() - interval '30 hours' where rule_id = any($1::text[])",
      [[live.id, shadow.id]],
    );
    await hit(shadow.id, 'pay_before_edit', 60);
    const untouched = await compare();
    expect(untouched.since_version).toBeNull();
    expect(untouched.totals.shadow).toBe(1);
    const put = async (id: string, patch: Record<string, unknown>) => {
      const got = await t.call<RuleBody>('GET', `/api/v1/rules/${id}`, { role: 'viewer' });
      const res = await t.call<RuleBody>('PUT', `/api/v1/rules/${id}`, {
        ...admin,
        body: { ...got.body, ...patch, reason: 'tune' },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    // A new description is the same rule: the comparison goes on from the window start.
    await put(shadow.id, { description: 'reworded' });
    expect((await compare()).since_version).toBeNull();
    // A new threshold is another rule: its version 3 starts the comparison; the hour-old hit is gone.
    const edited = await put(shadow.id, {
      rule_definition: { ...velocity, mode: 'shadow', condition: { ...velocity.condition, value: 6 } },
    });
    expect(edited.version).toBe(3);
    await hit(shadow.id, 'pay_after_edit', 0);
    // After the edit, a worker whose rule cache still held version 2 stored a hit of it: that was
    // the old rule's, and is not counted; a hit of version 3 is.
    const stamped = async (paymentId: string, version: number, ruleId = shadow.id) =>
      t.api.deps.pool.query(
        `insert into rule_hits (rule_id, rule_version, payment_id, mode, action, acted, reasons)
         values ($1, $2, $3, 'shadow', 'alert', false, '[]'::jsonb)`,
        [ruleId, version, paymentId],
      );
    await stamped('pay_cached_v2', 2);
    await stamped('pay_v3', 3);
    const after = await compare();
    expect(after.since_version).toEqual({ rule_id: shadow.id, version: 3 });
    expect(after.totals.shadow).toBe(2);
    // The live rule's edit starts it too, when it is the later.
    const liveEdited = await put(live.id, {
      rule_definition: { ...velocity, condition: { ...velocity.condition, value: 9 } },
    });
    // So does the live side: of its hits since, the one of its version before the edit is not counted.
    await stamped('pay_live_before', liveEdited.version - 1, live.id);
    await stamped('pay_live_after', liveEdited.version, live.id);
    const later = await compare();
    expect(later.since_version).toEqual({ rule_id: live.id, version: liveEdited.version });
    expect(later.totals.live).toBe(1);
    expect(Date.parse(later.since)).toBeGreaterThanOrEqual(Date.parse(after.since));
  });

  it('when a shadow rule shadows nothing, then it is compared with every live rule and promotion switches it to enforce', async () => {
    const solo = await create('solo-shadow', { rule_definition: { ...velocity, mode: 'shadow' } });
    const cmp = await t.call<{ compared_with: string; live_rule: unknown }>(
      'GET',
      `/api/v1/rules/${solo.id}/shadow`,
      {
        role: 'viewer',
      },
    );
    expect(cmp.body).toMatchObject({ compared_with: 'live_rules', live_rule: null });
    const stale = await t.call('POST', `/api/v1/rules/${solo.id}/promote`, {
      ...admin,
      headers: { 'if-match': '"7"' },
      body: {},
    });
    expect(stale.status).toBe(412);
    const res = await t.call<RuleBody>('POST', `/api/v1/rules/${solo.id}/promote`, { ...admin, body: {} });
    expect(res.body).toMatchObject({ id: solo.id, version: 2, rule_definition: { mode: 'enforce' } });
    const twice = await t.call('POST', `/api/v1/rules/${solo.id}/promote`, { ...admin, body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('invalid_transition');
  });

  it('when a rule comes from a Rule resource, then its resource is named, its versions kept, and it cannot be promoted or rolled back', async () => {
    const id = newId('rul');
    await t.api.deps.pool.query(
      `insert into rules (id, name, mode, action, severity, definition, source, external_uid, generation)
       values ($1, 'fraud/k8s-velocity', 'shadow', 'alert', 'low', $2::jsonb, 'kubernetes', $3, 1)`,
      [id, JSON.stringify(velocity.condition), newId('rul')],
    );
    await t.api.deps.pool.query(
      "update rules set generation = 2, version = 2, severity = 'high' where id = $1",
      [id],
    );
    const got = await t.call<RuleBody>('GET', `/api/v1/rules/${id}`, { role: 'viewer' });
    expect(got.body.resource).toEqual({ namespace: 'fraud', name: 'k8s-velocity' });
    expect((await versions(id)).map((v) => [v.version, v.change, v.changed_by, v.reason])).toEqual([
      [2, 'synced', 'payflow-controller', 'Rule resource generation 2'],
      [1, 'created', 'payflow-controller', 'Rule resource generation 1'],
    ]);
    for (const [action, body] of [
      ['promote', {}],
      ['rollback', { version: 1 }],
    ] as const) {
      const res = await t.call('POST', `/api/v1/rules/${id}/${action}`, { ...admin, body });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('managed_by_kubernetes');
    }
    const manifest = await t.call<{ yaml: string }>('GET', `/api/v1/rules/${id}/resource`, {
      role: 'viewer',
    });
    expect(parse(manifest.body.yaml)).toMatchObject({
      kind: 'Rule',
      metadata: { namespace: 'fraud', name: 'k8s-velocity' },
    });
  });

  it('when a draft is backtested, then a backtest batch job reports progress and results; bad windows are 400s', async () => {
    const now = Date.now();
    for (let i = 0; i < 7; i++) {
      await t.api.deps.pool.query(
        `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
         values ($1, $2, 'mer_1', $3, 1000, 'USD', 'captured')`,
        [newId('pay'), new Date(now - 3_600_000 + i * 60_000), i < 6 ? 'payer_burst' : 'payer_once'],
      );
    }
    const window = { from: new Date(now - 86_400_000).toISOString(), to: new Date(now).toISOString() };
    const created = await t.call<{ id: string; status: string; progress: number | null }>(
      'POST',
      '/api/v1/rules/backtests',
      {
        role: 'operator',
        body: { rule_definition: velocity, ...window },
      },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending', progress: null });
    expect(created.headers.get('location')).toBe(`/api/v1/rules/backtests/${created.body.id}`);
    await runBatchJob({ pool: t.api.deps.pool, owner: 'test' }, created.body.id);
    const done = await t.call<{
      status: string;
      progress: number;
      hits: number;
      processed: number;
      hits_by_day: { day: string; hits: number }[];
      examples: { reasons: string[]; values: Record<string, string> }[];
    }>('GET', `/api/v1/rules/backtests/${created.body.id}`, { role: 'viewer' });
    expect(done.body).toMatchObject({ status: 'succeeded', progress: 1, processed: 7, hits: 2 });
    expect(done.body.hits_by_day.reduce((a, d) => a + d.hits, 0)).toBe(2);
    expect(done.body.examples.map((e) => e.values['count(*)/payer_id/600s'])).toEqual(['5', '6']);
    const cases: [unknown, string][] = [
      [{ rule_definition: velocity, from: window.to, to: window.from }, 'to'],
      [{ rule_definition: velocity, from: 'yesterday', to: window.to }, 'from'],
      [
        { rule_definition: { ...velocity, condition: { ...velocity.condition, window: '99d' } }, ...window },
        'rule_definition.condition.window',
      ],
      [{ ...window }, 'rule_definition'],
      [{ rule_definition: velocity, ...window, rule_id: newId('rul') }, 'rule_id'],
      [{ rule_definition: velocity, from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'to'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/v1/rules/backtests', { role: 'operator', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field).toBe(field);
    }
    expect(
      (
        await t.call('POST', '/api/v1/rules/backtests', {
          role: 'viewer',
          body: { rule_definition: velocity, ...window },
        })
      ).status,
    ).toBe(403);
    expect((await t.call('GET', `/api/v1/rules/backtests/${newId('job')}`, { role: 'viewer' })).status).toBe(
      404,
    );
  });

  it('when a stored rule is backtested, then the batch job names the rule and whether the draft or a stored version ran', async () => {
    const rule = await create('velocity-named', { rule_definition: velocity });
    const window = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date().toISOString() };
    const nameOf = async (rule_definition: unknown): Promise<string> => {
      const bt = await t.call<{ id: string }>('POST', '/api/v1/rules/backtests', {
        role: 'operator',
        body: { rule_definition, ...window, rule_id: rule.id },
      });
      expect(bt.status, JSON.stringify(bt.body)).toBe(201);
      return (await t.call<{ name: string }>('GET', `/api/v1/batch-jobs/${bt.body.id}`, { role: 'viewer' }))
        .body.name;
    };
    // The stored condition, its keys in another order: that version.
    const reordered = { value: 5, op: 'gte', group_by: 'payer_id', window: '10m', aggregate: 'count' };
    await expect(nameOf({ ...velocity, condition: reordered })).resolves.toBe(
      'velocity-named version 1 backtest',
    );
    await expect(nameOf({ ...velocity, condition: { ...velocity.condition, value: 6 } })).resolves.toBe(
      'velocity-named draft backtest',
    );
  });
});
