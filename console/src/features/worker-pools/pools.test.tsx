import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, ME, renderPage, SESSION, stubApi } from '../../testing';
import { DeadLettersCard } from './DeadLetters';
import { chartSeries, chartSummary, niceAxis, replicaAxis } from './pools';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('pool chart axes', () => {
  it('when the peaks are ragged, then the axes end on round values with whole replicas', () => {
    expect(niceAxis(65)).toEqual({ top: 80, ticks: [0, 20, 40, 60, 80] });
    expect(niceAxis(0)).toEqual({ top: 4, ticks: [0, 1, 2, 3, 4] });
    expect(replicaAxis(3)).toEqual({ top: 3, ticks: [0, 1, 2, 3] });
    expect(replicaAxis(10)).toEqual({ top: 12, ticks: [0, 3, 6, 9, 12] });
  });
});

describe('pool chart series', () => {
  it('when samples arrive, then backlog and replicas are series with their peaks, gaps skipped', () => {
    const s = chartSeries([
      { at: '2026-01-01T00:00:00Z', backlog: 10, dead_letter: 0, desired: 2, ready: 1 },
      { at: '2026-01-01T00:00:05Z', backlog: null, dead_letter: null, desired: 2, ready: 2 },
      { at: '2026-01-01T00:00:10Z', backlog: 40, dead_letter: 1, desired: 8, ready: 2 },
    ]);
    expect(s.backlog.map((p) => p.y)).toEqual([10, 40]);
    expect(s.ready.map((p) => p.y)).toEqual([1, 2, 2]);
    expect([s.maxBacklog, s.maxReplicas]).toEqual([40, 8]);
    expect(chartSummary(s)).toBe(
      '3 samples in the last hour; now backlog 40, 8 replicas desired and 2 ready; peak backlog 40.',
    );
  });
});

const DLQ = {
  queue: 'payflow-payment-events-dlq',
  source_queue: 'payflow-payment-events',
  messages: [
    {
      message_id: 'm-1',
      reason: 'illegal transition pending → settled',
      event_id: 'evt_1',
      event_type: 'payment.settled',
      payment_id: 'pay_1',
      redrive_count: 0,
      receive_count: 1,
      sent_at: '2026-01-01T00:00:00Z',
      body: '{}',
    },
    {
      message_id: 'm-2',
      reason: null,
      event_id: 'evt_2',
      event_type: 'payment.captured',
      payment_id: 'pay_2',
      redrive_count: 1,
      receive_count: 6,
      sent_at: '2026-01-01T00:01:00Z',
      body: '{}',
    },
  ],
};

describe('dead letters', () => {
  it('when an operator selects one message and redrives it, then only its id is sent and the outcome shows', async () => {
    const calls = stubApi({
      'POST /api/v1/auth/refresh': () => json(SESSION),
      'GET /api/v1/users/me': () => json(ME),
      'GET /api/v1/dead-letters': () => json(DLQ),
      'POST /api/v1/dead-letters/redrive': () =>
        json({ queue: DLQ.queue, moved: 1, message_ids: ['m-1'], event_ids: ['evt_1'], missing: [] }),
    });
    renderPage(<DeadLettersCard />, { session: true });
    // The silent sign-in, then the listing: a busy machine may take a while.
    expect(
      await screen.findByText('illegal transition pending → settled', {}, { timeout: 10_000 }),
    ).toBeTruthy();
    const table = screen.getByRole('grid', { name: 'Dead letters' });
    expect(within(table).getByText('Moved by SQS after too many receives')).toBeTruthy();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Select evt_1' }));
    await userEvent.click(screen.getByRole('button', { name: 'Redrive selected (1)' }));
    expect(
      await screen.findByText('1 message sent back to the events queue', {}, { timeout: 10_000 }),
    ).toBeTruthy();
    const post = calls.mock.calls.find(
      ([, init]) => init?.method === 'POST' && (init.body as string).includes('message_ids'),
    );
    expect(JSON.parse(post?.[1]?.body as string)).toEqual({ message_ids: ['m-1'] });
  });

  it('when no DLQ is configured, then the card says so instead of an error', async () => {
    stubApi({
      'POST /api/v1/auth/refresh': () => json(SESSION),
      'GET /api/v1/users/me': () => json(ME),
      'GET /api/v1/dead-letters': () => json({ title: 'Service unavailable', status: 503 }, 503),
    });
    renderPage(<DeadLettersCard />, { session: true });
    await waitFor(() => {
      expect(screen.getByText(/No dead-letter queue is configured/)).toBeTruthy();
    });
  });
});
