// The alert queue fraud analysts work all day: filters in the URL, a live table, row and bulk
// actions, and "Next open alert" to work the queue one alert after another from the keyboard.
import {
  Button,
  Content,
  Flex,
  Pagination,
  PageSection,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import ArrowRightIcon from '@patternfly/react-icons/dist/esm/icons/arrow-right-icon';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { GuardedButton, useCan } from '../../components/Guarded';
import { PageHeader } from '../../components/PageHeader';
import { ApiError, describeError } from '../../lib/api';
import { useUser } from '../../lib/auth';
import { useIntentKey } from '../../lib/idempotency';
import { useCompact } from '../../lib/preferences';
import { needsRole } from '../../lib/roles';
import { useUrlState } from '../../lib/url-state';
import { useFilterUpdate } from './useFilterUpdate';
import { AlertsTable, type RowAction } from './AlertsTable';
import { BulkResults } from './BulkResults';
import {
  apiFilters,
  filterOf,
  isUnfiltered,
  listQuery,
  pagingOf,
  PER_PAGE_OPTIONS,
  queueSearch,
  sortOf,
  URL_PARAMS,
} from './filters';
import { FilterToolbar } from './FilterToolbar';
import { bulkUnavailable, unavailable } from './guards';
import { useAlertCommand, useAlertList, useBulkAcknowledge, useIntentKeys, useUserName } from './queries';
import { ResolveModal } from './ResolveModal';
import { ShortcutsHelp, useHotkeys } from './shortcuts';
import { Toasts, useToasts } from '../../components/Toasts';
import type { Alert, BulkResult, BulkStatus } from './types';
import { useNextAlert } from './useNextAlert';
import './alerts.css';

const SHORTCUTS: [string, string][] = [
  ['j', 'Next row'],
  ['k', 'Previous row'],
  ['x', 'Select the row'],
  ['o Enter', 'Open the alert'],
  ['a', 'Acknowledge the row'],
  ['m', 'Assign the row to me'],
  ['r', 'Resolve the row…'],
  ['n', 'Next open alert'],
  ['/', 'Search'],
];

/** The row the keyboard is on: the one holding the focus. */
function focusedRow(): { id: string; row: HTMLElement } | undefined {
  const row = document.activeElement?.closest<HTMLElement>('tr[data-alert-id]');
  const id = row?.dataset.alertId;
  return row && id ? { id, row } : undefined;
}

function focusRow(row: Element | null | undefined): void {
  row?.querySelector<HTMLElement>('.payflow-row-link')?.focus();
}

function moveRow(step: 1 | -1): void {
  const rows = Array.from(document.querySelectorAll('tr[data-alert-id]'));
  const here = focusedRow();
  const at = here ? rows.indexOf(here.row) : -1;
  const next =
    at === -1 ? (step === 1 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, at + step));
  focusRow(rows[next]);
}

const DONE: Record<RowAction, string> = {
  acknowledge: 'Alert acknowledged',
  assignToMe: 'Alert assigned to you',
  resolve: 'Alert resolved',
};

/** Selection of rows, forgotten when the filter or page changes. */
function useSelection(scope: string) {
  const [state, setState] = useState<{ scope: string; ids: ReadonlySet<string> }>({ scope, ids: new Set() });
  const ids = state.scope === scope ? state.ids : new Set<string>();
  const select = useCallback(
    (changed: string[], on: boolean) => {
      setState((s) => {
        const next = new Set(s.scope === scope ? s.ids : []);
        for (const id of changed) {
          if (on) next.add(id);
          else next.delete(id);
        }
        return { scope, ids: next };
      });
    },
    [scope],
  );
  const clear = useCallback(() => {
    setState({ scope, ids: new Set() });
  }, [scope]);
  return { ids, select, clear };
}

function bulkFailure(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) {
    return 'This API does not offer bulk acknowledge yet (POST /api/v1/alerts/acknowledge). Acknowledge the alerts one by one from their menus.';
  }
  return describeError(err);
}

