// Test fixtures of the rules pages (tests only): a finished backtest, to patch per test.
import type { Backtest } from './types';

/** A succeeded backtest of 1,000 payments with 10 hits and some labels; patch what a test needs. */
export function backtestFixture(
  patch: Partial<Backtest> = {},
  labels: Partial<Backtest['labels']> = {},
): Backtest {
  return {
    id: 'job_1',
    status: 'succeeded',
    from: '2026-11-01T00:00:00Z',
    to: '2026-11-08T00:00:00Z',
    processed: 1000,
    total: 1000,
    progress: 1,
    error: null,
    hits: 10,
    hits_by_day: [],
    examples: [],
    labels: {
      confirmed_fraud_hit: 4,
      false_positive_hit: 4,
      confirmed_fraud_missed: 2,
      chargebacks: 0,
      precision: 0.5,
      recall: 4 / 6,
      ...labels,
    },
    created_at: '2026-11-08T00:00:00Z',
    completed_at: '2026-11-08T00:00:05Z',
    ...patch,
  };
}
