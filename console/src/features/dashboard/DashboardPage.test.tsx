import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter, useLocation } from 'react-router';
import { PreferencesProvider } from '../../lib/preferences';
import { keys } from '../../lib/query';
import DashboardPage from './DashboardPage';
import type { AlertStats, HealthReport, Overview, PaymentRow, QueueStats } from './data';

const overview: Overview = {
  window: { from: '2026-12-01T09:00:00Z', to: '2026-12-01T10:00:00Z', bucket_seconds: 60 },
  totals: {
    payments: 120,
    succeeded: 96,
    failed: 4,
    success_rate: 0.96,
    by_currency: [
      { currency: 'USD', count: 80, amount: '1234.50', amount_minor: '123450' },
      { currency: 'JPY', count: 40, amount: '5000', amount_minor: '5000' },
    ],
  },
  series: [
    { ts: '2026-12-01T09:58:00Z', payments: 60, succeeded: 48, failed: 2 },
    { ts: '2026-12-01T09:59:00Z', payments: 60, succeeded: 48, failed: 2 },
  ],
  state_mix: [
    { state: 'settled', count: 96 },
    { state: 'failed', count: 4 },
    { state: 'pending', count: 20 },
  ],
  time_to_final: { p50_seconds: 2.5, p95_seconds: 75, samples: 100 },
  generated_at: '2026-12-01T10:00:00Z',
};

const emptyOverview: Overview = {
  ...overview,
  totals: { payments: 0, succeeded: 0, failed: 0, success_rate: null, by_currency: [] },
  series: [],
  state_mix: [],
  time_to_final: { p50_seconds: null, p95_seconds: null, samples: 0 },
};

const alerts: AlertStats = {
  open: { low: 1, medium: 0, high: 2, critical: 3 },
  acknowledged: { low: 0, medium: 1, high: 0, critical: 0 },
  total_open: 7,
};

const queue: QueueStats = {
  sampled_at: '2026-12-01T10:00:00Z',
  queues: [
    {
      name: 'payflow-payment-events',
      url: 'http://sqs/q',
      visible: 7,
      in_flight: 2,
      delayed: 0,
      dlq: { name: 'payflow-payment-events-dlq', visible: 4, in_flight: 0, delayed: 0 },
      dlq_depth: 4,
      oldest_age_seconds: 95,
    },
  ],
};

const health: HealthReport = {
  status: 'healthy',
  checked_at: '2026-12-01T10:00:00Z',
  components: [
    {
      name: 'worker',
      kind: 'service',
      status: 'up',
      instances: [
        { instance_id: 'worker-a', version: '0.1.0', last_seen_at: '2026-12-01T10:00:00Z', status: 'up' },
        { instance_id: 'worker-b', version: '0.1.0', last_seen_at: '2026-12-01T10:00:00Z', status: 'up' },
      ],
    },
  ],
  score: {
    value: 93,
    explanation: 'Weighted average of the inputs that apply.',
    inputs: [
      { name: 'dependencies', weight: 30, value: 1, why: 'all 3 configured dependencies answered' },
      { name: 'dead_letters', weight: 15, value: 0.53, why: '4 messages dead-lettered' },
    ],
  },
};

function payment(id: string): PaymentRow {
  return {
    id,
    merchant_id: 'acme-books',
    amount: 12.5,
    amount_minor: '1250',
    currency: 'EUR',
    current_state: 'authorized',
    created_at: '2026-12-01T10:00:00Z',
  };
}

const json = (body: unknown, status = 200) =>
  Promise.resolve(
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': status < 300 ? 'application/json' : 'application/problem+json' },
    }),
  );

type Answers = Record<string, () => Promise<Response>>;

