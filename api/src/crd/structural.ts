// zod schema → Kubernetes structural OpenAPI v3 schema.
//
// `z.toJSONSchema` (OpenAPI 3.0 target, input side so defaulted fields stay optional) does the
// heavy lifting; this module then adapts its output to what kube-apiserver accepts and prints
// well: no JSON-Schema-only keywords, integers without the ±2^53 bounds zod adds, date-times
// checked by `format` alone, preserved-unknown objects without `additionalProperties`, and a
// stable key order. `structuralViolations` lists what would make the API server refuse it.
import { z } from 'zod';

/** One node of an `openAPIV3Schema` (apiextensions.k8s.io/v1 JSONSchemaProps). */
export type SchemaNode = Record<string, unknown>;

const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/** Keywords first in this order, then anything else alphabetically. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'minProperties',
  'items',
  'properties',
  'additionalProperties',
  'required',
];

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
}

function orderKeys(node: SchemaNode): SchemaNode {
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(keys.map((key) => [key, node[key]]));
}

/** Drop zod's safe-integer bounds and name the integer width. */
function normalizeInteger(node: SchemaNode): void {
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  const fitsInt32 =
    typeof node.minimum === 'number' &&
    typeof node.maximum === 'number' &&
    node.minimum >= INT32_MIN &&
    node.maximum <= INT32_MAX;
  node.format = fitsInt32 ? 'int32' : 'int64';
}

function normalizeKeywords(node: SchemaNode): void {
  delete node.$schema;
  if (node.type === 'integer') normalizeInteger(node);
  // The API server validates `format: date-time` itself; zod's pattern would only restate it.
  if (node.format === 'date-time') delete node.pattern;
  if (node['x-kubernetes-preserve-unknown-fields'] === true) delete node.additionalProperties;
  if (Array.isArray(node.required) && node.required.length === 0) delete node.required;
}

function normalizeChildren(node: SchemaNode): void {
  if (isNode(node.properties)) {
    const properties = node.properties;
    node.properties = Object.fromEntries(
      Object.entries(properties).map(([name, child]) => [name, normalizeNode(child)]),
    );
  }
  if (isNode(node.items)) node.items = normalizeNode(node.items);
  if (isNode(node.additionalProperties)) node.additionalProperties = normalizeNode(node.additionalProperties);
}

function normalizeNode(value: unknown): SchemaNode {
  if (!isNode(value)) throw new Error(`expected a schema object, got ${JSON.stringify(value)}`);
  const node: SchemaNode = { ...value };
  normalizeKeywords(node);
  normalizeChildren(node);
  return orderKeys(node);
}

/** Convert a zod schema into a Kubernetes structural schema node. */
export function toStructural(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    unrepresentable: 'throw',
    reused: 'inline',
    cycles: 'throw',
  });
  return normalizeNode(json);
}

// ---------------------------------------------------------------------------------------------
// Structural checks (the subset of apiextensions validation that a converter can get wrong).

const FORBIDDEN = ['$ref', '$defs', 'definitions', 'anyOf', 'oneOf', 'allOf', 'not', 'const', 'nullable'];
const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];

function ownViolations(node: SchemaNode, path: string): string[] {
  const found: string[] = [];
  const untyped = node['x-kubernetes-int-or-string'] === true;
  if (!untyped && !TYPES.includes(String(node.type))) found.push(`${path}: missing or unknown type`);
  for (const keyword of FORBIDDEN) if (keyword in node) found.push(`${path}: ${keyword} is not structural`);
  if (node.additionalProperties === false) found.push(`${path}: additionalProperties must not be false`);
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    found.push(`${path}: properties and additionalProperties are mutually exclusive`);
  }
  if (node.type === 'array' && !isNode(node.items)) found.push(`${path}: array without items`);
  return found;
}

function childEntries(node: SchemaNode, path: string): [string, unknown][] {
  const children: [string, unknown][] = [];
  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties)) children.push([`${path}.${name}`, child]);
  }
  if (node.items !== undefined) children.push([`${path}[]`, node.items]);
  if (isNode(node.additionalProperties)) children.push([`${path}{}`, node.additionalProperties]);
  return children;
}

/** Every reason kube-apiserver would reject `node` as a non-structural schema (empty when fine). */
export function structuralViolations(node: SchemaNode, path = ''): string[] {
  const found = ownViolations(node, path || '.');
  for (const [childPath, child] of childEntries(node, path)) {
    if (isNode(child)) found.push(...structuralViolations(child, childPath));
    else found.push(`${childPath}: not a schema object`);
  }
  return found;
}

/** Visit every schema node, depth first, with its path. */
export function walkSchema(
  node: SchemaNode,
  visit: (node: SchemaNode, path: string) => void,
  path = '',
): void {
  visit(node, path || '.');
  for (const [childPath, child] of childEntries(node, path)) {
    if (isNode(child)) walkSchema(child, visit, childPath);
  }
}
