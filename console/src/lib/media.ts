import { useSyncExternalStore } from 'react';

/** Phone widths: below PatternFly's md breakpoint. */
export const PHONE_QUERY = '(max-width: 767px)';

function subscribePhone(onChange: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => undefined;
  const mq = matchMedia(PHONE_QUERY);
  mq.addEventListener('change', onChange);
  return () => {
    mq.removeEventListener('change', onChange);
  };
}

/** True on a phone-wide screen; follows rotation and resizing. */
export function useIsPhone(): boolean {
  return useSyncExternalStore(subscribePhone, () =>
    typeof matchMedia === 'function' ? matchMedia(PHONE_QUERY).matches : false,
  );
}
