// Pure decisions for one event against the payment as locked: what the worker does with it.
// No I/O; the batch applier (apply.ts) feeds it rows and writes what it returns.
import {
  DomainError,
  InvalidTransition,
  PAYMENT_TRANSITIONS,
  decideEvent,
  eventAmountMinor,
  isTransitionEvent,
  lifecycleRank,
  statesAccepting,
  type PaymentEvent,
  type PaymentState,
  type TransitionDecision,
  type TransitionEventType,
} from '@payflow/api/domain';
import type { Payment } from '@payflow/api/payments';

export type Decision =
  | { readonly kind: 'apply'; readonly decision: TransitionDecision }
  | { readonly kind: 'ignore' }
  | { readonly kind: 'reject'; readonly reason: string }
  /** Early: parked until the payment exists or reaches a state that accepts it. */
  | { readonly kind: 'park'; readonly reason: string; readonly waitingFor: string };

export interface DecideInput {
  readonly event: PaymentEvent;
  /** The payment as locked (and as changed by earlier events of the same transaction). */
  readonly payment: Payment | undefined;
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

/** `payment` for an unknown payment, else the reachable states that accept the event ("captured", "captured, settled or partially_refunded"). */
function waitingFor(from: PaymentState, type: TransitionEventType): string {
  const ahead = reachable(from);
  const states = statesAccepting(type).filter((s) => ahead.has(s));
  if (states.length <= 1) return states.join('');
  return `${states.slice(0, -1).join(', ')} or ${String(states.at(-1))}`;
}

/**
 * Decides one event. An event that arrives before its payment exists, or before the state it
 * needs (out of order: a state that accepts it is still reachable), is parked, however old its
 * occurred_at; illegal transitions (the payment is past every state that accepts it), currency
 * mismatches and bad amounts are rejected at once.
 */
export function decide(input: DecideInput): Decision {
  const { event, payment } = input;
  if (!isTransitionEvent(event.type)) return { kind: 'ignore' };
  if (!payment) {
    return { kind: 'park', reason: `unknown payment ${event.payment_id}`, waitingFor: 'payment' };
  }
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
    return outOfOrder
      ? { kind: 'park', reason, waitingFor: waitingFor(payment.state, event.type) }
      : { kind: 'reject', reason };
  }
}

/**
 * The order in which the worker tries one payment's events: occurred_at, then (same instant)
 * the state machine's lifecycle order, then the event id; deterministic whatever order they
 * arrived in.
 */
export function compareOccurrence(a: PaymentEvent, b: PaymentEvent): number {
  return (
    Date.parse(a.occurred_at) - Date.parse(b.occurred_at) ||
    lifecycleRank(a.type) - lifecycleRank(b.type) ||
    (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0)
  );
}
