// Opening a payment or an alert leaves no trace on the server (reads are not audited), so the
// shell ticks those checklist items when the user opens one.
import { useEffect } from 'react';
import { matchPath, useLocation } from 'react-router';
import { useMarkItem } from '../../lib/onboarding';

export function useMarkByRoute(): void {
  const { pathname } = useLocation();
  const mark = useMarkItem();
  useEffect(() => {
    if (matchPath('/payments/:paymentId', pathname)) mark('find_payment');
    else if (matchPath('/alerts/:alertId', pathname)) mark('review_alert');
  }, [pathname, mark]);
}
