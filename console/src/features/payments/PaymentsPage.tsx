// The payments explorer (OpenShift console's list page): a header, a filter toolbar whose state
// lives in the URL, the table with keyset paging, the user's columns and a CSV export.
import { Button, PageSection } from '@patternfly/react-core';
import DownloadIcon from '@patternfly/react-icons/dist/esm/icons/download-icon';
import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { PageHeader } from '../../components/PageHeader';
import { ApiError, describeError, type Page } from '../../lib/api';
import { useCompact } from '../../lib/preferences';
import { useUrlState } from '../../lib/url-state';
import { exportCsv, prefetchPaymentList, usePaymentList } from './api';
import { ColumnPicker } from './ColumnPicker';
import { useColumns } from './columns';
import { ExplorerToolbar } from './ExplorerToolbar';
import {
  activeFilters,
  API_FIELD,
  clearedFilters,
  DEFAULT_PAGE_SIZE,
  FIELD_LABELS,
  filterIssues,
  filterPatch,
  filterQuery,
  listQuery,
  pageSizeOf,
  sortOf,
  URL_KEYS,
  type FilterKey,
  type Issues,
  type UrlValues,
} from './filters';
import { Pager, rangeText } from './Pager';
import { PaymentsTable } from './PaymentsTable';
import { Toasts, useToasts } from '../../components/Toasts';
import type { Payment } from './types';
import './payments.css';

