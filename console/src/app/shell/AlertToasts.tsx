// Real-time notifications: a toast for every new high or critical alert, while the user's
// "Notifications" preference is on. Fed by the live stream (alert.created events); the masthead
// badge counts every open alert either way. A few toasts at most (one on a phone, where each takes
// the width of the screen); alerts beyond those are counted in a link to the alert queue rather
// than stacked over the page.
import { Alert, AlertActionCloseButton, AlertActionLink, AlertGroup } from '@patternfly/react-core';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useLiveEvents } from '../../lib/live';
import { useIsPhone } from '../../lib/media';
import { usePreferences } from '../../lib/preferences';

interface Toast {
  id: string;
  severity: 'high' | 'critical';
  paymentId: string | undefined;
}

const URGENT = new Set(['high', 'critical']);
/** The newest few stay on screen; older ones are dropped rather than piling up. */
const MAX_TOASTS = 3;
const MAX_TOASTS_PHONE = 1;
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

interface Shown {
  /** Newest first. */
  readonly toasts: readonly Toast[];
  /** Urgent alerts that came while the toasts were on screen and are not shown. */
  readonly more: number;
}

/** The toasts after an alert arrives: it goes on top; what falls off the end is counted. */
export function withToast(s: Shown, t: Toast, max: number): Shown {
  const list = [t, ...s.toasts.filter((x) => x.id !== t.id)];
  return { toasts: list.slice(0, max), more: s.more + Math.max(0, list.length - max) };
}

/** The toasts after one is closed or timed out; the count goes once none is left. */
export function withoutToast(s: Shown, id: string): Shown {
  const toasts = s.toasts.filter((t) => t.id !== id);
  return { toasts, more: toasts.length === 0 ? 0 : s.more };
}

export function AlertToasts() {
  const { preferences } = usePreferences();
  const navigate = useNavigate();
  const phone = useIsPhone();
  const [shown, setShown] = useState<Shown>({ toasts: [], more: 0 });
  const enabled = preferences.notifications_enabled;
  useLiveEvents(['alert'], (e) => {
    const t = enabled ? toastOf(e.data) : undefined;
    if (t) setShown((s) => withToast(s, t, phone ? MAX_TOASTS_PHONE : MAX_TOASTS));
  });
  const close = (id: string) => {
    setShown((s) => withoutToast(s, id));
  };
  const { toasts, more } = shown;
  return (
    <AlertGroup
      isToast
      isLiveRegion
      className="payflow-toasts"
      overflowMessage={
        more > 0 ? `${String(more)} more urgent alert${more === 1 ? '' : 's'}: open the queue` : ''
      }
      onOverflowClick={() => {
        setShown({ toasts: [], more: 0 });
        void navigate('/alerts?status=open');
      }}
    >
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
