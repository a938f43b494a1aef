// The newest payments, live: the stream invalidates keys.payments, so a payment made anywhere
// appears here within a second without a reload.
import { Card, CardBody, CardHeader, CardTitle, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useId } from 'react';
import { Link } from 'react-router';
import { Money } from '../../components/Money';
import { PaymentStateLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { useCompact } from '../../lib/preferences';
import { explainError, LATEST_LIMIT, PATHS, useLatestPayments } from './data';

const COLUMNS = ['Payment', 'Merchant', 'Amount', 'State', 'Created'] as const;

export function LatestPayments() {
  const id = useId();
  const compact = useCompact();
  const q = useLatestPayments();
  const rows = q.data?.data ?? [];
  return (
    <Card component="section" aria-labelledby={id} className="payflow-dash-card">
      <CardHeader
        actions={{
          actions: (
            <Link to="/payments" className="payflow-dash-link">
              View all payments
            </Link>
          ),
          hasNoOffset: true,
        }}
      >
        <CardTitle>
          <Title headingLevel="h2" size="md" id={id}>
            Latest payments
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody className="payflow-dash-table">
        <Table
          aria-label="Latest payments"
          variant={compact ? 'compact' : undefined}
          gridBreakPoint="grid-md"
        >
          <Thead>
            <Tr>
              {COLUMNS.map((c) => (
                <Th key={c} modifier={c === 'Amount' ? undefined : 'nowrap'}>
                  {c}
                </Th>
              ))}
            </Tr>
          </Thead>
          <Tbody>
            <TableBodyState
              columns={COLUMNS.length}
              isLoading={q.isLoading}
              error={q.error ? explainError(q.error, PATHS.PAYMENTS) : null}
              isEmpty={rows.length === 0}
              filtered={false}
              onRetry={() => void q.refetch()}
              emptyTitle="No payments yet"
              emptyBody="Payments appear here as soon as they are created."
            >
              {rows.slice(0, LATEST_LIMIT).map((p) => (
                <Tr key={p.id}>
                  <Td dataLabel="Payment">
                    <Link
                      to={`/payments/${encodeURIComponent(p.id)}`}
                      className="pf-v6-u-font-family-monospace"
                    >
                      {p.id}
                    </Link>
                  </Td>
                  <Td dataLabel="Merchant">{p.merchant_id}</Td>
                  <Td dataLabel="Amount" className="payflow-tabular">
                    {p.amount_minor !== undefined ? (
                      <Money minor={p.amount_minor} currency={p.currency} />
                    ) : (
                      <Money amount={p.amount} currency={p.currency} />
                    )}
                  </Td>
                  <Td dataLabel="State">
                    <PaymentStateLabel state={p.current_state} compact />
                  </Td>
                  <Td dataLabel="Created">
                    <Timestamp value={p.created_at} seconds />
                  </Td>
                </Tr>
              ))}
            </TableBodyState>
          </Tbody>
        </Table>
      </CardBody>
    </Card>
  );
}
