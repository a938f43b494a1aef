import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventAmountMinor, parsePaymentEvent, parsePaymentEventBody, paymentEventSchema } from './events.ts';
import { newId } from './ids.ts';
import { PAYMENT_EVENT_TYPES } from './states.ts';

const paymentId = 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG';
const valid = {
  event_id: 'evt_01JB4Z6Q5M8W0X3YB2C7D9E1FG',
  type: 'payment.captured',
  payment_id: paymentId,
  occurred_at: '2025-01-31T12:00:00Z',
};

function fields(input: unknown): string[] {
  const result = parsePaymentEvent(input);
  return result.ok ? [] : result.issues.map((i) => i.field);
}

describe('parsePaymentEvent', () => {
  it('when a well-formed event arrives, then it is returned typed', () => {
    expect(parsePaymentEvent(valid)).toEqual({ ok: true, value: valid });
  });

  it('when a refund carries an amount and extras, then they are kept and unknown keys dropped', () => {
    const event = {
      ...valid,
      type: 'payment.partially_refunded',
      amount_minor: '1999',
      currency: 'USD',
      reason: 'customer',
      data: { rrn: 42 },
      extra: 1,
    };
    const result = parsePaymentEvent(event);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value).not.toHaveProperty('extra');
      expect(eventAmountMinor(result.value)).toBe(1999n);
      expect(result.value.data).toEqual({ rrn: 42 });
    }
    expect(eventAmountMinor(paymentEventSchema.parse(valid))).toBeUndefined();
  });

  it('when the offset is not UTC, then occurred_at is still accepted', () => {
    expect(fields({ ...valid, occurred_at: '2025-01-31T14:00:00.123+02:00' })).toEqual([]);
  });

  it.each([
    [{ ...valid, event_id: '' }, ['event_id']],
    [{ ...valid, event_id: 'x'.repeat(129) }, ['event_id']],
    [{ ...valid, type: 'payment.exploded' }, ['type']],
    [{ ...valid, payment_id: 'pay_123' }, ['payment_id']],
    [{ ...valid, payment_id: 'evt_01JB4Z6Q5M8W0X3YB2C7D9E1FG' }, ['payment_id']],
    [{ ...valid, occurred_at: '31/01/2025' }, ['occurred_at']],
    [{ ...valid, occurred_at: '2025-01-31T12:00:00' }, ['occurred_at']],
    [{ ...valid, amount_minor: 1999 }, ['amount_minor']],
    [{ ...valid, amount_minor: '19.99' }, ['amount_minor']],
    [{ ...valid, amount_minor: '0' }, ['amount_minor']],
    [{ ...valid, amount_minor: '1000000000000001' }, ['amount_minor']],
    [{ ...valid, currency: 'usd' }, ['currency']],
    [{ ...valid, reason: 'x'.repeat(1001) }, ['reason']],
    [{ ...valid, data: [1, 2] }, ['data']],
    [{ ...valid, type: 'payment.partially_refunded' }, ['amount_minor']],
    [{ type: 'payment.refunded' }, ['event_id', 'payment_id', 'occurred_at']],
  ])('when the event is %j, then the issues are at %j', (input, expected) => {
    expect(fields(input)).toEqual(expected);
  });

  it('when the body is not JSON, then the issue is at the root', () => {
    const result = parsePaymentEventBody('{nope');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.field).toBe('');
    expect(parsePaymentEventBody(JSON.stringify(valid)).ok).toBe(true);
    expect(fields(null)).toEqual(['']);
  });

  it('when any valid event is serialised and parsed again, then it is unchanged', () => {
    const eventArb = fc.record(
      {
        event_id: fc.string({ minLength: 1, maxLength: 128 }),
        type: fc.constantFrom(...PAYMENT_EVENT_TYPES),
        payment_id: fc.constant(null).map(() => newId('pay')),
        occurred_at: fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        amount_minor: fc.bigInt({ min: 1n, max: 10n ** 15n }).map(String),
        reason: fc.string({ maxLength: 50 }),
      },
      { requiredKeys: ['event_id', 'type', 'payment_id', 'occurred_at', 'amount_minor'] },
    );
    fc.assert(
      fc.property(eventArb, (event) => {
        expect(parsePaymentEventBody(JSON.stringify(event))).toEqual({ ok: true, value: event });
      }),
    );
  });
});
