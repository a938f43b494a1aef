// The alerts feature's server state: queries keyed under keys.alerts (so that alert events on the
// live stream refresh them), and the commands, each sent with one Idempotency-Key per intent.
import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from '@tanstack/react-query';
import { useCallback, useRef } from 'react';
import { useCan } from '../../components/Guarded';
import { api, ApiError, request, type Page, type Query } from '../../lib/api';
import { newIdempotencyKey } from '../../lib/idempotency';
import { keys } from '../../lib/query';
import type {
  Alert,
  AlertDetail,
  AlertNote,
  BulkResult,
  DirectoryUser,
  NextAlert,
  PaymentSummary,
  Resolution,
  RuleSummary,
} from './types';

const BASE = '/api/v1/alerts';

export const alertKeys = {
  list: (query: Query) => [...keys.alerts, 'list', query] as const,
  detail: (id: string) => [...keys.alerts, 'detail', id] as const,
};

/** Users are not a live resource; the directory changes rarely. */
const directoryKey = (q: string) => ['users', 'directory', q] as const;

export function useAlertList(query: Query) {
  return useQuery({
    queryKey: alertKeys.list(query),
    queryFn: ({ signal }) => api.get<Page<Alert>>(BASE, query, signal),
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

export function useAlert(id: string) {
  return useQuery({
    queryKey: alertKeys.detail(id),
    // The API answers no-store: its ETag (the version) does not change with new notes.
    queryFn: ({ signal }) => request<AlertDetail>(`${BASE}/${encodeURIComponent(id)}`, { signal }),
    staleTime: 10_000,
  });
}

/**
 * The payment an alert is about: from the alert itself, or (an API that does not embed it yet)
 * read from the payments API.
 */
export function useAlertPayment(alert: AlertDetail | undefined) {
  const embedded = alert && 'payment' in alert;
  const id = alert?.payment_id ?? undefined;
  const fetched = useQuery({
    queryKey: [...keys.payments, 'detail', id ?? ''],
    queryFn: ({ signal }) =>
      api.get<PaymentSummary>(`/api/v1/transactions/${encodeURIComponent(id ?? '')}`, undefined, signal),
    enabled: alert !== undefined && !embedded && id !== undefined,
  });
  if (!alert) return { payment: undefined, isLoading: true, error: null };
  if (embedded) return { payment: alert.payment ?? null, isLoading: false, error: null };
  if (id === undefined) return { payment: null, isLoading: false, error: null };
  return { payment: fetched.data, isLoading: fetched.isLoading, error: fetched.error };
}

export function useRule(id: string | null) {
  return useQuery({
    queryKey: [...keys.rules, 'detail', id ?? ''],
    queryFn: ({ signal }) =>
      api.get<RuleSummary>(`/api/v1/rules/${encodeURIComponent(id ?? '')}`, undefined, signal),
    enabled: id !== null,
    staleTime: 60_000,
  });
}

/** Rules for the Rule filter. */
export function useRuleOptions() {
  return useQuery({
    queryKey: [...keys.rules, 'list', { limit: 200, sort: 'name' }],
    queryFn: ({ signal }) =>
      api.get<Page<RuleSummary>>('/api/v1/rules', { limit: 200, sort: 'name' }, signal),
    staleTime: 60_000,
  });
}

/** People alerts can be assigned to (GET /api/v1/users/directory; operators and admins only). */
export function useDirectory(q = '') {
  const allowed = useCan('operator');
  return useQuery({
    enabled: allowed,
    queryKey: directoryKey(q),
    queryFn: ({ signal }) =>
      api.get<{ data: DirectoryUser[] }>('/api/v1/users/directory', { q: q || undefined }, signal),
    staleTime: 5 * 60_000,
    placeholderData: keepPreviousData,
  });
}

/** A user's name from the directory, else a short form of the id. */
export function useUserName(): (id: string | null, meId?: string) => string {
  const directory = useDirectory();
  return useCallback(
    (id, meId) => {
      if (id === null) return 'Unassigned';
      const name = directory.data?.data.find((u) => u.id === id)?.name;
      if (id === meId) return name ? `${name} (you)` : 'You';
      return name ?? id;
    },
    [directory.data],
  );
}

/**
 * Idempotency keys per intent: the same intent (the same action on the same alert at the same
 * version) always sends the same key, so a double press or a retry never acts twice.
 */
export function useIntentKeys(): (intent: string) => string {
  const map = useRef(new Map<string, string>());
  return useCallback((intent: string) => {
    let key = map.current.get(intent);
    if (!key) {
      key = newIdempotencyKey();
      map.current.set(intent, key);
    }
    return key;
  }, []);
}

function refresh(client: QueryClient, alert?: Alert): void {
  if (alert) {
    client.setQueryData<AlertDetail>(alertKeys.detail(alert.id), (old) => (old ? { ...old, ...alert } : old));
  }
  void client.invalidateQueries({ queryKey: keys.alerts });
  void client.invalidateQueries({ queryKey: keys.stats });
}

export type Command =
  | { kind: 'acknowledge' }
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'resolve'; resolution: Resolution; note?: string };

function commandPath(id: string, c: Command): [string, unknown] {
  const path = `${BASE}/${encodeURIComponent(id)}/${c.kind}`;
  if (c.kind === 'assign') return [path, { assignee_id: c.assigneeId }];
  if (c.kind === 'resolve')
    return [path, c.note ? { resolution: c.resolution, note: c.note } : { resolution: c.resolution }];
  return [path, {}];
}

export interface CommandInput {
  alert: Pick<Alert, 'id' | 'version'>;
  command: Command;
  /** The Idempotency-Key of this intent. */
  key: string;
}

/** Acknowledge, assign or resolve one alert, at the version the person saw (If-Match). */
export function useAlertCommand() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ alert, command, key }: CommandInput) => {
      const [path, body] = commandPath(alert.id, command);
      return api.post<Alert>(path, body, {
        idempotencyKey: key,
        headers: { 'If-Match': `"${String(alert.version)}"` },
      });
    },
    onSuccess: (alert) => {
      refresh(client, alert);
    },
    onError: (err) => {
      // 409/412: someone else changed it; show the alert as it is now.
      if (err instanceof ApiError && (err.status === 409 || err.status === 412)) refresh(client);
    },
  });
}

