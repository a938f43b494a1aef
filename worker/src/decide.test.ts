import { describe, expect, it } from 'vitest';
import type { PaymentEvent } from '@payflow/api/domain';
import type { Payment } from '@payflow/api/payments';
import { decide, reachable } from './decide.ts';

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
  const within = { ageMs: 1000, graceMs: 60_000 };
  const after = { ageMs: 61_000, graceMs: 60_000 };

  it('when the transition is allowed, then it applies with the state table decision', () => {
    expect(decide({ event: ev('payment.authorized'), payment: payment(), ...within })).toEqual({
      kind: 'apply',
      decision: { from: 'pending', to: 'authorized', refundedMinor: 0n, refundMinor: 0n },
    });
  });

  it('when the payment is unknown, then it is retried within the grace period and rejected after it', () => {
    expect(decide({ event: ev('payment.authorized'), payment: undefined, ...within }).kind).toBe('retry');
    const late = decide({ event: ev('payment.authorized'), payment: undefined, ...after });
    expect(late).toEqual({ kind: 'reject', reason: 'unknown payment pay_01JB0000000000000000000000' });
  });

  it('when an event arrives before the state it needs, then it waits; when its state is behind, it is rejected at once', () => {
    expect(decide({ event: ev('payment.captured'), payment: payment(), ...within }).kind).toBe('retry');
    expect(decide({ event: ev('payment.captured'), payment: payment(), ...after }).kind).toBe('reject');
    const stale = decide({
      event: ev('payment.authorized'),
      payment: payment({ state: 'settled' }),
      ...within,
    });
    expect(stale.kind).toBe('reject');
  });

  it('when the currency differs or the refund exceeds what is left, then the event is rejected with why', () => {
    const cur = decide({
      event: ev('payment.authorized', { currency: 'EUR' }),
      payment: payment(),
      ...within,
    });
    expect(cur).toEqual({ kind: 'reject', reason: "currency EUR does not match the payment's USD" });
    const refund = decide({
      event: ev('payment.partially_refunded', { amount_minor: '5000' }),
      payment: payment({ state: 'captured' }),
      ...within,
    });
    expect(refund.kind).toBe('reject');
    expect(refund.kind === 'reject' && refund.reason).toMatch(/exceeds the refundable amount/);
  });

  it('when the event is payment.created, then it is ignored', () => {
    expect(decide({ event: ev('payment.created'), payment: payment(), ...within })).toEqual({
      kind: 'ignore',
    });
  });

  it('reachable follows the table transitively and excludes terminal dead ends', () => {
    expect([...reachable('pending')].sort()).toContain('charged_back');
    expect(reachable('failed').size).toBe(0);
    expect(reachable('settled').has('authorized')).toBe(false);
  });
});
