import { Banner } from '@patternfly/react-core';
import { useEffect, useState } from 'react';
import { useLive } from '../../lib/live';

const BACK_VISIBLE_MS = 5000;

/** Says when live updates are lost, and for a moment when they are back. */
export function LiveBanner() {
  const { status, restoredAt } = useLive();
  const [seen, setSeen] = useState<number | undefined>();
  useEffect(() => {
    if (!restoredAt) return undefined;
    const t = setTimeout(() => {
      setSeen(restoredAt);
    }, BACK_VISIBLE_MS);
    return () => {
      clearTimeout(t);
    };
  }, [restoredAt]);
  const showBack = restoredAt !== undefined && seen !== restoredAt;
  if (status === 'lost') {
    return (
      <Banner status="warning" role="status">
        Live updates lost: reconnecting… Figures on this page may be out of date.
      </Banner>
    );
  }
  if (showBack && status === 'open') {
    return (
      <Banner status="success" role="status">
        Live updates are back; the page has been refreshed.
      </Banner>
    );
  }
  return null;
}
