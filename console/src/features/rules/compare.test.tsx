import { render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { BacktestCompare } from './BacktestCompare';
import { compareRows, definitionChanged, exampleDiff } from './compare';
import { backtestFixture } from './testing';
import type { BacktestExample } from './types';

const backtest = backtestFixture;

describe('compareRows', () => {
  it('when the draft hits fewer payments but keeps the fraud it caught, then fewer false positives and higher precision read as better', () => {
    const saved = backtest({ hits: 10 });
    const draft = backtest(
      { hits: 6 },
      {
        confirmed_fraud_hit: 4,
        false_positive_hit: 1,
        confirmed_fraud_missed: 2,
        precision: 0.8,
        recall: 4 / 6,
      },
    );
    expect(compareRows(draft, saved)).toEqual([
      { measure: 'Would have hit', draft: '6', saved: '10', change: '\u22124', tone: 'neutral' },
      { measure: 'Confirmed fraud caught', draft: '4', saved: '4', change: 'no change', tone: 'neutral' },
      { measure: 'False positives hit', draft: '1', saved: '4', change: '\u22123', tone: 'better' },
      { measure: 'Confirmed fraud missed', draft: '2', saved: '2', change: 'no change', tone: 'neutral' },
      { measure: 'Precision', draft: '80.0 %', saved: '50.0 %', change: '+30.0 pts', tone: 'better' },
      { measure: 'Recall', draft: '66.7 %', saved: '66.7 %', change: 'no change', tone: 'neutral' },
    ]);
  });

  it('when the draft misses fraud the saved version caught, then that reads as worse', () => {
    const saved = backtest({});
    const draft = backtest({ hits: 7 }, { confirmed_fraud_hit: 2, confirmed_fraud_missed: 4, recall: 2 / 6 });
    const rows = compareRows(draft, saved);
    expect(rows.find((r) => r.measure === 'Confirmed fraud caught')).toMatchObject({
      change: '\u22122',
      tone: 'worse',
    });
    expect(rows.find((r) => r.measure === 'Confirmed fraud missed')).toMatchObject({
      change: '+2',
      tone: 'worse',
    });
    expect(rows.find((r) => r.measure === 'Recall')).toMatchObject({
      change: '\u221233.3 pts',
      tone: 'worse',
    });
  });

  it('when either side has no labelled hits, then precision has no change to show', () => {
    const saved = backtest({}, { precision: null });
    expect(compareRows(backtest({}), saved).find((r) => r.measure === 'Precision')).toEqual({
      measure: 'Precision',
      draft: '50.0 %',
      saved: '—',
      change: '—',
      tone: 'neutral',
    });
  });
});

/** An example hit at minute m of the window. */
function hit(id: string, m: number): BacktestExample {
  return {
    payment_id: id,
    created_at: new Date(Date.UTC(2026, 10, 1, 0, m)).toISOString(),
    merchant_id: 'acme-books',
    payer_id: 'payer_1',
    amount_minor: '1200',
    currency: 'USD',
    state: 'captured',
    country: null,
    card_fingerprint: null,
    label: null,
    values: {},
    reasons: [],
  };
}

describe('exampleDiff', () => {
  it('when both backtests kept every hit, then the payments only one hits are exact', () => {
    const draft = backtest({ hits: 2, examples: [hit('pay_a', 1), hit('pay_c', 3)] });
    const saved = backtest({ hits: 3, examples: [hit('pay_a', 1), hit('pay_b', 2), hit('pay_d', 4)] });
    expect(exampleDiff(draft, saved)).toEqual({
      onlyDraft: [hit('pay_c', 3)],
      onlySaved: [hit('pay_b', 2), hit('pay_d', 4)],
      before: null,
    });
  });

  it('when one kept only its earliest hits, then the comparison stops before its last example', () => {
    // The saved version has more hits than examples: after minute 3 it may have hits not shown.
    const draft = backtest({ hits: 2, examples: [hit('pay_a', 1), hit('pay_e', 5)] });
    const saved = backtest({ hits: 40, examples: [hit('pay_b', 2), hit('pay_c', 3)] });
    expect(exampleDiff(draft, saved)).toEqual({
      onlyDraft: [hit('pay_a', 1)],
      onlySaved: [hit('pay_b', 2)],
      before: hit('pay_c', 3).created_at,
    });
  });

  it('when a backtest has hits but kept no examples, then nothing is compared', () => {
    expect(
      exampleDiff(backtest({ hits: 3, examples: [] }), backtest({ hits: 0, examples: [] })),
    ).toBeUndefined();
  });
});

describe('definitionChanged', () => {
  it('when two conditions differ only in key order, then they are the same; a changed value is a change', () => {
    const a = { all: [{ aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 5 }] };
    const b = { all: [{ value: 5, op: 'gte', group_by: 'payer_id', window: '10m', aggregate: 'count' }] };
    expect(definitionChanged(a, b)).toBe(false);
    expect(definitionChanged(a, { all: [{ ...a.all[0], value: 6 }] })).toBe(true);
  });
});

describe('BacktestCompare', () => {
  it('when both backtests finished, then a table shows each measure for the draft, the version and the change', () => {
    render(<BacktestCompare draft={backtest({ hits: 6 })} saved={backtest({ hits: 10 })} version={3} />);
    const table = screen.getByRole('table', { name: 'Backtest of this draft and of version 3' });
    const row = within(table).getByRole('row', { name: /Would have hit/ });
    expect(
      within(row)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['Would have hit', '6', '10', '\u22124']);
  });

  it('when the versions hit different payments, then each side lists the payments only it hits', () => {
    render(
      <MemoryRouter>
        <BacktestCompare
          draft={backtest({ hits: 1, examples: [hit('pay_new', 2)] })}
          saved={backtest({ hits: 1, examples: [hit('pay_old', 1)] })}
          version={3}
        />
      </MemoryRouter>,
    );
    const draft = screen.getByRole('list', { name: 'Payments only this draft hits' });
    expect(within(draft).getByRole('link', { name: 'pay_new' }).getAttribute('href')).toBe(
      '/payments/pay_new',
    );
    const saved = screen.getByRole('list', { name: 'Payments only version 3 hits' });
    expect(
      within(saved)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['pay_old']);
  });

  it('when the version’s backtest is still running, then its progress shows instead of the table', () => {
    render(
      <BacktestCompare
        draft={backtest({})}
        saved={backtest({ status: 'running', processed: 250, progress: 0.25 })}
        version={3}
      />,
    );
    expect(screen.getByRole('region', { name: 'Compared with version 3' })).toBeTruthy();
    expect(screen.getByText('250 of 1,000 payments')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
  });

  it('when the draft’s own backtest failed, then nothing is compared', () => {
    const { container } = render(
      <BacktestCompare draft={backtest({ status: 'failed' })} saved={backtest({})} version={2} />,
    );
    expect(container.textContent).toBe('');
  });

  it('when the version’s backtest failed, then a warning says so with its error', () => {
    render(
      <BacktestCompare
        draft={backtest({})}
        saved={backtest({ status: 'failed', error: 'the rule no longer compiles' })}
        version={2}
      />,
    );
    expect(screen.getByText('the rule no longer compiles')).toBeTruthy();
    expect(screen.getByText(/Compared with version 2: its backtest failed/)).toBeTruthy();
  });
});
