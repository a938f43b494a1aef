// The dashboard's server state: one query per endpoint, keyed under the resource the live stream
// invalidates (payment events → keys.payments + keys.stats, alert events → keys.alerts + keys.stats),
// so the cards refresh as payments happen instead of polling. Health and queue depth have no events
// of their own, so they also refresh on a slow timer.
import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, ApiError, type Page } from '../../lib/api';
import { keys } from '../../lib/query';
import type { DashboardWindow } from './shape';

export interface CurrencyTotal {
  currency: string;
  count: number;
  /** Exact decimal string. */
  amount: string;
  amount_minor: string | number;
}

export interface SeriesPoint {
  ts: string;
  payments: number;
  succeeded: number;
  failed: number;
  by_currency?: Record<string, { count: number; amount_minor: string | number; amount: string }>;
}

export interface Overview {
  window: { from: string; to: string; bucket_seconds: number };
  totals: {
    payments: number;
    succeeded: number;
    failed: number;
    success_rate: number | null;
    by_currency: CurrencyTotal[];
  };
  series: SeriesPoint[];
  state_mix: { state: string; count: number }[];
  time_to_final: { p50_seconds: number | null; p95_seconds: number | null; samples: number };
  generated_at: string;
}

export type SeverityCounts = Partial<Record<'low' | 'medium' | 'high' | 'critical', number>>;

export interface AlertStats {
  open: SeverityCounts;
  acknowledged?: SeverityCounts;
  total_open: number;
}

export interface QueueDepth {
  name: string;
  visible: number;
  in_flight: number;
  delayed: number;
  oldest_age_seconds?: number | null;
}

export interface QueueStats {
  sampled_at: string;
  queues: (QueueDepth & {
    url: string;
    dlq: QueueDepth | null;
    dlq_depth: number | null;
    oldest_age_seconds: number | null;
  })[];
}

export interface HealthInstance {
  instance_id: string;
  version?: string;
  last_seen_at?: string;
  status?: 'up' | 'down';
  hostname?: string;
}

export interface HealthComponent {
  name: string;
  kind?: string;
  status: string;
  latency_ms?: number;
  last_seen_at?: string;
  version?: string;
  instances?: HealthInstance[];
  message?: string;
  throughput?: { events_per_second: number };
}

export interface ScoreInput {
  name: string;
  weight: number;
  value: number;
  why: string;
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  checked_at: string;
  /** The new report lists components; the first version had a map of checks here. */
  components:
    HealthComponent[] | Record<string, { status: string; live?: number; instances?: HealthInstance[] }>;
  score?: { value: number; explanation: string; inputs: ScoreInput[] };
  services?: Record<string, number>;
}

export interface PaymentRow {
  id: string;
  merchant_id: string;
  amount: number | string;
  amount_minor?: string;
  currency: string;
  current_state: string;
  created_at: string;
}

/** An error worth reading on a card: a 404 means the API has not got the endpoint yet. */
export function explainError(err: unknown, path: string): unknown {
  if (err instanceof ApiError && err.status === 404)
    return new Error(`This API does not serve ${path} yet (HTTP 404).`);
  return err;
}

const OVERVIEW = '/api/v1/stats/overview';
const ALERTS = '/api/v1/stats/alerts';
const QUEUE = '/api/v1/queue/stats';
const HEALTH = '/api/v1/health';
const PAYMENTS = '/api/v1/transactions';

export const PATHS = { OVERVIEW, ALERTS, QUEUE, HEALTH, PAYMENTS };

// The queries as options, so that a full page load can start them before the page renders
// (./prefetch.ts) under the very keys the cards read.
export const overviewQuery = (window: DashboardWindow) =>
  queryOptions({
    queryKey: [...keys.stats, 'overview', window],
    queryFn: ({ signal }) => api.get<Overview>(OVERVIEW, { window }, signal),
    staleTime: 10_000,
  });

/** Shared with the masthead's alert badge (same key, same answer). */
export const alertStatsQuery = queryOptions({
  queryKey: [...keys.stats, 'alerts'],
  queryFn: ({ signal }) => api.get<AlertStats>(ALERTS, undefined, signal),
  staleTime: 15_000,
});

export const queueStatsQuery = queryOptions({
  queryKey: [...keys.stats, 'queue'],
  queryFn: ({ signal }) => api.get<QueueStats>(QUEUE, undefined, signal),
  staleTime: 5_000,
});

export const healthReportQuery = queryOptions({
  queryKey: [...keys.health, 'report'],
  queryFn: ({ signal }) => api.get<HealthReport>(HEALTH, undefined, signal),
  staleTime: 10_000,
});

export function useOverview(window: DashboardWindow) {
  // Switching windows keeps the last chart on screen (dimmed) instead of a blank card.
  return useQuery({ ...overviewQuery(window), placeholderData: keepPreviousData });
}

export function useAlertStats() {
  return useQuery(alertStatsQuery);
}

export function useQueueStats() {
  return useQuery({ ...queueStatsQuery, refetchInterval: 15_000 });
}

export function useHealthReport() {
  return useQuery({ ...healthReportQuery, refetchInterval: 20_000 });
}

export const LATEST_LIMIT = 8;

export function useLatestPayments() {
  return useQuery({
    queryKey: [...keys.payments, 'latest', LATEST_LIMIT],
    queryFn: ({ signal }) => api.get<Page<PaymentRow>>(PAYMENTS, { limit: LATEST_LIMIT }, signal),
    staleTime: 5_000,
  });
}