/** The API's field problems, placed beside the console's controls. */
function apiIssues(err: unknown): Issues {
  if (!(err instanceof ApiError) || err.status !== 400) return {};
  const out: Issues = {};
  for (const [apiField, key] of Object.entries(API_FIELD)) {
    const msg = err.issueFor(apiField);
    if (msg) out[key] ??= msg.charAt(0).toUpperCase() + msg.slice(1);
  }
  return out;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${String(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function exportError(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) {
    return 'This API does not offer the CSV export yet (404). Try again after it is upgraded.';
  }
  if (err instanceof TypeError)
    return 'The download was cut off before the end; no file was saved. Try again.';
  return describeError(err);
}

function useExport(values: UrlValues, push: ReturnType<typeof useToasts>['push']) {
  const [bytes, setBytes] = useState<number | undefined>(undefined);
  const controller = useRef<AbortController | undefined>(undefined);
  const start = async () => {
    const ac = new AbortController();
    controller.current = ac;
    setBytes(0);
    try {
      const done = await exportCsv(
        { ...filterQuery(values), sort: sortOf(values.sort) },
        (p) => {
          setBytes(p.bytes);
        },
        ac.signal,
      );
      push({
        variant: 'success',
        title: 'Export ready',
        body: `${done.fileName} (${formatBytes(done.bytes)})`,
      });
    } catch (err) {
      if (!ac.signal.aborted) push({ variant: 'danger', title: 'Export failed', body: exportError(err) });
    } finally {
      setBytes(undefined);
    }
  };
  return { running: bytes !== undefined, bytes, start };
}

type Url = ReturnType<typeof useUrlState<(typeof URL_KEYS)[number]>>;

/**
 * Keyset paging: the cursor of this page in the URL (shareable), the cursors that led here in a
 * stack (per filter), and the position for the "Showing 51 – 100" text.
 */
function usePaging(url: Url, filterKey: string, page: Page<Payment> | undefined) {
  const v = url.values;
  const [nav, setNav] = useState<{ key: string; stack: string[] }>({ key: filterKey, stack: [] });
  const stack = nav.key === filterKey ? nav.stack : [];
  const index = Math.max(1, Number(v.page) || 1);
  const pageSize = pageSizeOf(v.limit);
  const nextCursor = page?.pagination.next_cursor;
  // Opened from a shared link deep in the list: the rows before it are unknown.
  const first = stack.length === 0 && v.cursor ? undefined : (index - 1) * pageSize + 1;
  return {
    pageSize,
    hasPrevious: Boolean(v.cursor),
    hasNext: Boolean(nextCursor),
    text: page
      ? rangeText({
          first,
          rows: page.data.length,
          total: page.pagination.total,
          exact: page.pagination.total_exact,
        })
      : '\u00a0',
    next: () => {
      if (!nextCursor) return;
      setNav({ key: filterKey, stack: [...stack, v.cursor] });
      url.set({ cursor: nextCursor, page: String(index + 1) }, { push: true });
    },
    previous: () => {
      const prev = stack.at(-1);
      setNav({ key: filterKey, stack: stack.slice(0, -1) });
      const toFirst = prev === undefined || prev === '';
      url.set(
        { cursor: toFirst ? undefined : prev, page: toFirst ? undefined : String(index - 1) },
        { push: true },
      );
    },
  };
}

export default function PaymentsPage() {
  const url = useUrlState(URL_KEYS);
  const v = url.values;
  const compact = useCompact();
  const { toasts, push, dismiss } = useToasts();
  const columns = useColumns();
  const local = filterIssues(v);
  const valid = Object.keys(local).length === 0;
  const query = listQuery(v);
  const list = usePaymentList(query, valid);
  const issues = { ...apiIssues(list.error), ...local };
  const filtered = activeFilters(v).length > 0;
  const rows = list.data?.data;
  const paging = usePaging(
    url,
    JSON.stringify({ ...query, cursor: undefined }),
    valid ? list.data : undefined,
  );
  const exporter = useExport(v, push);

  const client = useQueryClient();
  const set = (patch: Partial<Record<FilterKey | 'sort' | 'limit', string | undefined>>) => {
    const next = filterPatch(patch);
    // As the URL will hold them: a removed key reads back as ''.
    const values: UrlValues = { ...v };
    for (const [k, value] of Object.entries(next) as [keyof UrlValues, string | undefined][])
      values[k] = value ?? '';
    if (Object.keys(filterIssues(values)).length === 0) prefetchPaymentList(client, listQuery(values));
    url.set(next);
  };
  const clearAll = () => {
    url.set(clearedFilters(), { push: true });
  };

  return (
    <>
      <PageHeader
        title="Payments"
        description="Every payment PayFlow knows, filtered and sorted as you need; the view's link can be shared."
      />
      <PageSection>
        <ExplorerToolbar
          values={v}
          issues={issues}
          set={set}
          onClearAll={rows?.length === 0 ? undefined : clearAll}
          actions={
            <>
              <ColumnPicker
                chosen={columns.chosen}
                phone={columns.phone}
                onChange={(c) => {
                  columns.setChosen(c).catch((err: unknown) => {
                    push({ variant: 'danger', title: 'Columns not saved', body: describeError(err) });
                  });
                }}
              />
              <Button
                variant="secondary"
                icon={<DownloadIcon />}
                isLoading={exporter.running}
                isDisabled={exporter.running || !valid}
                onClick={() => void exporter.start()}
              >
                Export CSV
              </Button>
              {exporter.running && (
                <span className="payflow-tabular" aria-live="polite">
                  {formatBytes(exporter.bytes ?? 0)}…
                </span>
              )}
            </>
          }
          pager={
            <Pager
              text={paging.text}
              pageSize={paging.pageSize}
              onPageSize={(n) => {
                set({ limit: n === DEFAULT_PAGE_SIZE ? undefined : String(n) });
              }}
              hasPrevious={paging.hasPrevious}
              hasNext={paging.hasNext && valid}
              onPrevious={paging.previous}
              onNext={paging.next}
            />
          }
        />
        <div className="payflow-table-scroll">
          <PaymentsTable
            columns={columns.visible}
            rows={rows}
            sort={sortOf(v.sort)}
            onSort={(s) => {
              set({ sort: s === '-created_at' ? undefined : s });
            }}
            compact={compact}
            isLoading={list.isLoading}
            isFetching={list.isFetching}
            error={list.error}
            problems={Object.entries(local).map(([k, m]) => `${FIELD_LABELS[k as FilterKey]}: ${m}`)}
            filtered={filtered}
            onRetry={() => void list.refetch()}
            onClear={clearAll}
          />
        </div>
      </PageSection>
      <Toasts toasts={toasts} dismiss={dismiss} />
    </>
  );
}
