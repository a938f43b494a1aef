// One WorkerPool as the controller mirrored it: queue and DLQ depth, oldest message, replicas,
// the last scale and why, the Active / Ready / Fallback conditions, and the backlog against
// replicas over the last hour.
import {
  Alert,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Grid,
  GridItem,
  Label,
  LabelGroup,
  Skeleton,
} from '@patternfly/react-core';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import MinusCircleIcon from '@patternfly/react-icons/dist/esm/icons/minus-circle-icon';
import { useQuery } from '@tanstack/react-query';
import { Suspense, type ReactNode } from 'react';
import { ErrorState } from '../../components/ErrorState';
import { Timestamp } from '../../components/Timestamp';
import { api } from '../../lib/api';
import { formatCount, formatDuration } from '../../lib/format';
import { PoolChart } from './lazy-chart';
import { chartSeries, chartSummary, condition, type PoolSample, type WorkerPool } from './pools';

const CHART_HEIGHT = 260;

export const poolKey = (p: Pick<WorkerPool, 'namespace' | 'name'>) => [
  'worker-pools',
  'detail',
  p.namespace,
  p.name,
];

function Term({ term, children }: { term: string; children: ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

/** A condition as icon + word: Ready, Not ready, Fallback active… */
function ConditionLabel({ pool, type }: { pool: WorkerPool; type: 'Active' | 'Ready' | 'Fallback' }) {
  const c = condition(pool, type);
  const on = c?.status === 'True';
  const title = c ? `${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}` : 'Not reported yet';
  if (type === 'Fallback')
    return on ? (
      <Label status="warning" icon={<ExclamationTriangleIcon />} title={title}>
        Fallback replicas
      </Label>
    ) : (
      <Label color="grey" icon={<CheckCircleIcon />} title={title}>
        Queue readable
      </Label>
    );
  if (type === 'Active')
    return on ? (
      <Label color="blue" icon={<CheckCircleIcon />} title={title}>
        Active
      </Label>
    ) : (
      <Label color="grey" icon={<MinusCircleIcon />} title={title}>
        Idle
      </Label>
    );
  return on ? (
    <Label status="success" icon={<CheckCircleIcon />} title={title}>
      Ready
    </Label>
  ) : (
    <Label status="warning" icon={<ExclamationTriangleIcon />} title={title}>
      Not ready
    </Label>
  );
}

function ChartArea({ pool }: { pool: WorkerPool }) {
  const detail = useQuery({
    queryKey: poolKey(pool),
    queryFn: ({ signal }) =>
      api.get<WorkerPool & { samples: PoolSample[] }>(
        `/api/v1/worker-pools/${encodeURIComponent(pool.namespace)}/${encodeURIComponent(pool.name)}`,
        { minutes: 60 },
        signal,
      ),
    refetchInterval: 15_000,
  });
  if (detail.error)
    return (
      <ErrorState
        error={detail.error}
        title="Could not load the pool's history"
        onRetry={() => void detail.refetch()}
      />
    );
  if (!detail.data)
    return <Skeleton height={`${String(CHART_HEIGHT)}px`} screenreaderText="Loading the chart" />;
  const series = chartSeries(detail.data.samples);
  if (series.desired.length < 2)
    return (
      <p className="pf-v6-u-text-color-subtle" style={{ minHeight: CHART_HEIGHT }}>
        The chart fills in as the controller polls the queue (a sample every few seconds).
      </p>
    );
  const summary = chartSummary(series);
  return (
    <figure aria-label="Backlog against replicas, last hour" style={{ margin: 0 }}>
      <Suspense
        fallback={<Skeleton height={`${String(CHART_HEIGHT)}px`} screenreaderText="Loading the chart" />}
      >
        <PoolChart series={series} height={CHART_HEIGHT} ariaDesc={summary} />
      </Suspense>
      <figcaption className="pf-v6-screen-reader">{summary}</figcaption>
    </figure>
  );
}

function Replicas({ pool }: { pool: WorkerPool }) {
  const range =
    pool.min_replicas === null ? '' : ` (${String(pool.min_replicas)}–${String(pool.max_replicas ?? '?')})`;
  return (
    <span className="payflow-tabular">
      {formatCount(pool.desired_replicas)} desired · {formatCount(pool.ready_replicas)} ready{range}
    </span>
  );
}

export function PoolCard({ pool }: { pool: WorkerPool }) {
  const b = pool.backlog;
  return (
    <Card>
      <CardTitle>
        <span className="pf-v6-u-font-family-monospace">
          {pool.namespace}/{pool.name}
        </span>
      </CardTitle>
      <CardBody>
        <LabelGroup numLabels={3} aria-label={`Conditions of ${pool.name}`}>
          <ConditionLabel pool={pool} type="Ready" />
          <ConditionLabel pool={pool} type="Active" />
          <ConditionLabel pool={pool} type="Fallback" />
        </LabelGroup>
        {pool.stale && (
          <Alert
            isInline
            isPlain
            variant="warning"
            className="pf-v6-u-mt-sm"
            title="The controller has not reported this pool for a while"
          >
            Last mirrored <Timestamp value={pool.observed_at} relative />; is the controller running?
          </Alert>
        )}
        <Grid hasGutter className="pf-v6-u-mt-md">
          <GridItem lg={5} span={12}>
            <DescriptionList isCompact isHorizontal>
              <Term term="Queue">
                <span className="pf-v6-u-font-family-monospace" style={{ overflowWrap: 'anywhere' }}>
                  {pool.queue.name ?? '—'}
                </span>
              </Term>
              <Term term="Backlog">
                <span className="payflow-tabular">
                  {b
                    ? `${formatCount(b.visible)} waiting, ${formatCount(b.in_flight)} in flight, ${formatCount(b.delayed)} delayed`
                    : 'Not read yet'}
                </span>
              </Term>
              <Term term="Dead letters">
                <span className="payflow-tabular">
                  {pool.dead_letter_queue ? formatCount(pool.dead_letter_depth) : 'No DLQ configured'}
                </span>
              </Term>
              <Term term="Oldest message">
                {pool.workers_reporting > 0
                  ? `${formatDuration(pool.oldest_message_age_seconds)} at receive`
                  : 'No worker of this pool is beating'}
              </Term>
              <Term term="Replicas">
                <Replicas pool={pool} />
              </Term>
              <Term term="Last scaled">
                {pool.last_scale_time ? (
                  <>
                    <Timestamp value={pool.last_scale_time} relative />
                    <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
                      {pool.last_scale_reason}
                    </div>
                  </>
                ) : (
                  'Never'
                )}
              </Term>
              <Term term="Rates">
                <span className="payflow-tabular">
                  {pool.arrival_rate === null ? '—' : `${pool.arrival_rate.toFixed(1)} / s in`} ·{' '}
                  {pool.drain_rate === null ? '—' : `${pool.drain_rate.toFixed(1)} / s drained`}
                </span>
              </Term>
            </DescriptionList>
          </GridItem>
          <GridItem lg={7} span={12}>
            <ChartArea pool={pool} />
          </GridItem>
        </Grid>
      </CardBody>
    </Card>
  );
}
