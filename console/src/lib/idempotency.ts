import { useCallback, useRef } from 'react';

export function newIdempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * One `Idempotency-Key` per user intent: the same key for every submit of the same intent (a
 * double click, a retry after a network error), a new one only when `reset()` starts a new intent
 * (the dialog is opened again). The API answers a repeat with the first answer.
 */
export function useIntentKey(): { key: () => string; reset: () => void } {
  const ref = useRef<string | undefined>(undefined);
  const key = useCallback(() => (ref.current ??= newIdempotencyKey()), []);
  const reset = useCallback(() => {
    ref.current = undefined;
  }, []);
  return { key, reset };
}
