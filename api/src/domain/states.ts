// The payment state machine: ONE table of allowed transitions. The API (commands), the worker
// (processor events) and the console (which actions to offer) all ask this module.
import { z } from 'zod';
import { InvalidTransition, ValidationError } from './errors.ts';

export const PAYMENT_STATES = [
  'pending',
  'authorized',
  'captured',
  'settled',
  'failed',
  'voided',
  'refunded',
  'partially_refunded',
  'disputed',
  'charged_back',
] as const;

export type PaymentState = (typeof PAYMENT_STATES)[number];

export const paymentStateSchema = z.enum(PAYMENT_STATES);

export const INITIAL_PAYMENT_STATE: PaymentState = 'pending';

// ---------------------------------------------------------------------------------------------
// Events

/** Processor events that move a payment, each named after (and normally leading to) one state. */
export const EVENT_TARGET_STATE = Object.freeze({
  'payment.authorized': 'authorized',
  'payment.captured': 'captured',
  'payment.settled': 'settled',
  'payment.failed': 'failed',
  'payment.voided': 'voided',
  'payment.refunded': 'refunded',
  'payment.partially_refunded': 'partially_refunded',
  'payment.disputed': 'disputed',
  'payment.dispute_won': 'settled',
  'payment.dispute_lost': 'charged_back',
} as const satisfies Record<string, PaymentState>);

export type TransitionEventType = keyof typeof EVENT_TARGET_STATE;

type EventTargets = Readonly<Partial<Record<TransitionEventType, PaymentState>>>;

/**
 * THE table: for each state, the events it accepts and the state each leads to. Everything
 * else (allowed `from → to` pairs, terminal states, commands) is derived from it.
 *
 * A dispute's outcome is not a state of its own: `payment.dispute_won` moves
 * `disputed → settled` and `payment.dispute_lost` moves `disputed → charged_back` (a plain
 * `payment.settled` does not end a dispute). The two refund events may each lead to
 * `refunded` or `partially_refunded`: the cumulative refunded amount decides (see
 * `decideEvent`). A state that accepts no event is terminal.
 */
export const PAYMENT_STATE_TABLE: Readonly<Record<PaymentState, EventTargets>> = Object.freeze({
  pending: { 'payment.authorized': 'authorized', 'payment.failed': 'failed' },
  authorized: { 'payment.captured': 'captured', 'payment.failed': 'failed', 'payment.voided': 'voided' },
  captured: {
    'payment.settled': 'settled',
    'payment.refunded': 'refunded',
    'payment.partially_refunded': 'partially_refunded',
    'payment.disputed': 'disputed',
  },
  settled: {
    'payment.refunded': 'refunded',
    'payment.partially_refunded': 'partially_refunded',
    'payment.disputed': 'disputed',
  },
  partially_refunded: { 'payment.refunded': 'refunded', 'payment.partially_refunded': 'partially_refunded' },
  disputed: { 'payment.dispute_won': 'settled', 'payment.dispute_lost': 'charged_back' },
  failed: {},
  voided: {},
  refunded: {},
  charged_back: {},
});

const REFUND_EVENTS: ReadonlySet<TransitionEventType> = new Set([
  'payment.refunded',
  'payment.partially_refunded',
]);
const REFUND_STATES: readonly PaymentState[] = ['refunded', 'partially_refunded'];

function targetsOf(from: PaymentState): PaymentState[] {
  const targets = new Set<PaymentState>();
  for (const [event, to] of Object.entries(PAYMENT_STATE_TABLE[from])) {
    const refund = REFUND_EVENTS.has(event as TransitionEventType);
    for (const target of refund ? REFUND_STATES : [to]) targets.add(target);
  }
  return PAYMENT_STATES.filter((state) => targets.has(state));
}

/** Allowed transitions `from → [to…]`, derived from `PAYMENT_STATE_TABLE`. */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentState, readonly PaymentState[]>> = Object.freeze(
  Object.fromEntries(PAYMENT_STATES.map((from) => [from, Object.freeze(targetsOf(from))])) as Record<
    PaymentState,
    readonly PaymentState[]
  >,
);

export function isPaymentState(value: unknown): value is PaymentState {
  return typeof value === 'string' && (PAYMENT_STATES as readonly string[]).includes(value);
}

export function allowedTransitions(from: PaymentState): readonly PaymentState[] {
  return PAYMENT_TRANSITIONS[from];
}

export function canTransition(from: PaymentState, to: PaymentState): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to);
}

/** Throws `InvalidTransition` (409) unless `from → to` is in the table. */
export function assertTransition(from: PaymentState, to: PaymentState): void {
  if (!canTransition(from, to)) throw new InvalidTransition(from, to);
}

