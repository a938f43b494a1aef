// Pure decisions for one event against the payment as locked: what the worker does with it.
// No I/O; the batch applier (apply.ts) feeds it rows and writes what it returns.
import {
  DomainError,
  InvalidTransition,
  PAYMENT_TRANSITIONS,
  decideEvent,
  eventAmountMinor,
  isTransitionEvent,
  type PaymentEvent,
  type PaymentState,
  type TransitionDecision,
} from '@payflow/api/domain';
import type { Payment } from '@payflow/api/payments';

export type Decision =
  | { readonly kind: 'apply'; readonly decision: TransitionDecision }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'reject'; readonly reason: string }
  | { readonly kind: 'retry'; readonly reason: string };

export interface DecideInput {
  readonly event: PaymentEvent;
  /** The payment as locked (and as changed by earlier events of the same batch). */
  readonly payment: Payment | undefined;
  /** How long ago the event happened or was first received, whichever is longer, ms. */
  readonly ageMs: number;
  readonly graceMs: number;
}

/** Every state reachable from `from` by one or more transitions. */
export function reachable(from: PaymentState): ReadonlySet<PaymentState> {
  const seen = new Set<PaymentState>();
  const todo: PaymentState[] = [...PAYMENT_TRANSITIONS[from]];
  for (let s = todo.pop(); s !== undefined; s = todo.pop()) {
    if (seen.has(s)) continue;
    seen.add(s);
    todo.push(...PAYMENT_TRANSITIONS[s]);
  }
  return seen;
}

/** Retries while within the grace period, rejects after it. */
function laterOrReject(input: DecideInput, reason: string): Decision {
  return input.ageMs < input.graceMs ? { kind: 'retry', reason } : { kind: 'reject', reason };
}

/**
 * Decides one event. Unknown payments and events that arrive before the state they need
 * (out of order: the target is still reachable) are retried until the grace period is over,
 * then rejected; illegal transitions, currency mismatches and bad amounts are rejected at once.
 */
export function decide(input: DecideInput): Decision {
  const { event, payment } = input;
  if (!isTransitionEvent(event.type)) return { kind: 'ignore' };
  if (!payment) return laterOrReject(input, `unknown payment ${event.payment_id}`);
  if (event.currency !== undefined && event.currency !== payment.currency) {
    return {
      kind: 'reject',
      reason: `currency ${event.currency} does not match the payment's ${payment.currency}`,
    };
  }
  try {
    return { kind: 'apply', decision: decideEvent(payment, event.type, eventAmountMinor(event)) };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    const reason = `${err.message} (${err.code})`;
    const outOfOrder =
      err instanceof InvalidTransition && reachable(payment.state).has(err.to as PaymentState);
    return outOfOrder ? laterOrReject(input, reason) : { kind: 'reject', reason };
  }
}
