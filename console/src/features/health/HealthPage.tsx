// System health: the overall status and its score, every PayFlow process with its instances,
// every dependency, and the queues with their dead letters; refreshed every 10 seconds.
import {
  Alert,
  AlertActionLink,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Flex,
  FlexItem,
  PageSection,
  Spinner,
  Title,
  Tooltip,
} from '@patternfly/react-core';
import SyncAltIcon from '@patternfly/react-icons/dist/esm/icons/sync-alt-icon';
import { useMemo, type ReactNode } from 'react';
import { PageHeader } from '../../components/PageHeader';
import { ErrorState } from '../../components/ErrorState';
import { ApiError, describeError } from '../../lib/api';
import { formatCount, formatTime, formatUtc } from '../../lib/format';
import { DependenciesTable, ServicesTable } from './ComponentTables';
import { REFRESH_MS, useHealth, useQueueStats } from './data';
import { deadLettered, queueRows } from './model';
import { QueuesTable } from './QueuesTable';
import { SummaryCard } from './Summary';
import './health.css';

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card component="section" aria-labelledby={id}>
      <CardHeader>
        <CardTitle>
          <Title headingLevel="h2" size="md" id={id}>
            {title}
          </Title>
        </CardTitle>
      </CardHeader>
      <CardBody className="payflow-health-card-table">{children}</CardBody>
    </Card>
  );
}

function Updated({
  at,
  fetching,
  onRefresh,
}: {
  at: string | undefined;
  fetching: boolean;
  onRefresh: () => void;
}) {
  return (
    <Flex
      gap={{ default: 'gapSm' }}
      alignItems={{ default: 'alignItemsCenter' }}
      flexWrap={{ default: 'nowrap' }}
    >
      <FlexItem className="payflow-health-updated">
        {at ? (
          <Tooltip content={formatUtc(at)}>
            <span tabIndex={0}>
              Updated{' '}
              <time dateTime={at} className="payflow-tabular">
                {formatTime(at, { date: false, seconds: true })}
              </time>
            </span>
          </Tooltip>
        ) : (
          'Not updated yet'
        )}
      </FlexItem>
      <FlexItem>
        <Button
          variant="plain"
          aria-label="Refresh now"
          onClick={onRefresh}
          isDisabled={fetching}
          icon={fetching ? <Spinner size="md" aria-label="Refreshing" /> : <SyncAltIcon />}
        />
      </FlexItem>
    </Flex>
  );
}

/** 503 from /queue/stats: no queue is configured, which the table shows as such, not as an error. */
function queueError(err: unknown): unknown {
  return err instanceof ApiError && err.status === 503 && /configured/i.test(err.detail ?? '') ? null : err;
}

function updatedOf(checkedAt: string | undefined, fetchedAt: number): string | undefined {
  if (checkedAt) return checkedAt;
  return fetchedAt ? new Date(fetchedAt).toISOString() : undefined;
}

export default function HealthPage() {
  const health = useHealth();
  const stats = useQueueStats();
  const view = health.data;
  const rows = useMemo(() => queueRows(view, stats.data), [view, stats.data]);
  const dead = deadLettered(rows);
  const updatedAt = updatedOf(view?.checkedAt, health.dataUpdatedAt);
  const refresh = () => {
    void health.refetch();
    void stats.refetch();
  };
  const tableState = { isLoading: health.isLoading, error: null, onRetry: refresh };
  const failedFirst = health.isError && !view;

  return (
    <>
      <PageHeader
        title="System health"
        description={`Every PayFlow process and what it depends on, refreshed every ${String(REFRESH_MS / 1000)} seconds.`}
        actions={<Updated at={updatedAt} fetching={health.isFetching} onRefresh={refresh} />}
      />
      <PageSection>
        {failedFirst ? (
          <Card>
            <CardBody>
              <ErrorState
                error={health.error}
                onRetry={() => void health.refetch()}
                title="Could not load the health report"
              />
            </CardBody>
          </Card>
        ) : (
          <div className="payflow-health-stack">
            {health.isError && (
              <Alert
                isInline
                variant="warning"
                title="Could not refresh the health report"
                actionLinks={
                  <AlertActionLink onClick={() => void health.refetch()}>Try again</AlertActionLink>
                }
              >
                {describeError(health.error)} The report below is from the last successful refresh.
              </Alert>
            )}
            <SummaryCard view={view} isLoading={health.isLoading} />
            <Section id="health-services" title="Services">
              <ServicesTable services={view?.services ?? []} state={tableState} />
            </Section>
            <Section id="health-dependencies" title="Dependencies">
              <DependenciesTable dependencies={view?.dependencies ?? []} state={tableState} />
            </Section>
            <Section id="health-queues" title="Queues">
              {dead > 0 && (
                <Alert
                  isInline
                  variant="warning"
                  title={`${formatCount(dead)} message${dead === 1 ? '' : 's'} in dead-letter queues`}
                  className="payflow-health-dlq-alert"
                >
                  These events failed repeatedly and are not being applied. Find the cause, then redrive them
                  to their queue.
                </Alert>
              )}
              <QueuesTable
                rows={rows}
                state={{
                  isLoading: health.isLoading || (stats.isLoading && rows.length === 0),
                  error: rows.length === 0 ? queueError(stats.error) : null,
                  onRetry: refresh,
                }}
              />
            </Section>
          </div>
        )}
      </PageSection>
    </>
  );
}