/** Stubs fetch by path; every request is recorded. */
function stubApi(over: Partial<Answers> = {}) {
  const answers: Answers = {
    '/api/v1/users/me': () => json({ id: 'u', email: 'a@b.test', name: 'A', role: 'admin', preferences: {} }),
    '/api/v1/stats/overview': () => json(overview),
    '/api/v1/stats/alerts': () => json(alerts),
    '/api/v1/queue/stats': () => json(queue),
    '/api/v1/health': () => json(health),
    '/api/v1/transactions': () =>
      json({ data: [payment('pay_1')], pagination: { limit: 8, offset: 0, total: 1 } }),
    ...over,
  };
  const calls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string) => {
      calls.push(url);
      const path = url.split('?')[0] ?? url;
      const answer = answers[path];
      return answer ? answer() : json({ title: 'Not Found', status: 404 }, 404);
    }),
  );
  return calls;
}

function Where() {
  const { search } = useLocation();
  return <output aria-label="search">{search}</output>;
}

function renderPage(url = '/dashboard') {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter initialEntries={[url]}>
        <PreferencesProvider>
          <DashboardPage />
          <Where />
        </PreferencesProvider>
      </MemoryRouter>
    </QueryClientProvider>,
  );
  return client;
}

const card = (title: string) => {
  const heading = screen.getByRole('heading', { name: title });
  const section = heading.closest('section');
  if (!section) throw new Error(`no card ${title}`);
  return within(section);
};

afterEach(() => {
  vi.unstubAllGlobals();
});

