// Notifications: the masthead badge (the signed-in user's unread count) and the drawer it opens.
// The list and the read / unread state live on the server (GET /api/v1/notifications); the live
// stream's `notification` events refresh it (lib/live.tsx), so a new one shows without polling.
// With the Notifications preference off the drawer still lists them, but the badge counts none.
import {
  Button,
  EmptyState,
  EmptyStateBody,
  NotificationBadge,
  NotificationDrawer,
  NotificationDrawerBody,
  NotificationDrawerHeader,
  NotificationDrawerList,
  NotificationDrawerListItem,
  NotificationDrawerListItemBody,
  NotificationDrawerListItemHeader,
  Skeleton,
} from '@patternfly/react-core';
import BellIcon from '@patternfly/react-icons/dist/esm/icons/bell-icon';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { ErrorState } from '../../components/ErrorState';
import { LazyTooltip } from '../../components/LazyTooltip';
import { api } from '../../lib/api';
import { formatRelative } from '../../lib/format';
import { keys } from '../../lib/query';

export interface AppNotification {
  id: string;
  kind: 'alert' | 'batch_job' | 'dlq' | 'worker_pool';
  severity: 'critical' | 'high' | 'warning' | 'info' | 'success';
  title: string;
  body: string;
  object_type: string;
  object_id: string;
  link: string;
  read: boolean;
  created_at: string;
}

interface NotificationList {
  items: AppNotification[];
  unread_count: number;
  enabled: boolean;
}

const VARIANT = {
  critical: 'danger',
  high: 'danger',
  warning: 'warning',
  info: 'info',
  success: 'success',
} as const;

const OPEN_TEXT: Record<AppNotification['kind'], string> = {
  alert: 'Open the alert',
  batch_job: 'Open the batch job',
  dlq: 'Open the dead-letter queue',
  worker_pool: 'Open worker pools',
};

export function useNotifications() {
  return useQuery({
    queryKey: [...keys.notifications, 'list'],
    queryFn: ({ signal }) => api.get<NotificationList>('/api/v1/notifications', { limit: 50 }, signal),
    staleTime: 30_000,
  });
}

function useMarkRead() {
  const client = useQueryClient();
  const done = () => void client.invalidateQueries({ queryKey: keys.notifications });
  const one = useMutation({
    mutationFn: ({ id, read }: { id: string; read: boolean }) =>
      api.patch<AppNotification>(`/api/v1/notifications/${id}`, { read }),
    onMutate: ({ id, read }) => {
      // Show it at once; the refetch after settles it.
      client.setQueryData<NotificationList>([...keys.notifications, 'list'], (list) =>
        list
          ? {
              ...list,
              items: list.items.map((n) => (n.id === id ? { ...n, read } : n)),
              unread_count: Math.max(
                0,
                list.unread_count + (list.items.find((n) => n.id === id)?.read === read ? 0 : read ? -1 : 1),
              ),
            }
          : list,
      );
    },
    onSettled: done,
  });
  const all = useMutation({
    mutationFn: (through: string | undefined) => api.post('/api/v1/notifications/read', { through }),
    onSettled: done,
  });
  return { one, all };
}

/** The masthead badge: unread notifications; opens and closes the drawer. */
export function NotificationsBadge({ expanded, onToggle }: { expanded: boolean; onToggle: () => void }) {
  const list = useNotifications();
  const enabled = list.data?.enabled ?? true;
  const unread = enabled ? (list.data?.unread_count ?? 0) : 0;
  const urgent = enabled
    ? (list.data?.items.some((n) => !n.read && (n.severity === 'critical' || n.severity === 'high')) ?? false)
    : false;
  const label = !list.data
    ? 'Notifications'
    : !enabled
      ? 'Notifications (turned off in Settings)'
      : `Notifications, ${String(unread)} unread`;
  return (
    <LazyTooltip content={label}>
      <NotificationBadge
        variant={urgent ? 'attention' : unread > 0 ? 'unread' : 'read'}
        count={unread}
        aria-label={label}
        aria-expanded={expanded}
        isExpanded={expanded}
        onClick={onToggle}
        data-tour-id="notifications-badge"
      />
    </LazyTooltip>
  );
}

function Loading() {
  return (
    <div className="payflow-drawer-state" aria-busy="true">
      <Skeleton screenreaderText="Loading notifications" />
      <br />
      <Skeleton width="80%" />
      <br />
      <Skeleton width="60%" />
    </div>
  );
}

/** The drawer of the Page: the newest notifications, each linking to its object. */
export function NotificationsDrawer({ onClose }: { onClose: () => void }) {
  const list = useNotifications();
  const { one, all } = useMarkRead();
  const items = list.data?.items ?? [];
  const unread = list.data?.unread_count ?? 0;
  return (
    <NotificationDrawer data-testid="notifications-drawer">
      <NotificationDrawerHeader
        count={unread}
        title="Notifications"
        onClose={onClose}
        closeButtonAriaLabel="Close notifications"
      >
        <Button
          variant="link"
          isInline
          className="payflow-drawer-mark-all"
          isDisabled={unread === 0 || all.isPending}
          onClick={() => {
            all.mutate(items[0]?.id);
          }}
        >
          Mark all read
        </Button>
      </NotificationDrawerHeader>
      <NotificationDrawerBody>
        {list.data && !list.data.enabled && (
          <p className="payflow-drawer-note">
            Notifications are turned off: they are listed here but not counted or shown as they arrive.{' '}
            <Link to="/settings" onClick={onClose}>
              Turn them on in Settings
            </Link>
            .
          </p>
        )}
        {list.isPending ? (
          <Loading />
        ) : list.isError ? (
          <ErrorState
            error={list.error}
            onRetry={() => void list.refetch()}
            title="Could not load notifications"
          />
        ) : items.length === 0 ? (
          <EmptyState headingLevel="h2" icon={BellIcon} titleText="No notifications" variant="sm">
            <EmptyStateBody>
              New high and critical alerts, finished and failed batch jobs, a growing dead-letter queue and
              worker pools at their maximum show here.
            </EmptyStateBody>
          </EmptyState>
        ) : (
          <NotificationDrawerList aria-label="Notifications">
            {items.map((n) => (
              <NotificationDrawerListItem
                key={n.id}
                variant={VARIANT[n.severity]}
                isRead={n.read}
                readStateScreenReaderText={n.read ? 'read' : 'unread'}
                data-notification-id={n.id}
                onClick={() => {
                  if (!n.read) one.mutate({ id: n.id, read: true });
                }}
              >
                <NotificationDrawerListItemHeader
                  variant={VARIANT[n.severity]}
                  title={n.title}
                  srTitle={`${n.severity} notification:`}
                  headingLevel="h3"
                >
                  <Button
                    variant="plain"
                    size="sm"
                    className="payflow-drawer-toggle-read"
                    onClick={(e) => {
                      e.stopPropagation();
                      one.mutate({ id: n.id, read: !n.read });
                    }}
                  >
                    {n.read ? 'Mark unread' : 'Mark read'}
                  </Button>
                </NotificationDrawerListItemHeader>
                <NotificationDrawerListItemBody timestamp={formatRelative(n.created_at)}>
                  {n.body && <div>{n.body}</div>}
                  <Link
                    to={n.link}
                    // The click reaches the item too, which marks it read.
                    onClick={onClose}
                  >
                    {OPEN_TEXT[n.kind]}
                  </Link>
                </NotificationDrawerListItemBody>
              </NotificationDrawerListItem>
            ))}
          </NotificationDrawerList>
        )}
      </NotificationDrawerBody>
    </NotificationDrawer>
  );
}
