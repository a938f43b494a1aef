// Real-time notifications: a toast for every new high or critical alert, while the user's
// "Notifications" preference is on. Fed by the live stream (alert.created events); the masthead
// badge counts every open alert either way.
import { Alert, AlertActionCloseButton, AlertActionLink, AlertGroup } from '@patternfly/react-core';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useLiveEvents } from '../../lib/live';
import { usePreferences } from '../../lib/preferences';

interface Toast {
  id: string;
  severity: 'high' | 'critical';
  paymentId: string | undefined;
}

const URGENT = new Set(['high', 'critical']);
/** The newest few stay on screen; older ones are dropped rather than piling up. */
const MAX_TOASTS = 3;
const TIMEOUT_MS = 8000;

export function toastOf(data: Record<string, unknown>): Toast | undefined {
  if (data.type !== 'alert.created' || typeof data.id !== 'string') return undefined;
  const severity = data.severity;
  if (typeof severity !== 'string' || !URGENT.has(severity)) return undefined;
  return {
    id: data.id,
    severity: severity as Toast['severity'],
    paymentId: typeof data.payment_id === 'string' ? data.payment_id : undefined,
  };
}

export function AlertToasts() {
  const { preferences } = usePreferences();
  const navigate = useNavigate();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const enabled = preferences.notifications_enabled;
  useLiveEvents(['alert'], (e) => {
    const t = enabled ? toastOf(e.data) : undefined;
    if (t) setToasts((list) => [t, ...list.filter((x) => x.id !== t.id)].slice(0, MAX_TOASTS));
  });
  const close = (id: string) => {
    setToasts((list) => list.filter((t) => t.id !== id));
  };
  return (
    <AlertGroup isToast isLiveRegion>
      {toasts.map((t) => (
        <Alert
          key={t.id}
          variant={t.severity === 'critical' ? 'danger' : 'warning'}
          title={`New ${t.severity} alert${t.paymentId ? ` on ${t.paymentId}` : ''}`}
          timeout={TIMEOUT_MS}
          onTimeout={() => {
            close(t.id);
          }}
          actionClose={
            <AlertActionCloseButton
              title="Dismiss"
              onClose={() => {
                close(t.id);
              }}
            />
          }
          actionLinks={
            <AlertActionLink
              onClick={() => {
                close(t.id);
                void navigate(`/alerts/${t.id}`);
              }}
            >
              Open the alert
            </AlertActionLink>
          }
        />
      ))}
    </AlertGroup>
  );
}
