import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTimestamp, newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface AlertBody {
  id: string;
  status: string;
  severity: string;
  version: number;
  assignee_id: string | null;
  acknowledged_by: string | null;
  resolution: string | null;
  resolution_note?: string | null;
  rule_name: string | null;
  rule_version?: number | null;
  rule_mode?: string | null;
  details?: { reasons: string[] } & Record<string, unknown>;
  explanation?: {
    rule: { id: string; name: string | null; version: number | null } | null;
    values: Record<string, unknown>;
    conditions: Record<string, unknown>[];
  };
  payment?: Record<string, unknown> | null;
  notes?: { body: string; author_id: string }[];
}
interface PageBody {
  data: AlertBody[];
  pagination: { total: number; next_cursor: string | null; limit: number; offset: number };
}

describe('alerts API against real PostgreSQL', () => {
  let t: OpsApi;
  const ruleId = newId('rul');
  const ids: string[] = [];

  async function insertAlert(
    over: { severity?: string; status?: string; title?: string; payment?: string; at?: string } = {},
  ): Promise<string> {
    const id = newId('alt');
    await t.api.deps.pool.query(
      `insert into alerts (id, rule_id, payment_id, severity, status, title, message, dedupe_key, created_at)
       values ($1, $2, $3, $4, $5, $6, 'velocity exceeded', $1, coalesce($7::timestamptz, now()))`,
      [
        id,
        ruleId,
        over.payment ?? newId('pay'),
        over.severity ?? 'high',
        over.status ?? 'open',
        over.title ?? 'Velocity',
        over.at ?? null,
      ],
    );
    return id;
  }

  async function auditActions(id: string): Promise<string[]> {
    const { rows } = await t.api.deps.pool.query<{ action: string }>(
      "select action from audit_log where resource_type = 'alert' and resource_id = $1 order by occurred_at",
      [id],
    );
    return rows.map((r) => r.action);
  }

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      `insert into rules (id, name, action, severity, definition) values ($1, 'velocity', 'alert', 'high', '{}')`,
      [ruleId],
    );
    await t.api.deps.pool.query(
      "insert into users (id, email, role) values ('usr_op', 'op@example.com', 'operator'), ('usr_off', 'off@example.com', 'viewer')",
    );
    await t.api.deps.pool.query("update users set disabled_at = now() where id = 'usr_off'");
    for (let i = 0; i < 5; i++) {
      ids.push(
        await insertAlert({
          severity: i % 2 ? 'low' : 'critical',
          at: `2026-01-0${String(i + 1)}T00:00:00Z`,
        }),
      );
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a viewer lists alerts, then the newest come first with rule names and a total', async () => {
    const res = await t.call<PageBody>('GET', '/api/v1/alerts?limit=2', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.data.map((a) => a.id)).toEqual([ids[4], ids[3]]);
    expect(res.body.data[0]?.rule_name).toBe('velocity');
    expect(res.body.pagination).toMatchObject({ limit: 2, offset: 0, total: 5 });
  });

  it('when pages are followed by cursor, then every alert is seen once in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.call<PageBody>('GET', `/api/v1/alerts?limit=2&sort=created_at${q}`, {
        role: 'viewer',
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((a) => a.id));
      cursor = res.body.pagination.next_cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
  });

  it('when filtered by severity, status, time and text, then only matching alerts come back', async () => {
    const low = await t.call<PageBody>('GET', '/api/v1/alerts?severity=low&status=open,acknowledged', {
      role: 'viewer',
    });
    expect(low.body.data.map((a) => a.id).sort()).toEqual([ids[1], ids[3]].sort());
    const window = await t.call<PageBody>(
      'GET',
      '/api/v1/alerts?from=2026-01-02T00:00:00Z&to=2026-01-04T00:00:00Z',
      { role: 'viewer' },
    );
    expect(window.body.data.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    const byId = await t.call<PageBody>('GET', `/api/v1/alerts?q=${ids[0]!}`, { role: 'viewer' });
    expect(byId.body.data.map((a) => a.id)).toEqual([ids[0]]);
    const like = await t.call<PageBody>('GET', `/api/v1/alerts?q=${encodeURIComponent('%')}`, {
      role: 'viewer',
    });
    expect(like.body.data).toEqual([]);
    const sorted = await t.call<PageBody>('GET', '/api/v1/alerts?sort=-severity&limit=1', { role: 'viewer' });
    expect(sorted.body.data[0]?.severity).toBe('critical');
  });

  it('when list parameters are bad, then each is a 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['sort=amount;drop table alerts', 'sort'],
      ['severity=urgent', 'severity[0]'],
      ['limit=0', 'limit'],
      ['limit=5000', 'limit'],
      ['from=yesterday', 'from'],
      ['cursor=bm9wZQ', 'cursor'],
      ['colour=red', 'colour'],
    ];
    for (const [query, field] of cases) {
      const res = await t.call('GET', `/api/v1/alerts?${query}`, { role: 'viewer' });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(res.body.field, query).toBe(field);
    }
  });

  it('when an operator acknowledges an open alert, then it is acknowledged, versioned and audited', async () => {
    const id = await insertAlert();
    const res = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/acknowledge`, {
      role: 'operator',
      user: 'usr_op',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'acknowledged', acknowledged_by: 'usr_op', version: 2 });
    expect(res.headers.get('etag')).toBe('"2"');
    expect(await auditActions(id)).toEqual(['alert.acknowledged']);
    const again = await t.call('POST', `/api/v1/alerts/${id}/acknowledge`, { role: 'operator' });
    expect(again.status).toBe(409);
  });

  it('when an acknowledge is retried with the same Idempotency-Key, then the first reply is replayed, not a 409', async () => {
    const id = await insertAlert();
    const headers = { 'idempotency-key': `ack-${id}` };
    const first = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/acknowledge`, {
      role: 'operator',
      headers,
    });
    const again = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/acknowledge`, {
      role: 'operator',
      headers,
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.version).toBe(first.body.version);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await auditActions(id)).toEqual(['alert.acknowledged']);
  });

  it('when an alert is resolved, then acknowledging, assigning or resolving it again is a 409 and nothing changes', async () => {
    const id = await insertAlert();
    const res = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/resolve`, {
      role: 'operator',
      body: { resolution: 'false positive' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'resolved',
      resolution: 'false_positive',
      resolution_note: null,
    });
    for (const [path, body] of [
      ['acknowledge', undefined],
      ['resolve', { resolution: 'again' }],
      ['assign', { assignee_id: 'usr_op' }],
    ] as const) {
      const r = await t.call('POST', `/api/v1/alerts/${id}/${path}`, { role: 'operator', body });
      expect(r.status, path).toBe(409);
      expect(r.body.code).toBe('invalid_transition');
    }
    expect(await auditActions(id)).toEqual(['alert.resolved']);
  });

  it('when an alert is assigned and noted, then the detail shows both and both are audited', async () => {
    const id = await insertAlert();
    const assigned = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/assign`, {
      role: 'operator',
      body: { assignee_id: 'usr_op' },
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body.assignee_id).toBe('usr_op');
    const note = await t.call('POST', `/api/v1/alerts/${id}/notes`, {
      role: 'operator',
      user: 'usr_op',
      body: { body: 'looking into it' },
    });
    expect(note.status).toBe(201);
    const detail = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(detail.body.notes).toMatchObject([{ body: 'looking into it', author_id: 'usr_op' }]);
    expect(await auditActions(id)).toEqual(['alert.assigned', 'alert.note_added']);
  });

  it('when a note is added, then a browser cannot serve the earlier detail from its cache (no-store; notes do not change the version)', async () => {
    const id = await insertAlert();
    const before = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(before.headers.get('cache-control')).toBe('no-store');
    await t.call('POST', `/api/v1/alerts/${id}/notes`, {
      role: 'operator',
      user: 'usr_op',
      body: { body: 'seen' },
    });
    const after = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    expect(after.body.notes).toMatchObject([{ body: 'seen' }]);
  });

  it('when an alert is resolved with a listed resolution and a note, then both are kept and the audit reason names them', async () => {
    const id = await insertAlert();
    const res = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/resolve`, {
      role: 'operator',
      user: 'usr_op',
      body: { resolution: 'confirmed_fraud', note: '  chargeback filed  ' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'resolved',
      resolution: 'confirmed_fraud',
      resolution_note: 'chargeback filed',
      resolved_by: 'usr_op',
    });
    const { rows } = await t.api.deps.pool.query<{ reason: string }>(
      "select reason from audit_log where resource_id = $1 and action = 'alert.resolved'",
      [id],
    );
    expect(rows).toEqual([{ reason: 'confirmed_fraud: chargeback filed' }]);
  });

  it('when an older client resolves with free text, then a spelling of a value counts as it and other text is kept as the note of other', async () => {
    const cases: [unknown, string, string | null][] = [
      [{ resolution: 'Confirmed fraud' }, 'confirmed_fraud', null],
      [{ resolution: 'false-positive', note: 'test card' }, 'false_positive', 'test card'],
      [{ resolution: 'duplicate of alt_1' }, 'other', 'duplicate of alt_1'],
      [{ resolution: 'merchant error', note: 'refunded' }, 'other', 'merchant error\nrefunded'],
      [{ resolution: 'other' }, 'other', null],
    ];
    for (const [body, resolution, note] of cases) {
      const id = await insertAlert();
      const res = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/resolve`, { role: 'operator', body });
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body, JSON.stringify(body)).toMatchObject({ resolution, resolution_note: note });
    }
    const id = await insertAlert();
    const tooLong = await t.call('POST', `/api/v1/alerts/${id}/resolve`, {
      role: 'operator',
      body: { resolution: 'x'.repeat(2000), note: 'y'.repeat(2500) },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe('note');
    expect(await auditActions(id)).toEqual([]);
  });

  it('when the OpenAPI document is read, then resolve lists the resolutions and the alert shape has its explanation', async () => {
    const res = await fetch(`${t.api.url}/api/v1/openapi.json`);
    const doc = (await res.json()) as {
      paths: Record<
        string,
        Record<string, { requestBody: { content: Record<string, { schema: unknown }> } }>
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const resolve = doc.paths['/api/v1/alerts/{alertId}/resolve']!.post!;
    const schema = JSON.stringify(resolve.requestBody.content['application/json']!.schema);
    expect(schema).toContain('"enum":["false_positive","confirmed_fraud","other"]');
    expect(Object.keys(doc.components.schemas.Alert!.properties)).toEqual(
      expect.arrayContaining(['rule_version', 'rule_mode', 'explanation', 'resolution_note', 'details']),
    );
    expect(Object.keys(doc.components.schemas.AlertDetail!.properties)).toEqual(
      expect.arrayContaining(['notes', 'payment']),
    );
    expect(doc.paths['/api/v1/alerts/next']).toBeDefined();
    expect(doc.paths['/api/v1/alerts/acknowledge']).toBeDefined();
    expect(doc.paths['/api/v1/users/directory']).toBeDefined();
  });

  it('when an alert is raised now, then it records the version and mode of its rule; older rows without them stay null', async () => {
    const id = await insertAlert();
    const res = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(res.body).toMatchObject({ rule_version: 1, rule_mode: 'enforce' });
    await t.api.deps.pool.query('update alerts set rule_version = null, rule_mode = null where id = $1', [
      id,
    ]);
    await t.api.deps.pool.query("update rules set mode = 'shadow' where id = $1", [ruleId]);
    const old = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    await t.api.deps.pool.query("update rules set mode = 'enforce' where id = $1", [ruleId]);
    expect(old.body).toMatchObject({ rule_version: null, rule_mode: 'shadow' });
    expect(old.body.explanation?.rule).toEqual({ id: ruleId, name: 'velocity', version: null });
    expect(old.body.details).toEqual({ reasons: [] });
    expect(old.body.explanation).toMatchObject({ values: {}, conditions: [] });
  });

  it('when recorded reasons have every shape the engine writes, then the explanation reads each back with the value seen', async () => {
    const id = await insertAlert();
    const reasons = [
      'metadata.channel eq "web (was \\"x\\")" (was "web (was \\"x\\")")',
      'amount_minor gt 9007199254740993 (was 9007199254740995)',
      'metadata.vip eq true (was true)',
      'country not_in ["US", "CA"] (was "FR")',
      'sum(amount_minor) over 24h by card_fingerprint gte 500000 (was 750000)',
      'distinct(country) over 10m by payer_id gt 2 (was 3)',
      'not (state eq "failed")',
      'all() is empty, so always true',
    ];
    await t.api.deps.pool.query(
      `update alerts set details = jsonb_build_object('reasons', $2::jsonb, 'rule_name', 'velocity at raise') where id = $1`,
      [id, JSON.stringify(reasons)],
    );
    const res = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(res.body.details?.reasons).toEqual(reasons);
    expect(res.body.explanation?.rule).toEqual({ id: ruleId, name: 'velocity at raise', version: 1 });
    expect(res.body.explanation?.values).toEqual({
      'metadata.channel': 'web (was "x")',
      amount_minor: '9007199254740995',
      'metadata.vip': true,
      country: 'FR',
      'sum(amount_minor) over 24h by card_fingerprint': 750000,
      'distinct(country) over 10m by payer_id': 3,
    });
    const conditions = res.body.explanation?.conditions ?? [];
    expect(conditions.map((c) => c.kind)).toEqual([
      'comparison',
      'comparison',
      'comparison',
      'comparison',
      'aggregate',
      'aggregate',
      'other',
      'other',
    ]);
    expect(conditions[1]).toMatchObject({ op: 'gt', expected: '9007199254740993' });
    expect(conditions[3]).toMatchObject({ op: 'not_in', expected: ['US', 'CA'], actual: 'FR' });
    expect(conditions[4]).toMatchObject({
      aggregate: { function: 'sum', field: 'amount_minor', window: '24h', group_by: 'card_fingerprint' },
      expected: 500000,
    });
    expect(conditions[6]).toEqual({ text: 'not (state eq "failed")', kind: 'other' });
  });

  it('when an alert is read by id, then it carries a summary of its payment, or null when there is none', async () => {
    const payment = newId('pay');
    await t.api.deps.pool.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       values ($1, $2, 'mer_9', 'payer_9', 123456, 'KWD', 'captured')`,
      [payment, new Date(idTimestamp(payment))],
    );
    const id = await insertAlert({ payment });
    const res = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(res.body.payment).toEqual({
      id: payment,
      amount: 123.456,
      amount_minor: '123456',
      currency: 'KWD',
      current_state: 'captured',
      merchant_id: 'mer_9',
      payer_id: 'payer_9',
    });
    const orphan = await insertAlert();
    const none = await t.call<AlertBody>('GET', `/api/v1/alerts/${orphan}`, { role: 'viewer' });
    expect(none.body.payment).toBeNull();
  });

  it('when If-Match names an old version, then the change is a 412 and not applied', async () => {
    const id = await insertAlert();
    const res = await t.call('POST', `/api/v1/alerts/${id}/acknowledge`, {
      role: 'operator',
      headers: { 'if-match': '"7"' },
    });
    expect(res.status).toBe(412);
    const detail = await t.call<AlertBody>('GET', `/api/v1/alerts/${id}`, { role: 'viewer' });
    expect(detail.body.status).toBe('open');
  });

  it('when two operators acknowledge at once, then exactly one succeeds', async () => {
    const id = await insertAlert();
    const results = await Promise.all(
      [1, 2, 3].map(() => t.call('POST', `/api/v1/alerts/${id}/acknowledge`, { role: 'operator' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await auditActions(id)).toEqual(['alert.acknowledged']);
  });

  it('when the input is bad, then the answer is a 4xx problem naming the field and nothing changes', async () => {
    const id = await insertAlert();
    const cases: [string, unknown, number, string | undefined][] = [
      ['resolve', {}, 400, 'resolution'],
      ['resolve', { resolution: '   ' }, 400, 'resolution'],
      ['resolve', { resolution: 'ok', status: 'open' }, 400, 'status'],
      ['assign', { assignee_id: 'usr_nobody' }, 400, 'assignee_id'],
      ['assign', { assignee_id: 'usr_off' }, 400, 'assignee_id'],
      ['assign', { assignee_id: 42 }, 400, 'assignee_id'],
      ['notes', { body: '' }, 400, 'body'],
      ['notes', { body: 'x'.repeat(4001) }, 400, 'body'],
      ['acknowledge', { force: true }, 400, 'force'],
      ['notes', '{"body":', 400, 'body'],
    ];
    for (const [action, body, status, field] of cases) {
      const res = await t.call('POST', `/api/v1/alerts/${id}/${action}`, { role: 'operator', body });
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.field, action).toBe(field);
    }
    expect(await auditActions(id)).toEqual([]);
  });

  it('when filters carry SQL or the body is oversized, then nothing leaks: 200 with no rows, or a 413 problem', async () => {
    for (const q of ["' or 1=1 --", '"; drop table alerts; --', '\\', '_']) {
      const res = await t.call<PageBody>('GET', `/api/v1/alerts?q=${encodeURIComponent(q)}`, {
        role: 'viewer',
      });
      expect(res.status, q).toBe(200);
      expect(res.body.data, q).toEqual([]);
    }
    const paymentFilter = await t.call<PageBody>(
      'GET',
      `/api/v1/alerts?payment_id=${encodeURIComponent("x' or 'a'='a")}`,
      {
        role: 'viewer',
      },
    );
    expect(paymentFilter.body.data).toEqual([]);
    const big = await t.call('POST', `/api/v1/alerts/${ids[0]!}/notes`, {
      role: 'operator',
      body: { body: 'x'.repeat(70 * 1024) },
    });
    expect(big.status).toBe(413);
    expect(big.body.field).toBe('body');
    const all = await t.call<PageBody>('GET', '/api/v1/alerts?limit=200', { role: 'viewer' });
    expect(all.body.pagination.total).toBeGreaterThanOrEqual(5);
  });

  it('when the alert does not exist, then reads and actions are 404', async () => {
    const missing = newId('alt');
    expect((await t.call('GET', `/api/v1/alerts/${missing}`, { role: 'viewer' })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/alerts/${missing}/acknowledge`, { role: 'operator' })).status).toBe(
      404,
    );
    const note = await t.call('POST', `/api/v1/alerts/${missing}/notes`, {
      role: 'operator',
      body: { body: 'x' },
    });
    expect(note.status).toBe(404);
  });

  it('when the caller lacks the role, then reads need viewer (401) and actions need operator (403)', async () => {
    expect((await t.call('GET', '/api/v1/alerts')).status).toBe(401);
    const res = await t.call('POST', `/api/v1/alerts/${ids[0]!}/acknowledge`, { role: 'viewer' });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('forbidden');
  });
});