// PatternFly renders slowly in jsdom; the budget is generous so a loaded machine does not fail.
describe('DashboardPage', { timeout: 30_000 }, () => {
  it('when every endpoint answers, then each card shows its numbers under the names the browser tests use', async () => {
    stubApi();
    renderPage();
    expect(screen.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeTruthy();
    const group = screen.getByRole('group', { name: 'Time window' });
    for (const w of ['15m', '1h', '6h', '24h', '7d', '30d'])
      expect(within(group).getByRole('button', { name: w })).toBeTruthy();
    expect(within(group).getByRole('button', { name: '1h' }).getAttribute('aria-pressed')).toBe('true');

    expect(await card('Success rate').findByText('96.0 %')).toBeTruthy();
    expect(card('Time to final state').getByText('2.5 s')).toBeTruthy();
    expect(card('Time to final state').getByText('1 min 15 s')).toBeTruthy();
    expect(card('Value by currency').getByText('$1,234.50')).toBeTruthy();
    expect(card('Value by currency').getByText('¥5,000')).toBeTruthy();
    expect(card('State mix').getByText('Settled')).toBeTruthy();
    expect(card('Payments per minute').getByText('Payments')).toBeTruthy();

    const alertsCard = card('Open alerts');
    expect(await alertsCard.findByRole('link', { name: '3 Critical open alerts' })).toHaveProperty(
      'href',
      expect.stringMatching(/\/alerts\?status=open&severity=critical$/),
    );
    expect(alertsCard.getByRole('link', { name: '2 High open alerts' })).toBeTruthy();

    const queueCard = card('Queue');
    expect(await queueCard.findByText('4 dead-lettered')).toBeTruthy();
    expect(queueCard.getByText('1 min 35 s')).toBeTruthy();

    expect(await card('Workers').findByText('live workers')).toBeTruthy();
    expect(card('Workers').getByText('2')).toBeTruthy();
    expect(card('Health score').getByText('93')).toBeTruthy();
    expect(card('Health score').getByText('Healthy')).toBeTruthy();

    // The table is its own lazy chunk: on a loaded machine it can take a while to arrive.
    const table = await waitFor(
      () =>
        screen.queryByRole('grid', { name: 'Latest payments' }) ??
        screen.getByRole('table', { name: 'Latest payments' }),
      { timeout: 10_000 },
    );
    expect((await within(table).findByRole('link', { name: 'pay_1' })).getAttribute('href')).toBe(
      '/payments/pay_1',
    );
  });

  it('when the health score is explained, then the popover lists every input with its weight and why', async () => {
    stubApi();
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'How is this computed?' }));
    const inputs = await screen.findByRole('table', { name: 'Health score inputs' });
    expect(within(inputs).getByText('Dead letters')).toBeTruthy();
    expect(within(inputs).getByText('4 messages dead-lettered')).toBeTruthy();
    expect(within(inputs).getByText('53 %')).toBeTruthy();
    expect(screen.getByText('Weighted average of the inputs that apply.')).toBeTruthy();
    // Mounted at the first opening; from then on the popover's own toggling closes and opens it.
    const button = screen.getByRole('button', { name: 'How is this computed?' });
    expect(button.getAttribute('aria-expanded')).toBe('true');
    await userEvent.click(button);
    await waitFor(() => {
      expect(screen.queryByRole('table', { name: 'Health score inputs' })).toBeNull();
    });
    expect(button.getAttribute('aria-expanded')).toBe('false');
    await userEvent.click(button);
    expect(await screen.findByRole('table', { name: 'Health score inputs' })).toBeTruthy();
    await userEvent.keyboard('{Escape}');
    await waitFor(() => {
      expect(screen.queryByRole('table', { name: 'Health score inputs' })).toBeNull();
    });
  });

  it('when the overview endpoint answers 404, then its cards say so with Try again, and Try again asks again', async () => {
    const calls = stubApi({ '/api/v1/stats/overview': () => json({ title: 'Not Found', status: 404 }, 404) });
    renderPage();
    const success = card('Success rate');
    expect(
      await success.findByText('This API does not serve /api/v1/stats/overview yet (HTTP 404).'),
    ).toBeTruthy();
    expect(card('State mix').getByRole('button', { name: 'Try again' })).toBeTruthy();
    // The other cards do not depend on it.
    expect(await card('Open alerts').findByRole('link', { name: '3 Critical open alerts' })).toBeTruthy();
    const before = calls.filter((c) => c.startsWith('/api/v1/stats/overview')).length;
    await userEvent.click(success.getByRole('button', { name: 'Try again' }));
    await waitFor(() => {
      expect(calls.filter((c) => c.startsWith('/api/v1/stats/overview')).length).toBe(before + 1);
    });
  });

  it('when the health endpoint fails, then the workers and score cards offer Try again', async () => {
    stubApi({
      '/api/v1/health': () => json({ title: 'Service Unavailable', status: 503, detail: 'down' }, 503),
    });
    renderPage();
    expect(await card('Workers').findByRole('button', { name: 'Try again' })).toBeTruthy();
    expect(card('Health score').getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('when the window holds no payments, then the cards say so instead of drawing empty charts', async () => {
    stubApi({ '/api/v1/stats/overview': () => json(emptyOverview) });
    renderPage();
    expect(await card('Payments per minute').findByText('No payments in the last hour.')).toBeTruthy();
    expect(card('State mix').getByText('No payments in the last hour.')).toBeTruthy();
    expect(card('Value by currency').getByText('No payments in the last hour.')).toBeTruthy();
    expect(card('Success rate').getByText('No payment reached a final state in the last hour.')).toBeTruthy();
  });

  it('when another window is chosen, then the URL holds it and the overview is asked for it', async () => {
    const calls = stubApi();
    renderPage('/dashboard?window=24h');
    const group = screen.getByRole('group', { name: 'Time window' });
    expect(within(group).getByRole('button', { name: '24h' }).getAttribute('aria-pressed')).toBe('true');
    await card('Success rate').findByText('96.0 %');
    expect(calls).toContain('/api/v1/stats/overview?window=24h');
    await userEvent.click(within(group).getByRole('button', { name: '7d' }));
    expect(screen.getByRole('status', { name: 'search' }).textContent).toBe('?window=7d');
    await waitFor(() => {
      expect(calls).toContain('/api/v1/stats/overview?window=7d');
    });
  });

  it('when the live stream invalidates payments, then a new payment appears in the table without a reload', async () => {
    let rows = [payment('pay_1')];
    stubApi({
      '/api/v1/transactions': () =>
        json({ data: rows, pagination: { limit: 8, offset: 0, total: rows.length } }),
    });
    const client = renderPage();
    expect(await screen.findByRole('link', { name: 'pay_1' })).toBeTruthy();
    rows = [payment('pay_2'), ...rows];
    await client.invalidateQueries({ queryKey: keys.payments });
    expect(await screen.findByRole('link', { name: 'pay_2' })).toBeTruthy();
  });
});
