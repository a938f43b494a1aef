// Output helpers: --json (bigints as strings, so money stays exact), aligned text tables, and
// small formatters shared by the tools.
import type { Output } from './tool.ts';

/** JSON with bigints as decimal strings (never numbers: minor units stay exact) and dates as ISO. */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), indent);
}

/** Writes one JSON document and a newline to stdout. */
export function printJson(out: Output, value: unknown): void {
  out.write(`${toJson(value)}\n`);
}

export type Cell = string | number | bigint | null | undefined;

export interface Column {
  readonly title: string;
  /** Right-aligned (numbers). */
  readonly right?: boolean;
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '—';
  return typeof c === 'string' ? c : c.toString();
}

/** A plain text table: a header, a rule, the rows; numbers right-aligned. */
export function table(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...text.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((s, i) => (columns[i]?.right ? s.padStart(widths[i] ?? 0) : s.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.title)), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join(
    '\n',
  );
}

/** 1234567 → "1,234,567" (integers only; bigint or number). */
export function grouped(n: bigint | number): string {
  const s = n.toString();
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A ratio as a percentage with one decimal, or "—" when the denominator is 0. */
export function percent(part: bigint | number, whole: bigint | number): string {
  const p = Number(part);
  const w = Number(whole);
  if (w === 0) return '—';
  return `${((p / w) * 100).toFixed(1)}%`;
}

/** Seconds as "1h 02m", "3m 05s", "12.3s". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const s = Math.round(seconds);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${String(h).padStart(2, '0')}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  return `${m}m ${String(s % 60).padStart(2, '0')}s`;
}
