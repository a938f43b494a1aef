// Chart colours as PatternFly tokens (CSS variables): right in light and dark without a second map.
// Outcome colours follow the status colours; states follow their labels' colours.
export const COLORS = {
  succeeded: 'var(--pf-t--global--color--status--success--default)',
  failed: 'var(--pf-t--global--color--status--danger--default)',
  other: 'var(--pf-t--chart--color--blue--300)',
};

const STATE_COLORS: Record<string, string> = {
  pending: 'var(--pf-t--chart--color--black--300)',
  authorized: 'var(--pf-t--chart--color--blue--300)',
  captured: 'var(--pf-t--chart--color--teal--300)',
  settled: 'var(--pf-t--chart--color--green--300)',
  failed: 'var(--pf-t--global--color--status--danger--default)',
  voided: 'var(--pf-t--chart--color--black--500)',
  refunded: 'var(--pf-t--chart--color--purple--300)',
  partially_refunded: 'var(--pf-t--chart--color--purple--100)',
  disputed: 'var(--pf-t--chart--color--yellow--300)',
  charged_back: 'var(--pf-t--chart--color--orange--400)',
};

export function stateColor(state: string): string {
  return STATE_COLORS[state] ?? 'var(--pf-t--chart--color--black--200)';
}

/** The outcomes stacked in the payments chart, bottom to top. */
export const SERIES = [
  { key: 'succeeded', name: 'Succeeded', color: COLORS.succeeded },
  { key: 'failed', name: 'Failed', color: COLORS.failed },
  { key: 'other', name: 'In progress', color: COLORS.other },
] as const;
