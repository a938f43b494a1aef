// A backtest's hits per day (UTC), each with a bar to scale; beside the saved version's, when an
// edit was backtested against it over the same window: every day either of them hit.
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { formatCount } from '../../lib/format';
import type { Backtest } from './types';

type Days = Backtest['hits_by_day'];

/** The saved version's hits per day, shown beside the draft's. */
export interface SavedDays {
  readonly version: number;
  readonly days: Days;
}

/** Every day either series hit, in order, with both counts (0 where one had none). */
export function dayRows(
  draft: Days,
  saved: Days | undefined,
): { day: string; draft: number; saved: number }[] {
  const byDay = new Map<string, { draft: number; saved: number }>();
  for (const d of draft) byDay.set(d.day, { draft: d.hits, saved: 0 });
  for (const d of saved ?? []) byDay.set(d.day, { draft: byDay.get(d.day)?.draft ?? 0, saved: d.hits });
  return [...byDay].sort(([a], [b]) => a.localeCompare(b)).map(([day, n]) => ({ day, ...n }));
}

function DayBar({ hits, max, saved }: { hits: number; max: number; saved?: boolean }) {
  return (
    <div className="payflow-daybar">
      <span
        className={saved ? 'payflow-daybar__bar payflow-daybar__bar--saved' : 'payflow-daybar__bar'}
        style={{ width: `calc(${String(hits / max)} * var(--payflow-daybar--MaxWidth))` }}
      />
      <span className="payflow-tabular">{formatCount(hits)}</span>
    </div>
  );
}

export function HitsByDay({ days, saved }: { days: Days; saved?: SavedDays | undefined }) {
  const rows = dayRows(days, saved?.days);
  if (rows.length === 0) return <p className="pf-v6-u-text-color-subtle">No hits on any day.</p>;
  const max = Math.max(1, ...rows.map((r) => Math.max(r.draft, r.saved)));
  const savedLabel = saved && `Version ${String(saved.version)}`;
  return (
    <Table
      aria-label={saved ? `Hits per day, this draft and version ${String(saved.version)}` : 'Hits per day'}
      variant="compact"
      role="table"
      gridBreakPoint={saved ? '' : undefined}
    >
      <Thead>
        <Tr>
          <Th modifier="fitContent">Day (UTC)</Th>
          <Th modifier="wrap">{saved ? 'This draft' : 'Hits'}</Th>
          {savedLabel && <Th modifier="wrap">{savedLabel}</Th>}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r) => (
          <Tr key={r.day}>
            <Td dataLabel="Day (UTC)" modifier="nowrap" className="payflow-tabular">
              {r.day}
            </Td>
            <Td dataLabel={saved ? 'This draft' : 'Hits'}>
              <DayBar hits={r.draft} max={max} />
            </Td>
            {savedLabel && (
              <Td dataLabel={savedLabel}>
                <DayBar hits={r.saved} max={max} saved />
              </Td>
            )}
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
