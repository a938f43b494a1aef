import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router';

/**
 * Filter state held in the URL query, so that a view can be shared and survives a reload.
 * `values` has every known key (empty string when absent); `set` merges a patch (empty or
 * undefined removes the key) and replaces the history entry unless `push` is asked for.
 */
export function useUrlState<K extends string>(
  names: readonly K[],
): {
  values: Record<K, string>;
  set: (patch: Partial<Record<K, string | undefined>>, opts?: { push?: boolean }) => void;
  clear: () => void;
  active: number;
} {
  const [params, setParams] = useSearchParams();
  const key = names.join(',');
  const values = useMemo(() => {
    const out = {} as Record<K, string>;
    for (const n of key.split(',') as K[]) out[n] = params.get(n) ?? '';
    return out;
  }, [params, key]);
  const set = useCallback(
    (patch: Partial<Record<K, string | undefined>>, opts: { push?: boolean } = {}) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          for (const [k, v] of Object.entries(patch) as [K, string | undefined][]) {
            if (v === undefined || v === '') next.delete(k);
            else next.set(k, v);
          }
          return next;
        },
        { replace: !opts.push },
      );
    },
    [setParams],
  );
  const clear = useCallback(() => {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const n of key.split(',')) next.delete(n);
        return next;
      },
      { replace: false },
    );
  }, [setParams, key]);
  const active = Object.values<string>(values).filter((v) => v !== '').length;
  return { values, set, clear, active };
}

/** A comma-separated URL value as a list, and back. */
export const listParam = {
  read: (v: string): string[] => (v ? v.split(',').filter(Boolean) : []),
  write: (list: readonly string[]): string | undefined => (list.length ? list.join(',') : undefined),
};
