// Working the alert queue through HTTP against real PostgreSQL: alerts raised by the worker's
// own apply path (rules from the rules API, events applied by applyBatch as the SQS consumer
// does), bulk acknowledge, the next alert to work, explanations, and the assignee directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { applyBatch, type ApplyContext } from '../../worker/src/apply.ts';
import { loadRules } from '../../worker/src/rules.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';
import { event, insertPayments } from './worker-support.ts';

interface Explanation {
  rule: { id: string; name: string | null; version: number | null } | null;
  values: Record<string, unknown>;
  conditions: {
    text: string;
    kind: string;
    field?: string;
    op?: string;
    expected?: unknown;
    actual?: unknown;
  }[];
}
interface AlertBody {
  id: string;
  status: string;
  severity: string;
  rule_id: string | null;
  rule_version: number | null;
  rule_mode: string | null;
  payment_id: string | null;
  assignee_id: string | null;
  version: number;
  details: { reasons: string[] };
  explanation: Explanation;
  payment?: Record<string, unknown> | null;
  notes?: { body: string; author_id: string | null }[];
}
interface BulkBody {
  results: { id: string; status: string; alert?: AlertBody; detail?: string }[];
}
interface NextBody {
  alert: AlertBody | null;
  total: number;
}

const operator = { role: 'operator' as const, user: 'usr_q_op' };

