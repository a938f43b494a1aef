// The signed-in user's first-steps checklist and place in the guided tour, kept on the server
// (GET/PATCH /api/v1/users/me/onboarding), so both survive a reload and follow the user to
// another browser.
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api } from './api';
import type { Role } from './roles';

export type OnboardingItemId =
  | 'set_preferences'
  | 'find_payment'
  | 'review_alert'
  | 'work_alert'
  | 'backtest_rule'
  | 'create_rule'
  | 'invite_teammate';
export type TourStatus = 'not_started' | 'running' | 'done' | 'skipped';

export interface Onboarding {
  role: Role;
  items: { id: OnboardingItemId; done: boolean; done_at: string | null }[];
  completed: boolean;
  dismissed: boolean;
  tour: { status: TourStatus; step: number; steps: number };
}

const PATH = '/api/v1/users/me/onboarding';
export const ONBOARDING_KEY = ['onboarding'] as const;

export const onboardingQuery = queryOptions({
  queryKey: ONBOARDING_KEY,
  queryFn: ({ signal }) => api.get<Onboarding>(PATH, undefined, signal),
  // Items tick from what the user did elsewhere: look again whenever the checklist shows, unless
  // the answer is from this very second (the dashboard's first answer, sent before the checklist
  // mounted, is not asked for again at once).
  staleTime: 1_000,
});

export function useOnboarding() {
  return useQuery(onboardingQuery);
}

export function useUpdateOnboarding() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: { dismissed?: boolean; tour?: { status: TourStatus; step: number } }) =>
      api.patch<Onboarding>(PATH, patch),
    onSuccess: (state) => {
      client.setQueryData(ONBOARDING_KEY, state);
    },
  });
}

/** Ticks an item only the console sees done (opening a payment, reading an alert). */
export function useMarkItem() {
  const client = useQueryClient();
  return useCallback(
    (item: 'find_payment' | 'review_alert') => {
      const state = client.getQueryData<Onboarding>(ONBOARDING_KEY);
      if (state?.items.find((i) => i.id === item)?.done) return;
      api
        .post<Onboarding>(`${PATH}/items/${item}`)
        .then((s) => client.setQueryData(ONBOARDING_KEY, s))
        .catch(() => undefined);
    },
    [client],
  );
}
