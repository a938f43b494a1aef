// The queue's table: selection, severity, title, rule, payment, status, assignee, raised, and
// the row actions. Rows carry data-alert-id so the keyboard shortcuts can find the focused one.
import { Label, MenuToggle, Tooltip } from '@patternfly/react-core';
import EllipsisVIcon from '@patternfly/react-icons/dist/esm/icons/ellipsis-v-icon';
import {
  ActionsColumn,
  InnerScrollContainer,
  SortByDirection,
  Table,
  Tbody,
  Td,
  Th,
  Thead,
  Tr,
  type IAction,
  type ThProps,
} from '@patternfly/react-table';
import { Link } from 'react-router';
import { AlertStatusLabel, SeverityLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { needsRole } from '../../lib/roles';
import { BULK_LABELS } from './bulk';
import { unavailable, type AlertAction } from './guards';
import type { Alert, BulkStatus } from './types';

export const COLUMNS = 9;

export type RowAction = 'acknowledge' | 'assignToMe' | 'resolve';

export interface AlertsTableProps {
  alerts: Alert[];
  isLoading: boolean;
  isStale: boolean;
  error: unknown;
  unfiltered: boolean;
  onRetry: () => void;
  onClear: () => void;
  compact: boolean;
  /** The queue's filters, carried into each alert's link. */
  search: string;
  meId: string;
  canOperate: boolean;
  nameOf: (id: string | null, meId?: string) => string;
  selected: ReadonlySet<string>;
  onSelect: (ids: string[], on: boolean) => void;
  onAction: (action: RowAction, alert: Alert) => void;
  /** The last bulk acknowledge, per alert. */
  bulk: ReadonlyMap<string, BulkStatus>;
  sort: string;
  onSort: (sort: string) => void;
}

function rowActions(alert: Alert, p: AlertsTableProps): IAction[] {
  const item = (action: RowAction & AlertAction, title: string): IAction => {
    const why = p.canOperate ? unavailable(action, alert, p.meId) : needsRole('operator');
    return {
      title,
      onClick: () => {
        p.onAction(action, alert);
      },
      isAriaDisabled: why !== undefined,
      tooltipProps: why ? { content: why } : undefined,
    };
  };
  return [
    item('acknowledge', 'Acknowledge'),
    item('assignToMe', 'Assign to me'),
    item('resolve', 'Resolve…'),
  ];
}

function RuleCell({ alert }: { alert: Alert }) {
  if (!alert.rule_id) return <span className="pf-v6-u-color-200">—</span>;
  const version = alert.rule_version ?? alert.explanation?.rule?.version;
  return (
    <span>
      {alert.rule_name ?? alert.rule_id}
      {typeof version === 'number' && <span className="pf-v6-u-color-200"> v{version}</span>}
      {alert.rule_mode === 'shadow' && (
        <Label isCompact color="purple" className="pf-v6-u-ml-xs">
          Shadow
        </Label>
      )}
    </span>
  );
}

function Row({ alert, index, p }: { alert: Alert; index: number; p: AlertsTableProps }) {
  const isSelected = p.selected.has(alert.id);
  const bulk = p.bulk.get(alert.id);
  return (
    <Tr data-alert-id={alert.id} isRowSelected={isSelected} className="payflow-alert-row">
      <Td
        select={{
          rowIndex: index,
          isSelected,
          onSelect: (_e, on) => {
            p.onSelect([alert.id], on);
          },
        }}
        aria-label={`Select ${alert.title}`}
      />
      <Td dataLabel="Severity">
        <SeverityLabel severity={alert.severity} compact />
      </Td>
      <Td dataLabel="Title" className="payflow-title-cell">
        <Link className="payflow-row-link" to={`/alerts/${encodeURIComponent(alert.id)}${p.search}`}>
          {alert.title}
        </Link>
      </Td>
      <Td dataLabel="Rule">
        <RuleCell alert={alert} />
      </Td>
      <Td dataLabel="Payment">
        {alert.payment_id ? (
          <Link
            to={`/payments/${encodeURIComponent(alert.payment_id)}`}
            className="payflow-id-link"
            title={alert.payment_id}
          >
            {alert.payment_id}
          </Link>
        ) : (
          <span className="pf-v6-u-color-200">—</span>
        )}
      </Td>
      <Td dataLabel="Status">
        <span className="payflow-nowrap">
          <AlertStatusLabel status={alert.status} compact />
          {bulk && bulk !== 'acknowledged' && (
            <Tooltip content="The result of the last bulk acknowledge">
              <Label isCompact variant="outline" className="pf-v6-u-ml-xs" tabIndex={0}>
                {BULK_LABELS[bulk]}
              </Label>
            </Tooltip>
          )}
        </span>
      </Td>
      <Td dataLabel="Assignee">
        <span className={alert.assignee_id ? undefined : 'pf-v6-u-color-200'}>
          {p.nameOf(alert.assignee_id, p.meId)}
        </span>
      </Td>
      <Td dataLabel="Created">
        <Timestamp value={alert.created_at} relative />
      </Td>
      <Td isActionCell>
        <ActionsColumn
          items={rowActions(alert, p)}
          actionsToggle={({ onToggle, isOpen, isDisabled, toggleRef }) => (
            <MenuToggle
              ref={toggleRef}
              variant="plain"
              onClick={onToggle}
              isExpanded={isOpen}
              isDisabled={isDisabled}
              aria-label={`Actions for ${alert.id}`}
              icon={<EllipsisVIcon />}
            />
          )}
        />
      </Td>
    </Tr>
  );
}

export function AlertsTable(p: AlertsTableProps) {
  const onPage = p.alerts.map((a) => a.id);
  const allSelected = onPage.length > 0 && onPage.every((id) => p.selected.has(id));
  const desc = p.sort.startsWith('-');
  const sortBy: ThProps['sort'] = {
    sortBy: {
      index: 7,
      direction: desc ? SortByDirection.desc : SortByDirection.asc,
      defaultDirection: 'desc',
    },
    onSort: (_e, _i, direction) => {
      p.onSort(direction === SortByDirection.desc ? '-created_at' : 'created_at');
    },
    columnIndex: 7,
  };
  return (
    <InnerScrollContainer>
      <Table
        data-tour-id="alerts-table"
        aria-label="Alerts"
        variant={p.compact ? 'compact' : undefined}
        aria-busy={p.isStale || p.isLoading}
        className={p.isStale ? 'payflow-stale' : undefined}
      >
        <Thead>
          <Tr>
            <Th
              select={{
                onSelect: (_e, on) => {
                  p.onSelect(onPage, on);
                },
                isSelected: allSelected,
                isHeaderSelectDisabled: onPage.length === 0,
              }}
              aria-label="Select all alerts on this page"
            />
            <Th>Severity</Th>
            <Th>Title</Th>
            <Th>Rule</Th>
            <Th>Payment</Th>
            <Th>Status</Th>
            <Th>Assignee</Th>
            <Th sort={p.sort.endsWith('created_at') ? sortBy : { ...sortBy, sortBy: {} }}>Created</Th>
            <Th screenReaderText="Actions" />
          </Tr>
        </Thead>
        <Tbody>
          <TableBodyState
            columns={COLUMNS}
            isLoading={p.isLoading}
            error={p.error}
            isEmpty={p.alerts.length === 0}
            filtered={!p.unfiltered}
            onRetry={p.onRetry}
            onClear={p.onClear}
            emptyTitle="No open alerts — the queue is clear"
            emptyBody="New alerts appear here as the rules raise them."
          >
            {p.alerts.map((a, i) => (
              <Row key={a.id} alert={a} index={i} p={p} />
            ))}
          </TableBodyState>
        </Tbody>
      </Table>
    </InnerScrollContainer>
  );
}
