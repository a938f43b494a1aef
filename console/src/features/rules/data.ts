// The rules API calls the rule pages share.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, type Page } from '../../lib/api';
import { keys } from '../../lib/query';
import type { Backtest, Rule, RuleVersion, ShadowCompare, Validation } from './types';

export function useRule(id: string | undefined) {
  return useQuery({
    queryKey: [...keys.rules, 'detail', id],
    queryFn: ({ signal }) =>
      api.get<Rule>(`/api/v1/rules/${encodeURIComponent(id ?? '')}`, undefined, signal),
    enabled: id !== undefined,
  });
}

export function useLiveRules() {
  return useQuery({
    queryKey: [...keys.rules, 'list', 'live'],
    queryFn: ({ signal }) =>
      api.get<Page<Rule>>('/api/v1/rules', { mode: 'enforce', limit: 200, sort: 'name' }, signal),
  });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: [...keys.rules, 'versions', id],
    queryFn: ({ signal }) =>
      api.get<{ data: RuleVersion[] }>(`/api/v1/rules/${encodeURIComponent(id)}/versions`, undefined, signal),
  });
}

export function useShadow(id: string, hours: number, enabled: boolean) {
  return useQuery({
    queryKey: [...keys.rules, 'shadow', id, hours],
    queryFn: ({ signal }) =>
      api.get<ShadowCompare>(`/api/v1/rules/${encodeURIComponent(id)}/shadow`, { hours }, signal),
    enabled,
    refetchInterval: 10_000,
  });
}

export function useResourceYaml(id: string) {
  return useQuery({
    queryKey: [...keys.rules, 'resource', id],
    queryFn: ({ signal }) =>
      api.get<{ yaml: string }>(`/api/v1/rules/${encodeURIComponent(id)}/resource`, undefined, signal),
  });
}

/** A value that settles `ms` after its last change. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => {
      setSettled(value);
    }, ms);
    return () => {
      clearTimeout(t);
    };
  }, [value, ms]);
  return settled;
}

/** The API's validator over a draft, as it is typed (debounced; the last answer stays shown). */
export function useValidation(draft: unknown) {
  const body = useDebounced(JSON.stringify(draft), 250);
  return useQuery({
    queryKey: [...keys.rules, 'validate', body],
    queryFn: ({ signal }) =>
      api.post<Validation>('/api/v1/rules/validate', JSON.parse(body) as unknown, { signal }),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}

export function useBacktest(id: string | undefined) {
  return useQuery({
    queryKey: [...keys.rules, 'backtest', id],
    queryFn: ({ signal }) =>
      api.get<Backtest>(`/api/v1/rules/backtests/${encodeURIComponent(id ?? '')}`, undefined, signal),
    enabled: id !== undefined,
    refetchInterval: (q) => {
      const s = q.state.data?.status;
      return s === 'succeeded' || s === 'failed' || s === 'cancelled' ? false : 700;
    },
  });
}
