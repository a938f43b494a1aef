// A draft's backtest beside the saved version's over the same window: what changes in the hits
// and in what they catch against the labelled alerts.
import { formatCount, formatPercent } from '../../lib/format';
import type { Backtest, BacktestExample } from './types';

export interface CompareRow {
  readonly measure: string;
  readonly draft: string;
  readonly saved: string;
  /** Signed change from the saved version to the draft ("no change", "+3", "−1.5 pts"), or "—". */
  readonly change: string;
  /** Whether the change is for the better, the worse, or neither (a change in hits is neither). */
  readonly tone: 'better' | 'worse' | 'neutral';
}

const MINUS = '\u2212';

function signed(delta: number, text: (abs: number) => string): string {
  if (delta === 0) return 'no change';
  return `${delta > 0 ? '+' : MINUS}${text(Math.abs(delta))}`;
}

type Tone = CompareRow['tone'];

function toneOf(delta: number, more: 'better' | 'worse' | 'neutral'): Tone {
  if (delta === 0 || more === 'neutral') return 'neutral';
  if (delta > 0) return more;
  return more === 'better' ? 'worse' : 'better';
}

function count(measure: string, d: number, s: number, more: Tone): CompareRow {
  const delta = d - s;
  return {
    measure,
    draft: formatCount(d),
    saved: formatCount(s),
    change: signed(delta, formatCount),
    tone: toneOf(delta, more),
  };
}

function ratio(measure: string, d: number | null, s: number | null): CompareRow {
  const row = { measure, draft: formatPercent(d), saved: formatPercent(s) };
  if (d === null || s === null) return { ...row, change: '—', tone: 'neutral' };
  // In percentage points, at the precision shown, so that equal figures read "no change".
  const delta = Math.round((d - s) * 1000) / 10;
  return { ...row, change: signed(delta, (x) => `${x.toFixed(1)} pts`), tone: toneOf(delta, 'better') };
}

/** The rows comparing two finished backtests of the same window. */
export function compareRows(draft: Backtest, saved: Backtest): CompareRow[] {
  const d = draft.labels;
  const s = saved.labels;
  return [
    count('Would have hit', draft.hits, saved.hits, 'neutral'),
    count('Confirmed fraud caught', d.confirmed_fraud_hit, s.confirmed_fraud_hit, 'better'),
    count('False positives hit', d.false_positive_hit, s.false_positive_hit, 'worse'),
    count('Confirmed fraud missed', d.confirmed_fraud_missed, s.confirmed_fraud_missed, 'worse'),
    ratio('Precision', d.precision, s.precision),
    ratio('Recall', d.recall, s.recall),
  ];
}

/** Keys in a stable order, so that two definitions compare by content. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
}

/** Whether a draft's definition differs from the saved one (key order aside). */
export function definitionChanged(draft: unknown, saved: unknown): boolean {
  return JSON.stringify(canonical(draft)) !== JSON.stringify(canonical(saved));
}

/** The earliest hits one backtest has and the other lacks, over the stretch where both lists are whole. */
export interface ExampleDiff {
  readonly onlyDraft: BacktestExample[];
  readonly onlySaved: BacktestExample[];
  /** Where the comparison stops (the first time a list may lack hits), or null: it covers every hit. */
  readonly before: string | null;
}

/**
 * Each backtest keeps its earliest hits as examples, in (created_at, id) order. Up to the first
 * time at which one of the lists was cut short, both hold every hit, so there the payments one
 * hits and the other does not are known exactly.
 */
export function exampleDiff(draft: Backtest, saved: Backtest): ExampleDiff | undefined {
  // Each list is whole up to its last example when it was cut short (in whole milliseconds: a time
  // at that millisecond may lie on either side of it), else whole.
  const bounds = [draft, saved].map((b) => {
    if (b.examples.length >= b.hits) return { ms: Infinity, at: null };
    const last = b.examples[b.examples.length - 1];
    return { ms: last ? Date.parse(last.created_at) : NaN, at: last?.created_at ?? null };
  });
  // A list cut short before its first example (none kept) compares nothing.
  if (bounds.some((b) => Number.isNaN(b.ms))) return undefined;
  const [cut] = bounds.sort((a, b) => Math.sign(a.ms - b.ms) || 0);
  const limit = cut?.ms ?? Infinity;
  const within = (b: Backtest) => b.examples.filter((e) => Date.parse(e.created_at) < limit);
  const [d, s] = [within(draft), within(saved)];
  const ids = (xs: readonly BacktestExample[]) => new Set(xs.map((e) => e.payment_id));
  const [inDraft, inSaved] = [ids(d), ids(s)];
  return {
    onlyDraft: d.filter((e) => !inSaved.has(e.payment_id)),
    onlySaved: s.filter((e) => !inDraft.has(e.payment_id)),
    before: cut?.at ?? null,
  };
}
