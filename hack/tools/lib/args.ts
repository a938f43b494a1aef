// Argument parsing for the tools: node:util parseArgs in strict mode, with its errors turned into
// UsageError (exit 2), and typed readers for the values (integers, rates, times, choices).
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { InvalidOption, UsageError } from './errors.ts';

export interface Parsed<T extends ParseArgsOptionsConfig> {
  readonly values: ReturnType<
    typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>
  >['values'];
  readonly positionals: string[];
}

/**
 * Parses `argv` against `options` (strict: an unknown flag, a missing value or a value given to a
 * boolean is a UsageError). Positionals are refused unless `positionals` says how many may come.
 */
export function parse<T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  options: T,
  positionals: { max: number; name?: string } = { max: 0 },
): Parsed<T> {
  let out: Parsed<T>;
  try {
    out = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(parseArgsMessage(err), { cause: err });
  }
  if (out.positionals.length > positionals.max) {
    const extra = out.positionals.slice(positionals.max).join(' ');
    throw new UsageError(
      positionals.max === 0
        ? `unexpected argument: ${extra}`
        : `too many ${positionals.name ?? 'arguments'}: ${extra}`,
    );
  }
  return out;
}

/** parseArgs' message without its advice about `--` (the tools take no free arguments). */
function parseArgsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Option '/, "option '");
}

/** A flag's value as text for messages. */
function shown(raw: unknown): string {
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}

/** An integer in [min, max], or `fallback` when the flag is absent. */
export function intOption(
  values: Record<string, unknown>,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  const raw = values[name];
  if (raw === undefined) return range.fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max)
    throw new InvalidOption(name, `must be an integer from ${range.min} to ${range.max} (got ${shown(raw)})`);
  return n;
}

/** A positive number (a rate, seconds), or `fallback` when absent. */
export function numberOption(
  values: Record<string, unknown>,
  name: string,
  range: { min: number; max: number; fallback: number },
): number {
  const raw = values[name];
  if (raw === undefined) return range.fallback;
  const n = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(n) || n < range.min || n > range.max)
    throw new InvalidOption(name, `must be a number from ${range.min} to ${range.max} (got ${shown(raw)})`);
  return n;
}

/** One of `choices`, or `fallback` when absent. */
export function choiceOption<C extends string>(
  values: Record<string, unknown>,
  name: string,
  choices: readonly C[],
  fallback: C,
): C {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as C;
  throw new InvalidOption(name, `must be one of ${choices.join(', ')} (got ${shown(raw)})`);
}

/** A string flag's value, or undefined; an empty value is refused. */
export function stringOption(values: Record<string, unknown>, name: string): string | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.trim() === '') throw new InvalidOption(name, 'needs a value');
  return raw;
}

/** Every value of a `multiple: true` string flag, each split on commas. */
export function listOption(values: Record<string, unknown>, name: string): string[] {
  const raw = values[name];
  if (raw === undefined) return [];
  const all = (Array.isArray(raw) ? (raw as unknown[]) : [raw]).flatMap((v) => shown(v).split(','));
  const items = all.map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidOption(name, 'needs a value');
  return items;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time: an RFC 3339 timestamp or date (`2026-01-31`, `2026-01-31T12:00:00Z`), `now`, or
 * a duration before now (`90m`, `24h`, `7d`, `2w`). Absent: `fallback`.
 */
export function timeOption(
  values: Record<string, unknown>,
  name: string,
  now: number,
  fallback?: Date,
): Date | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const text = shown(raw).trim();
  if (text === 'now') return new Date(now);
  const ago = /^(\d+)([smhdw])$/.exec(text);
  if (ago) return new Date(now - Number(ago[1]) * (UNITS[ago[2] ?? 's'] ?? 1000));
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text);
  const t = iso ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : Number.NaN;
  if (Number.isNaN(t))
    throw new InvalidOption(
      name,
      `must be an RFC 3339 time (2026-01-31, 2026-01-31T12:00:00Z), now, or a duration ago (90m, 24h, 7d) (got ${text})`,
    );
  return new Date(t);
}

/** `from` and `to`, checked to be in order. */
export function timeRange(
  values: Record<string, unknown>,
  now: number,
  fallback: { from?: Date; to?: Date } = {},
): { from: Date | undefined; to: Date | undefined } {
  const from = timeOption(values, 'from', now, fallback.from);
  const to = timeOption(values, 'to', now, fallback.to);
  if (from && to && from.getTime() >= to.getTime())
    throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  return { from, to };
}