export function useBulkAcknowledge() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, key }: { ids: string[]; key: string }) =>
      api.post<{ results: BulkResult[] }>(`${BASE}/acknowledge`, { ids }, { idempotencyKey: key }),
    onSettled: () => {
      refresh(client);
    },
  });
}

export function useAddNote(alertId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ body, key }: { body: string; key: string }) =>
      api.post<AlertNote>(`${BASE}/${encodeURIComponent(alertId)}/notes`, { body }, { idempotencyKey: key }),
    onSuccess: (note) => {
      client.setQueryData<AlertDetail>(alertKeys.detail(alertId), (old) =>
        old ? { ...old, notes: [...(old.notes ?? []).filter((n) => n.id !== note.id), note] } : old,
      );
      refresh(client);
    },
  });
}

/** The next alert to work (GET /api/v1/alerts/next), passing over `after`. */
export function fetchNext(query: Query, after?: string): Promise<NextAlert> {
  return api.get<NextAlert>(`${BASE}/next`, { ...query, after });
}

/**
 * The next alert after the current one. An open alert the person passes over keeps its place
 * (`after` it). One they acted on has moved in the queue (open alerts come before acknowledged
 * ones), so the head of the queue comes next while open alerts remain; then the queue goes on
 * after the current alert, and wraps around to the head at the end.
 */
export async function nextAfter(
  query: Query,
  current: Pick<Alert, 'id' | 'status'> | undefined,
  next: (query: Query, after?: string) => Promise<NextAlert> = fetchNext,
): Promise<NextAlert> {
  if (!current) return next(query);
  if (current.status === 'open') return next(query, current.id);
  const head = await next(query);
  if (!head.alert) return head;
  if (head.alert.status === 'open' && head.alert.id !== current.id) return head;
  const later = await next(query, current.id);
  if (later.alert || head.alert.id === current.id) return later;
  return head;
}