export default function AlertsPage() {
  const user = useUser();
  const can = useCan('operator');
  const compact = useCompact();
  const navigate = useNavigate();
  const url = useUrlState(URL_PARAMS);
  const { values } = url;
  const filter = useMemo(() => filterOf(values), [values]);
  const query = useMemo(() => listQuery(values, user.id), [values, user.id]);
  const search = queueSearch(values);
  const paging = pagingOf(values);
  const unfiltered = isUnfiltered(values);
  const list = useAlertList(query);
  const alerts = useMemo(() => list.data?.data ?? [], [list.data]);
  const total = list.data?.pagination.total ?? null;
  const nameOf = useUserName();
  const { toasts, push, dismiss } = useToasts();
  const selection = useSelection(JSON.stringify(query));
  const selected = alerts.filter((a) => selection.ids.has(a.id));
  const command = useAlertCommand();
  const intentKey = useIntentKeys();
  const bulkIntent = useIntentKey();
  const bulk = useBulkAcknowledge();
  const [bulkResults, setBulkResults] = useState<BulkResult[] | undefined>();
  const [resolving, setResolving] = useState<Alert | undefined>();
  const next = useNextAlert(apiFilters(filter, user.id), search, push);

  const setFilter = useFilterUpdate();

  const act = (action: RowAction, alert: Alert) => {
    const reason = can ? unavailable(action, alert, user.id) : needsRole('operator');
    if (reason) {
      push({ variant: 'info', title: reason });
      return;
    }
    if (action === 'resolve') {
      setResolving(alert);
      return;
    }
    const c =
      action === 'acknowledge'
        ? ({ kind: 'acknowledge' } as const)
        : ({ kind: 'assign', assigneeId: user.id } as const);
    command.mutate(
      { alert, command: c, key: intentKey(`${action}:${alert.id}:${String(alert.version)}`) },
      {
        onSuccess: () => {
          push({ variant: 'success', title: DONE[action], body: alert.title });
        },
        onError: (err) => {
          push({ variant: 'danger', title: 'The action failed', body: describeError(err) });
        },
      },
    );
  };

  const acknowledgeSelected = () => {
    const ids = selected.map((a) => a.id);
    bulk.mutate(
      { ids, key: bulkIntent.key() },
      {
        onSuccess: ({ results }) => {
          setBulkResults(results);
          selection.select(
            results
              .filter((r) => r.status === 'acknowledged' || r.status === 'already_acknowledged')
              .map((r) => r.id),
            false,
          );
          bulkIntent.reset();
        },
        onError: (err) => {
          push({ variant: 'danger', title: 'Nothing was acknowledged', body: bulkFailure(err) });
        },
      },
    );
  };

  const rowUnderFocus = () => {
    const here = focusedRow();
    return here ? alerts.find((a) => a.id === here.id) : undefined;
  };
  const onRow = (fn: (a: Alert) => void) => () => {
    const a = rowUnderFocus();
    if (a) fn(a);
  };
  useHotkeys({
    j: () => {
      moveRow(1);
    },
    k: () => {
      moveRow(-1);
    },
    x: onRow((a) => {
      selection.select([a.id], !selection.ids.has(a.id));
    }),
    o: onRow((a) => {
      void navigate(`/alerts/${encodeURIComponent(a.id)}${search}`);
    }),
    a: onRow((a) => {
      act('acknowledge', a);
    }),
    m: onRow((a) => {
      act('assignToMe', a);
    }),
    r: onRow((a) => {
      act('resolve', a);
    }),
    n: () => {
      void next.go();
    },
    '/': () => {
      document.getElementById('alerts-search')?.focus();
    },
  });

  const bulkMap = useMemo(
    () => new Map<string, BulkStatus>((bulkResults ?? []).map((r) => [r.id, r.status])),
    [bulkResults],
  );
  const pagination = (bottom: boolean) => (
    <Pagination
      itemCount={total ?? undefined}
      perPage={paging.perPage}
      page={paging.page}
      perPageOptions={PER_PAGE_OPTIONS.map((n) => ({ title: String(n), value: n }))}
      onSetPage={(_e, page) => {
        url.set({ page: page === 1 ? undefined : String(page) }, { push: true });
      }}
      onPerPageSelect={(_e, perPage) => {
        url.set({ per_page: String(perPage), page: undefined });
      }}
      isCompact={!bottom}
      variant={bottom ? 'bottom' : 'top'}
      titles={{ paginationAriaLabel: bottom ? 'Alerts pages, bottom' : 'Alerts pages' }}
    />
  );

  return (
    <>
      <PageHeader
        title="Alerts"
        description="Open alerts first, the most severe first. Acknowledge what you are working on, resolve it when you know."
        actions={
          <Flex
            gap={{ default: 'gapSm' }}
            alignItems={{ default: 'alignItemsCenter' }}
            flexWrap={{ default: 'nowrap' }}
          >
            <ShortcutsHelp shortcuts={SHORTCUTS} />
            <Button
              icon={<ArrowRightIcon />}
              iconPosition="end"
              onClick={() => {
                void next.go();
              }}
              isLoading={next.pending}
            >
              Next open alert
            </Button>
          </Flex>
        }
      />
      <PageSection>
        <Toolbar
          clearAllFilters={() => {
            url.clear();
          }}
          collapseListedFiltersBreakpoint="lg"
        >
          <ToolbarContent>
            <FilterToolbar filter={filter} meId={user.id} onChange={setFilter} />
            <ToolbarGroup variant="action-group">
              <ToolbarItem alignSelf="center">
                <Content component="small" aria-live="polite" className="payflow-nowrap">
                  {selected.length > 0 ? `${String(selected.length)} selected` : ''}
                </Content>
              </ToolbarItem>
              <ToolbarItem>
                <GuardedButton
                  need="operator"
                  reason={bulkUnavailable(selected)}
                  variant="secondary"
                  onClick={acknowledgeSelected}
                  isLoading={bulk.isPending}
                >
                  Acknowledge
                </GuardedButton>
              </ToolbarItem>
            </ToolbarGroup>
            <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
              {pagination(false)}
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        {bulkResults && (
          <div className="pf-v6-u-mb-md">
            <BulkResults
              results={bulkResults}
              titleOf={(id) => alerts.find((a) => a.id === id)?.title}
              onClose={() => {
                setBulkResults(undefined);
              }}
            />
          </div>
        )}
        <AlertsTable
          alerts={alerts}
          isLoading={list.isLoading}
          isStale={list.isPlaceholderData}
          error={list.error}
          unfiltered={unfiltered}
          onRetry={() => {
            void list.refetch();
          }}
          onClear={url.clear}
          compact={compact}
          search={search}
          meId={user.id}
          canOperate={can}
          nameOf={nameOf}
          selected={selection.ids}
          onSelect={selection.select}
          onAction={act}
          bulk={bulkMap}
          sort={sortOf(values.sort)}
          onSort={(sort) => {
            url.set({ sort: sort === '-created_at' ? undefined : sort, page: undefined });
          }}
        />
        {alerts.length > 0 && pagination(true)}
      </PageSection>
      {resolving && (
        <ResolveModal
          alert={resolving}
          onClose={() => {
            setResolving(undefined);
          }}
          onResolved={(a) => {
            setResolving(undefined);
            push({ variant: 'success', title: DONE.resolve, body: a.title });
          }}
        />
      )}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </>
  );
}
