// The audit log: every change, who made it, to what (linked), why, and what it changed as a
// field-by-field diff, newest first; filters in the URL (a row's "History" narrows the log to its
// resource); the chains' verification status stands above, and "Verify chain" re-checks them. The log has no stream of its
// own, but every live event is an audited change, so the page counts them and offers a refresh
// instead of moving rows under the reader.
import {
  Button,
  InputGroup,
  InputGroupItem,
  InputGroupText,
  PageSection,
  Pagination,
  Stack,
  StackItem,
  TextInput,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
  ToolbarToggleGroup,
} from '@patternfly/react-core';
import FilterIcon from '@patternfly/react-icons/dist/esm/icons/filter-icon';
import SyncAltIcon from '@patternfly/react-icons/dist/esm/icons/sync-alt-icon';
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { PageHeader } from '../../components/PageHeader';
import { humanize } from '../../components/StateLabel';
import { TableBodyState } from '../../components/TableStates';
import { Timestamp } from '../../components/Timestamp';
import { api, type Page } from '../../lib/api';
import { formatCount } from '../../lib/format';
import { useLiveEvents } from '../../lib/live';
import { useCompact } from '../../lib/preferences';
import { keys } from '../../lib/query';
import { useUrlState } from '../../lib/url-state';
import { AuditDiff } from './AuditDiff';
import { changeSummary } from './diff';
import type { AuditEntry } from './types';
import { VerifyButton, VerifyResult, VerifyStatusBanner, useVerify } from './VerifyChain';
import { fromLocalInput, toLocalInput } from './time';

const FILTERS = [
  'actor_id',
  'action',
  'resource_type',
  'resource_id',
  'from',
  'to',
  'page',
  'per_page',
] as const;
type FilterName = (typeof FILTERS)[number];
const COLUMNS = 7;

const RESOURCE_TYPES = [
  'payment',
  'alert',
  'rule',
  'batch_job',
  'queue',
  'user',
  'api_key',
  'auth_token',
  'system_settings',
] as const;

const ACTIONS = [
  'payment.captured',
  'alert.resolved',
  'rule.created',
  'rule.updated',
  'rule.promoted',
  'rule.rolled_back',
  'batch_job.created',
  'batch_job.cancelled',
  'batch_job.retried',
  'dead_letters.redriven',
  'settings.updated',
  'auth.login',
] as const;

/** Where a resource's own page is, when it has one. */
export function resourcePath(type: string, id: string): string | undefined {
  const e = encodeURIComponent(id);
  const paths: Record<string, string> = {
    payment: `/payments/${e}`,
    alert: `/alerts/${e}`,
    rule: `/rules/${e}`,
    batch_job: `/batch-jobs/${e}`,
    queue: '/worker-pools',
    system_settings: '/settings',
  };
  return paths[type];
}

/** Resources with a page open it; others show the id. */
export function ResourceRef({ type, id }: { type: string; id: string }) {
  const path = resourcePath(type, id);
  return (
    <div>
      <div>{humanize(type)}</div>
      <div
        className="pf-v6-u-font-family-monospace pf-v6-u-font-size-sm"
        style={{ overflowWrap: 'anywhere' }}
      >
        {path ? <Link to={path}>{id}</Link> : id}
      </div>
    </div>
  );
}

function AuditRows({
  entry,
  index,
  onHistory,
}: {
  entry: AuditEntry;
  index: number;
  onHistory: (e: AuditEntry) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <Tbody isExpanded={open}>
      <Tr>
        <Td
          expand={{
            rowIndex: index,
            isExpanded: open,
            onToggle: () => {
              setOpen(!open);
            },
            expandId: `audit-${entry.id}`,
          }}
        />
        <Td dataLabel="Time">
          <Timestamp value={entry.occurred_at} seconds />
        </Td>
        <Td dataLabel="Actor">
          <div>{humanize(entry.actor_type)}</div>
          {entry.actor_id && (
            <div
              className="pf-v6-u-font-family-monospace pf-v6-u-font-size-sm pf-v6-u-text-color-subtle"
              style={{ overflowWrap: 'anywhere' }}
            >
              {entry.actor_id}
            </div>
          )}
        </Td>
        <Td dataLabel="Action" className="pf-v6-u-font-family-monospace">
          {entry.action}
        </Td>
        <Td dataLabel="Resource">
          <ResourceRef type={entry.resource_type} id={entry.resource_id} />
          <Button
            variant="link"
            isInline
            size="sm"
            onClick={() => {
              onHistory(entry);
            }}
            aria-label={`History of ${entry.resource_type} ${entry.resource_id}`}
          >
            History
          </Button>
        </Td>
        <Td dataLabel="Reason" modifier="breakWord">
          {entry.reason ?? <span className="pf-v6-u-text-color-subtle">—</span>}
        </Td>
        <Td dataLabel="Change">{changeSummary(entry.before, entry.after)}</Td>
      </Tr>
      <Tr isExpanded={open}>
        <Td colSpan={COLUMNS}>
          <ExpandableRowContent>
            {open && <AuditDiff before={entry.before} after={entry.after} />}
          </ExpandableRowContent>
        </Td>
      </Tr>
    </Tbody>
  );
}

