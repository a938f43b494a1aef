import { useCallback, useLayoutEffect, useRef } from 'react';

/**
 * A callback whose identity never changes and which always calls the latest `fn`: for handlers
 * given to memoised parts (a closed select, a menu), so that their parent's renders do not
 * render them again. Called during render it would see the previous `fn`; call it from events.
 */
export function useStableCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latest = useRef(fn);
  useLayoutEffect(() => {
    latest.current = fn;
  });
  return useCallback((...args: A) => latest.current(...args), []);
}
