// Shared helpers to turn zod issues into `FieldIssue`s with precise dotted paths.
import type { z } from 'zod';
import type { FieldIssue } from './errors.ts';
import { ValidationError } from './errors.ts';

export type PathSegment = string | number;

/** The outcome of validating untrusted input: the typed value, or every issue found. */
export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['condition', 'all', 1, 'op']` → `condition.all[1].op`. Odd keys are quoted: `metadata["a b"]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    out += formatSegment(segment, out === '');
  }
  return out;
}

function formatSegment(segment: PropertyKey, first: boolean): string {
  if (typeof segment === 'number') return `[${segment}]`;
  const key = typeof segment === 'symbol' ? (segment.description ?? '') : segment;
  if (!IDENTIFIER.test(key)) return `[${JSON.stringify(key)}]`;
  return first ? key : `.${key}`;
}

/**
 * Converts zod issues to field issues under `prefix`. An unrecognized key is reported at the key
 * itself (`condition.fild: unknown key`), not at its parent object.
 */
export function issuesFromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PathSegment[] = [],
): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: formatPath([...path, key]), message: 'unknown key' });
    } else {
      out.push({ field: formatPath(path), message: issue.message });
    }
  }
  return out;
}

/** Parses `input` with `schema`, returning the typed value or field issues under `prefix`. */
export function validateWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: readonly PathSegment[] = [],
): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: issuesFromZod(result.error.issues, prefix) };
}

/** Returns the value or throws a `ValidationError` carrying every issue. */
export function unwrap<T>(result: Validated<T>): T {
  if (result.ok) return result.value;
  throw new ValidationError(result.issues);
}
