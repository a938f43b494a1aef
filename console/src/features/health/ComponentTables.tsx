// The services (PayFlow's own processes, each with its instances to expand) and the dependencies
// (PostgreSQL, Redis, the queues, Kubernetes), one row per component named by a row header.
import { Button, Label } from '@patternfly/react-core';
import AngleRightIcon from '@patternfly/react-icons/dist/esm/icons/angle-right-icon';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState, type ReactNode } from 'react';
import { HealthLabel } from '../../components/StateLabel';
import { LoadingRows, TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { useCompact } from '../../lib/preferences';
import { formatLatency, instanceDetails, type Component, type Instance } from './model';

export interface TableState {
  isLoading: boolean;
  error: unknown;
  onRetry: () => void;
}

/** Loading rows as many as the table usually has (so nothing moves), else empty, error or the rows. */
export function BodyState({
  columns,
  rows,
  state,
  isEmpty,
  emptyTitle,
  emptyBody,
  children,
}: {
  columns: number;
  rows: number;
  state: TableState;
  isEmpty: boolean;
  emptyTitle: string;
  emptyBody: string;
  children: ReactNode;
}) {
  if (state.isLoading) return <LoadingRows columns={columns} rows={rows} />;
  return (
    <TableBodyState
      columns={columns}
      isLoading={false}
      error={state.error}
      isEmpty={isEmpty}
      filtered={false}
      onRetry={state.onRetry}
      emptyTitle={emptyTitle}
      emptyBody={emptyBody}
    >
      {children}
    </TableBodyState>
  );
}

const RATE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function rowClass(c: Component): string | undefined {
  return c.status === 'not_configured' ? 'payflow-health-off' : undefined;
}

function Details({ c }: { c: Component }) {
  const extra: string[] = [];
  if (c.eventsPerSecond !== undefined) extra.push(`${RATE.format(c.eventsPerSecond)} events/s`);
  if (c.leader && !c.message?.includes(c.leader)) extra.push(`leader ${c.leader}`);
  if (c.kind === 'service' && c.latencyMs !== undefined) extra.push(formatLatency(c.latencyMs));
  return (
    <span className="payflow-health-details">
      {c.message && <span>{c.message}</span>}
      {extra.length > 0 && <span className="payflow-health-muted payflow-tabular">{extra.join(' · ')}</span>}
      {!c.message && extra.length === 0 && '—'}
    </span>
  );
}

function InstanceCount({ c }: { c: Component }) {
  if (!c.instances) return <>—</>;
  const live = c.instances.filter((i) => i.status !== 'down').length;
  const all = c.instances.length;
  return (
    <span className="payflow-tabular">
      {live === all ? `${String(all)} live` : `${String(live)} of ${String(all)} live`}
    </span>
  );
}

function InstanceDetails({ i }: { i: Instance }) {
  const details = instanceDetails(i.details);
  if (details.length === 0) return <>—</>;
  return (
    <ul className="payflow-health-facts">
      {details.map((d) =>
        d.label === 'Role' && d.value === 'Leader' ? (
          <li key={d.label}>
            <Label color="blue" isCompact>
              Leader
            </Label>
          </li>
        ) : (
          <li key={d.label}>
            <span className="payflow-health-muted">{d.label}</span> {d.value}
          </li>
        ),
      )}
    </ul>
  );
}

function InstancesTable({ c }: { c: Component }) {
  const instances = c.instances ?? [];
  return (
    <Table
      role="table"
      aria-label={`Instances of ${c.label}`}
      variant="compact"
      className="payflow-health-instances"
    >
      <Thead>
        <Tr>
          <Th modifier="nowrap">Instance</Th>
          <Th modifier="nowrap">Hostname</Th>
          <Th modifier="nowrap">Status</Th>
          <Th modifier="nowrap">Version</Th>
          <Th modifier="nowrap">Started</Th>
          <Th modifier="nowrap">Last heartbeat</Th>
          <Th modifier="nowrap">Details</Th>
        </Tr>
      </Thead>
      <Tbody>
        {instances.map((i) => (
          <Tr key={i.id}>
            <Th scope="row" dataLabel="Instance" className="pf-v6-u-font-family-monospace payflow-health-id">
              {i.id}
            </Th>
            <Td dataLabel="Hostname">{i.hostname ?? '—'}</Td>
            <Td dataLabel="Status">{i.status ? <HealthLabel status={i.status} compact /> : '—'}</Td>
            <Td dataLabel="Version">{i.version ?? '—'}</Td>
            <Td dataLabel="Started">
              <Timestamp value={i.startedAt} relative />
            </Td>
            <Td dataLabel="Last heartbeat">
              <Timestamp value={i.lastSeenAt} relative />
            </Td>
            <Td dataLabel="Details">
              <InstanceDetails i={i} />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function ServiceRows({ c, index }: { c: Component; index: number }) {
  const [open, setOpen] = useState(false);
  const expandable = (c.instances?.length ?? 0) > 0;
  const contentId = `health-instances-${String(index)}`;
  return (
    <Tbody isExpanded={open}>
      <Tr className={rowClass(c)}>
        <Td className="pf-v6-c-table__toggle">
          {expandable && (
            <Button
              variant="plain"
              className={open ? 'pf-m-expanded' : undefined}
              aria-expanded={open}
              aria-controls={contentId}
              aria-label={`Instances of ${c.label}`}
              onClick={() => {
                setOpen(!open);
              }}
              icon={
                <span className="pf-v6-c-table__toggle-icon">
                  <AngleRightIcon className="payflow-health-caret" />
                </span>
              }
            />
          )}
        </Td>
        <Th scope="row" dataLabel="Service">
          {c.label}
        </Th>
        <Td dataLabel="Status">
          <HealthLabel status={c.status} />
        </Td>
        <Td dataLabel="Instances">
          <InstanceCount c={c} />
        </Td>
        <Td dataLabel="Version">{c.version ?? '—'}</Td>
        <Td dataLabel="Last seen">
          <Timestamp value={c.lastSeenAt} relative />
        </Td>
        <Td dataLabel="Details">
          <Details c={c} />
        </Td>
      </Tr>
      {expandable && (
        <Tr isExpanded={open} id={contentId}>
          <Td colSpan={7} className="payflow-health-expanded">
            {open && <InstancesTable c={c} />}
          </Td>
        </Tr>
      )}
    </Tbody>
  );
}

export function ServicesTable({ services, state }: { services: Component[]; state: TableState }) {
  const compact = useCompact();
  const ready = !state.isLoading && !state.error && services.length > 0;
  return (
    <Table
      role="table"
      aria-label="Services"
      variant={compact ? 'compact' : undefined}
      className="payflow-health-table"
    >
      <Thead>
        <Tr>
          <Th screenReaderText="Instances" />
          <Th modifier="nowrap">Service</Th>
          <Th modifier="nowrap">Status</Th>
          <Th modifier="nowrap">Instances</Th>
          <Th modifier="nowrap">Version</Th>
          <Th modifier="nowrap">Last seen</Th>
          <Th modifier="nowrap">Details</Th>
        </Tr>
      </Thead>
      {!ready && (
        <Tbody>
          <BodyState
            columns={7}
            rows={3}
            state={state}
            isEmpty={services.length === 0}
            emptyTitle="No service has reported"
            emptyBody="No PayFlow process has sent a heartbeat yet."
          >
            {null}
          </BodyState>
        </Tbody>
      )}
      {ready && services.map((c, i) => <ServiceRows key={c.name} c={c} index={i} />)}
    </Table>
  );
}

export function DependenciesTable({ dependencies, state }: { dependencies: Component[]; state: TableState }) {
  const compact = useCompact();
  return (
    <Table
      role="table"
      aria-label="Dependencies"
      variant={compact ? 'compact' : undefined}
      className="payflow-health-table"
    >
      <Thead>
        <Tr>
          <Th modifier="nowrap">Dependency</Th>
          <Th modifier="nowrap">Status</Th>
          <Th modifier="nowrap">Latency</Th>
          <Th modifier="nowrap">Version</Th>
          <Th modifier="nowrap">Last seen</Th>
          <Th modifier="nowrap">Details</Th>
        </Tr>
      </Thead>
      <Tbody>
        <BodyState
          columns={6}
          rows={7}
          state={state}
          isEmpty={dependencies.length === 0}
          emptyTitle="No dependency reported"
          emptyBody="This API's health report lists no dependencies."
        >
          {dependencies.map((c) => (
            <Tr key={c.name} className={rowClass(c)}>
              <Th scope="row" dataLabel="Dependency">
                {c.label}
              </Th>
              <Td dataLabel="Status">
                <HealthLabel status={c.status} />
              </Td>
              <Td dataLabel="Latency" className="payflow-tabular" modifier="nowrap">
                {formatLatency(c.latencyMs)}
              </Td>
              <Td dataLabel="Version">{c.version ?? '—'}</Td>
              <Td dataLabel="Last seen">
                <Timestamp value={c.lastSeenAt} relative />
              </Td>
              <Td dataLabel="Details">
                <Details c={c} />
              </Td>
            </Tr>
          ))}
        </BodyState>
      </Tbody>
    </Table>
  );
}
