// The queues: what waits (visible), what workers hold (in flight), what is delayed, the oldest
// message's age, and the dead-letter queue's depth with a warning when it is not empty.
import { Label } from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { HealthLabel } from '../../components/StateLabel';
import { formatCount, formatDuration } from '../../lib/format';
import { useCompact } from '../../lib/preferences';
import { BodyState, type TableState } from './ComponentTables';
import type { DlqView, QueueRow } from './model';

function DlqCell({ dlq }: { dlq: DlqView | null | undefined }) {
  if (dlq === undefined) return <>—</>;
  if (dlq === null)
    return (
      <Label color="grey" icon={<BanIcon />} isCompact>
        Not configured
      </Label>
    );
  if (dlq.depth === 0)
    return (
      <Label status="success" icon={<CheckCircleIcon />} isCompact>
        Empty
      </Label>
    );
  const age = dlq.oldestAgeSeconds;
  return (
    <Label status="warning" icon={<ExclamationTriangleIcon />} isCompact>
      {formatCount(dlq.depth)} dead-lettered
      {age !== null && age !== undefined && `, oldest ${formatDuration(age)}`}
    </Label>
  );
}

function Count({ n }: { n: number | undefined }) {
  return <>{n === undefined ? '—' : formatCount(n)}</>;
}

function QueueName({ q }: { q: QueueRow }) {
  return (
    <>
      {q.label}
      {q.sqsName && q.sqsName !== q.label && (
        <span className="payflow-health-sub pf-v6-u-font-family-monospace">{q.sqsName}</span>
      )}
    </>
  );
}

function OldestAge({ q }: { q: QueueRow }) {
  if (q.status === 'not_configured') return <>—</>;
  const age = q.oldestAgeSeconds;
  if (age !== null && age !== undefined) return <>{formatDuration(age)}</>;
  return <>{q.visible === 0 ? 'none waiting' : '—'}</>;
}

export function QueuesTable({ rows, state }: { rows: QueueRow[]; state: TableState }) {
  const compact = useCompact();
  return (
    <Table
      role="table"
      aria-label="Queues"
      variant={compact ? 'compact' : undefined}
      className="payflow-health-table"
    >
      <Thead>
        <Tr>
          <Th>Queue</Th>
          <Th>Status</Th>
          <Th className="payflow-health-num">Visible</Th>
          <Th className="payflow-health-num" modifier="nowrap">
            In flight
          </Th>
          <Th className="payflow-health-num">Delayed</Th>
          <Th modifier="nowrap">Oldest message</Th>
          <Th modifier="nowrap">Dead-letter queue</Th>
        </Tr>
      </Thead>
      <Tbody>
        <BodyState
          columns={7}
          rows={2}
          state={state}
          isEmpty={rows.length === 0}
          emptyTitle="No queue is configured"
          emptyBody="This deployment has no SQS queue (SQS_EVENTS_QUEUE_URL is not set)."
        >
          {rows.map((q) => {
            const off = q.status === 'not_configured';
            return (
              <Tr key={q.key} className={off ? 'payflow-health-off' : undefined}>
                <Th scope="row" dataLabel="Queue">
                  <QueueName q={q} />
                </Th>
                <Td dataLabel="Status">{q.status ? <HealthLabel status={q.status} compact /> : '—'}</Td>
                <Td dataLabel="Visible" className="payflow-health-num payflow-tabular">
                  <Count n={q.visible} />
                </Td>
                <Td dataLabel="In flight" className="payflow-health-num payflow-tabular">
                  <Count n={q.inFlight} />
                </Td>
                <Td dataLabel="Delayed" className="payflow-health-num payflow-tabular">
                  <Count n={q.delayed} />
                </Td>
                <Td dataLabel="Oldest message">
                  <OldestAge q={q} />
                </Td>
                <Td dataLabel="Dead-letter queue">{off ? '—' : <DlqCell dlq={q.dlq} />}</Td>
              </Tr>
            );
          })}
        </BodyState>
      </Tbody>
    </Table>
  );
}
