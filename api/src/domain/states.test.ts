import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidTransition, ValidationError } from './errors.ts';
import type { PaymentBalance, PaymentState, TransitionEventType } from './states.ts';
import {
  EVENT_LIFECYCLE_ORDER,
  EVENT_TARGET_STATE,
  PAYMENT_EVENT_TYPES,
  PAYMENT_STATES,
  PAYMENT_TRANSITIONS,
  TERMINAL_STATES,
  TRANSITION_EVENT_TYPES,
  acceptsEvent,
  allowedTransitions,
  assertTransition,
  canTransition,
  decideCommand,
  decideEvent,
  isPaymentState,
  isTerminal,
  isTransitionEvent,
  lifecycleRank,
  paymentStateSchema,
  statesAccepting,
  targetStateForEvent,
} from './states.ts';

/** The design document's list, written out edge by edge. */
const DESIGN_EDGES: readonly (readonly [PaymentState, PaymentState])[] = [
  ['pending', 'authorized'],
  ['authorized', 'captured'],
  ['captured', 'settled'],
  ['pending', 'failed'],
  ['authorized', 'failed'],
  ['authorized', 'voided'],
  ['captured', 'refunded'],
  ['captured', 'partially_refunded'],
  ['settled', 'refunded'],
  ['settled', 'partially_refunded'],
  ['partially_refunded', 'partially_refunded'],
  ['partially_refunded', 'refunded'],
  ['captured', 'disputed'],
  ['settled', 'disputed'],
  ['disputed', 'settled'],
  ['disputed', 'charged_back'],
];

const balance = (state: PaymentState, amountMinor = 10_000n, refundedMinor = 0n): PaymentBalance => ({
  state,
  amountMinor,
  refundedMinor,
});

const stateArb = fc.constantFrom(...PAYMENT_STATES);
const eventArb = fc.constantFrom(...TRANSITION_EVENT_TYPES);

describe('the transition table', () => {
  it('when compared with the design document, then it allows exactly the listed transitions', () => {
    const allowed = PAYMENT_STATES.flatMap((from) =>
      PAYMENT_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(DESIGN_EDGES.map(([from, to]) => `${from}->${to}`).sort());
  });

  it('when a state has no way out, then it is terminal: failed, voided, refunded, charged_back', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['charged_back', 'failed', 'refunded', 'voided']);
    expect(isTerminal('pending')).toBe(false);
    expect(isTerminal('disputed')).toBe(false);
  });

  it('when any pair of states is checked, then canTransition and assertTransition agree', () => {
    fc.assert(
      fc.property(stateArb, stateArb, (from, to) => {
        if (canTransition(from, to)) {
          expect(() => {
            assertTransition(from, to);
          }).not.toThrow();
        } else {
          expect(() => {
            assertTransition(from, to);
          }).toThrow(InvalidTransition);
        }
      }),
    );
  });

  it('when a transition is refused, then the error is a 409 carrying from and to', () => {
    try {
      assertTransition('refunded', 'captured');
      expect.unreachable();
    } catch (error) {
      const e = error as InvalidTransition;
      expect(e).toBeInstanceOf(InvalidTransition);
      expect([e.status, e.code, e.from, e.to]).toEqual([409, 'invalid_transition', 'refunded', 'captured']);
    }
  });

  it('when a terminal state is asked for any transition, then it accepts nothing', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TERMINAL_STATES), stateArb, (from, to) => {
        expect(canTransition(from, to)).toBe(false);
        expect(allowedTransitions(from)).toEqual([]);
      }),
    );
  });

  it('when walking from pending, then every state can be reached', () => {
    const seen = new Set<PaymentState>(['pending']);
    const queue: PaymentState[] = ['pending'];
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      for (const next of PAYMENT_TRANSITIONS[s]) {
        if (!seen.has(next)) queue.push(next);
        seen.add(next);
      }
    }
    expect([...seen].sort()).toEqual([...PAYMENT_STATES].sort());
  });

  it('when validating state names, then only the ten states pass', () => {
    expect(isPaymentState('settled')).toBe(true);
    expect(isPaymentState('won')).toBe(false);
    expect(paymentStateSchema.safeParse('charged_back').success).toBe(true);
  });
});

