import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import { filterOf, paramsOf, type AlertFilter } from './filters';

/**
 * Changes the filter from the URL as it is when the change applies, not as it was rendered: two
 * quick clicks in a menu both count. A new filter starts at the first page.
 */
export function useFilterUpdate() {
  const [, setParams] = useSearchParams();
  return useCallback(
    (update: (latest: AlertFilter) => AlertFilter) => {
      setParams((prev) => {
        const latest = filterOf({
          status: prev.get('status') ?? '',
          severity: prev.get('severity') ?? '',
          rule: prev.get('rule') ?? '',
          assignee: prev.get('assignee') ?? '',
          q: prev.get('q') ?? '',
        });
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(paramsOf(update(latest)))) {
          if (v === undefined) next.delete(k);
          else next.set(k, v);
        }
        next.delete('page');
        return next;
      });
    },
    [setParams],
  );
}
