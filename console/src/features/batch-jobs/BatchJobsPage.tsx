// Batch jobs: replays, backfills, reconciliations, backtests and exports with their progress and
// rate, requested through the API (New batch job) or owned by a Kubernetes BatchJob resource;
// cancel, retry a failed job, download a finished export; each opens its detail page. The list
// follows the live stream (batch_job events).
import {
  FormSelect,
  FormSelectOption,
  PageSection,
  Pagination,
  Progress,
  ProgressMeasureLocation,
  ProgressSize,
  ProgressVariant,
  SearchInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { GuardedButton } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { humanize } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { api, type Page } from '../../lib/api';
import { useCompact } from '../../lib/preferences';
import { keys } from '../../lib/query';
import { useUrlState } from '../../lib/url-state';
import { canDownload, canRetry, useDownload, useJobAction } from './actions';
import { CancelModal } from './CancelModal';
import { CreateJobModal } from './CreateJobModal';
import { jobRate, progressPercent, progressText, rateText } from './progress';
import { JobStatusLabel } from './StatusLabel';
import { BATCH_JOB_STATUSES, BATCH_JOB_TYPES, CANCELLABLE, ownerOf, type BatchJob } from './types';

const FILTERS = ['q', 'status', 'type', 'page', 'per_page'] as const;
const COLUMNS = 6;

/** Ticks once a second while a job runs, so its rate reads as time passes. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const t = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(t);
    };
  }, [active]);
  return now;
}

function variantOf(status: string): ProgressVariant | undefined {
  if (status === 'failed') return ProgressVariant.danger;
  if (status === 'succeeded') return ProgressVariant.success;
  if (status === 'suspended') return ProgressVariant.warning;
  return undefined;
}

export function JobProgress({ job, now }: { job: BatchJob; now?: number }) {
  const percent = progressPercent(job);
  const text = progressText(job);
  const rate = job.started_at ? rateText(jobRate(job, now)) : undefined;
  return (
    <div style={{ minWidth: '10rem' }}>
      <Progress
        value={percent ?? 0}
        size={ProgressSize.sm}
        measureLocation={ProgressMeasureLocation.none}
        variant={variantOf(job.status)}
        aria-label={`Progress of ${job.name}`}
        valueText={percent === undefined ? text : `${String(percent)}%, ${text}`}
      />
      <div className="pf-v6-u-font-size-sm payflow-tabular">
        {percent === undefined ? '' : `${String(percent)}% · `}
        {text}
      </div>
      {rate !== undefined && <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">{rate}</div>}
    </div>
  );
}

function Times({ job }: { job: BatchJob }) {
  return (
    <dl className="pf-v6-u-font-size-sm payflow-job-times">
      <dt className="pf-v6-u-text-color-subtle">Created</dt>
      <dd>
        <Timestamp value={job.created_at} />
      </dd>
      <dt className="pf-v6-u-text-color-subtle">Started</dt>
      <dd>
        <Timestamp value={job.started_at} />
      </dd>
      <dt className="pf-v6-u-text-color-subtle">Finished</dt>
      <dd>
        <Timestamp value={job.completed_at} />
      </dd>
    </dl>
  );
}

function RowActions({ job, onCancel }: { job: BatchJob; onCancel: () => void }) {
  const retry = useJobAction('retry', job);
  const download = useDownload(job);
  return (
    <div style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
      {CANCELLABLE.includes(job.status) && (
        <GuardedButton need="operator" variant="secondary" size="sm" onClick={onCancel}>
          Cancel
        </GuardedButton>
      )}
      {canRetry(job) && (
        <GuardedButton
          need="operator"
          variant="secondary"
          size="sm"
          isLoading={retry.isPending}
          onClick={() => {
            retry.mutate();
          }}
        >
          Retry
        </GuardedButton>
      )}
      {canDownload(job) && (
        <GuardedButton
          need="viewer"
          variant="secondary"
          size="sm"
          isLoading={download.isPending}
          onClick={() => {
            download.mutate();
          }}
          aria-label={`Download ${job.name}`}
        >
          Download
        </GuardedButton>
      )}
      {(retry.error ?? download.error) && (
        <span className="pf-v6-u-font-size-sm" role="alert">
          {retry.error ? 'Retry failed' : 'Download failed'}
        </span>
      )}
    </div>
  );
}

function JobRow(p: { job: BatchJob; compact: boolean; now: number; onCancel: () => void }) {
  const { job, compact, now, onCancel } = p;
  return (
    <Tr>
      <Td dataLabel="Job">
        <div className="pf-v6-u-font-weight-bold">
          <Link to={`/batch-jobs/${encodeURIComponent(job.id)}`}>{job.name}</Link>
        </div>
        <div className="pf-v6-u-font-size-sm">{humanize(job.type)}</div>
        <div
          className="pf-v6-u-font-family-monospace pf-v6-u-font-size-sm pf-v6-u-text-color-subtle"
          style={{ overflowWrap: 'anywhere' }}
        >
          {job.id}
        </div>
      </Td>
      <Td dataLabel="Status">
        <div>
          <JobStatusLabel status={job.status} compact={compact} />
        </div>
        {job.error && (
          <div className="pf-v6-u-font-size-sm" style={{ overflowWrap: 'anywhere', maxWidth: '20rem' }}>
            {job.error}
          </div>
        )}
      </Td>
      <Td dataLabel="Progress">
        <JobProgress job={job} now={now} />
      </Td>
      <Td dataLabel="Started by" modifier="breakWord">
        <div>{ownerOf(job)}</div>
        <div className="pf-v6-u-font-size-sm pf-v6-u-text-color-subtle">
          {job.source === 'kubernetes' ? 'Kubernetes' : 'API'}
        </div>
      </Td>
      <Td dataLabel="Times">
        <Times job={job} />
      </Td>
      <Td dataLabel="Actions">
        <RowActions job={job} onCancel={onCancel} />
      </Td>
    </Tr>
  );
}

function SelectFilter({
  label,
  value,
  options,
  onChange,
}: {
  label: string;
  value: string;
  options: readonly string[];
  onChange: (v: string) => void;
}) {
  return (
    <FormSelect
      aria-label={label}
      value={value}
      onChange={(_e, v) => {
        onChange(v);
      }}
    >
      <FormSelectOption value="" label={`${label}: any`} />
      {options.map((v) => (
        <FormSelectOption key={v} value={v} label={`${label}: ${humanize(v)}`} />
      ))}
    </FormSelect>
  );
}

function Search({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value);
  }
  useEffect(() => {
    if (text.trim() === value) return undefined;
    const t = setTimeout(() => {
      onChange(text.trim());
    }, 400);
    return () => {
      clearTimeout(t);
    };
  }, [text, value, onChange]);
  return (
    <SearchInput
      aria-label="Search batch jobs"
      placeholder="Search name or id"
      value={text}
      onChange={(_e, v) => {
        setText(v);
      }}
      onSearch={(_e, v) => {
        onChange(v.trim());
      }}
      onClear={() => {
        setText('');
        onChange('');
      }}
    />
  );
}

function NewJobButton({ onClick }: { onClick: () => void }) {
  return (
    <GuardedButton need="operator" onClick={onClick}>
      New batch job
    </GuardedButton>
  );
}

const isFiltered = (v: { q: string; status: string; type: string }): boolean =>
  Boolean(v.q || v.status || v.type);

export default function BatchJobsPage() {
  const compact = useCompact();
  const url = useUrlState(FILTERS);
  const { q, status, type } = url.values;
  const perPage = Number(url.values.per_page) || 50;
  const page = Math.max(1, Number(url.values.page) || 1);
  const [cancelling, setCancelling] = useState<BatchJob | undefined>();
  const [creating, setCreating] = useState(false);
  const filter = { q, status, type };
  const query = useQuery({
    queryKey: [...keys.batchJobs, 'list', filter, page, perPage],
    queryFn: ({ signal }) =>
      api.get<Page<BatchJob>>(
        '/api/v1/batch-jobs',
        { ...filter, limit: perPage, offset: (page - 1) * perPage },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const rows = query.data?.data ?? [];
  const ready = !query.isPending && !query.error && rows.length > 0;
  const now = useNow(rows.some((j) => j.status === 'running'));
  const setFilter = (patch: Partial<Record<(typeof FILTERS)[number], string>>) => {
    url.set({ ...patch, page: undefined });
  };

  return (
    <>
      <PageHeader
        title="Batch jobs"
        description="Replays, backfills, reconciliations, backtests and exports over a time window, with their progress."
        actions={
          <NewJobButton
            onClick={() => {
              setCreating(true);
            }}
          />
        }
      />
      <PageSection>
        <Toolbar clearAllFilters={url.clear}>
          <ToolbarContent>
            <ToolbarItem>
              <Search
                value={q}
                onChange={(v) => {
                  setFilter({ q: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Status"
                value={status}
                options={BATCH_JOB_STATUSES}
                onChange={(v) => {
                  setFilter({ status: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem>
              <SelectFilter
                label="Type"
                value={type}
                options={BATCH_JOB_TYPES}
                onChange={(v) => {
                  setFilter({ type: v });
                }}
              />
            </ToolbarItem>
            <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
              <Pagination
                isCompact
                itemCount={query.data?.pagination.total ?? 0}
                perPage={perPage}
                page={page}
                perPageOptions={[20, 50, 100, 200].map((n) => ({ title: String(n), value: n }))}
                onSetPage={(_e, p) => {
                  url.set({ page: p === 1 ? undefined : String(p) });
                }}
                onPerPageSelect={(_e, n) => {
                  url.set({ per_page: n === 50 ? undefined : String(n), page: undefined });
                }}
                titles={{ paginationAriaLabel: 'Batch job pages' }}
              />
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <Table
          aria-label="Batch jobs"
          variant={compact ? 'compact' : undefined}
          data-tour-id="batch-jobs-table"
        >
          <Thead>
            <Tr>
              <Th width={25}>Job</Th>
              <Th>Status</Th>
              <Th>Progress</Th>
              <Th modifier="nowrap">Started by</Th>
              <Th>Times</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {ready ? (
              rows.map((job) => (
                <JobRow
                  key={job.id}
                  job={job}
                  compact={compact}
                  now={now}
                  onCancel={() => {
                    setCancelling(job);
                  }}
                />
              ))
            ) : (
              <TableBodyState
                columns={COLUMNS}
                isLoading={query.isPending}
                error={query.error}
                isEmpty={rows.length === 0}
                filtered={url.active > 0 && isFiltered(filter)}
                onRetry={() => void query.refetch()}
                onClear={url.clear}
                emptyTitle="No batch jobs yet"
                emptyBody="Start one with New batch job; jobs requested through the API or a Kubernetes BatchJob resource appear here with their progress."
              >
                {null}
              </TableBodyState>
            )}
          </Tbody>
        </Table>
      </PageSection>
      {creating && (
        <CreateJobModal
          onClose={() => {
            setCreating(false);
          }}
        />
      )}
      {cancelling && (
        <CancelModal
          job={cancelling}
          onClose={() => {
            setCancelling(undefined);
          }}
        />
      )}
    </>
  );
}
