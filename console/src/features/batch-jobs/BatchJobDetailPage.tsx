// One batch job: its state and progress (processed / total / failed, rate, time left), who
// started it or which BatchJob resource owns it, its parameters and result, the failed chunks and
// items with their errors; cancel, retry and an export's download. Live through the stream.
import {
  Alert,
  Card,
  CardBody,
  CardTitle,
  CodeBlock,
  CodeBlockCode,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Grid,
  GridItem,
  Label,
  PageSection,
  Skeleton,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { GuardedButton } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { ApiError, api, describeError } from '../../lib/api';
import { formatCount, formatDuration } from '../../lib/format';
import { keys } from '../../lib/query';
import { canDownload, canRetry, useDownload, useJobAction } from './actions';
import { JobProgress, useNow } from './BatchJobsPage';
import { CancelModal } from './CancelModal';
import { jobRate, rateText, secondsLeft } from './progress';
import { JobStatusLabel } from './StatusLabel';
import { CANCELLABLE, ownerOf, type BatchJob, type BatchJobFailure } from './types';

function useJob(id: string) {
  return useQuery({
    queryKey: [...keys.batchJobs, 'detail', id],
    queryFn: ({ signal }) =>
      api.get<BatchJob>(`/api/v1/batch-jobs/${encodeURIComponent(id)}`, undefined, signal),
  });
}

function useFailures(id: string) {
  return useQuery({
    queryKey: [...keys.batchJobs, 'failures', id],
    queryFn: ({ signal }) =>
      api.get<{ data: BatchJobFailure[] }>(
        `/api/v1/batch-jobs/${encodeURIComponent(id)}/failures`,
        undefined,
        signal,
      ),
  });
}

function Term({ term, children }: { term: string; children: React.ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function ProgressCard({ job }: { job: BatchJob }) {
  const now = useNow(job.status === 'running');
  const left = secondsLeft(job, now);
  return (
    <Card isFullHeight>
      <CardTitle>Progress</CardTitle>
      <CardBody>
        <JobProgress job={job} now={now} />
        <DescriptionList isCompact orientation={{ md: 'horizontal' }} className="pf-v6-u-mt-md">
          <Term term="Processed">
            <span className="payflow-tabular">{formatCount(job.processed)}</span>
          </Term>
          <Term term="Total">
            <span className="payflow-tabular">
              {job.total === null ? 'Not counted yet' : formatCount(job.total)}
            </span>
          </Term>
          <Term term="Failed">
            <span className="payflow-tabular">{formatCount(job.failed)}</span>
          </Term>
          <Term term="Rate">{rateText(jobRate(job, now))}</Term>
          {left !== undefined && <Term term="Time left">about {formatDuration(left)}</Term>}
        </DescriptionList>
      </CardBody>
    </Card>
  );
}

function DetailsCard({ job }: { job: BatchJob }) {
  return (
    <Card isFullHeight>
      <CardTitle>Details</CardTitle>
      <CardBody>
        <DescriptionList isCompact orientation={{ md: 'horizontal' }}>
          <Term term="Type">{humanize(job.type)}</Term>
          <Term term={job.source === 'kubernetes' ? 'Owned by' : 'Started by'}>{ownerOf(job)}</Term>
          <Term term="Source">
            {job.source === 'kubernetes' ? 'Kubernetes (read-only here but for cancel)' : 'API'}
          </Term>
          <Term term="Created">
            <Timestamp value={job.created_at} seconds />
          </Term>
          <Term term="Started">
            <Timestamp value={job.started_at} seconds />
          </Term>
          <Term term="Finished">
            <Timestamp value={job.completed_at} seconds />
          </Term>
          <Term term="Attempts">{formatCount(job.attempts)}</Term>
          <Term term="Parallelism">{formatCount(job.parallelism)}</Term>
        </DescriptionList>
      </CardBody>
    </Card>
  );
}

function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <CodeBlock aria-label={label}>
      <CodeBlockCode>{JSON.stringify(value, null, 2)}</CodeBlockCode>
    </CodeBlock>
  );
}

function ResultCard({ job }: { job: BatchJob }) {
  const hasResult = job.result !== null && job.result !== undefined;
  return (
    <Card isFullHeight>
      <CardTitle>Parameters and result</CardTitle>
      <CardBody>
        <Json value={job.parameters} label="Parameters" />
        <div className="pf-v6-u-mt-md">
          {hasResult ? (
            <Json value={job.result} label="Result" />
          ) : (
            <p className="pf-v6-u-text-color-subtle">The result appears when the job finishes.</p>
          )}
        </div>
      </CardBody>
    </Card>
  );
}

function FailureRow({ f }: { f: BatchJobFailure }) {
  return (
    <Tr>
      <Td dataLabel="When">
        <Timestamp value={f.occurred_at} seconds />
      </Td>
      <Td dataLabel="Kind">{f.kind === 'chunk' ? `Chunk (attempt ${String(f.attempt)})` : 'Items'}</Td>
      <Td dataLabel="From item">
        <span className="payflow-tabular">{formatCount(f.processed_before)}</span>
      </Td>
      <Td dataLabel="Error" modifier="breakWord">
        {f.error}
        {f.items.length > 0 && (
          <div className="pf-v6-u-font-family-monospace pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
            {f.items.slice(0, 10).join(', ')}
            {f.items.length > 10 ? ` and ${formatCount(f.items.length - 10)} more` : ''}
          </div>
        )}
      </Td>
      <Td dataLabel="Retried">
        {f.retried_at ? (
          <Label color="blue" isCompact>
            Retried <Timestamp value={f.retried_at} relative />
          </Label>
        ) : f.kind === 'chunk' ? (
          <Label color="grey" isCompact>
            Not retried
          </Label>
        ) : (
          '—'
        )}
      </Td>
    </Tr>
  );
}

function FailuresCard({ id }: { id: string }) {
  const failures = useFailures(id);
  const rows = failures.data?.data ?? [];
  return (
    <Card>
      <CardTitle>Failed chunks and items</CardTitle>
      <CardBody>
        <Table aria-label="Failed chunks and items" variant="compact">
          <Thead>
            <Tr>
              <Th modifier="nowrap">When</Th>
              <Th>Kind</Th>
              <Th modifier="nowrap">From item</Th>
              <Th>Error</Th>
              <Th>Retried</Th>
            </Tr>
          </Thead>
          <Tbody>
            {!failures.isPending && !failures.error && rows.length > 0 ? (
              rows.map((f) => <FailureRow key={f.id} f={f} />)
            ) : (
              <TableBodyState
                columns={5}
                isLoading={failures.isPending}
                error={failures.error}
                isEmpty={rows.length === 0}
                filtered={false}
                onRetry={() => void failures.refetch()}
                emptyTitle="No failures"
                emptyBody="Every chunk of this job so far went through."
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

function Actions({ job, onCancel }: { job: BatchJob; onCancel: () => void }) {
  const retry = useJobAction('retry', job);
  const download = useDownload(job);
  const error = retry.error ?? download.error;
  return (
    <Flex direction={{ default: 'column' }} alignItems={{ default: 'alignItemsFlexEnd' }}>
      <Flex>
        {CANCELLABLE.includes(job.status) && (
          <GuardedButton need="operator" variant="secondary" onClick={onCancel}>
            Cancel job
          </GuardedButton>
        )}
        {job.status === 'failed' && (
          <GuardedButton
            need="operator"
            reason={canRetry(job) ? undefined : 'Its BatchJob resource retries it (spec.backoffLimit).'}
            isLoading={retry.isPending}
            onClick={() => {
              retry.mutate();
            }}
          >
            Retry failed chunks
          </GuardedButton>
        )}
        {canDownload(job) && (
          <GuardedButton
            need="viewer"
            isLoading={download.isPending}
            onClick={() => {
              download.mutate();
            }}
          >
            Download file
          </GuardedButton>
        )}
      </Flex>
      {error && <Alert isInline isPlain variant="danger" title={describeError(error)} />}
    </Flex>
  );
}

export default function BatchJobDetailPage() {
  const { jobId = '' } = useParams();
  const job = useJob(jobId);
  const [cancelling, setCancelling] = useState(false);
  const j = job.data;
  if (job.error) {
    const missing = job.error instanceof ApiError && job.error.status === 404;
    return (
      <>
        <PageHeader title="Batch job" />
        <PageSection>
          <ErrorState
            error={job.error}
            title={missing ? `No batch job ${jobId}` : 'Could not load the batch job'}
            onRetry={missing ? undefined : () => void job.refetch()}
          />
          <Link to="/batch-jobs">Back to batch jobs</Link>
        </PageSection>
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={j ? j.name : 'Batch job'}
        description={
          j ? (
            <>
              <JobStatusLabel status={j.status} />{' '}
              <span className="pf-v6-u-font-family-monospace">{j.id}</span>
              {j.error && <span> · {j.error}</span>}
            </>
          ) : undefined
        }
        actions={
          j ? (
            <Actions
              job={j}
              onCancel={() => {
                setCancelling(true);
              }}
            />
          ) : undefined
        }
      />
      <PageSection>
        {!j ? (
          <Skeleton height="12rem" screenreaderText="Loading the batch job" />
        ) : (
          <Grid hasGutter>
            <GridItem lg={6} span={12}>
              <ProgressCard job={j} />
            </GridItem>
            <GridItem lg={6} span={12}>
              <DetailsCard job={j} />
            </GridItem>
            <GridItem span={12}>
              <FailuresCard id={j.id} />
            </GridItem>
            <GridItem span={12}>
              <ResultCard job={j} />
            </GridItem>
          </Grid>
        )}
      </PageSection>
      {cancelling && j && (
        <CancelModal
          job={j}
          onClose={() => {
            setCancelling(false);
          }}
        />
      )}
    </>
  );
}