describe('events', () => {
  it('when mapping event types to states, then dispute outcomes lead to settled and charged_back', () => {
    expect(EVENT_TARGET_STATE['payment.dispute_won']).toBe('settled');
    expect(EVENT_TARGET_STATE['payment.dispute_lost']).toBe('charged_back');
    expect(targetStateForEvent('payment.captured')).toBe('captured');
    expect(targetStateForEvent('payment.created')).toBeUndefined();
    expect(PAYMENT_EVENT_TYPES).toHaveLength(11);
    expect(isTransitionEvent('payment.created')).toBe(false);
    expect(isTransitionEvent('toString')).toBe(false);
  });

  it('when random event sequences are applied, then the payment only ever takes table transitions', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(eventArb, fc.bigInt({ min: 1n, max: 12_000n })), { maxLength: 30 }),
        (events) => {
          let current = balance('pending');
          for (const [type, amount] of events) {
            const before = current;
            let decision;
            try {
              decision = decideEvent(current, type, type.includes('refund') ? amount : undefined);
            } catch (error) {
              expect(error instanceof InvalidTransition || error instanceof ValidationError).toBe(true);
              continue;
            }
            expect(acceptsEvent(before.state, type)).toBe(true);
            expect(canTransition(before.state, decision.to)).toBe(true);
            expect(isTerminal(before.state)).toBe(false);
            expect(decision.refundedMinor).toBeLessThanOrEqual(before.amountMinor);
            expect(decision.refundedMinor).toBe(before.refundedMinor + decision.refundMinor);
            current = { ...current, state: decision.to, refundedMinor: decision.refundedMinor };
          }
          if (current.state === 'refunded') expect(current.refundedMinor).toBe(current.amountMinor);
          if (current.state === 'partially_refunded')
            expect(current.refundedMinor).toBeLessThan(current.amountMinor);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('when any event meets any state, then it is decided exactly when the table lists the pair', () => {
    fc.assert(
      fc.property(stateArb, eventArb, (state, type) => {
        const attempt = () =>
          decideEvent(balance(state, 10_000n, state === 'partially_refunded' ? 1n : 0n), type, 1n);
        if (acceptsEvent(state, type)) expect(canTransition(state, attempt().to)).toBe(true);
        else expect(attempt).toThrow(InvalidTransition);
      }),
    );
  });

  it('when the happy path events arrive in order, then the payment ends settled', () => {
    let current = balance('pending');
    for (const type of ['payment.authorized', 'payment.captured', 'payment.settled'] as const) {
      current = { ...current, state: decideEvent(current, type).to };
    }
    expect(current.state).toBe('settled');
  });

  it('when a dispute is won or lost, then the payment is settled or charged back', () => {
    expect(decideEvent(balance('disputed'), 'payment.dispute_won').to).toBe('settled');
    expect(decideEvent(balance('disputed'), 'payment.dispute_lost').to).toBe('charged_back');
    expect(() => decideEvent(balance('captured'), 'payment.dispute_won')).toThrow(InvalidTransition);
  });

  it('when refund events carry amounts, then the cumulative amount decides partial or full', () => {
    const first = decideEvent(balance('settled'), 'payment.partially_refunded', 4_000n);
    expect(first).toEqual({
      from: 'settled',
      to: 'partially_refunded',
      refundedMinor: 4_000n,
      refundMinor: 4_000n,
    });
    const second = decideEvent(
      balance('partially_refunded', 10_000n, 4_000n),
      'payment.partially_refunded',
      6_000n,
    );
    expect(second.to).toBe('refunded');
    const rest = decideEvent(balance('partially_refunded', 10_000n, 4_000n), 'payment.refunded');
    expect(rest).toEqual({
      from: 'partially_refunded',
      to: 'refunded',
      refundedMinor: 10_000n,
      refundMinor: 6_000n,
    });
  });

  it('when a partial refund event has no amount, then it names amount_minor', () => {
    expect(() => decideEvent(balance('captured'), 'payment.partially_refunded')).toThrow(
      expect.objectContaining({ field: 'amount_minor' }),
    );
  });

  it('when a refund event exceeds what is left, then it is a validation error on amount_minor', () => {
    expect(() =>
      decideEvent(balance('partially_refunded', 10_000n, 9_000n), 'payment.refunded', 1_001n),
    ).toThrow(
      expect.objectContaining({
        field: 'amount_minor',
        detail: 'amount_minor: exceeds the refundable amount (1000 minor units left)',
      }),
    );
  });

  it('when an event does not fit the state, then it is an InvalidTransition', () => {
    const cases: readonly (readonly [PaymentState, TransitionEventType])[] = [
      ['pending', 'payment.captured'],
      ['settled', 'payment.authorized'],
      ['refunded', 'payment.refunded'],
      ['voided', 'payment.captured'],
      ['captured', 'payment.voided'],
      ['disputed', 'payment.settled'],
      ['captured', 'payment.dispute_won'],
      ['settled', 'payment.dispute_lost'],
    ];
    for (const [state, type] of cases)
      expect(() => decideEvent(balance(state), type), `${state} ${type}`).toThrow(InvalidTransition);
  });
});

describe('commands', () => {
  it('when capturing or voiding an authorized payment, then it moves accordingly', () => {
    expect(decideCommand(balance('authorized'), { kind: 'capture' }).to).toBe('captured');
    expect(decideCommand(balance('authorized'), { kind: 'void' }).to).toBe('voided');
  });

  it('when capturing a pending payment or voiding a captured one, then it is a 409', () => {
    expect(() => decideCommand(balance('pending'), { kind: 'capture' })).toThrow(InvalidTransition);
    expect(() => decideCommand(balance('captured'), { kind: 'void' })).toThrow(InvalidTransition);
  });

  it('when refunding without an amount, then the rest is refunded', () => {
    expect(decideCommand(balance('captured'), { kind: 'refund' })).toEqual({
      from: 'captured',
      to: 'refunded',
      refundedMinor: 10_000n,
      refundMinor: 10_000n,
    });
  });

  it('when refunding part, then the payment is partially refunded, and again until fully', () => {
    const first = decideCommand(balance('settled'), { kind: 'refund', amountMinor: 2_500n });
    expect(first.to).toBe('partially_refunded');
    const second = decideCommand(balance(first.to, 10_000n, first.refundedMinor), {
      kind: 'refund',
      amountMinor: 2_500n,
    });
    expect([second.to, second.refundedMinor]).toEqual(['partially_refunded', 5_000n]);
    const last = decideCommand(balance(second.to, 10_000n, second.refundedMinor), {
      kind: 'refund',
      amountMinor: 5_000n,
    });
    expect([last.to, last.refundedMinor]).toEqual(['refunded', 10_000n]);
  });

  it('when a refund amount is zero or too large, then it is a validation error on amount', () => {
    expect(() => decideCommand(balance('captured'), { kind: 'refund', amountMinor: 0n })).toThrow(
      expect.objectContaining({ field: 'amount', status: 400 }),
    );
    expect(() => decideCommand(balance('captured'), { kind: 'refund', amountMinor: 10_001n })).toThrow(
      ValidationError,
    );
  });

  it('when refunding a payment that is not captured or settled, then it is an InvalidTransition', () => {
    for (const state of [
      'pending',
      'authorized',
      'failed',
      'voided',
      'refunded',
      'disputed',
      'charged_back',
    ] as const) {
      expect(() => decideCommand(balance(state), { kind: 'refund' }), state).toThrow(InvalidTransition);
    }
    expect(() => decideCommand(balance('authorized'), { kind: 'refund', amountMinor: 1n })).toThrow(
      expect.objectContaining({ to: 'partially_refunded' }),
    );
  });

  it('when any sequence of partial refunds is applied, then the total never exceeds the amount', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 1_000_000n }),
        fc.array(fc.bigInt({ min: 1n, max: 400_000n })),
        (amount, refunds) => {
          let current = balance('captured', amount);
          for (const refund of refunds) {
            try {
              const decision = decideCommand(current, { kind: 'refund', amountMinor: refund });
              current = { ...current, state: decision.to, refundedMinor: decision.refundedMinor };
            } catch (error) {
              expect(error instanceof ValidationError || error instanceof InvalidTransition).toBe(true);
            }
          }
          expect(current.refundedMinor).toBeLessThanOrEqual(amount);
          expect(current.state === 'refunded').toBe(current.refundedMinor === amount);
        },
      ),
    );
  });

  it('when events are ordered along the life of a payment, then every one comes after an event that leads to a state accepting it', () => {
    expect(EVENT_LIFECYCLE_ORDER).toHaveLength(TRANSITION_EVENT_TYPES.length);
    expect(new Set(EVENT_LIFECYCLE_ORDER).size).toBe(TRANSITION_EVENT_TYPES.length);
    EVENT_LIFECYCLE_ORDER.forEach((type, i) => {
      const accepting = statesAccepting(type);
      const enabled =
        accepting.includes('pending') ||
        EVENT_LIFECYCLE_ORDER.slice(0, i).some((before) => accepting.includes(EVENT_TARGET_STATE[before]));
      expect(enabled, type).toBe(true);
      expect(lifecycleRank(type)).toBe(i + 1);
    });
    expect(EVENT_LIFECYCLE_ORDER.indexOf('payment.settled')).toBeLessThan(
      EVENT_LIFECYCLE_ORDER.indexOf('payment.refunded'),
    );
    expect(EVENT_LIFECYCLE_ORDER.indexOf('payment.partially_refunded')).toBeLessThan(
      EVENT_LIFECYCLE_ORDER.indexOf('payment.refunded'),
    );
    expect(lifecycleRank('payment.created')).toBe(0);
  });
});
