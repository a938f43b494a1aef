// The payments feature's server state: list, one payment and its related lists, commands, export.
import { queryOptions, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { api, respond, type Page, type Query } from '../../lib/api';
import { keys } from '../../lib/query';
import type { CommandKind } from './commands';
import type { AuditRow, Payment, PaymentAlert, RuleHit, TimelineEntry } from './types';

type List = Page<Payment>;

/**
 * A refetch of a page the user is reading must not move rows under them: only the first page in
 * newest-first order takes new payments as they come. Any other page keeps the rows it showed
 * (their contents refreshed in place) and the cursor that follows them.
 */
export function stabilize(previous: List | undefined, fresh: List, live: boolean): List {
  if (live || !previous) return fresh;
  const byId = new Map(fresh.data.map((p) => [p.id, p]));
  return {
    data: previous.data.map((p) => byId.get(p.id) ?? p),
    pagination: { ...fresh.pagination, next_cursor: previous.pagination.next_cursor ?? null },
  };
}

/** The list query, shared by the page and by a filter change that starts it before rendering. */
export function paymentListOptions(client: QueryClient, query: Query) {
  const queryKey = [...keys.payments, 'list', query] as const;
  const live = !query.cursor && query.sort === '-created_at';
  return queryOptions({
    queryKey,
    queryFn: async ({ signal }) => {
      const fresh = await api.get<List>('/api/v1/transactions', query, signal);
      return stabilize(client.getQueryData<List>(queryKey), fresh, live);
    },
  });
}

export function usePaymentList(query: Query, enabled: boolean) {
  const client = useQueryClient();
  return useQuery({
    ...paymentListOptions(client, query),
    enabled,
    placeholderData: (prev) => prev,
  });
}

/**
 * A filter change asks for its rows at once, while React is still rendering the new filter (the
 * page's query then finds the request under way, or its answer, under the same key).
 */
export function prefetchPaymentList(client: QueryClient, query: Query): void {
  client.query(paymentListOptions(client, query)).catch(() => undefined);
}

export const paymentKey = (id: string) => [...keys.payments, 'detail', id] as const;

export function usePayment(id: string) {
  return useQuery({
    queryKey: paymentKey(id),
    queryFn: ({ signal }) =>
      api.get<Payment>(`/api/v1/transactions/${encodeURIComponent(id)}`, undefined, signal),
  });
}

const relatedKey = (id: string, what: string) => [...paymentKey(id), what] as const;
const relatedPath = (id: string, what: string) => `/api/v1/transactions/${encodeURIComponent(id)}/${what}`;

export function useTimeline(id: string) {
  return useQuery({
    queryKey: relatedKey(id, 'timeline'),
    queryFn: ({ signal }) =>
      api.get<{ data: TimelineEntry[] }>(relatedPath(id, 'timeline'), undefined, signal),
  });
}

export function useAuditTrail(id: string) {
  return useQuery({
    queryKey: relatedKey(id, 'audit-logs'),
    queryFn: ({ signal }) => api.get<{ data: AuditRow[] }>(relatedPath(id, 'audit-logs'), undefined, signal),
  });
}

export function useRuleHits(id: string) {
  return useQuery({
    queryKey: relatedKey(id, 'rule-hits'),
    queryFn: ({ signal }) => api.get<{ data: RuleHit[] }>(relatedPath(id, 'rule-hits'), undefined, signal),
  });
}

export function usePaymentAlerts(id: string) {
  return useQuery({
    queryKey: [...keys.alerts, 'list', { payment_id: id }] as const,
    queryFn: ({ signal }) =>
      api.get<Page<PaymentAlert>>('/api/v1/alerts', { payment_id: id, limit: 100 }, signal),
  });
}

export interface CommandInput {
  kind: CommandKind;
  amount?: string;
  reason?: string;
  idempotencyKey: string;
}

function afterCommand(client: QueryClient, id: string, payment: Payment) {
  client.setQueryData(paymentKey(id), payment);
  void client.invalidateQueries({ queryKey: paymentKey(id) });
  void client.invalidateQueries({ queryKey: [...keys.payments, 'list'] });
  void client.invalidateQueries({ queryKey: keys.stats });
}

export function usePaymentCommand(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ kind, amount, reason, idempotencyKey }: CommandInput) => {
      const body: Record<string, string> = {};
      if (amount !== undefined) body.amount = amount;
      if (reason) body.reason = reason;
      return api.post<Payment>(`/api/v1/transactions/${encodeURIComponent(id)}/${kind}`, body, {
        idempotencyKey,
      });
    },
    onSuccess: (payment) => {
      afterCommand(client, id, payment);
    },
    onError: () => {
      // A refusal (409) usually means the payment moved on: show what it is now.
      void client.invalidateQueries({ queryKey: paymentKey(id) });
    },
  });
}

export interface ExportProgress {
  bytes: number;
}

function fileNameOf(res: Response): string {
  const cd = res.headers.get('content-disposition') ?? '';
  const m = /filename="?([^";]+)"?/.exec(cd);
  return m?.[1] ?? `payments-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}Z.csv`;
}

/**
 * Streams the export of the filter into memory with progress, then hands it to the browser as a
 * download. A transfer the server cuts (an error after the first row) rejects: no short file is
 * ever saved as if complete.
 */
export async function exportCsv(
  query: Query,
  onProgress: (p: ExportProgress) => void,
  signal: AbortSignal,
): Promise<{ fileName: string; bytes: number }> {
  const res = await respond('/api/v1/transactions/export', {
    query,
    signal,
    headers: { Accept: 'text/csv' },
  });
  const reader = res.body?.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let bytes = 0;
  if (reader) {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
      onProgress({ bytes });
    }
  }
  const fileName = fileNameOf(res);
  const url = URL.createObjectURL(new Blob(chunks, { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
  return { fileName, bytes };
}
