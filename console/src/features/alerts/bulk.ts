// The answer of a bulk acknowledge, summed up for a person: one sentence, and one line per alert
// that did not simply become acknowledged.
import type { BulkResult, BulkStatus } from './types';

const WORDS: Record<BulkStatus, [one: string, many: string]> = {
  acknowledged: ['acknowledged', 'acknowledged'],
  already_acknowledged: ['was already acknowledged', 'were already acknowledged'],
  not_found: ['was not found', 'were not found'],
  conflict: ['could not be acknowledged', 'could not be acknowledged'],
};

const ORDER: BulkStatus[] = ['acknowledged', 'already_acknowledged', 'conflict', 'not_found'];

export const BULK_LABELS: Record<BulkStatus, string> = {
  acknowledged: 'Acknowledged',
  already_acknowledged: 'Already acknowledged',
  not_found: 'Not found',
  conflict: 'Not acknowledged',
};

export interface BulkSummary {
  /** `success` when every alert is acknowledged now, `warning` when some are not, `danger` when none. */
  variant: 'success' | 'warning' | 'danger';
  title: string;
  counts: Partial<Record<BulkStatus, number>>;
  /** The alerts that need a look (not acknowledged by this call), in the order given. */
  problems: BulkResult[];
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function summarizeBulk(results: readonly BulkResult[]): BulkSummary {
  const counts: Partial<Record<BulkStatus, number>> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const parts = ORDER.filter((s) => counts[s]).map((s) => {
    const n = counts[s] ?? 0;
    return `${String(n)} ${WORDS[s][n === 1 ? 0 : 1]}`;
  });
  const done = (counts.acknowledged ?? 0) + (counts.already_acknowledged ?? 0);
  const failed = (counts.conflict ?? 0) + (counts.not_found ?? 0);
  let variant: BulkSummary['variant'] = 'success';
  if (failed > 0) variant = done > 0 ? 'warning' : 'danger';
  const head = `${plural(results.length, 'alert')}: `;
  return {
    variant,
    title: results.length === 0 ? 'No alerts were acknowledged' : head + parts.join(', '),
    counts,
    problems: results.filter((r) => r.status !== 'acknowledged'),
  };
}
