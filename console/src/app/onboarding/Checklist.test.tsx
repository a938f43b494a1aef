import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderPage, stubApi } from '../../testing';
import { Checklist } from './Checklist';

const STATE = {
  role: 'operator',
  items: [
    { id: 'set_preferences', done: true, done_at: '2026-01-01T00:00:00Z' },
    { id: 'find_payment', done: false, done_at: null },
    { id: 'work_alert', done: false, done_at: null },
    { id: 'backtest_rule', done: false, done_at: null },
  ],
  completed: false,
  dismissed: false,
  tour: { status: 'not_started', step: 0, steps: 23 },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Checklist', () => {
  it("when shown, then it lists the role's items with what is done, and hiding it is saved", async () => {
    const patch = vi.fn(() => json({ ...STATE, dismissed: true }));
    stubApi({
      'GET /api/v1/users/me/onboarding': () => json(STATE),
      'PATCH /api/v1/users/me/onboarding': patch,
    });
    renderPage(<Checklist />);
    const list = await screen.findByRole('list', { name: 'First steps' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      'Set your preferences (done) — Theme, time zone, start page.',
      'Find a payment (to do) — Filter the explorer and open one.',
      'Work an alert (to do) — Acknowledge, assign or resolve one.',
      'Backtest a rule (to do) — Try a condition over stored payments.',
    ]);
    expect(screen.getByRole('progressbar', { name: '1 of 4 done' })).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Hide the checklist' }));
    await waitFor(() => {
      expect(screen.queryByRole('list', { name: 'First steps' })).toBeNull();
    });
    expect(patch).toHaveBeenCalledTimes(1);
  });
});