describe('alert queue API against real PostgreSQL', () => {
  let t: OpsApi;

  const sql = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> =>
    (await t.api.deps.pool.query<R>(text, values)).rows;

  async function auditOf(id: string): Promise<{ action: string; actor_id: string | null }[]> {
    return sql<{ action: string; actor_id: string | null }>(
      "select action, actor_id from audit_log where resource_type = 'alert' and resource_id = $1 order by chain_seq",
      [id],
    );
  }

  /** An alert the way alerts.test.ts makes them: straight into the table. */
  async function insertAlert(
    over: { severity?: string; status?: string; at?: string; rule?: string | null; assignee?: string } = {},
  ): Promise<string> {
    const id = newId('alt');
    await t.api.deps.pool.query(
      `insert into alerts (id, rule_id, payment_id, severity, status, title, dedupe_key, created_at, assignee_id)
       values ($1, $2, $3, $4, $5, 'Queue', $1, coalesce($6::timestamptz, now()), $7)`,
      [
        id,
        over.rule === undefined ? queueRule : over.rule,
        newId('pay'),
        over.severity ?? 'high',
        over.status ?? 'open',
        over.at ?? null,
        over.assignee ?? null,
      ],
    );
    return id;
  }

  let queueRule: string;

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      `insert into users (id, email, name, role, disabled_at) values
        ('usr_q_op', 'otto@example.com', 'Otto Operator', 'operator', null),
        ('usr_q_op2', 'petra@example.com', 'Petra Ops', 'operator', null),
        ('usr_q_admin', 'ada@example.com', 'Ada Admin', 'admin', null),
        ('usr_q_viewer', 'vera@example.com', 'Vera Viewer', 'viewer', null),
        ('usr_q_gone', 'oscar@example.com', 'Oscar Gone', 'operator', now())`,
    );
    queueRule = newId('rul');
    await t.api.deps.pool.query(
      `insert into rules (id, name, action, severity, definition) values ($1, 'queue rule', 'alert', 'high', '{}')`,
      [queueRule],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  describe('alerts raised by the worker', () => {
    let ruleId: string;
    const ctx = (): ApplyContext => ({
      pool: t.api.deps.pool,
      actor: 'worker-test',
      rules: (c) => loadRules(c, () => undefined),
    });
    const authorize = async (payments: string[]): Promise<void> => {
      const items = payments.map((p, i) => ({
        body: JSON.stringify(event(p, 'payment.authorized')),
        messageId: `m-${p}-${String(i)}`,
        firstReceiveAt: Date.now(),
      }));
      const verdicts = await applyBatch(ctx(), items);
      expect(verdicts.map((v) => v.kind)).toEqual(payments.map(() => 'done'));
    };
    const alertFor = async (payment: string): Promise<AlertBody> => {
      const page = await t.call<{ data: AlertBody[] }>('GET', `/api/v1/alerts?payment_id=${payment}`, {
        role: 'viewer',
      });
      expect(page.body.data).toHaveLength(1);
      return page.body.data[0]!;
    };

    beforeAll(async () => {
      const res = await t.call<{ id: string; version: number }>('POST', '/api/v1/rules', {
        role: 'admin',
        user: 'usr_q_admin',
        body: {
          name: 'big payer',
          rule_definition: {
            condition: {
              all: [
                { field: 'amount_minor', op: 'gte', value: 1000 },
                { field: 'currency', op: 'in', value: ['USD', 'EUR'] },
                { aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'gte', value: 1 },
              ],
            },
            action: 'alert',
            severity: 'critical',
          },
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ruleId = res.body.id;
    });

    it('when the worker raises an alert, then list and get carry the rule version, mode and an explanation of the values seen', async () => {
      const [pay] = await insertPayments(t.api.deps.pool, 1, { payer: () => 'payer_explain' });
      await authorize([pay!]);
      const listed = await alertFor(pay!);
      expect(listed).toMatchObject({
        rule_id: ruleId,
        rule_version: 1,
        rule_mode: 'enforce',
        severity: 'critical',
      });
      expect(listed.details.reasons).toEqual([
        'amount_minor gte 1000 (was 1000)',
        'currency in ["USD", "EUR"] (was "USD")',
        'count(*) over 1h by payer_id gte 1 (was 1)',
      ]);
      expect(listed.explanation).toEqual({
        rule: { id: ruleId, name: 'big payer', version: 1 },
        values: { amount_minor: 1000, currency: 'USD', 'count(*) over 1h by payer_id': 1 },
        conditions: [
          {
            text: 'amount_minor gte 1000 (was 1000)',
            kind: 'comparison',
            field: 'amount_minor',
            op: 'gte',
            expected: 1000,
            actual: 1000,
          },
          {
            text: 'currency in ["USD", "EUR"] (was "USD")',
            kind: 'comparison',
            field: 'currency',
            op: 'in',
            expected: ['USD', 'EUR'],
            actual: 'USD',
          },
          {
            text: 'count(*) over 1h by payer_id gte 1 (was 1)',
            kind: 'aggregate',
            field: 'count(*) over 1h by payer_id',
            op: 'gte',
            expected: 1,
            actual: 1,
            aggregate: { function: 'count', field: '*', window: '1h', group_by: 'payer_id' },
          },
        ],
      });
      const detail = await t.call<AlertBody>('GET', `/api/v1/alerts/${listed.id}`, { role: 'viewer' });
      expect(detail.body.explanation).toEqual(listed.explanation);
      expect(detail.body.payment).toEqual({
        id: pay,
        amount: 10,
        amount_minor: '1000',
        currency: 'USD',
        current_state: 'authorized',
        merchant_id: 'mer_1',
        payer_id: 'payer_explain',
      });
    });

    it('when the rule is edited before the next alert, then each alert keeps the version that raised it', async () => {
      const [first] = await insertPayments(t.api.deps.pool, 1, { payer: () => 'payer_versions' });
      await authorize([first!]);
      const put = await t.call('PUT', `/api/v1/rules/${ruleId}`, {
        role: 'admin',
        user: 'usr_q_admin',
        body: {
          name: 'big payer v2',
          rule_definition: {
            condition: { field: 'amount_minor', op: 'gt', value: 999 },
            action: 'alert',
            severity: 'critical',
          },
        },
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const [second] = await insertPayments(t.api.deps.pool, 1, { payer: () => 'payer_versions' });
      await authorize([second!]);
      const older = await alertFor(first!);
      const newer = await alertFor(second!);
      expect(older.rule_version).toBe(1);
      expect(older.explanation.rule).toEqual({ id: ruleId, name: 'big payer', version: 1 });
      expect(newer.rule_version).toBe(2);
      expect(newer.explanation).toMatchObject({
        rule: { id: ruleId, name: 'big payer v2', version: 2 },
        values: { amount_minor: 1000 },
      });
    });
  });

  describe('bulk acknowledge', () => {
    it('when open, acknowledged, resolved and unknown ids are acknowledged together, then each gets its own answer and only changes are audited', async () => {
      const open1 = await insertAlert();
      const open2 = await insertAlert();
      const acked = await insertAlert({ status: 'acknowledged' });
      const resolved = await insertAlert({ status: 'resolved' });
      const missing = newId('alt');
      const res = await t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
        ...operator,
        body: { ids: [open1, acked, missing, resolved, open2, open1] },
      });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r) => [r.id, r.status])).toEqual([
        [open1, 'acknowledged'],
        [acked, 'already_acknowledged'],
        [missing, 'not_found'],
        [resolved, 'conflict'],
        [open2, 'acknowledged'],
      ]);
      const [r1, r2, r3, r4] = res.body.results;
      expect(r1!.alert).toMatchObject({ id: open1, status: 'acknowledged', version: 2 });
      expect(r2!.alert).toMatchObject({ id: acked, status: 'acknowledged', version: 1 });
      expect(r3!.alert).toBeUndefined();
      expect(r4!.alert).toMatchObject({ status: 'resolved' });
      expect(r4!.detail).toMatch(/resolved; it cannot be acknowledged/);
      for (const id of [open1, open2]) {
        expect(await auditOf(id)).toEqual([{ action: 'alert.acknowledged', actor_id: 'usr_q_op' }]);
      }
      for (const id of [acked, resolved]) expect(await auditOf(id)).toEqual([]);
      const single = await insertAlert();
      await t.call('POST', `/api/v1/alerts/${single}/acknowledge`, operator);
      interface AuditRow {
        before: Record<string, unknown>;
        after: Record<string, unknown>;
        reason: string | null;
        actor_type: string;
        actor_id: string;
        request_id: string | null;
      }
      const ackRow = async (id: string): Promise<AuditRow> =>
        (
          await sql<AuditRow & Record<string, unknown>>(
            `select before, after, reason, actor_type, actor_id, request_id from audit_log
              where resource_id = $1 and action = 'alert.acknowledged'`,
            [id],
          )
        )[0]!;
      const bulkRow = await ackRow(open1);
      const singleRow = await ackRow(single);
      expect(Object.keys(bulkRow.before).sort()).toEqual(Object.keys(singleRow.before).sort());
      expect(Object.keys(bulkRow.after).sort()).toEqual(Object.keys(singleRow.after).sort());
      for (const row of [bulkRow, singleRow]) {
        expect(row).toMatchObject({ reason: null, actor_type: 'user', actor_id: 'usr_q_op' });
        expect(row.before).toMatchObject({ status: 'open', version: 1 });
        expect(row.after).toMatchObject({ status: 'acknowledged', acknowledged_by: 'usr_q_op', version: 2 });
        expect(row.before).not.toHaveProperty('explanation');
      }
      expect(bulkRow.request_id).toEqual(expect.any(String));
    });

    it('when a note is given, then every alert acknowledged gets it as an audited note', async () => {
      const a = await insertAlert();
      const b = await insertAlert({ status: 'acknowledged' });
      const res = await t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
        ...operator,
        body: { ids: [a, b], note: '  card testing wave  ' },
      });
      expect(res.body.results.map((r) => r.status)).toEqual(['acknowledged', 'already_acknowledged']);
      const detail = await t.call<AlertBody>('GET', `/api/v1/alerts/${a}`, { role: 'viewer' });
      expect(detail.body.notes).toMatchObject([{ body: 'card testing wave', author_id: 'usr_q_op' }]);
      expect((await auditOf(a)).map((r) => r.action)).toEqual(['alert.acknowledged', 'alert.note_added']);
      const untouched = await t.call<AlertBody>('GET', `/api/v1/alerts/${b}`, { role: 'viewer' });
      expect(untouched.body.notes).toEqual([]);
    });

    it('when a bulk acknowledge is retried with the same Idempotency-Key, then the first answer is replayed and nothing is audited twice', async () => {
      const a = await insertAlert();
      const b = await insertAlert();
      const call = (ids: string[]) =>
        t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
          ...operator,
          headers: { 'idempotency-key': `bulk-${a}` },
          body: { ids },
        });
      const first = await call([a, b]);
      const again = await call([a, b]);
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.body.results.map((r) => r.status)).toEqual(['acknowledged', 'acknowledged']);
      expect(await auditOf(a)).toHaveLength(1);
      const other = await call([b]);
      expect(other.status).toBe(422);
      const fresh = await t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
        ...operator,
        body: { ids: [a, b] },
      });
      expect(fresh.body.results.map((r) => r.status)).toEqual([
        'already_acknowledged',
        'already_acknowledged',
      ]);
    });

    it('when two operators bulk-acknowledge the same alerts at once, then each alert is acknowledged and audited once', async () => {
      const ids = [await insertAlert(), await insertAlert(), await insertAlert()];
      const replies = await Promise.all(
        [ids, [...ids].reverse()].map((list, i) =>
          t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
            role: 'operator',
            user: i === 0 ? 'usr_q_op' : 'usr_q_op2',
            body: { ids: list },
          }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual([200, 200]);
      const statuses = replies.flatMap((r) => r.body.results.map((x) => x.status)).sort();
      expect(statuses).toEqual([
        'acknowledged',
        'acknowledged',
        'acknowledged',
        'already_acknowledged',
        'already_acknowledged',
        'already_acknowledged',
      ]);
      for (const id of ids) expect(await auditOf(id)).toHaveLength(1);
    });

    it('when the body is bad or the caller a viewer, then it is a 4xx problem naming the field and nothing changes', async () => {
      const a = await insertAlert();
      const cases: [unknown, string][] = [
        [{}, 'ids'],
        [{ ids: [] }, 'ids'],
        [{ ids: Array.from({ length: 201 }, () => a) }, 'ids'],
        [{ ids: [''] }, 'ids[0]'],
        [{ ids: [a], note: '' }, 'note'],
        [{ ids: [a], force: true }, 'force'],
      ];
      for (const [body, field] of cases) {
        const res = await t.call('POST', '/api/v1/alerts/acknowledge', { ...operator, body });
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(res.body.field).toBe(field);
      }
      const viewer = await t.call('POST', '/api/v1/alerts/acknowledge', {
        role: 'viewer',
        body: { ids: [a] },
      });
      expect(viewer.status).toBe(403);
      const max = await t.call<BulkBody>('POST', '/api/v1/alerts/acknowledge', {
        ...operator,
        body: { ids: Array.from({ length: 200 }, (_, i) => (i === 0 ? a : newId('alt'))) },
      });
      expect(max.status).toBe(200);
      expect(max.body.results.filter((r) => r.status === 'not_found')).toHaveLength(199);
      expect(await auditOf(a)).toHaveLength(1);
    });
  });

  describe('next alert', () => {
    let rule: string;
    const q = (query: string) => `/api/v1/alerts/next?rule_id=${rule}${query}`;

    beforeAll(async () => {
      rule = newId('rul');
      await t.api.deps.pool.query(
        `insert into rules (id, name, action, severity, definition) values ($1, 'next rule', 'alert', 'low', '{}')`,
        [rule],
      );
    });

    it('when the queue is worked, then open comes before acknowledged, most severe first, oldest first, and after skips on', async () => {
      const at = (d: number) => `2026-02-0${String(d)}T00:00:00Z`;
      const lowOld = await insertAlert({ rule, severity: 'low', at: at(1) });
      const critNew = await insertAlert({ rule, severity: 'critical', at: at(5) });
      const critOld = await insertAlert({ rule, severity: 'critical', at: at(2) });
      const high = await insertAlert({ rule, severity: 'high', at: at(1) });
      const ackedCrit = await insertAlert({ rule, severity: 'critical', status: 'acknowledged', at: at(1) });
      await insertAlert({ rule, severity: 'critical', status: 'resolved', at: at(1) });
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const res: { status: number; body: NextBody } = await t.call<NextBody>(
          'GET',
          q(after ? `&after=${after}` : ''),
          { role: 'viewer' },
        );
        expect(res.status).toBe(200);
        expect(res.body.total).toBe(5);
        if (!res.body.alert) break;
        seen.push(res.body.alert.id);
        after = res.body.alert.id;
      }
      expect(seen).toEqual([critOld, critNew, high, lowOld, ackedCrit]);
      const head = await t.call<NextBody>('GET', q(''), { role: 'viewer' });
      expect(head.body.alert).toMatchObject({ id: critOld, notes: [], payment: null });
      expect(head.body.alert?.explanation).toMatchObject({
        rule: { id: rule, name: 'next rule', version: 1 },
      });
    });

    it('when filtered by severity, status, assignee and rule, then only matching alerts are in the queue', async () => {
      const other = newId('rul');
      await t.api.deps.pool.query(
        `insert into rules (id, name, action, severity, definition) values ($1, 'filter rule', 'alert', 'low', '{}')`,
        [other],
      );
      const mine = await insertAlert({ rule: other, severity: 'low', assignee: 'usr_q_op' });
      const theirs = await insertAlert({ rule: other, severity: 'medium', assignee: 'usr_q_op2' });
      const nobody = await insertAlert({ rule: other, severity: 'high' });
      const acked = await insertAlert({ rule: other, severity: 'critical', status: 'acknowledged' });
      const next = async (query: string, who: { role: 'viewer' | 'operator'; user?: string } = operator) =>
        (await t.call<NextBody>('GET', `/api/v1/alerts/next?rule_id=${other}${query}`, who)).body;
      expect(await next('')).toMatchObject({ alert: { id: nobody }, total: 4 });
      expect(await next('&assignee=me')).toMatchObject({ alert: { id: mine }, total: 1 });
      expect(await next('&assignee=unassigned')).toMatchObject({ alert: { id: nobody }, total: 2 });
      expect(await next('&assignee=any&severity=medium,low')).toMatchObject({
        alert: { id: theirs },
        total: 2,
      });
      expect(await next('&assignee_id=usr_q_op2')).toMatchObject({ alert: { id: theirs }, total: 1 });
      expect(await next('&status=acknowledged')).toMatchObject({ alert: { id: acked }, total: 1 });
      expect(await next('&assignee=me', { role: 'viewer', user: 'usr_q_viewer' })).toEqual({
        alert: null,
        total: 0,
      });
      const list = await t.call<{ data: AlertBody[] }>(
        'GET',
        `/api/v1/alerts?rule_id=${other}&assignee=unassigned`,
        {
          role: 'viewer',
        },
      );
      expect(list.body.data.map((a) => a.id).sort()).toEqual([nobody, acked].sort());
    });

    it('when nothing is left to work, then the answer is 200 with alert null and total 0', async () => {
      const empty = newId('rul');
      const res = await t.call<NextBody>('GET', `/api/v1/alerts/next?rule_id=${empty}`, { role: 'viewer' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ alert: null, total: 0 });
    });

    it('when after names no alert or the filters are bad, then it is a 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        [`after=${newId('alt')}`, 'after'],
        ['severity=urgent', 'severity[0]'],
        ['assignee=someone', 'assignee'],
        ['assignee=me&assignee_id=usr_q_op', 'assignee'],
        ['limit=5', 'limit'],
      ];
      for (const [query, field] of cases) {
        const res = await t.call('GET', `/api/v1/alerts/next?${query}`, { role: 'viewer' });
        expect(res.status, query).toBe(400);
        expect(res.body.field, query).toBe(field);
      }
      expect((await t.call('GET', '/api/v1/alerts/next')).status).toBe(401);
    });
  });

  describe('assignees', () => {
    interface DirectoryBody {
      data: { id: string; name: string; email: string; role: string }[];
    }

    it('when an operator opens the directory, then it lists active operators and admins by name, and nobody else', async () => {
      const res = await t.call<DirectoryBody>('GET', '/api/v1/users/directory', operator);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        { id: 'usr_q_admin', name: 'Ada Admin', email: 'ada@example.com', role: 'admin' },
        { id: 'usr_q_op', name: 'Otto Operator', email: 'otto@example.com', role: 'operator' },
        { id: 'usr_q_op2', name: 'Petra Ops', email: 'petra@example.com', role: 'operator' },
      ]);
      expect(JSON.stringify(res.body)).not.toMatch(/password|disabled|created_at/);
    });

    it('when the directory is searched, then q matches the start of the email, the name or a word of it', async () => {
      const ids = async (query: string): Promise<string[]> =>
        (await t.call<DirectoryBody>('GET', `/api/v1/users/directory?q=${query}`, operator)).body.data.map(
          (u) => u.id,
        );
      expect(await ids('pet')).toEqual(['usr_q_op2']);
      expect(await ids('OPS')).toEqual(['usr_q_op2']);
      expect(await ids('ada%40')).toEqual(['usr_q_admin']);
      expect(await ids('o')).toEqual(['usr_q_op', 'usr_q_op2']);
      expect(await ids('vera')).toEqual([]);
      expect(await ids('oscar')).toEqual([]);
      expect(await ids('%25')).toEqual([]);
      expect(await ids('tto')).toEqual([]);
      const limited = await t.call<DirectoryBody>('GET', '/api/v1/users/directory?limit=1', {
        role: 'admin',
      });
      expect(limited.body.data).toHaveLength(1);
    });

    it('when a viewer or nobody asks for the directory, or the limit is too big, then it is refused', async () => {
      const viewer = await t.call('GET', '/api/v1/users/directory', { role: 'viewer', user: 'usr_q_viewer' });
      expect(viewer.status).toBe(403);
      expect(viewer.body.code).toBe('forbidden');
      expect((await t.call('GET', '/api/v1/users/directory')).status).toBe(401);
      const big = await t.call('GET', '/api/v1/users/directory?limit=51', operator);
      expect(big.status).toBe(400);
      expect(big.body.field).toBe('limit');
    });

    it('when an alert is assigned to me and then to null, then it is mine and then unassigned, each change audited', async () => {
      const id = await insertAlert();
      const mine = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/assign`, {
        ...operator,
        body: { assignee_id: 'me' },
      });
      expect(mine.status).toBe(200);
      expect(mine.body.assignee_id).toBe('usr_q_op');
      const none = await t.call<AlertBody>('POST', `/api/v1/alerts/${id}/assign`, {
        ...operator,
        headers: { 'if-match': `"${String(mine.body.version)}"` },
        body: { assignee_id: null },
      });
      expect(none.status).toBe(200);
      expect(none.body).toMatchObject({ assignee_id: null, version: mine.body.version + 1 });
      expect(await auditOf(id)).toEqual([
        { action: 'alert.assigned', actor_id: 'usr_q_op' },
        { action: 'alert.assigned', actor_id: 'usr_q_op' },
      ]);
    });

    it('when an alert is assigned to a viewer, a disabled user, or "me" by an API key, then it is a 400 naming assignee_id', async () => {
      const id = await insertAlert();
      for (const assignee of ['usr_q_viewer', 'usr_q_gone', 'usr_nobody']) {
        const res = await t.call('POST', `/api/v1/alerts/${id}/assign`, {
          ...operator,
          body: { assignee_id: assignee },
        });
        expect(res.status, assignee).toBe(400);
        expect(res.body.field).toBe('assignee_id');
      }
      const key = await t.call('POST', `/api/v1/alerts/${id}/assign`, {
        role: 'operator',
        user: 'key_1',
        headers: { 'x-test-kind': 'api_key' },
        body: { assignee_id: 'me' },
      });
      expect(key.status).toBe(400);
      expect(key.body.field).toBe('assignee_id');
      expect(await auditOf(id)).toEqual([]);
    });
  });
});