export function isTerminal(state: PaymentState): boolean {
  return PAYMENT_TRANSITIONS[state].length === 0;
}

export const TERMINAL_STATES: readonly PaymentState[] = Object.freeze(PAYMENT_STATES.filter(isTerminal));

export const TRANSITION_EVENT_TYPES: readonly TransitionEventType[] = Object.freeze(
  Object.keys(EVENT_TARGET_STATE) as TransitionEventType[],
);

/**
 * Every event type on the payments queue: `payment.created` (published by the outbox when the
 * API creates a payment; it moves nothing) plus the transition events.
 */
export const PAYMENT_EVENT_TYPES = ['payment.created', ...TRANSITION_EVENT_TYPES] as readonly [
  'payment.created',
  ...TransitionEventType[],
];

export type PaymentEventType = 'payment.created' | TransitionEventType;

export function isTransitionEvent(type: string): type is TransitionEventType {
  return Object.hasOwn(EVENT_TARGET_STATE, type);
}

/** The state an event leads to; `undefined` for `payment.created`. */
export function targetStateForEvent(type: PaymentEventType): PaymentState | undefined {
  return isTransitionEvent(type) ? EVENT_TARGET_STATE[type] : undefined;
}

/** True when a payment in `state` accepts events of `type` (table lookup). */
export function acceptsEvent(state: PaymentState, type: TransitionEventType): boolean {
  return Object.hasOwn(PAYMENT_STATE_TABLE[state], type);
}

/** The states that accept events of `type`, in `PAYMENT_STATES` order. */
export function statesAccepting(type: TransitionEventType): readonly PaymentState[] {
  return PAYMENT_STATES.filter((state) => acceptsEvent(state, type));
}

function eventDepths(): Map<TransitionEventType, number> {
  // Breadth-first from the initial state: how many transitions until a state accepts the event.
  const depthOfState = new Map<PaymentState, number>([[INITIAL_PAYMENT_STATE, 0]]);
  const todo: PaymentState[] = [INITIAL_PAYMENT_STATE];
  for (let s = todo.shift(); s !== undefined; s = todo.shift()) {
    for (const next of PAYMENT_TRANSITIONS[s]) {
      if (depthOfState.has(next)) continue;
      depthOfState.set(next, (depthOfState.get(s) ?? 0) + 1);
      todo.push(next);
    }
  }
  const depths = new Map<TransitionEventType, number>();
  for (const type of TRANSITION_EVENT_TYPES) {
    const ds = statesAccepting(type).map((s) => depthOfState.get(s) ?? Infinity);
    depths.set(type, Math.min(...ds));
  }
  return depths;
}

/**
 * A total order of the transition events along a payment's life, derived from the state table:
 * first by how many transitions it takes from `pending` to reach a state that accepts the event;
 * among events at the same depth, an event whose target state accepts the other comes first
 * (settled before refunded: a settled payment can be refunded, a refunded one not settled),
 * then table order. The worker orders two events of one payment that happened at the same
 * instant by it: deterministic, and the order in which both can apply.
 */
export const EVENT_LIFECYCLE_ORDER: readonly TransitionEventType[] = Object.freeze(
  (() => {
    const depths = eventDepths();
    const byDepth = [...new Set(depths.values())].sort((a, b) => a - b);
    const out: TransitionEventType[] = [];
    for (const depth of byDepth) {
      const level = TRANSITION_EVENT_TYPES.filter((t) => depths.get(t) === depth);
      // Kahn's algorithm over "a's target accepts b", ties in table order.
      const before = (a: TransitionEventType, b: TransitionEventType): boolean =>
        a !== b && acceptsEvent(EVENT_TARGET_STATE[a], b) && !acceptsEvent(EVENT_TARGET_STATE[b], a);
      const left = [...level];
      while (left.length > 0) {
        const free = left.find((t) => !left.some((o) => before(o, t))) ?? left[0];
        if (free === undefined) break;
        out.push(free);
        left.splice(left.indexOf(free), 1);
      }
    }
    return out;
  })(),
);

const LIFECYCLE_RANK: ReadonlyMap<string, number> = new Map(EVENT_LIFECYCLE_ORDER.map((t, i) => [t, i]));

/** The event type's position in `EVENT_LIFECYCLE_ORDER`; `payment.created` (and anything else) first. */
export function lifecycleRank(type: string): number {
  return (LIFECYCLE_RANK.get(type) ?? -1) + 1;
}

// ---------------------------------------------------------------------------------------------
// Decisions: what a command or event does to one payment

