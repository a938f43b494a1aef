import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderPage, SESSION, stubApi } from '../../testing';
import { BacktestPanel, BacktestResult } from './BacktestPanel';
import { backtestFixture } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

const draft = { condition: { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 6 } };
const saved = { version: 3, definition: { condition: { ...draft.condition, value: 5 } } };

describe('BacktestPanel', () => {
  it('when one of the two backtests fails to start, then the retry sends both again with the same window under the same keys', async () => {
    const posts: { body: { rule_definition: unknown; from: string; to: string }; key: string | null }[] = [];
    let failSaved = true;
    stubApi({
      'POST /api/v1/auth/refresh': () => json(SESSION),
      'POST /api/v1/rules/backtests': (init) => {
        const body = JSON.parse(init?.body as string) as (typeof posts)[number]['body'];
        posts.push({ body, key: new Headers(init?.headers).get('idempotency-key') });
        const isSaved = JSON.stringify(body.rule_definition) === JSON.stringify(saved.definition);
        if (isSaved && failSaved) {
          failSaved = false;
          return json({ title: 'Service Unavailable', status: 503 }, 503);
        }
        return json({ id: isSaved ? 'job_saved' : 'job_draft', status: 'pending' }, 201);
      },
    });
    renderPage(<BacktestPanel definition={draft} ruleId="rul_1" saved={saved} invalid={false} />, {
      session: true,
    });
    const run = await screen.findByRole('button', { name: 'Run backtest' });
    fireEvent.click(run);
    await screen.findByText(/Could not start the backtest/);
    fireEvent.click(run);
    await waitFor(() => {
      expect(posts).toHaveLength(4);
    });
    const [first, second] = [posts.slice(0, 2), posts.slice(2)];
    const byDefinition = (xs: typeof posts) =>
      [...xs].sort((a, b) => JSON.stringify(a.body).localeCompare(JSON.stringify(b.body)));
    expect(byDefinition(second)).toEqual(byDefinition(first));
    expect(new Set(posts.map((p) => p.key)).size).toBe(2);
    expect(new Set(posts.map((p) => `${p.body.from} ${p.body.to}`)).size).toBe(1);
  });

  it('when some of the fraud is known by chargebacks alone, then the result says how many and the examples mark them', () => {
    const example = {
      payment_id: 'pay_1',
      created_at: '2026-11-07T10:00:00Z',
      merchant_id: 'acme-books',
      payer_id: 'payer_1',
      amount_minor: '4200',
      currency: 'USD',
      state: 'charged_back',
      country: 'US',
      card_fingerprint: null,
      label: 'chargeback' as const,
      values: { 'count(*)/payer_id/600s': '7' },
      reasons: ['count(*) over 10m by payer_id gte 6 (was 7)'],
    };
    const bt = backtestFixture(
      {
        hits: 4,
        hits_by_day: [{ day: '2026-11-07', hits: 4 }],
        examples: [example, { ...example, payment_id: 'pay_2', state: 'settled', label: 'false_positive' }],
      },
      { confirmed_fraud_hit: 3, false_positive_hit: 1, confirmed_fraud_missed: 1, chargebacks: 2 },
    );
    renderPage(<BacktestResult bt={bt} />);
    expect(screen.getByText('Confirmed fraud includes 2 chargebacks with no alert resolved')).toBeTruthy();
    const examples = screen.getByRole('table', { name: 'Backtest examples' });
    expect(examples.textContent).toContain('Chargeback');
    expect(examples.textContent).toContain('False positive');
    expect(screen.queryByText(/there are none yet/)).toBeNull();
  });
});
