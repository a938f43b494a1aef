import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

/** One query cache for the console; the live stream invalidates its entries (lib/live.tsx). */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        refetchOnWindowFocus: false,
        // A 4xx will not get better by asking again; a network error or a 5xx might.
        retry: (count, err) => count < 2 && !(err instanceof ApiError && err.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

/**
 * Query keys, by resource first so that one invalidation reaches every filter of a resource:
 * `['payments', 'list', filter]`, `['payments', 'detail', id]`, `['alerts', …]`, `['stats', …]`.
 */
export const keys = {
  me: ['me'] as const,
  payments: ['payments'] as const,
  alerts: ['alerts'] as const,
  stats: ['stats'] as const,
  health: ['health'] as const,
  rules: ['rules'] as const,
  batchJobs: ['batch-jobs'] as const,
  audit: ['audit'] as const,
  notifications: ['notifications'] as const,
};
