// What the dashboard counts as a success or a failure, and when a payment is final: the one
// place these words are defined, in terms of the state table (api/src/domain/states.ts).
import { PAYMENT_STATES, type PaymentState } from '../domain/states.ts';

/**
 * The outcome of a payment in each state:
 * - `succeeded`: the money was captured. Whatever happens after capture (settlement, refunds,
 *   a dispute and its end) does not undo that the payment went through; refunds and disputes
 *   are shown by the state mix, not as failed payments.
 * - `failed`: declined or abandoned before capture (`failed`, `voided`).
 * - `open`: not decided yet (`pending`, `authorized`); left out of the success rate.
 */
export type Outcome = 'succeeded' | 'failed' | 'open';

export const STATE_OUTCOME: Readonly<Record<PaymentState, Outcome>> = Object.freeze({
  pending: 'open',
  authorized: 'open',
  captured: 'succeeded',
  settled: 'succeeded',
  refunded: 'succeeded',
  partially_refunded: 'succeeded',
  disputed: 'succeeded',
  charged_back: 'succeeded',
  failed: 'failed',
  voided: 'failed',
});

export const SUCCEEDED_STATES: readonly PaymentState[] = Object.freeze(
  PAYMENT_STATES.filter((s) => STATE_OUTCOME[s] === 'succeeded'),
);
export const FAILED_STATES: readonly PaymentState[] = Object.freeze(
  PAYMENT_STATES.filter((s) => STATE_OUTCOME[s] === 'failed'),
);

/**
 * The states a payment is still being processed in. It is final once it leaves them (settled,
 * failed or voided, or refunded, partially refunded or disputed before settling); no state leads
 * back, so a payment becomes final once. time_to_final measures creation → that moment.
 * Migration 0010_payment_stats.sql spells the same list in SQL (its test checks that).
 */
export const IN_FLIGHT_STATES: readonly PaymentState[] = Object.freeze(['pending', 'authorized', 'captured']);

/** succeeded / (succeeded + failed); null when neither happened. */
export function successRate(succeeded: number, failed: number): number | null {
  const decided = succeeded + failed;
  return decided === 0 ? null : succeeded / decided;
}
