// What an audited change changed: the fields whose value differs between before and after, nested
// objects followed down to their leaves as dotted paths (`metadata.tier`, `definition.all`), so a
// one-field change deep in a rule reads as that one field; arrays are compared whole and shown as
// JSON. A creation has no before, a deletion no after.
export type ChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  field: string;
  kind: ChangeKind;
  before?: string;
  after?: string;
}

/** JSON.stringify answers undefined for undefined and functions, whatever its type says. */
const jsonOf = (v: unknown): string | undefined => JSON.stringify(v);

/** null or undefined: nothing recorded. */
export function isNone(v: unknown): v is null | undefined {
  return v === null || v === undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Stable JSON (keys sorted) so that key order never reads as a change. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isRecord(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  }
  return jsonOf(v) ?? 'undefined';
}

/** A value as one short line: strings without quotes, the rest as JSON. */
export function show(v: unknown): string {
  return typeof v === 'string' ? v : (jsonOf(v) ?? '—');
}

function changeOf(
  field: string,
  b: Record<string, unknown>,
  a: Record<string, unknown>,
): FieldChange | undefined {
  const inB = Object.hasOwn(b, field);
  const inA = Object.hasOwn(a, field);
  if (inB && !inA) return { field, kind: 'removed', before: show(b[field]) };
  if (!inB && inA) return { field, kind: 'added', after: show(a[field]) };
  if (stableJson(b[field]) === stableJson(a[field])) return undefined;
  return { field, kind: 'changed', before: show(b[field]), after: show(a[field]) };
}

/** Nested objects become dotted leaf paths; arrays, scalars and empty objects stay whole. */
export function flatten(v: Record<string, unknown>, prefix = '', depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isRecord(value) && Object.keys(value).length > 0 && depth < 6)
      Object.assign(out, flatten(value, path, depth + 1));
    else out[path] = value;
  }
  return out;
}

export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const b = isRecord(before) ? flatten(before) : {};
  const a = isRecord(after) ? flatten(after) : {};
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort();
  return fields.map((f) => changeOf(f, b, a)).filter((c): c is FieldChange => c !== undefined);
}

/** One line that says what kind of change the row is. */
export function changeSummary(before: unknown, after: unknown): string {
  if (isNone(before) && isNone(after)) return 'No before or after recorded';
  if (isNone(before)) return 'Created';
  if (isNone(after)) return 'Deleted';
  const n = diffFields(before, after).length;
  if (n === 0) return 'No field changed';
  return n === 1 ? '1 field changed' : `${String(n)} fields changed`;
}
