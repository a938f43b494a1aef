// A small checker of a JSON value against the JSON Schema (2020-12) of an OpenAPI document's
// response, strict about undocumented fields: an object schema with `properties` admits only
// those, unless it says `additionalProperties` (true or a schema). It covers what the API's
// document uses (zod's output): $ref, type (also lists), properties, required,
// additionalProperties, items, prefixItems, anyOf, oneOf, allOf, enum and const. It answers every
// problem found, each at its path (`data[0].sort_value: not in the schema`).

type Json = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, v: unknown): boolean {
  const have = typeOf(v);
  return want === have || (want === 'number' && have === 'integer');
}

export class SchemaChecker {
  private readonly components: Record<string, unknown>;

  constructor(components: Record<string, unknown>) {
    this.components = components;
  }

  private resolve(schema: Json): Json {
    let s = schema;
    for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
      const ref = s.$ref;
      const name = ref.replace('#/components/schemas/', '');
      const target = this.components[name];
      if (!target) throw new Error(`unresolved $ref ${ref}`);
      const { $ref: _ref, ...rest } = s;
      s = { ...(target as Json), ...rest };
    }
    return s;
  }

  /** The problems of `value` against `schema`; empty when it conforms. */
  check(schema: unknown, value: unknown, path = '$'): string[] {
    if (schema === true || schema === undefined) return [];
    if (schema === false) return [`${path}: not allowed`];
    const s = this.resolve(schema as Json);
    const out: string[] = [];
    for (const sub of (s.allOf ?? []) as Json[]) out.push(...this.check(sub, value, path));
    for (const key of ['anyOf', 'oneOf'] as const) {
      const subs = s[key] as Json[] | undefined;
      if (!subs) continue;
      const results = subs.map((sub) => this.check(sub, value, path));
      if (!results.some((r) => r.length === 0)) {
        const best = results.reduce((a, b) => (b.length < a.length ? b : a));
        out.push(...best);
      }
    }
    if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value))
      out.push(`${path}: is not ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
      out.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
    if (s.type !== undefined) {
      const types = (Array.isArray(s.type) ? s.type : [s.type]) as string[];
      if (!types.some((t) => typeMatches(t, value))) {
        out.push(`${path}: is ${typeOf(value)}, not ${types.join(' | ')}`);
        return out;
      }
    }
    if (typeOf(value) === 'object') out.push(...this.object(s, value as Json, path));
    if (Array.isArray(value)) out.push(...this.array(s, value, path));
    return out;
  }

  private object(s: Json, value: Json, path: string): string[] {
    const out: string[] = [];
    const props = s.properties as Record<string, unknown> | undefined;
    for (const name of (s.required ?? []) as string[]) {
      if (!(name in value)) out.push(`${path}.${name}: required but missing`);
    }
    const extra = s.additionalProperties;
    for (const [k, v] of Object.entries(value)) {
      if (props && k in props) out.push(...this.check(props[k], v, `${path}.${k}`));
      else if (extra === true || (props === undefined && extra === undefined)) continue;
      else if (typeof extra === 'object' && extra !== null) out.push(...this.check(extra, v, `${path}.${k}`));
      else out.push(`${path}.${k}: not in the schema`);
    }
    return out;
  }

  private array(s: Json, value: unknown[], path: string): string[] {
    const out: string[] = [];
    const prefix = (s.prefixItems ?? []) as unknown[];
    value.forEach((v, i) => {
      const sub = i < prefix.length ? prefix[i] : s.items;
      out.push(...this.check(sub, v, `${path}[${String(i)}]`));
    });
    return out;
  }
}
