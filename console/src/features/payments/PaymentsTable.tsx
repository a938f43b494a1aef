// The explorer's table: the columns the user chose, sortable where the API sorts, and the
// loading / empty / error states in the body.
import { Bullseye, EmptyState, EmptyStateBody, Flex } from '@patternfly/react-core';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import FlagIcon from '@patternfly/react-icons/dist/esm/icons/flag-icon';
import PauseCircleIcon from '@patternfly/react-icons/dist/esm/icons/pause-circle-icon';
import { SortByDirection, Table, Tbody, Td, Th, Thead, Tr, type ThProps } from '@patternfly/react-table';
import { createRef, memo, useDeferredValue, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { Money } from '../../components/Money';
import { PaymentStateLabel } from '../../components/StateLabel';
import { StaticLabel } from '../../components/StaticLabel';
import { StaticTd, StaticTr } from '../../components/StaticTable';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { COLUMN_IDS, COLUMN_TITLES, type ColumnId } from './columns';
import type { Sort } from './filters';
import type { Payment } from './types';

const SORTABLE: Partial<Record<ColumnId, 'created_at' | 'amount'>> = {
  created_at: 'created_at',
  amount: 'amount',
};

export function Flags({ p }: { p: Pick<Payment, 'flagged' | 'held'> }) {
  if (!p.flagged && !p.held) return <span aria-label="Not flagged">—</span>;
  return (
    <Flex gap={{ default: 'gapXs' }} flexWrap={{ default: 'nowrap' }}>
      {p.flagged && (
        <StaticLabel compact status="warning" icon={<FlagIcon />}>
          Flagged
        </StaticLabel>
      )}
      {p.held && (
        <StaticLabel compact color="orange" icon={<PauseCircleIcon />}>
          Held
        </StaticLabel>
      )}
    </Flex>
  );
}

const CELL: Record<ColumnId, (p: Payment) => ReactNode> = {
  id: (p) => (
    <Link to={`/payments/${encodeURIComponent(p.id)}`} className="pf-v6-u-font-family-monospace">
      {p.id}
    </Link>
  ),
  created_at: (p) => <Timestamp value={p.created_at} seconds />,
  merchant_id: (p) => p.merchant_id,
  payer_id: (p) => p.payer_id,
  amount: (p) => <Money minor={p.amount_minor} currency={p.currency} />,
  current_state: (p) => (
    <span className="payflow-cell-label">
      <PaymentStateLabel state={p.current_state} compact />
    </span>
  ),
  refunded: (p) =>
    p.refunded_amount_minor === '0' ? '—' : <Money minor={p.refunded_amount_minor} currency={p.currency} />,
  card_fingerprint: (p) => p.card_fingerprint ?? '—',
  country: (p) => p.country ?? '—',
  flags: (p) => <Flags p={p} />,
  updated_at: (p) => <Timestamp value={p.updated_at} seconds />,
};

const RIGHT: readonly ColumnId[] = ['amount', 'refunded'];

function sortProps(
  c: ColumnId,
  index: number,
  sort: Sort,
  onSort: (s: Sort) => void,
): ThProps['sort'] | undefined {
  const field = SORTABLE[c];
  if (!field) return undefined;
  const active = sort.replace('-', '') === field;
  return {
    columnIndex: index,
    sortBy: active
      ? { index, direction: sort.startsWith('-') ? 'desc' : 'asc', defaultDirection: 'desc' }
      : { defaultDirection: 'desc' },
    onSort: (_e, _i, direction) => {
      onSort(direction === SortByDirection.desc ? `-${field}` : field);
    },
  };
}

function InvalidFilter({ columns, problems }: { columns: number; problems: string[] }) {
  return (
    <Tr>
      <Td colSpan={columns}>
        <Bullseye>
          <EmptyState
            headingLevel="h2"
            icon={ExclamationTriangleIcon}
            status="warning"
            titleText="Check the filter"
            variant="sm"
          >
            <EmptyStateBody>{problems.join(' ')}</EmptyStateBody>
          </EmptyState>
        </Bullseye>
      </Td>
    </Tr>
  );
}

/** Rows a new page of results shows in its first render: a screenful, and some more. */
export const FIRST_PASS_ROWS = 20;
const NO_ROWS: Payment[] = [];

/**
 * The rows alone, so that what changes around them (a filter typed, the fetching flag) does not
 * render fifty rows again: they render when the rows or the columns do. A new page of rows shows
 * its first FIRST_PASS_ROWS at once and the rest in a second render right after it (deferred, so
 * it yields to input): the rows on screen do not wait for the ones below them.
 */
const Rows = memo(
  function Rows({ rows, columns }: { rows: Payment[]; columns: readonly ColumnId[] }) {
    const deferred = useDeferredValue(rows, NO_ROWS);
    const shown = deferred === rows ? rows : rows.slice(0, FIRST_PASS_ROWS);
    return shown.map((p) => (
      <StaticTr key={p.id}>
        {columns.map((c) => (
          <StaticTd
            key={c}
            dataLabel={COLUMN_TITLES[c]}
            nowrap
            className={RIGHT.includes(c) ? 'pf-v6-u-text-align-right' : undefined}
          >
            {CELL[c](p)}
          </StaticTd>
        ))}
      </StaticTr>
    ));
  },
  (a, b) => a.rows === b.rows && a.columns.join() === b.columns.join(),
);

export function PaymentsTable({
  columns,
  rows,
  sort,
  onSort,
  compact,
  isLoading,
  isFetching,
  error,
  problems,
  filtered,
  onRetry,
  onClear,
}: {
  columns: readonly ColumnId[];
  rows: Payment[] | undefined;
  sort: Sort;
  onSort: (s: Sort) => void;
  compact: boolean;
  isLoading: boolean;
  isFetching: boolean;
  error: unknown;
  problems: string[];
  filtered: boolean;
  onRetry: () => void;
  onClear: () => void;
}) {
  // One ref per header cell for the table's life. PatternFly's Th, given none, makes a new one
  // on every render, and its effect measuring the cell (for a truncation tooltip) runs again
  // each time: ten forced layouts per render of the table, several renders per filter change.
  const [headerRefs] = useState(
    () => new Map(COLUMN_IDS.map((c) => [c, createRef<HTMLTableCellElement>()] as const)),
  );
  return (
    <Table
      data-tour-id="payments-table"
      role="table"
      aria-label="Payments"
      variant={compact ? 'compact' : undefined}
      aria-busy={isFetching}
    >
      <Thead>
        <Tr>
          {columns.map((c, i) => (
            <Th
              key={c}
              ref={headerRefs.get(c)}
              sort={sortProps(c, i, sort, onSort)}
              modifier="nowrap"
              className={RIGHT.includes(c) ? 'pf-v6-u-text-align-right' : undefined}
            >
              {COLUMN_TITLES[c]}
            </Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {problems.length > 0 ? (
          <InvalidFilter columns={columns.length} problems={problems} />
        ) : (
          <TableBodyState
            columns={columns.length}
            isLoading={isLoading}
            error={error}
            isEmpty={rows?.length === 0}
            filtered={filtered}
            onRetry={onRetry}
            onClear={onClear}
            emptyTitle="No payments yet"
            emptyBody="Payments appear here as soon as merchants send them."
          >
            {rows && <Rows rows={rows} columns={columns} />}
          </TableBodyState>
        )}
      </Tbody>
    </Table>
  );
}
