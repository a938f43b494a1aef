// The rules that matched this payment (what each saw, whether it acted) and the alerts it raised.
import { Label, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { Link } from 'react-router';
import { AlertStatusLabel, humanize, SeverityLabel } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { usePaymentAlerts, useRuleHits } from './api';
import type { RuleHit } from './types';

function Reasons({ reasons }: { reasons: unknown[] }) {
  if (reasons.length === 0) return <span>—</span>;
  return (
    <ul className="payflow-reasons">
      {reasons.map((r, i) => (
        <li key={i} className="payflow-diff">
          {typeof r === 'string' ? r : JSON.stringify(r)}
        </li>
      ))}
    </ul>
  );
}

function Outcome({ hit }: { hit: RuleHit }) {
  return hit.acted ? (
    <Label isCompact color="blue">
      Acted
    </Label>
  ) : (
    <Label isCompact color="grey">
      Recorded only
    </Label>
  );
}

function RuleHitsTable({ paymentId, compact }: { paymentId: string; compact: boolean }) {
  const hits = useRuleHits(paymentId);
  const rows = hits.data?.data;
  return (
    <Table role="table" aria-label="Rule hits" variant={compact ? 'compact' : undefined}>
      <Thead>
        <Tr>
          <Th width={20}>Rule</Th>
          <Th modifier="wrap">Version</Th>
          <Th modifier="wrap">Mode</Th>
          <Th modifier="wrap">Action</Th>
          <Th width={30} modifier="wrap">
            What it saw
          </Th>
          <Th modifier="wrap">Matched</Th>
          <Th modifier="wrap">Alert</Th>
        </Tr>
      </Thead>
      <Tbody>
        <TableBodyState
          columns={7}
          isLoading={hits.isPending}
          error={hits.error}
          isEmpty={rows?.length === 0}
          filtered={false}
          onRetry={() => void hits.refetch()}
          emptyTitle="No rule matched"
          emptyBody="No rule has matched this payment."
        >
          {rows?.map((h, i) => (
            <Tr key={`${h.rule_id}-${h.matched_at}-${String(i)}`}>
              <Td dataLabel="Rule">
                {h.rule_name ?? h.rule_id}
                <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{h.rule_id}</div>
              </Td>
              <Td dataLabel="Version">{h.rule_version === null ? '—' : `v${String(h.rule_version)}`}</Td>
              <Td dataLabel="Mode">{humanize(h.mode)}</Td>
              <Td dataLabel="Action">
                {humanize(h.action)} <Outcome hit={h} />
              </Td>
              <Td dataLabel="What it saw">
                <Reasons reasons={h.reasons} />
              </Td>
              <Td dataLabel="Matched">
                <Timestamp value={h.matched_at} seconds />
              </Td>
              <Td dataLabel="Alert">
                {h.alert_id ? (
                  <Link to={`/alerts/${encodeURIComponent(h.alert_id)}`}>{h.alert_id}</Link>
                ) : (
                  '—'
                )}
              </Td>
            </Tr>
          ))}
        </TableBodyState>
      </Tbody>
    </Table>
  );
}

function AlertsTable({ paymentId, compact }: { paymentId: string; compact: boolean }) {
  const alerts = usePaymentAlerts(paymentId);
  const rows = alerts.data?.data;
  return (
    <Table role="table" aria-label="Alerts of this payment" variant={compact ? 'compact' : undefined}>
      <Thead>
        <Tr>
          <Th>Alert</Th>
          <Th>Severity</Th>
          <Th>Status</Th>
          <Th>Raised</Th>
        </Tr>
      </Thead>
      <Tbody>
        <TableBodyState
          columns={4}
          isLoading={alerts.isPending}
          error={alerts.error}
          isEmpty={rows?.length === 0}
          filtered={false}
          onRetry={() => void alerts.refetch()}
          emptyTitle="No alerts"
          emptyBody="No alert has been raised for this payment."
        >
          {rows?.map((a) => (
            <Tr key={a.id}>
              <Td dataLabel="Alert">
                <Link to={`/alerts/${encodeURIComponent(a.id)}`}>{a.title}</Link>
                <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{a.message}</div>
              </Td>
              <Td dataLabel="Severity">
                <SeverityLabel severity={a.severity} compact />
              </Td>
              <Td dataLabel="Status">
                <AlertStatusLabel status={a.status} compact />
              </Td>
              <Td dataLabel="Raised">
                <Timestamp value={a.created_at} seconds />
              </Td>
            </Tr>
          ))}
        </TableBodyState>
      </Tbody>
    </Table>
  );
}

export function PaymentRuleHits({ paymentId, compact }: { paymentId: string; compact: boolean }) {
  return (
    <>
      <Title headingLevel="h2" size="lg" className="pf-v6-u-mb-sm">
        Rule hits
      </Title>
      <RuleHitsTable paymentId={paymentId} compact={compact} />
      <Title headingLevel="h2" size="lg" className="pf-v6-u-mt-xl pf-v6-u-mb-sm">
        Alerts
      </Title>
      <AlertsTable paymentId={paymentId} compact={compact} />
    </>
  );
}
