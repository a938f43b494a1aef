// zod schemas for query-string parameters shared by list endpoints (express parses the query
// with node's querystring: values are strings, repeated names become arrays and are refused).
import { z } from 'zod';

/** A base-10 integer in [min, max], given as a query string, parsed to a number. */
export function intParam(min: number, max: number): z.ZodType<number, string> {
  return z
    .string()
    .regex(/^\d{1,9}$/, `must be an integer from ${String(min)} to ${String(max)}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be an integer from ${String(min)} to ${String(max)}`);
}

/** An RFC 3339 timestamp with an offset (`2025-01-31T12:00:00Z`), parsed to a Date. */
export const timeParam: z.ZodType<Date, string> = z.iso
  .datetime({ offset: true, error: 'must be an RFC 3339 timestamp such as 2025-01-31T12:00:00Z' })
  .transform((s) => new Date(s));

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A short identifier-like text without control characters. */
export function textParam(max = 128): z.ZodType<string, string> {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${String(max)} characters`)
    .refine((s) => !hasControlCharacter(s), 'must not contain control characters');
}