/** A text filter applied on Enter or after a pause. */
function TextFilter({
  label,
  value,
  onChange,
  list,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  /** A datalist of suggestions. */
  list?: string;
}) {
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
    }, 500);
    return () => {
      clearTimeout(t);
    };
  }, [text, value, onChange]);
  return (
    <TextInput
      aria-label={label}
      placeholder={label}
      list={list}
      value={text}
      onChange={(_e, v) => {
        setText(v);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onChange(text.trim());
      }}
    />
  );
}

function TimeFilter({
  label,
  value,
  onChange,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <InputGroup>
      <InputGroupText>{label}</InputGroupText>
      <InputGroupItem isFill>
        <TextInput
          type="datetime-local"
          aria-label={label}
          value={toLocalInput(value)}
          onChange={(_e, v) => {
            onChange(fromLocalInput(v));
          }}
        />
      </InputGroupItem>
    </InputGroup>
  );
}

function Filters({
  values,
  set,
}: {
  values: Record<FilterName, string>;
  set: (patch: Partial<Record<FilterName, string>>) => void;
}) {
  const text = (name: FilterName, label: string, list?: string) => (
    <ToolbarItem>
      <TextFilter
        label={label}
        list={list}
        value={values[name]}
        onChange={(v) => {
          set({ [name]: v });
        }}
      />
    </ToolbarItem>
  );
  return (
    <>
      <datalist id="audit-resource-types">
        {RESOURCE_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <datalist id="audit-actions">
        {ACTIONS.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      {text('actor_id', 'Actor id')}
      {text('action', 'Action', 'audit-actions')}
      {text('resource_type', 'Resource type', 'audit-resource-types')}
      {text('resource_id', 'Resource id')}
      <ToolbarItem>
        <TimeFilter
          label="From"
          value={values.from}
          onChange={(v) => {
            set({ from: v });
          }}
        />
      </ToolbarItem>
      <ToolbarItem>
        <TimeFilter
          label="To"
          value={values.to}
          onChange={(v) => {
            set({ to: v });
          }}
        />
      </ToolbarItem>
    </>
  );
}

function AuditToolbar(p: {
  values: Record<FilterName, string>;
  set: (patch: Partial<Record<FilterName, string>>) => void;
  setPage: (patch: Partial<Record<FilterName, string | undefined>>) => void;
  clear: () => void;
  page: number;
  perPage: number;
  total: number;
  exact: boolean;
  fresh: number;
  refreshing: boolean;
  onRefresh: () => void;
}) {
  const { values, set, setPage, clear, page, perPage, total, exact, fresh, refreshing, onRefresh } = p;
  return (
    <Toolbar clearAllFilters={clear}>
      <ToolbarContent>
        <ToolbarToggleGroup toggleIcon={<FilterIcon />} breakpoint="xl">
          <Filters values={values} set={set} />
        </ToolbarToggleGroup>
        <ToolbarItem>
          <Button
            variant={fresh > 0 ? 'secondary' : 'plain'}
            icon={<SyncAltIcon />}
            isLoading={refreshing}
            onClick={onRefresh}
            aria-label={fresh > 0 ? undefined : 'Refresh'}
          >
            {fresh > 0
              ? `Refresh (${formatCount(fresh)} new ${fresh === 1 ? 'change' : 'changes'})`
              : undefined}
          </Button>
        </ToolbarItem>
        <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
          <Pagination
            isCompact
            itemCount={total}
            perPage={perPage}
            page={page}
            perPageOptions={[20, 50, 100, 200].map((n) => ({ title: String(n), value: n }))}
            onSetPage={(_e, p) => {
              setPage({ page: p === 1 ? undefined : String(p) });
            }}
            onPerPageSelect={(_e, n) => {
              setPage({ per_page: n === 50 ? undefined : String(n), page: undefined });
            }}
            toggleTemplate={({ firstIndex, lastIndex }) => (
              <>
                <b>
                  {firstIndex} – {lastIndex}
                </b>{' '}
                of{' '}
                <b>
                  {formatCount(total)}
                  {exact ? '' : '+'}
                </b>
              </>
            )}
            titles={{ paginationAriaLabel: 'Audit log pages' }}
          />
        </ToolbarItem>
      </ToolbarContent>
    </Toolbar>
  );
}

function useNewEvents(loadedAt: number): number {
  const [seen, setSeen] = useState({ at: 0, n: 0 });
  useLiveEvents(['payment', 'alert', 'rule', 'batch_job'], () => {
    setSeen((prev) => (prev.at === loadedAt ? { at: loadedAt, n: prev.n + 1 } : { at: loadedAt, n: 1 }));
  });
  return seen.at === loadedAt ? seen.n : 0;
}

export default function AuditPage() {
  const compact = useCompact();
  const url = useUrlState(FILTERS);
  const { page: pageParam, per_page: perPageParam, ...filter } = url.values;
  const perPage = Number(perPageParam) || 50;
  const page = Math.max(1, Number(pageParam) || 1);
  const verify = useVerify();
  const query = useQuery({
    queryKey: [...keys.audit, 'list', filter, page, perPage],
    queryFn: ({ signal }) =>
      api.get<Page<AuditEntry>>(
        '/api/v1/audit',
        { ...filter, limit: perPage, offset: (page - 1) * perPage },
        signal,
      ),
    placeholderData: keepPreviousData,
  });
  const fresh = useNewEvents(query.dataUpdatedAt);
  const rows = query.data?.data ?? [];
  const ready = !query.isPending && !query.error && rows.length > 0;
  const total = query.data?.pagination.total ?? 0;
  const filtered = Object.values(filter).some(Boolean);
  const set = (patch: Partial<Record<FilterName, string>>) => {
    url.set({ ...patch, page: undefined });
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change to payments, alerts, rules, jobs and users: who, what, why and the values before and after, in tamper-evident hash chains."
        actions={<VerifyButton verify={verify} />}
      />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <VerifyStatusBanner />
          </StackItem>
          {verify.error && (
            <StackItem>
              <VerifyResult verify={verify} />
            </StackItem>
          )}
          <StackItem>
            <AuditToolbar
              values={url.values}
              set={set}
              setPage={url.set}
              clear={url.clear}
              page={page}
              perPage={perPage}
              total={total}
              exact={query.data?.pagination.total_exact !== false}
              fresh={fresh}
              refreshing={query.isFetching && !query.isPending}
              onRefresh={() => void query.refetch()}
            />
            <Table
              aria-label="Audit log"
              variant={compact ? 'compact' : undefined}
              data-tour-id="audit-table"
            >
              <Thead>
                <Tr>
                  <Th screenReaderText="Show change" />
                  <Th modifier="nowrap">Time</Th>
                  <Th width={15}>Actor</Th>
                  <Th>Action</Th>
                  <Th width={20}>Resource</Th>
                  <Th width={25}>Reason</Th>
                  <Th modifier="nowrap">Change</Th>
                </Tr>
              </Thead>
              {ready ? (
                rows.map((e, i) => (
                  <AuditRows
                    key={e.id}
                    entry={e}
                    index={i}
                    onHistory={(x) => {
                      url.set({
                        resource_type: x.resource_type,
                        resource_id: x.resource_id,
                        actor_id: undefined,
                        action: undefined,
                        page: undefined,
                      });
                    }}
                  />
                ))
              ) : (
                <Tbody>
                  <TableBodyState
                    columns={COLUMNS}
                    isLoading={query.isPending}
                    error={query.error}
                    isEmpty={rows.length === 0}
                    filtered={filtered}
                    onRetry={() => void query.refetch()}
                    onClear={url.clear}
                    emptyTitle="No audit entries yet"
                    emptyBody="Every change made through the API, the workers or the controller is recorded here."
                  >
                    {null}
                  </TableBodyState>
                </Tbody>
              )}
            </Table>
          </StackItem>
        </Stack>
      </PageSection>
    </>
  );
}
