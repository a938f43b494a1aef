// The payment's audit trail: every change, who made it, what it changed and why.
import { Flex } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { PaymentStateLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { useAuditTrail } from './api';
import type { AuditRow } from './types';

const IGNORED = new Set(['updated_at', 'version', 'current_state']);

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function show(v: unknown): string {
  if (v === undefined) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The fields a change changed (state apart), as "field: before → after". */
export function changedFields(before: unknown, after: unknown): string[] {
  if (before === null || before === undefined) return [];
  const b = asRecord(before);
  const a = asRecord(after);
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !IGNORED.has(k));
  return keys
    .filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]))
    .map((k) => `${k}: ${show(b[k])} → ${show(a[k])}`);
}

function Change({ row }: { row: AuditRow }) {
  const from = asRecord(row.before).current_state;
  const to = asRecord(row.after).current_state;
  const fields = changedFields(row.before, row.after);
  const stateChanged = typeof to === 'string' && from !== to;
  if (!stateChanged && fields.length === 0) return <span>—</span>;
  return (
    <Flex direction={{ default: 'column' }} gap={{ default: 'gapXs' }}>
      {stateChanged && (
        <Flex
          gap={{ default: 'gapSm' }}
          alignItems={{ default: 'alignItemsCenter' }}
          flexWrap={{ default: 'nowrap' }}
        >
          {typeof from === 'string' ? <PaymentStateLabel state={from} compact /> : <span>new</span>}
          <span aria-label="to">→</span>
          <PaymentStateLabel state={to} compact />
        </Flex>
      )}
      {fields.map((f) => (
        <span key={f} className="payflow-diff">
          {f}
        </span>
      ))}
    </Flex>
  );
}

export function PaymentAuditTrail({ paymentId, compact }: { paymentId: string; compact: boolean }) {
  const audit = useAuditTrail(paymentId);
  const rows = audit.data?.data;
  return (
    <Table role="table" aria-label="Audit trail" variant={compact ? 'compact' : undefined}>
      <Thead>
        <Tr>
          <Th>Time</Th>
          <Th>Actor</Th>
          <Th>Action</Th>
          <Th>Before → after</Th>
          <Th>Reason</Th>
        </Tr>
      </Thead>
      <Tbody>
        <TableBodyState
          columns={5}
          isLoading={audit.isPending}
          error={audit.error}
          isEmpty={rows?.length === 0}
          filtered={false}
          onRetry={() => void audit.refetch()}
          emptyTitle="No audit rows"
          emptyBody="Nothing has been recorded for this payment yet."
        >
          {rows?.map((r) => (
            <Tr key={r.id}>
              <Td dataLabel="Time">
                <Timestamp value={r.occurred_at} seconds />
              </Td>
              <Td dataLabel="Actor">
                {r.actor_type}
                {r.actor_id && (
                  <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{r.actor_id}</div>
                )}
              </Td>
              <Td dataLabel="Action" className="pf-v6-u-font-family-monospace">
                {r.action}
              </Td>
              <Td dataLabel="Before → after">
                <Change row={r} />
              </Td>
              <Td dataLabel="Reason">{r.reason ?? '—'}</Td>
            </Tr>
          ))}
        </TableBodyState>
      </Tbody>
    </Table>
  );
}
