import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../api/src/routes/index.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

type Json = Record<string, unknown>;
interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<string, Json & { security: unknown[]; responses: Record<string, Json>; parameters?: Json[] }>
  >;
  components: { schemas: Record<string, Json> };
}

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('OpenAPI document served by the API', () => {
  let t: OpsApi;
  let doc: Doc;

  beforeAll(async () => {
    t = await startOpsApi();
    const res = await fetch(`${t.api.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await t.close();
  });

  it('when fetched without credentials, then it is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it('when compared with the route table, then every route is in it with {param} paths and its access level', () => {
    const routes = apiRoutes(t.api.deps);
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const path = route.path.replaceAll(/:([A-Za-z0-9_]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!['x-payflow-access']).toBe(route.access);
      if (route.access === 'public') expect(op!.security).toEqual([]);
      else expect(op!.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
      const pathParams = (op!.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(pathParams.sort()).toEqual(
        [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]).sort(),
      );
    }
    expect(Object.keys(doc.paths).some((p) => p.includes(':'))).toBe(false);
  });

  it('when an operation can fail, then its 4xx answers are the Problem schema as problem+json', () => {
    const ack = doc.paths['/api/v1/alerts/{alertId}/acknowledge']!.post!;
    for (const status of ['401', '403', '404', '409']) {
      expect(ack.responses[status], status).toMatchObject({
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      });
    }
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object' });
  });

  it('when a schema refers to another, then the reference resolves inside the document', () => {
    for (const ref of refs(doc)) {
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(doc.components.schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      expect(schema.$ref, name).not.toBe(`#/components/schemas/${name}`);
    }
  });

  it('when a rule is created, then rule_definition is documented by the rule language schema', () => {
    const body = doc.paths['/api/v1/rules']!.post!.requestBody as {
      content: {
        'application/json': {
          schema: { properties: Json; required: string[]; additionalProperties: boolean };
        };
      };
    };
    const schema = body.content['application/json'].schema;
    expect(schema.properties.rule_definition).toEqual({ $ref: '#/components/schemas/RuleDefinition' });
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'rule_definition']));
    expect(schema.additionalProperties).toBe(false);
    expect(doc.components.schemas.RuleDefinition).toMatchObject({
      required: ['condition', 'action', 'severity'],
    });
  });

  it('when a list takes query parameters, then each is documented, with enums for allow-listed values', () => {
    const list = doc.paths['/api/v1/alerts']!.get!;
    const names = (list.parameters ?? []).map((p) => p.name);
    expect(names).toEqual(
      expect.arrayContaining(['limit', 'offset', 'cursor', 'status', 'severity', 'sort', 'q']),
    );
    const post = doc.paths['/api/v1/batch-jobs']!.post!;
    expect((post.parameters ?? []).map((p) => p.name)).toContain('Idempotency-Key');
  });
});
