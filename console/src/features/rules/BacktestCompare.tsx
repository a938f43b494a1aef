// The saved version's backtest beside the draft's, over the same window: how many more or fewer
// payments the edit would hit, and what that does to the confirmed fraud caught, the false
// positives hit, precision and recall.
import {
  Alert,
  Flex,
  FlexItem,
  Label,
  List,
  ListItem,
  Progress,
  ProgressMeasureLocation,
  ProgressSize,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { Timestamp } from '../../components/Timestamp';
import { formatCount, formatMinor } from '../../lib/format';
import { compareRows, exampleDiff, type CompareRow } from './compare';
import type { Backtest, BacktestExample } from './types';

const TONE_COLOR = { better: 'green', worse: 'red' } as const;

function Change({ row }: { row: CompareRow }) {
  if (row.tone === 'neutral') return <span className="payflow-tabular">{row.change}</span>;
  return (
    <Label isCompact color={TONE_COLOR[row.tone]}>
      <span className="payflow-tabular">{row.change}</span>
      <span className="pf-v6-screen-reader">{row.tone === 'better' ? ' (better)' : ' (worse)'}</span>
    </Label>
  );
}

function OnlyOne({ title, examples }: { title: string; examples: readonly BacktestExample[] }) {
  return (
    <FlexItem className="payflow-backtest__only">
      <h4 className="pf-v6-u-font-weight-bold">{title}</h4>
      {examples.length === 0 ? (
        <p className="pf-v6-u-text-color-subtle">None.</p>
      ) : (
        <List isPlain aria-label={title}>
          {examples.map((e) => (
            <ListItem key={e.payment_id}>
              <Link to={`/payments/${e.payment_id}`} className="pf-v6-u-font-family-monospace">
                {e.payment_id}
              </Link>
              <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
                <Timestamp value={e.created_at} /> · {e.payer_id} · {formatMinor(e.amount_minor, e.currency)}
              </div>
            </ListItem>
          ))}
        </List>
      )}
    </FlexItem>
  );
}

/** The payments one hits and the other does not, among the earliest hits both kept. */
function OnlyLists({ draft, saved, version }: { draft: Backtest; saved: Backtest; version: number }) {
  const diff = exampleDiff(draft, saved);
  if (!diff) return null;
  return (
    <>
      <Flex gap={{ default: 'gapLg' }} className="pf-v6-u-mt-md">
        <OnlyOne title="Payments only this draft hits" examples={diff.onlyDraft} />
        <OnlyOne title={`Payments only version ${String(version)} hits`} examples={diff.onlySaved} />
      </Flex>
      {diff.before && (
        <p className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
          Among the hits before <Timestamp value={diff.before} />: each backtest keeps its earliest{' '}
          {formatCount(Math.max(draft.examples.length, saved.examples.length))} hits as examples.
        </p>
      )}
    </>
  );
}

const done = (bt: Backtest | undefined): bt is Backtest => bt?.status === 'succeeded';

export function BacktestCompare({
  draft,
  saved,
  version,
}: {
  draft: Backtest;
  saved: Backtest | undefined;
  version: number;
}) {
  const title = `Compared with version ${String(version)}`;
  // A draft's backtest that failed says so above; there is nothing to compare.
  if (draft.status === 'failed' || draft.status === 'cancelled') return null;
  if (saved && (saved.status === 'failed' || saved.status === 'cancelled'))
    return (
      <Alert variant="warning" isInline title={`${title}: its backtest ${saved.status}`}>
        {saved.error ?? 'The draft’s results above stand on their own.'}
      </Alert>
    );
  if (!done(saved) || !done(draft))
    return (
      <section aria-label={title} className="payflow-backtest__compare">
        <h3 className="pf-v6-u-font-weight-bold pf-v6-u-mb-sm">{title}</h3>
        <Progress
          size={ProgressSize.sm}
          title={`Version ${String(version)} as saved`}
          aria-label={`Backtest of version ${String(version)} progress`}
          value={Math.round((saved?.progress ?? 0) * 100)}
          measureLocation={ProgressMeasureLocation.outside}
          helperText={
            saved
              ? `${formatCount(saved.processed)} of ${saved.total === null ? '…' : formatCount(saved.total)} payments`
              : 'Starting…'
          }
        />
      </section>
    );
  const rows = compareRows(draft, saved);
  return (
    <section aria-label={title} className="payflow-backtest__compare">
      <h3 className="pf-v6-u-font-weight-bold pf-v6-u-mb-sm">{title}</h3>
      <Table
        aria-label={`Backtest of this draft and of version ${String(version)}`}
        variant="compact"
        role="table"
        gridBreakPoint=""
      >
        <Thead>
          <Tr>
            <Th modifier="wrap">Measure</Th>
            <Th modifier="wrap">This draft</Th>
            <Th modifier="wrap">Version {version}</Th>
            <Th modifier="wrap">Change</Th>
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((r) => (
            <Tr key={r.measure}>
              <Td dataLabel="Measure">{r.measure}</Td>
              <Td dataLabel="This draft" className="payflow-tabular">
                {r.draft}
              </Td>
              <Td dataLabel={`Version ${String(version)}`} className="payflow-tabular">
                {r.saved}
              </Td>
              <Td dataLabel="Change">
                <Change row={r} />
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
      <OnlyLists draft={draft} saved={saved} version={version} />
    </section>
  );
}
