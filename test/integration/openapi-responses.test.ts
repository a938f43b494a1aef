// Every JSON answer of every readable route, compared with the schema the OpenAPI document gives
// for it: a field the document does not name (an internal sort column, a stored-only value) fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { apiRoutes } from '../../api/src/routes/index.ts';
import { SchemaChecker } from '../support/json-schema.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

type Json = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, Json> }> }>>;
  components: { schemas: Record<string, unknown> };
}

describe('responses compared with the OpenAPI document', () => {
  let t: OpsApi;
  let doc: Doc;
  let checker: SchemaChecker;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startOpsApi();
    doc = (await (await fetch(`${t.api.url}/api/v1/openapi.json`)).json()) as Doc;
    checker = new SchemaChecker(doc.components.schemas);
    const pay = await t.call<{ id: string }>('POST', '/api/v1/transactions', {
      role: 'operator',
      body: {
        merchant_id: 'merchant_a',
        payer_id: 'payer_1',
        amount: '12.50',
        currency: 'EUR',
        metadata: {},
      },
    });
    expect(pay.status).toBe(201);
    ids.transactionId = pay.body.id;
    const rule = await t.call<{ id: string }>('POST', '/api/v1/rules', {
      role: 'admin',
      body: {
        name: 'big',
        rule_definition: {
          condition: { field: 'amount_minor', op: 'gt', value: 100000 },
          action: 'flag',
          severity: 'high',
        },
      },
    });
    expect(rule.status, JSON.stringify(rule.body)).toBe(201);
    ids.ruleId = rule.body.id;
    ids.version = '1';
    ids.alertId = newId('alt');
    await t.api.deps.pool.query(
      `insert into alerts (id, rule_id, payment_id, severity, status, title, message, dedupe_key)
       values ($1, $2, $3, 'high', 'open', 'Big', 'amount over 1000', $1)`,
      [ids.alertId, ids.ruleId, ids.transactionId],
    );
    ids.userId = 'usr_test_admin';
    await t.api.deps.pool.query(
      `insert into users (id, email, name, role, email_verified_at) values ($1, 'a@example.test', 'A', 'admin', now())`,
      [ids.userId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when every readable route answers JSON, then the answer has exactly the documented fields', async () => {
    const checked: string[] = [];
    const problems: string[] = [];
    for (const route of apiRoutes(t.api.deps)) {
      if (route.method !== 'get' || route.streaming) continue;
      const names = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] ?? '');
      if (names.some((n) => ids[n] === undefined)) continue;
      const path = route.path.replaceAll(/:([A-Za-z0-9_]+)/g, (_m, n: string) => ids[n] ?? '');
      const role = route.access === 'public' ? undefined : 'admin';
      const res = await t.call('GET', path, { role, user: ids.userId });
      if (res.status !== 200 || !res.headers.get('content-type')?.includes('application/json')) continue;
      const spec = doc.paths[route.path.replaceAll(/:([A-Za-z0-9_]+)/g, '{$1}')]?.get?.responses['200'];
      const schema = spec?.content?.['application/json']?.schema;
      if (!schema) continue;
      checked.push(route.path);
      for (const p of checker.check(schema, res.body)) problems.push(`GET ${path}: ${p}`);
    }
    expect(problems).toEqual([]);
    // The routes that carry lists of the seed's resources are among those compared.
    for (const p of ['/api/v1/alerts', '/api/v1/alerts/:alertId', '/api/v1/rules', '/api/v1/transactions'])
      expect(checked).toContain(p);
    expect(checked.length).toBeGreaterThan(20);
  });

  it('when the checker meets a field the schema does not name, then it reports it (the test can fail)', () => {
    const schema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
    expect(checker.check(schema, { id: 'x', sort_value: '1' })).toEqual(['$.sort_value: not in the schema']);
    expect(checker.check(schema, {})).toEqual(['$.id: required but missing']);
  });
});
