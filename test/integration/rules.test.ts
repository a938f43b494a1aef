import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface RuleBody {
  id: string;
  name: string;
  enabled: boolean;
  version: number;
  hits_24h: number;
  source: string;
  rule_definition: { condition: unknown; action: string; severity: string; mode: string };
}
interface PageBody {
  data: RuleBody[];
  pagination: { total: number; next_cursor: string | null };
}

const definition = {
  condition: {
    all: [
      { field: 'amount_minor', op: 'gt', value: 100_000 },
      { field: 'currency', op: 'eq', value: 'USD' },
    ],
  },
  action: 'alert',
  severity: 'high',
};

describe('rules API against real PostgreSQL and Redis', () => {
  let t: OpsApi;
  const admin = { role: 'admin' as const, user: 'usr_admin' };

  async function auditActions(id: string): Promise<string[]> {
    const { rows } = await t.api.deps.pool.query<{ action: string }>(
      "select action from audit_log where resource_type = 'rule' and resource_id = $1 order by occurred_at",
      [id],
    );
    return rows.map((r) => r.action);
  }

  async function create(name: string, extra: Record<string, unknown> = {}): Promise<RuleBody> {
    const res = await t.call<RuleBody>('POST', '/api/v1/rules', {
      ...admin,
      body: { name, description: 'big USD payments', enabled: true, rule_definition: definition, ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  beforeAll(async () => {
    t = await startOpsApi();
  });
  afterAll(async () => {
    await t.close();
  });

  it('when an admin creates a rule with the seed body, then it is stored, audited and shown with mode and hits', async () => {
    const rule = await create('large-usd');
    expect(rule).toMatchObject({
      name: 'large-usd',
      enabled: true,
      version: 1,
      hits_24h: 0,
      source: 'api',
      rule_definition: { ...definition, mode: 'enforce' },
    });
    expect(rule.id).toMatch(/^rul_/);
    expect(await auditActions(rule.id)).toEqual(['rule.created']);
    const got = await t.call<RuleBody>('GET', `/api/v1/rules/${rule.id}`, { role: 'viewer' });
    expect(got.status).toBe(200);
    expect(got.headers.get('etag')).toBe('"1"');
  });

  it('when a rule has hits in the last 24 hours, then hits_24h counts only those', async () => {
    const rule = await create('counted');
    await t.api.deps.pool.query(
      `insert into rule_hits (rule_id, payment_id, mode, action, acted, matched_at)
       values ($1, 'pay_a', 'enforce', 'alert', true, now()), ($1, 'pay_b', 'enforce', 'alert', true, now() - interval '1 hour'),
              ($1, 'pay_c', 'enforce', 'alert', true, now() - interval '2 days')`,
      [rule.id],
    );
    const got = await t.call<RuleBody>('GET', `/api/v1/rules/${rule.id}`, { role: 'viewer' });
    expect(got.body.hits_24h).toBe(2);
  });

  it('when a rule is created, updated or deleted, then the cached list shows it at once', async () => {
    const before = await t.call<PageBody>('GET', '/api/v1/rules?q=cachetest', { role: 'viewer' });
    expect(before.body.data).toEqual([]);
    const rule = await create('cachetest-1');
    const afterCreate = await t.call<PageBody>('GET', '/api/v1/rules?q=cachetest', { role: 'viewer' });
    expect(afterCreate.body.data.map((r) => r.id)).toEqual([rule.id]);
    await t.call('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      body: { name: 'cachetest-1', enabled: false, rule_definition: definition },
    });
    const afterUpdate = await t.call<PageBody>('GET', '/api/v1/rules?q=cachetest', { role: 'viewer' });
    expect(afterUpdate.body.data[0]?.enabled).toBe(false);
    await t.call('DELETE', `/api/v1/rules/${rule.id}`, admin);
    const afterDelete = await t.call<PageBody>('GET', '/api/v1/rules?q=cachetest', { role: 'viewer' });
    expect(afterDelete.body.data).toEqual([]);
  });

  it('when a rule is replaced with PUT, then its version goes up and a stale If-Match is a 412', async () => {
    const rule = await create('replace-me');
    const res = await t.call<RuleBody>('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      headers: { 'if-match': '"1"' },
      body: { name: 'replaced', rule_definition: { ...definition, mode: 'shadow', severity: 'low' } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'replaced', version: 2, description: '', enabled: true });
    expect(res.body.rule_definition).toMatchObject({ mode: 'shadow', severity: 'low' });
    expect(res.headers.get('etag')).toBe('"2"');
    const stale = await t.call('PUT', `/api/v1/rules/${rule.id}`, {
      ...admin,
      headers: { 'if-match': '"1"' },
      body: { name: 'stale', rule_definition: definition },
    });
    expect(stale.status).toBe(412);
    expect(await auditActions(rule.id)).toEqual(['rule.created', 'rule.updated']);
  });

  it('when a rule is deleted, then it is gone from reads and a second delete is a 404', async () => {
    const rule = await create('delete-me');
    expect((await t.call('DELETE', `/api/v1/rules/${rule.id}`, admin)).status).toBe(204);
    expect((await t.call('GET', `/api/v1/rules/${rule.id}`, { role: 'viewer' })).status).toBe(404);
    expect((await t.call('DELETE', `/api/v1/rules/${rule.id}`, admin)).status).toBe(404);
    expect(await auditActions(rule.id)).toEqual(['rule.created', 'rule.deleted']);
    // The name is free again.
    await create('delete-me');
  });

  it('when a rule comes from Kubernetes, then PUT and DELETE are 409 naming its Rule resource', async () => {
    const id = newId('rul');
    await t.api.deps.pool.query(
      `insert into rules (id, name, action, severity, definition, source, external_uid, generation)
       values ($1, 'from-k8s', 'alert', 'low', '{"field":"currency","op":"eq","value":"EUR"}', 'kubernetes', 'uid-1', 1)`,
      [id],
    );
    const put = await t.call('PUT', `/api/v1/rules/${id}`, {
      ...admin,
      body: { name: 'x', rule_definition: definition },
    });
    expect(put.status).toBe(409);
    expect(put.body.code).toBe('managed_by_kubernetes');
    expect(String(put.body.detail)).toMatch(/Kubernetes Rule resource/);
    expect((await t.call('DELETE', `/api/v1/rules/${id}`, admin)).status).toBe(409);
    const got = await t.call<RuleBody>('GET', `/api/v1/rules/${id}`, { role: 'viewer' });
    expect(got.body).toMatchObject({ source: 'kubernetes', version: 1 });
  });

  it('when the rule definition is invalid, then the 400 names the exact path inside rule_definition', async () => {
    const cases: [unknown, string][] = [
      [
        {
          ...definition,
          condition: { all: [definition.condition.all[0], { field: 'currency', op: 'gt', value: 'USD' }] },
        },
        'rule_definition.condition.all[1].op',
      ],
      [
        { ...definition, condition: { all: [{ field: 'colour', op: 'eq', value: 1 }] } },
        'rule_definition.condition.all[0].field',
      ],
      [{ ...definition, action: 'explode' }, 'rule_definition.action'],
      [{ action: 'alert', severity: 'high' }, 'rule_definition.condition'],
      [{ ...definition, extra: 1 }, 'rule_definition.extra'],
      [
        {
          ...definition,
          condition: { aggregate: 'count', window: '90d', group_by: 'payer_id', op: 'gt', value: 3 },
        },
        'rule_definition.condition.window',
      ],
      ['not an object', 'rule_definition'],
      [
        {
          ...definition,
          condition: {
            any: Array.from({ length: 300 }, () => ({ field: 'currency', op: 'eq', value: 'USD' })),
          },
        },
        'rule_definition.condition.any[255]',
      ],
    ];
    for (const [rule_definition, field] of cases) {
      const res = await t.call('POST', '/api/v1/rules', { ...admin, body: { name: 'bad', rule_definition } });
      expect(res.status, field).toBe(400);
      expect(res.body.field, JSON.stringify(res.body)).toBe(field);
    }
    const listed = await t.call<PageBody>('GET', '/api/v1/rules?q=bad', { role: 'viewer' });
    expect(listed.body.data).toEqual([]);
  });

  it('when the body is otherwise bad, then each case is a 4xx naming the field', async () => {
    await create('taken');
    const cases: [unknown, number, string][] = [
      [{ name: 'taken', rule_definition: definition }, 409, 'name'],
      [{ name: '', rule_definition: definition }, 400, 'name'],
      [{ name: '<script>', rule_definition: definition }, 400, 'name'],
      [{ name: 'ok', enabled: 'yes', rule_definition: definition }, 400, 'enabled'],
      [{ name: 'ok', rule_definition: definition, role: 'admin' }, 400, 'role'],
      [{ rule_definition: definition }, 400, 'name'],
    ];
    for (const [body, status, field] of cases) {
      const res = await t.call('POST', '/api/v1/rules', { ...admin, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.field).toBe(field);
    }
    const bogus = await t.call('PUT', `/api/v1/rules/${newId('rul')}`, {
      ...admin,
      body: { name: 'n', rule_definition: definition },
    });
    expect(bogus.status).toBe(404);
    const badEtag = await t.call('DELETE', `/api/v1/rules/${newId('rul')}`, {
      ...admin,
      headers: { 'if-match': 'v1' },
    });
    expect(badEtag.status).toBe(400);
    expect(badEtag.body.field).toBe('If-Match');
  });

  it('when a viewer or operator writes rules, then it is a 403; anonymous is a 401', async () => {
    const body = { name: 'nope', rule_definition: definition };
    expect((await t.call('POST', '/api/v1/rules', { role: 'viewer', body })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/rules', { role: 'operator', body })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/rules')).status).toBe(401);
  });

  it('when listing with filters, sort and cursor, then pages are complete and bad params are 400', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await create(n);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.call<PageBody>('GET', `/api/v1/rules?q=page-&limit=2&sort=-name${q}`, {
        role: 'viewer',
      });
      seen.push(...res.body.data.map((r) => r.name));
      cursor = res.body.pagination.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['page-c', 'page-b', 'page-a']);
    const enabled = await t.call<PageBody>('GET', '/api/v1/rules?enabled=false', { role: 'viewer' });
    expect(enabled.body.data.every((r) => !r.enabled)).toBe(true);
    for (const [q, field] of [
      ['sort=hits', 'sort'],
      ['enabled=maybe', 'enabled'],
      ['source=git', 'source'],
    ]) {
      const res = await t.call('GET', `/api/v1/rules?${q!}`, { role: 'viewer' });
      expect(res.status, q).toBe(400);
      expect(res.body.field).toBe(field);
    }
  });
});
