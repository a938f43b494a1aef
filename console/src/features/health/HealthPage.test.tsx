import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import full from './health.fixture.json';
import HealthPage from './HealthPage';
import { json, ME, renderPage, stubApi, urlOf } from '../../testing';

const QUEUE_STATS = {
  sampled_at: '2026-12-01T22:40:00Z',
  queues: [
    {
      name: 'payflow-payment-events',
      url: 'http://sqs/payflow-payment-events',
      visible: 7,
      in_flight: 2,
      delayed: 1,
      dlq: {
        name: 'payflow-payment-events-dlq',
        url: 'x',
        visible: 3,
        in_flight: 0,
        delayed: 0,
        oldest_age_seconds: 90,
      },
      dlq_depth: 3,
      oldest_age_seconds: 0.5,
    },
  ],
};

function serve(health: unknown, stats: unknown = QUEUE_STATS) {
  return stubApi({
    'GET /api/v1/users/me': () => json(ME),
    'GET /api/v1/health': () => (health instanceof Response ? health : json(health)),
    'GET /api/v1/queue/stats': () => (stats instanceof Response ? stats : json(stats)),
  });
}

const rowOf = (table: string, name: string) =>
  within(screen.getByRole('table', { name: table }))
    .getByRole('rowheader', { name })
    .closest('tr') as HTMLElement;

afterEach(() => {
  vi.unstubAllGlobals();
});

