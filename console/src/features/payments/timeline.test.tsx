import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PaymentTimeline } from './PaymentTimeline';
import { payment, renderApp, stubApi } from './testing';
import type { TimelineEntry } from './types';

afterEach(() => {
  vi.unstubAllGlobals();
});

const entry = (over: Partial<TimelineEntry>): TimelineEntry => ({
  at: '2026-12-01T10:00:00.000Z',
  kind: 'event',
  type: 'payment.disputed',
  outcome: 'applied',
  from_state: 'settled',
  to_state: 'disputed',
  event_id: 'evt_1',
  actor: { type: 'worker', id: 'worker-1' },
  ...over,
});

describe('payment timeline', () => {
  it('when disputes carry reason codes, then each says its code and what backtests make of it', async () => {
    const p = payment();
    stubApi('viewer', {
      [`GET /api/v1/transactions/${p.id}/timeline`]: () => ({
        data: [
          entry({ dispute_reason: { code: '13.1', fraud: false } }),
          entry({ type: 'payment.dispute_won', from_state: 'disputed', to_state: 'settled' }),
          entry({ dispute_reason: { code: '4837', fraud: true } }),
          entry({
            type: 'payment.dispute_lost',
            from_state: 'disputed',
            to_state: 'charged_back',
            dispute_reason: { code: 'ZZ-9', fraud: null },
          }),
        ],
      }),
    });
    renderApp(<PaymentTimeline payment={p} />);
    expect(await screen.findByText('Reason code 13.1 (not a fraud dispute)')).toBeDefined();
    expect(screen.getByText('Reason code 4837 (a fraud dispute)')).toBeDefined();
    expect(screen.getByText('Reason code ZZ-9 (no known network)')).toBeDefined();
    expect(screen.getAllByText(/^Reason code/)).toHaveLength(3);
  });
});
