import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ruleDefinitionInputSchema } from '../domain/rules-schema.ts';
import { buildOpenApi, openApiPath } from './openapi.ts';
import { defineRoute, type AnyRoute } from './route.ts';

type Json = Record<string, unknown>;
interface Doc {
  paths: Record<string, Record<string, Json & { parameters?: Json[]; responses: Record<string, Json> }>>;
  components: { schemas: Record<string, Json> };
}

const thing = z.object({ id: z.string(), when: z.iso.datetime({ offset: true }) }).meta({ id: 'TestThing' });

const routes: AnyRoute[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/things/:thingId/parts/:partId',
    access: 'viewer',
    scope: 'none',
    summary: 'A part',
    tags: ['Things'],
    params: z.strictObject({ thingId: z.string(), partId: z.string() }),
    query: z.strictObject({ limit: z.coerce.number().int().max(10).default(5), q: z.string().optional() }),
    responses: { 200: { description: 'ok', schema: thing } },
    handler: () => Promise.resolve({ status: 200 }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/things',
    access: 'public',
    scope: 'none',
    summary: 'Make a thing',
    tags: ['Things'],
    body: z.strictObject({ name: z.string().min(1), rule_definition: ruleDefinitionInputSchema }),
    responses: { 201: { description: 'made', schema: thing } },
    handler: () => Promise.resolve({ status: 201 }),
  }),
];

describe('buildOpenApi', () => {
  const doc = buildOpenApi(routes) as unknown as Doc;

  it('when a path has express parameters, then they become {name} and required path parameters', () => {
    expect(openApiPath('/a/:b/c/:d_e')).toBe('/a/{b}/c/{d_e}');
    const op = doc.paths['/api/v1/things/{thingId}/parts/{partId}']?.get;
    expect(op?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'thingId', in: 'path', required: true }),
        expect.objectContaining({ name: 'partId', in: 'path', required: true }),
        expect.objectContaining({ name: 'limit', in: 'query', required: false }),
        expect.objectContaining({ name: 'q', in: 'query', required: false }),
      ]),
    );
  });

  it('when a route needs a role, then it carries security and 401/403 problems; a public one has none', () => {
    const get = doc.paths['/api/v1/things/{thingId}/parts/{partId}']!.get!;
    expect(get.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }]);
    expect(Object.keys(get.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '429']),
    );
    const post = doc.paths['/api/v1/things']!.post!;
    expect(post.security).toEqual([]);
    expect(post.responses['401']).toBeUndefined();
    expect(post.responses['409']).toMatchObject({
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });

  it('when schemas carry a meta id, then they are shared components and references point there', () => {
    expect(doc.components.schemas.TestThing).toMatchObject({ type: 'object', required: ['id', 'when'] });
    const ok = doc.paths['/api/v1/things']!.post!.responses['201'] as {
      content: { 'application/json': { schema: Json } };
    };
    expect(ok.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/TestThing' });
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });

  it('when a body validates with code, then it is documented by its structural schema', () => {
    const body = doc.paths['/api/v1/things']!.post!.requestBody as {
      required: boolean;
      content: { 'application/json': { schema: { properties: Json } } };
    };
    expect(body.required).toBe(true);
    expect(body.content['application/json'].schema.properties.rule_definition).toEqual({
      $ref: '#/components/schemas/RuleDefinition',
    });
    expect(doc.components.schemas.RuleDefinition).toMatchObject({ type: 'object' });
  });
});