// PatternFly tables in jsdom are slow on a busy machine: a generous budget, no timed assertion.
describe('HealthPage', { timeout: 30_000 }, () => {
  it('when the full report arrives, then every component, the score and its inputs are shown', async () => {
    serve(full);
    renderPage(<HealthPage />);
    expect(screen.getByRole('heading', { name: 'System health', level: 1 })).toBeTruthy();
    const services = await screen.findByRole('table', { name: 'Services' });
    await within(services).findByRole('rowheader', { name: 'Workers' });
    for (const name of ['API', 'Workers', 'Controller'])
      expect(within(services).getByRole('rowheader', { name })).toBeTruthy();
    const deps = screen.getByRole('table', { name: 'Dependencies' });
    for (const name of ['PostgreSQL', 'Redis', 'Events queue', 'Events dead-letter queue', 'Kubernetes'])
      expect(within(deps).getByRole('rowheader', { name })).toBeTruthy();
    expect(within(rowOf('Dependencies', 'PostgreSQL')).getByText('1.4 ms')).toBeTruthy();
    expect(within(rowOf('Dependencies', 'PostgreSQL')).getByText('17.2')).toBeTruthy();
    expect(within(rowOf('Dependencies', 'Updates queue')).getByText('Not configured')).toBeTruthy();
    expect(within(rowOf('Services', 'Workers')).getByText('Degraded')).toBeTruthy();
    expect(screen.getByText('84')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'How is this computed?' }));
    const inputs = await screen.findByRole('table', { name: 'Score inputs' });
    expect(within(inputs).getByRole('rowheader', { name: 'Dead letters' })).toBeTruthy();
    expect(within(inputs).getByText('2 live, 1 stopped beating')).toBeTruthy();
  });

  it('when a service row is expanded, then its instances show hostname, heartbeat and details', async () => {
    serve(full);
    renderPage(<HealthPage />);
    const toggle = await screen.findByRole('button', { name: 'Instances of Workers' });
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    await userEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const instances = screen.getByRole('table', { name: 'Instances of Workers' });
    expect(within(instances).getByRole('rowheader', { name: 'worker-5c6b-a' })).toBeTruthy();
    expect(within(instances).getByText('payflow-worker-5c6b-a')).toBeTruthy();
    expect(within(instances).getByText('410.2 events/s')).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Instances of Controller' }));
    const controllers = screen.getByRole('table', { name: 'Instances of Controller' });
    const leader = within(controllers)
      .getByRole('rowheader', { name: 'controller-0' })
      .closest('tr') as HTMLElement;
    expect(within(leader).getByText('Leader')).toBeTruthy();
  });

  it('when a dead-letter queue holds messages, then the queues table warns about it', async () => {
    serve(full);
    renderPage(<HealthPage />);
    const queues = await screen.findByRole('table', { name: 'Queues' });
    const events = await within(queues).findByRole('rowheader', { name: /Events queue/ });
    const row = events.closest('tr') as HTMLElement;
    await waitFor(() => {
      expect(within(row).getByText('7')).toBeTruthy();
    });
    expect(within(row).getByText(/3 dead-lettered/)).toBeTruthy();
    expect(screen.getByText('3 messages in dead-letter queues')).toBeTruthy();
    const updates = within(queues)
      .getByRole('rowheader', { name: 'Updates queue' })
      .closest('tr') as HTMLElement;
    expect(within(updates).getByText('Not configured')).toBeTruthy();
  });

  it('when the API sends the first report (checks as a map, no score), then what is there is shown', async () => {
    serve(
      {
        status: 'healthy',
        checked_at: '2026-12-01T22:28:51Z',
        components: {
          database: { status: 'up', latency_ms: 5.17 },
          redis: { status: 'up', latency_ms: 4.99 },
          queue: { status: 'up', latency_ms: 19.67, depth: 0, dlq_depth: 0 },
          workers: {
            status: 'up',
            latency_ms: 4.78,
            live: 1,
            instances: [{ instance_id: 'w-1', version: '0.1.0' }],
          },
        },
        services: { api: 1, worker: 1, controller: 0 },
      },
      {
        title: 'Service Unavailable',
        status: 503,
        detail: 'No SQS queue is configured (SQS_EVENTS_QUEUE_URL).',
      },
    );
    renderPage(<HealthPage />);
    const deps = await screen.findByRole('table', { name: 'Dependencies' });
    await within(deps).findByRole('rowheader', { name: 'PostgreSQL' });
    expect(within(rowOf('Dependencies', 'PostgreSQL')).getByText('5.2 ms')).toBeTruthy();
    expect(screen.getByText('This API reports the overall status only, not a score.')).toBeTruthy();
    expect(screen.getByText('Healthy')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'How is this computed?' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Instances of Workers' }));
    const instances = screen.getByRole('table', { name: 'Instances of Workers' });
    expect(within(instances).getByRole('rowheader', { name: 'w-1' })).toBeTruthy();
  });

  it('when components lack every optional field, then dashes stand in and nothing breaks', async () => {
    serve(
      {
        components: [
          { name: 'api' },
          { name: 'mystery-store', status: 'sleeping' },
          { kind: 'service' },
          'x',
        ],
      },
      {},
    );
    renderPage(<HealthPage />);
    const services = await screen.findByRole('table', { name: 'Services' });
    const api = (await within(services).findByRole('rowheader', { name: 'API' })).closest(
      'tr',
    ) as HTMLElement;
    expect(within(api).getByText('Unknown')).toBeTruthy();
    expect(within(api).getAllByText('—').length).toBeGreaterThan(2);
    const deps = screen.getByRole('table', { name: 'Dependencies' });
    expect(within(deps).getByRole('rowheader', { name: 'Mystery store' })).toBeTruthy();
    expect(within(deps).getByText('Sleeping')).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Queues' })).toBeTruthy();
  });

  it('when the health report cannot be loaded, then an error with a retry is shown and the retry asks again', async () => {
    const fetchMock = serve(
      json({ title: 'Internal Server Error', status: 500, detail: 'database down' }, 500),
    );
    renderPage(<HealthPage />);
    expect(await screen.findByText('Could not load the health report')).toBeTruthy();
    expect(screen.getByText('database down')).toBeTruthy();
    const before = fetchMock.mock.calls.filter(([u]) => urlOf(u).includes('/api/v1/health')).length;
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => {
      expect(fetchMock.mock.calls.filter(([u]) => urlOf(u).includes('/api/v1/health')).length).toBe(
        before + 1,
      );
    });
  });
});
