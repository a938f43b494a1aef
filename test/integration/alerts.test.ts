import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface AlertBody {
  id: string;
  status: string;
  severity: string;
  version: number;
  assignee_id: string | null;
  acknowledged_by: string | null;
  resolution: string | null;
  rule_name: string | null;
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
    expect(res.body).toMatchObject({ status: 'resolved', resolution: 'false positive' });
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