/** What the state machine needs to know about a payment. */
export interface PaymentBalance {
  readonly state: PaymentState;
  /** The payment's amount in minor units. */
  readonly amountMinor: bigint;
  /** Refunded so far, in minor units. */
  readonly refundedMinor: bigint;
}

export interface TransitionDecision {
  readonly from: PaymentState;
  readonly to: PaymentState;
  /** Cumulative refunded amount after this change. */
  readonly refundedMinor: bigint;
  /** Amount refunded by this change; 0n when it is not a refund. */
  readonly refundMinor: bigint;
}

/** Operator actions through the API. A refund without an amount refunds what is left. */
export type PaymentCommand =
  | { readonly kind: 'capture' }
  | { readonly kind: 'void' }
  | { readonly kind: 'refund'; readonly amountMinor?: bigint };

export type PaymentCommandKind = PaymentCommand['kind'];

/** The event each command stands for: the table decides commands exactly as it decides events. */
export const COMMAND_EVENT = Object.freeze({
  capture: 'payment.captured',
  void: 'payment.voided',
  refund: 'payment.refunded',
} as const satisfies Record<PaymentCommandKind, TransitionEventType>);

/**
 * Decides an API command. Throws `InvalidTransition` when the state does not allow it and
 * `ValidationError` (field `amount`) for a refund amount that is not positive or exceeds
 * what is left to refund.
 */
export function decideCommand(payment: PaymentBalance, command: PaymentCommand): TransitionDecision {
  const amountMinor = command.kind === 'refund' ? command.amountMinor : undefined;
  return decide(payment, COMMAND_EVENT[command.kind], amountMinor, 'amount');
}

/**
 * Decides a processor event. For `payment.refunded` and `payment.partially_refunded` the money
 * decides the target: the cumulative refunded amount equal to the payment amount gives
 * `refunded`, less gives `partially_refunded` (a `payment.refunded` without an amount refunds
 * what is left; `payment.partially_refunded` requires one). `amountMinor` on other events is
 * informational and ignored here. Throws `InvalidTransition` when the payment's state does not
 * accept the event; amount errors are `ValidationError`s naming `amount_minor`.
 */
export function decideEvent(
  payment: PaymentBalance,
  type: TransitionEventType,
  amountMinor?: bigint,
): TransitionDecision {
  return decide(payment, type, amountMinor, 'amount_minor');
}

function decide(
  payment: PaymentBalance,
  type: TransitionEventType,
  amountMinor: bigint | undefined,
  field: string,
): TransitionDecision {
  if (!acceptsEvent(payment.state, type)) {
    const to = intendedTarget(payment, type, amountMinor);
    throw new InvalidTransition(
      payment.state,
      to,
      `A ${payment.state} payment cannot go to ${to} (${type}).`,
    );
  }
  if (!REFUND_EVENTS.has(type)) return plainTransition(payment, EVENT_TARGET_STATE[type]);
  if (type === 'payment.partially_refunded' && amountMinor === undefined) {
    throw ValidationError.of(field, 'is required for payment.partially_refunded');
  }
  return decideRefund(payment, amountMinor, field);
}

function intendedTarget(
  payment: PaymentBalance,
  type: TransitionEventType,
  amountMinor: bigint | undefined,
): PaymentState {
  if (!REFUND_EVENTS.has(type)) return EVENT_TARGET_STATE[type];
  const partial = amountMinor !== undefined && amountMinor < payment.amountMinor - payment.refundedMinor;
  return partial ? 'partially_refunded' : 'refunded';
}

function plainTransition(payment: PaymentBalance, to: PaymentState): TransitionDecision {
  assertTransition(payment.state, to);
  return { from: payment.state, to, refundedMinor: payment.refundedMinor, refundMinor: 0n };
}

/** States a refund may start from. */
export function isRefundable(state: PaymentState): boolean {
  return acceptsEvent(state, 'payment.refunded');
}

function decideRefund(
  payment: PaymentBalance,
  requested: bigint | undefined,
  field: string,
): TransitionDecision {
  const remaining = payment.amountMinor - payment.refundedMinor;
  const refund = requested ?? remaining;
  if (refund <= 0n) throw ValidationError.of(field, 'must be greater than zero');
  if (refund > remaining) {
    throw ValidationError.of(
      field,
      `exceeds the refundable amount (${remaining.toString()} minor units left)`,
    );
  }
  const refundedMinor = payment.refundedMinor + refund;
  const to: PaymentState = refundedMinor === payment.amountMinor ? 'refunded' : 'partially_refunded';
  assertTransition(payment.state, to);
  return { from: payment.state, to, refundedMinor, refundMinor: refund };
}
