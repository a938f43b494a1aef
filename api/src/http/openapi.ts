// The OpenAPI 3.1 document, generated from the route table: every route's path (`:id` → `{id}`),
// its path, query and body schemas (zod 4 → JSON Schema 2020-12, which OpenAPI 3.1 uses as is),
// its response schemas, the Problem schema for errors, and the security its access level needs.
// Schemas named with `.meta({ id })` become `components.schemas` entries.
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { ruleDefinitionInputSchema, ruleDefinitionSchema } from '../domain/rules-schema.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import { problemSchema, type AnyRoute } from './route.ts';

type Json = Record<string, unknown>;
type Io = 'input' | 'output';

export const OPENAPI_PATH = '/api/v1/openapi.json';
const COMPONENTS = '#/components/schemas/';

/** Input schemas that validate with code (transforms) and are documented by a structural twin. */
const DOCUMENTED_AS = new Map<z.ZodType, { id: string; schema: z.ZodType }>([
  [ruleDefinitionInputSchema, { id: 'RuleDefinition', schema: ruleDefinitionSchema }],
]);

/** Converts zod schemas, hoisting their `$defs` into one shared `components.schemas`. */
class SchemaSet {
  readonly schemas: Record<string, unknown> = {};
  private anonymous = 0;

  convert(schema: z.ZodType, io: Io): Json {
    const aliases: { id: string; schema: z.ZodType }[] = [];
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      override: (ctx) => {
        const alias = DOCUMENTED_AS.get(ctx.zodSchema as unknown as z.ZodType);
        if (!alias) return;
        for (const key of Object.keys(ctx.jsonSchema)) Reflect.deleteProperty(ctx.jsonSchema, key);
        Object.assign(ctx.jsonSchema, { $ref: `${COMPONENTS}${alias.id}` });
        aliases.push(alias);
      },
    }) as Json;
    for (const alias of aliases) {
      if (!(alias.id in this.schemas)) this.schemas[alias.id] = this.convert(alias.schema, 'input');
    }
    return this.hoist(json);
  }

  private hoist(json: Json): Json {
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    const { $defs: _defs, $schema: _schema, ...rest } = json;
    const names = new Map<string, string>();
    for (const name of Object.keys(defs)) {
      names.set(name, name.startsWith('__') ? `Schema${String(++this.anonymous)}` : name);
    }
    const rewrite = (value: unknown): unknown => rewriteRefs(value, names);
    for (const [name, def] of Object.entries(defs)) {
      const target = names.get(name) ?? name;
      if (!(target in this.schemas)) this.schemas[target] = rewrite(def);
    }
    return rewrite(rest) as Json;
  }
}

function rewriteRefs(value: unknown, names: ReadonlyMap<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, names));
  if (typeof value !== 'object' || value === null) return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' ? rewriteRef(v, names) : rewriteRefs(v, names);
  }
  return out;
}

function rewriteRef(ref: string, names: ReadonlyMap<string, string>): string {
  if (!ref.startsWith('#/$defs/')) return ref;
  const name = ref.slice('#/$defs/'.length);
  return `${COMPONENTS}${names.get(name) ?? name}`;
}

/** `/api/v1/alerts/:alertId` → `/api/v1/alerts/{alertId}`. */
export function openApiPath(path: string): string {
  return path.replaceAll(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function operationId(route: AnyRoute): string {
  const words = route.path
    .replace(/^\/api\/v1\//, '')
    .split(/[/-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `By${w.slice(1, 2).toUpperCase()}${w.slice(2)}` : w))
    .map((w) => w.slice(0, 1).toUpperCase() + w.slice(1));
  return `${route.method}${words.join('')}`;
}

function parameters(set: SchemaSet, schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const json = set.convert(schema, 'input');
  const props = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema: s,
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

const problemRef = { $ref: `${COMPONENTS}Problem` };
const problem = (description: string): Json => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } },
});

function errorResponses(route: AnyRoute): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (route.params ?? route.query ?? route.body)
    out['400'] = problem('The input is invalid; `field` names it.');
  if (route.access !== 'public') {
    out['401'] = problem('No valid credentials.');
    out['403'] = problem(`The caller lacks the ${route.access} role.`);
  }
  if (route.params) out['404'] = problem('No such resource.');
  if (route.method !== 'get') out['409'] = problem('The change conflicts with the current state.');
  out['429'] = problem('Too many requests; see Retry-After.');
  return out;
}

function responses(set: SchemaSet, route: AnyRoute): Record<string, Json> {
  const out: Record<string, Json> = {};
  const type = route.streaming ? 'text/event-stream' : 'application/json';
  for (const [status, r] of Object.entries(route.responses)) {
    out[status] = r.schema
      ? { description: r.description, content: { [type]: { schema: set.convert(r.schema, 'output') } } }
      : { description: r.description };
  }
  for (const [status, r] of Object.entries(errorResponses(route))) out[status] ??= r;
  return out;
}

const idempotencyHeader: Json = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'Replays the stored response for the same key and body (24 hours); a different body is a 422.',
  schema: { type: 'string', minLength: 1, maxLength: 255 },
};

function operation(set: SchemaSet, route: AnyRoute): Json {
  const params = [...parameters(set, route.params, 'path'), ...parameters(set, route.query, 'query')];
  if (route.method === 'post') params.push(idempotencyHeader);
  const op: Json = {
    operationId: operationId(route),
    summary: route.summary,
    tags: route.tags,
    'x-payflow-access': route.access,
    'x-payflow-scope': route.scope,
    security: route.access === 'public' ? [] : [{ bearerAuth: [] }, { apiKey: [] }],
    responses: responses(set, route),
  };
  if (params.length > 0) op.parameters = params;
  if (route.body) {
    const optional = route.body.safeParse(undefined).success;
    op.requestBody = {
      required: !optional,
      content: { 'application/json': { schema: set.convert(route.body, 'input') } },
    };
  }
  return op;
}

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
}

/** Builds the document for a route table (plus the document's own route). */
export function buildOpenApi(routes: readonly AnyRoute[], info: OpenApiInfo = {}): Json {
  const set = new SchemaSet();
  set.convert(problemSchema, 'output'); // registers components.schemas.Problem (its meta id)
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method] = operation(set, route);
  }
  paths[OPENAPI_PATH] = {
    get: {
      operationId: 'getOpenapiJson',
      summary: 'This OpenAPI document',
      tags: ['System'],
      'x-payflow-access': 'public',
      security: [],
      responses: { 200: { description: 'The OpenAPI 3.1 document', content: { 'application/json': {} } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'PayFlow API',
      version: info.version ?? '1.0.0',
      description: 'Payments control plane. Errors are RFC 9457 problem+json.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: set.schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Access token or API key',
        },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  };
}

/** Serves the document, built once on first request from the route table. */
export function openApiHandler(routes: readonly AnyRoute[], info: OpenApiInfo = {}): RequestHandler {
  let doc: string | undefined;
  return (_req, res) => {
    doc ??= JSON.stringify(buildOpenApi(routes, info));
    res.type('application/json').send(doc);
  };
}
