import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@payflow/api/domain';
import type { Payment } from '@payflow/api/payments';
import { compareOccurrence, decide, reachable } from './decide.ts';

const payment = (over: Partial<Payment> = {}): Payment => ({
  id: 'pay_01JB0000000000000000000000',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  merchantId: 'm',
  payerId: 'p',
  amountMinor: 1000n,
  currency: 'USD',
  refundedMinor: 0n,
  state: 'pending',
  version: 1,
  cardFingerprint: null,
  country: null,
  flagged: false,
  held: false,
  metadata: {},
  ...over,
});

const ev = (type: string, over: Partial<PaymentEvent> = {}): PaymentEvent =>
  ({
    event_id: 'e1',
    type,
    payment_id: 'pay_01JB0000000000000000000000',
    occurred_at: '2026-01-01T00:00:00Z',
    ...over,
  }) as PaymentEvent;

describe('decide', () => {
  it('when the transition is allowed, then it applies with the state table decision', () => {
    expect(decide({ event: ev('payment.authorized'), payment: payment() })).toEqual({
      kind: 'apply',
      decision: { from: 'pending', to: 'authorized', refundedMinor: 0n, refundMinor: 0n },
    });
  });

  it('when the payment is unknown, then the event is parked waiting for it, however old it is', () => {
    const old = ev('payment.authorized', { occurred_at: '2020-01-01T00:00:00Z' });
    expect(decide({ event: old, payment: undefined })).toEqual({
      kind: 'park',
      reason: 'unknown payment pay_01JB0000000000000000000000',
      waitingFor: 'payment',
    });
  });

  it('when an event arrives before the state it needs, then it is parked naming the states that accept it; when its state is behind, it is rejected at once', () => {
    const captured = decide({ event: ev('payment.captured'), payment: payment() });
    expect(captured).toMatchObject({ kind: 'park', waitingFor: 'authorized' });
    expect(captured.kind === 'park' && captured.reason).toMatch(/pending payment cannot go to captured/);
    const refund = decide({ event: ev('payment.refunded'), payment: payment({ state: 'authorized' }) });
    expect(refund).toMatchObject({ kind: 'park', waitingFor: 'captured, settled or partially_refunded' });
    const stale = decide({ event: ev('payment.authorized'), payment: payment({ state: 'settled' }) });
    expect(stale.kind).toBe('reject');
    const voided = decide({ event: ev('payment.captured'), payment: payment({ state: 'voided' }) });
    expect(voided.kind).toBe('reject');
  });

  it('when the currency differs or the refund exceeds what is left, then the event is rejected with why', () => {
    const cur = decide({
      event: ev('payment.authorized', { currency: 'EUR' }),
      payment: payment(),
    });
    expect(cur).toEqual({ kind: 'reject', reason: "currency EUR does not match the payment's USD" });
    const refund = decide({
      event: ev('payment.partially_refunded', { amount_minor: '5000' }),
      payment: payment({ state: 'captured' }),
    });
    expect(refund.kind).toBe('reject');
    expect(refund.kind === 'reject' && refund.reason).toMatch(/exceeds the refundable amount/);
  });

  it('when the event is payment.created, then it is ignored', () => {
    expect(decide({ event: ev('payment.created'), payment: payment() })).toEqual({
      kind: 'ignore',
    });
  });

  it('when two events of a payment happened at the same instant, then the state machine orders them, whatever order they came in', () => {
    const at = '2026-01-01T00:00:00Z';
    const types = ['payment.refunded', 'payment.settled', 'payment.captured', 'payment.authorized'];
    const events = types.map((type, i) => ev(type, { event_id: `e${String(9 - i)}`, occurred_at: at }));
    expect([...events].sort(compareOccurrence).map((e) => e.type)).toEqual([...types].reverse());
    const earlier = ev('payment.settled', { event_id: 'z', occurred_at: '2025-12-31T23:59:59Z' });
    expect([...events, earlier].sort(compareOccurrence)[0]).toBe(earlier);
    const a = ev('payment.partially_refunded', { event_id: 'a', occurred_at: at });
    const b = ev('payment.partially_refunded', { event_id: 'b', occurred_at: at });
    expect([b, a].sort(compareOccurrence)).toEqual([a, b]);
  });

  it('reachable follows the table transitively and excludes terminal dead ends', () => {
    expect([...reachable('pending')].sort()).toContain('charged_back');
    expect(reachable('failed').size).toBe(0);
    expect(reachable('settled').has('authorized')).toBe(false);
  });
});
