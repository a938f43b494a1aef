import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import AlertDetailPage from './AlertDetailPage';
import { bulkUnavailable, unavailable } from './guards';
import { nextAfter } from './queries';
import { anAlert, Providers, stubApi } from './testing';
import type { NextAlert } from './types';

const rule = {
  id: 'rul_1',
  name: 'large-payment',
  version: 3,
  rule_definition: {
    condition: {
      all: [
        { field: 'amount_minor', op: 'gte', value: 100000 },
        { field: 'currency', op: 'in', value: ['USD', 'EUR'] },
      ],
    },
    action: 'alert',
    severity: 'high',
    mode: 'enforce',
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

function page(role: string, alert = anAlert()) {
  const fetchMock = stubApi(role, {
    '/api/v1/alerts/alt_1': alert,
    '/api/v1/rules/rul_1': rule,
    '/api/v1/users/directory': { data: [] },
    '/api/v1/alerts/alt_1/acknowledge': () => ({
      ...alert,
      status: 'acknowledged',
      version: alert.version + 1,
    }),
  });
  render(
    <Providers at="/alerts/alt_1" path="/alerts/:alertId">
      <AlertDetailPage />
    </Providers>,
  );
  return fetchMock;
}

describe('alert action guards', () => {
  it('when an alert is open, acknowledged or resolved, then only the actions that state allows are offered', () => {
    const open = { status: 'open' as const, assignee_id: null };
    const acked = { status: 'acknowledged' as const, assignee_id: 'usr_me' };
    const resolved = { status: 'resolved' as const, assignee_id: null };
    expect(unavailable('acknowledge', open, 'usr_me')).toBeUndefined();
    expect(unavailable('acknowledge', acked, 'usr_me')).toMatch(/only open alerts/i);
    expect(unavailable('assignToMe', acked, 'usr_me')).toMatch(/already assigned to you/);
    expect(unavailable('unassign', open, 'usr_me')).toMatch(/nobody/i);
    expect(unavailable('resolve', acked, 'usr_me')).toBeUndefined();
    expect(unavailable('resolve', resolved, 'usr_me')).toMatch(/already resolved/);
    expect(unavailable('assign', resolved, 'usr_me')).toMatch(/resolved/);
    expect(bulkUnavailable([])).toMatch(/select/i);
    expect(bulkUnavailable([acked])).toMatch(/none of the selected/i);
    expect(bulkUnavailable([acked, open])).toBeUndefined();
  });

  it('when a viewer opens an alert, then its actions are disabled and say the role is why', async () => {
    page('viewer');
    await screen.findByRole('heading', { level: 1, name: 'large-payment matched payment pay_1' });
    for (const name of ['Acknowledge', 'Assign to me', 'Resolve']) {
      expect(screen.getByRole('button', { name }).getAttribute('aria-disabled')).toBe('true');
    }
    await userEvent.hover(screen.getByRole('button', { name: 'Acknowledge' }));
    expect((await screen.findByRole('tooltip')).textContent).toMatch(/viewer/);
    expect(screen.getByRole('link', { name: 'pay_1' }).getAttribute('href')).toBe('/payments/pay_1');
  }, 30_000);

  it('when an operator opens an acknowledged alert, then Acknowledge is disabled with the reason and Resolve works', async () => {
    page('operator', anAlert({ status: 'acknowledged', acknowledged_at: '2026-12-01T10:05:00Z' }));
    await screen.findByRole('heading', { level: 1 });
    const ack = screen.getByRole('button', { name: 'Acknowledge' });
    expect(ack.getAttribute('aria-disabled')).toBe('true');
    await userEvent.hover(ack);
    expect((await screen.findByRole('tooltip')).textContent).toMatch(/only open alerts can be acknowledged/i);
    await userEvent.click(screen.getByRole('button', { name: 'Resolve' }));
    const dialog = await screen.findByRole('dialog', { name: 'Resolve alert' });
    expect(dialog).toBeTruthy();
    for (const name of ['False positive', 'Confirmed fraud', 'Other'])
      expect(screen.getByRole('radio', { name })).toBeTruthy();
    expect(screen.getByLabelText('Notes')).toBeTruthy();
  }, 30_000);

  it('when an operator acknowledges, then one POST goes with an Idempotency-Key and the version seen', async () => {
    const fetchMock = page('operator');
    await screen.findByRole('heading', { level: 1 });
    await userEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => {
      expect(fetchMock.mock.calls.some(([u]) => String(u).endsWith('/acknowledge'))).toBe(true);
    });
    const [, init] = fetchMock.mock.calls.find(([u]) => String(u).endsWith('/acknowledge')) as [
      string,
      RequestInit,
    ];
    const headers = new Headers(init.headers);
    expect(init.method).toBe('POST');
    expect(headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get('If-Match')).toBe('"1"');
  }, 30_000);
});

describe('next alert', () => {
  const at = (id: string | null, status = 'open') =>
    Promise.resolve<NextAlert>({
      alert: id ? anAlert({ id, status: status as 'open' }) : null,
      total: 1,
    });

  it('when the current alert is still open, then the queue goes on after it', async () => {
    const next = vi.fn((_q: object, after?: string) => at(after === 'alt_1' ? 'alt_2' : 'alt_1'));
    expect((await nextAfter({}, { id: 'alt_1', status: 'open' }, next)).alert?.id).toBe('alt_2');
    expect(next).toHaveBeenCalledWith({}, 'alt_1');
  });

  it('when the current alert was acted on, then the next open alert at the head comes next', async () => {
    const next = vi.fn((_q: object, after?: string) => (after ? at(null) : at('alt_0')));
    expect((await nextAfter({}, { id: 'alt_1', status: 'acknowledged' }, next)).alert?.id).toBe('alt_0');
  });

  it('when the head is the current alert itself, then the queue goes on after it, and is clear at the end', async () => {
    const next = vi.fn((_q: object, after?: string) => (after ? at(null) : at('alt_1', 'acknowledged')));
    expect((await nextAfter({}, { id: 'alt_1', status: 'acknowledged' }, next)).alert).toBeNull();
  });
});
