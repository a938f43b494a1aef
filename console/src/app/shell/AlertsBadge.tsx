// The masthead's notifications badge: open alerts, live. It links to the alert queue.
import { NotificationBadge, Tooltip } from '@patternfly/react-core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api } from '../../lib/api';
import { keys } from '../../lib/query';

interface AlertCounts {
  total_open: number;
  open: Record<string, number>;
}

export function useAlertCounts() {
  return useQuery({
    queryKey: [...keys.stats, 'alerts'],
    queryFn: ({ signal }) => api.get<AlertCounts>('/api/v1/stats/alerts', undefined, signal),
    staleTime: 15_000,
  });
}

export function AlertsBadge() {
  const navigate = useNavigate();
  const counts = useAlertCounts();
  // Open alerts only: `total_open` also counts the acknowledged ones (every unresolved alert).
  const open = counts.data?.open ?? {};
  const n = Object.values(open).reduce((sum, x) => sum + x, 0);
  const urgent = (open.critical ?? 0) + (open.high ?? 0);
  const label = counts.data
    ? `${String(n)} open alerts${urgent ? `, ${String(urgent)} high or critical` : ''}`
    : 'Open alerts';
  return (
    <Tooltip content={label}>
      <NotificationBadge
        variant={urgent > 0 ? 'attention' : n > 0 ? 'unread' : 'read'}
        count={n}
        aria-label={label}
        onClick={() => void navigate('/alerts?status=open')}
      />
    </Tooltip>
  );
}
