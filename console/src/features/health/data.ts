// The health page's server state. Health has no stream events, so both queries refresh on a
// 10-second timer while the page is visible (TanStack Query pauses it in a background tab). The
// keys are the dashboard's, so a page opened from the other starts from what is cached.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';
import { keys } from '../../lib/query';
import { normalizeHealth } from './model';

export const REFRESH_MS = 10_000;

export function useHealth() {
  return useQuery({
    queryKey: [...keys.health, 'report'],
    queryFn: ({ signal }) => api.get<unknown>('/api/v1/health', undefined, signal),
    select: normalizeHealth,
    staleTime: 5_000,
    refetchInterval: REFRESH_MS,
  });
}

export function useQueueStats() {
  return useQuery({
    queryKey: [...keys.stats, 'queue'],
    queryFn: ({ signal }) => api.get<unknown>('/api/v1/queue/stats', undefined, signal),
    staleTime: 5_000,
    refetchInterval: REFRESH_MS,
    // A 503 says no queue is configured: asking again will not change that.
    retry: false,
  });
}
