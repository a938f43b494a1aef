// "Next open alert" / "Next alert": asks the API for the next alert to work with the queue's
// filters (carried in the URL from the queue to each alert) and opens it.
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, describeError, type Query } from '../../lib/api';
import { alertKeys, nextAfter } from './queries';
import type { Alert } from './types';

export function nextError(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) {
    return 'This API does not offer the work queue yet (GET /api/v1/alerts/next). Open alerts from the list instead.';
  }
  return describeError(err);
}

export function useNextAlert(
  query: Query,
  /** The queue's filters as a URL query, carried to the alert opened. */
  search: string,
  notify: (toast: { variant: 'info' | 'danger'; title: string; body?: string }) => void,
) {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [pending, setPending] = useState(false);
  const go = async (current?: Pick<Alert, 'id' | 'status'>) => {
    if (pending) return;
    setPending(true);
    try {
      const next = await nextAfter(query, current);
      if (next.alert) {
        client.setQueryData(alertKeys.detail(next.alert.id), next.alert);
        void navigate(`/alerts/${encodeURIComponent(next.alert.id)}${search}`);
      } else {
        notify({
          variant: 'info',
          title: 'The queue is clear',
          body: 'No other alert matches the queue’s filters.',
        });
      }
    } catch (err) {
      notify({ variant: 'danger', title: 'Could not find the next alert', body: nextError(err) });
    } finally {
      setPending(false);
    }
  };
  return { go, pending };
}
