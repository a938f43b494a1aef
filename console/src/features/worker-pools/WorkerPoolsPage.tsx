// Worker pools: each WorkerPool resource as the controller mirrors it into PostgreSQL (queue and
// DLQ depth, oldest message, replicas, last scale, conditions, backlog against replicas over the
// last hour; GET /api/v1/worker-pools), the worker instances from their heartbeats (all the API
// knows without Kubernetes; GET /api/v1/health), the events queue they drain, and the events
// dead-letter queue with redrive for operators (GET /api/v1/dead-letters).
import {
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  Content,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Grid,
  GridItem,
  Label,
  PageSection,
  Skeleton,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQuery } from '@tanstack/react-query';
import { PageHeader } from '../../components/PageHeader';
import { HealthLabel } from '../../components/StateLabel';
import { ErrorState, TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { ApiError, api } from '../../lib/api';
import { formatCount, formatDuration } from '../../lib/format';
import { useCompact } from '../../lib/preferences';
import { keys } from '../../lib/query';
import { DeadLettersCard } from './DeadLetters';
import { PoolCard } from './PoolCard';
import type { WorkerPool } from './pools';
import { eventsQueue, workersFromHealth, type WorkerInstance } from './workers';
import { WORKER_POOL_YAML } from './sample';

/** Heartbeats have no stream events: refresh while the page is visible, as the health page does. */
const REFRESH_MS = 10_000;
const COLUMNS = 6;

function useHealthReport() {
  return useQuery({
    // The health page's and dashboard's key: the raw report is shared, each reads its own view.
    queryKey: [...keys.health, 'report'],
    queryFn: ({ signal }) => api.get<unknown>('/api/v1/health', undefined, signal),
    select: workersFromHealth,
    staleTime: 5_000,
    refetchInterval: REFRESH_MS,
  });
}

function useQueue() {
  return useQuery({
    queryKey: [...keys.stats, 'queue'],
    queryFn: ({ signal }) => api.get<unknown>('/api/v1/queue/stats', undefined, signal),
    select: eventsQueue,
    staleTime: 5_000,
    refetchInterval: REFRESH_MS,
    retry: false,
  });
}

function InstanceStatus({ status, compact }: { status: string | undefined; compact: boolean }) {
  if (status === 'down')
    return (
      <Label status="danger" icon={<ExclamationCircleIcon />} isCompact={compact}>
        Not beating
      </Label>
    );
  return (
    <Label status="success" icon={<CheckCircleIcon />} isCompact={compact}>
      Up
    </Label>
  );
}

const rate = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(n < 10 ? 1 : 0)} / s`);

function Throughput({ w }: { w: WorkerInstance }) {
  if (w.eventsPerSecond === undefined && w.eventsLastMinute === undefined)
    return <span className="pf-v6-u-text-color-subtle">Not reported by this version</span>;
  return (
    <div className="pf-v6-u-font-size-sm payflow-tabular">
      <div>
        <strong>{rate(w.eventsPerSecond)}</strong> events
      </div>
      <div className="pf-v6-u-text-color-subtle">
        {formatCount(w.eventsLastMinute)} settled, {formatCount(w.appliedLastMinute)} applied,{' '}
        {formatCount(w.batchesLastMinute)} batches in the last minute
      </div>
      <div className="pf-v6-u-text-color-subtle">
        {formatCount(w.inFlight)} in flight · oldest at receive {formatDuration(w.oldestMessageAgeSeconds)}
      </div>
    </div>
  );
}

function WorkerRow({ w, compact }: { w: WorkerInstance; compact: boolean }) {
  return (
    <Tr>
      <Td dataLabel="Instance">
        <div className="pf-v6-u-font-family-monospace" style={{ overflowWrap: 'anywhere' }}>
          {w.id}
        </div>
        {w.pid !== undefined && (
          <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">pid {w.pid}</div>
        )}
      </Td>
      <Td dataLabel="Status">
        <div>
          <InstanceStatus status={w.status} compact={compact} />
        </div>
      </Td>
      <Td dataLabel="Hostname">{w.hostname ?? '—'}</Td>
      <Td dataLabel="Version">{w.version ?? '—'}</Td>
      <Td dataLabel="Last heartbeat">
        <Timestamp value={w.lastSeenAt} relative />
        {w.startedAt && (
          <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
            started <Timestamp value={w.startedAt} relative />
          </div>
        )}
      </Td>
      <Td dataLabel="Throughput">
        <Throughput w={w} />
      </Td>
    </Tr>
  );
}

function WorkersTable() {
  const compact = useCompact();
  const health = useHealthReport();
  const rows = health.data?.instances ?? [];
  const ready = !health.isPending && !health.error && rows.length > 0;
  return (
    <Card>
      <CardTitle>
        Workers {health.data?.status && <HealthLabel status={health.data.status} compact />}
      </CardTitle>
      <CardBody>
        {health.data?.message && <Content component="p">{health.data.message}</Content>}
        <Table aria-label="Workers" variant={compact ? 'compact' : undefined}>
          <Thead>
            <Tr>
              <Th>Instance</Th>
              <Th>Status</Th>
              <Th modifier="nowrap">Hostname</Th>
              <Th modifier="nowrap">Version</Th>
              <Th modifier="nowrap">Last heartbeat</Th>
              <Th>Throughput</Th>
            </Tr>
          </Thead>
          <Tbody>
            {ready ? (
              rows.map((w) => <WorkerRow key={w.id} w={w} compact={compact} />)
            ) : (
              <TableBodyState
                columns={COLUMNS}
                isLoading={health.isPending}
                error={health.error}
                isEmpty={rows.length === 0}
                filtered={false}
                onRetry={() => void health.refetch()}
                emptyTitle="No worker is running"
                emptyBody="Workers appear here with their first heartbeat. Events wait in the queue until one starts."
              >
                {null}
              </TableBodyState>
            )}
          </Tbody>
        </Table>
      </CardBody>
    </Card>
  );
}

function QueueCard() {
  const queue = useQueue();
  const q = queue.data;
  const notConfigured = queue.error instanceof ApiError && queue.error.status === 503;
  return (
    <Card isFullHeight>
      <CardTitle>Events queue</CardTitle>
      <CardBody>
        {queue.isPending && <Skeleton height="7rem" screenreaderText="Loading the queue depth" />}
        {notConfigured && (
          <Content component="p">No events queue is configured, or SQS did not answer.</Content>
        )}
        {queue.error && !notConfigured && (
          <ErrorState
            error={queue.error}
            onRetry={() => void queue.refetch()}
            title="Could not read the queue"
          />
        )}
        {q && (
          <DescriptionList isCompact isHorizontal>
            <DescriptionListGroup>
              <DescriptionListTerm>Queue</DescriptionListTerm>
              <DescriptionListDescription className="pf-v6-u-font-family-monospace">
                {q.name}
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Waiting</DescriptionListTerm>
              <DescriptionListDescription className="payflow-tabular">
                {formatCount(q.visible)} visible, {formatCount(q.delayed)} delayed
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>In flight</DescriptionListTerm>
              <DescriptionListDescription className="payflow-tabular">
                {formatCount(q.inFlight)}
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Dead letters</DescriptionListTerm>
              <DescriptionListDescription className="payflow-tabular">
                {formatCount(q.dlqDepth)}
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Oldest at receive</DescriptionListTerm>
              <DescriptionListDescription>{formatDuration(q.oldestAgeSeconds)}</DescriptionListDescription>
            </DescriptionListGroup>
          </DescriptionList>
        )}
      </CardBody>
    </Card>
  );
}

function usePools() {
  return useQuery({
    queryKey: ['worker-pools', 'list'],
    queryFn: ({ signal }) => api.get<{ data: WorkerPool[] }>('/api/v1/worker-pools', undefined, signal),
    refetchInterval: REFRESH_MS,
  });
}

function Pools() {
  const pools = usePools();
  if (pools.isPending) return <Skeleton height="16rem" screenreaderText="Loading the worker pools" />;
  if (pools.error)
    return (
      <ErrorState
        error={pools.error}
        title="Could not load the worker pools"
        onRetry={() => void pools.refetch()}
      />
    );
  if (pools.data.data.length === 0) return <KubernetesCard />;
  return (
    <Grid hasGutter>
      {pools.data.data.map((p) => (
        <GridItem key={`${p.namespace}/${p.name}`} span={12}>
          <PoolCard pool={p} />
        </GridItem>
      ))}
    </Grid>
  );
}

function KubernetesCard() {
  return (
    <Card isFullHeight>
      <CardTitle>No WorkerPool resources</CardTitle>
      <CardBody>
        <Content>
          <p>
            Without Kubernetes, the workers below are the ones the API knows from their heartbeats. In a
            cluster, a <code>WorkerPool</code> (<code>payflow.dev/v1alpha1</code>) owns the worker Deployment;
            the controller scales it from the SQS backlog (replicas = backlog ÷ target per replica, between
            the minimum and maximum, with a cool-down before scaling down and a fallback replica count when
            the queue cannot be read) and mirrors each pool here with its history of backlog and replicas.
          </p>
        </Content>

        <CodeBlock className="pf-v6-u-mt-md">
          <CodeBlockCode>{WORKER_POOL_YAML}</CodeBlockCode>
        </CodeBlock>
      </CardBody>
    </Card>
  );
}

export default function WorkerPoolsPage() {
  return (
    <>
      <PageHeader
        title="Worker pools"
        description="The workers that apply payment events from the queue: their pools and scaling, heartbeats, the backlog they drain and the dead letters they leave."
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem span={12}>
            <Pools />
          </GridItem>
          <GridItem lg={8} span={12}>
            <WorkersTable />
          </GridItem>
          <GridItem lg={4} span={12}>
            <QueueCard />
          </GridItem>
          <GridItem span={12}>
            <DeadLettersCard />
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
