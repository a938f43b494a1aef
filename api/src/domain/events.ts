// The payment event message on the SQS queue, from the processor, the ingest endpoint, the
// replay tool or the outbox relay (`payment.created`).
//
//   {
//     "event_id": "evt_01JB…" | any producer's unique id (1..128 chars),
//     "type": "payment.captured",
//     "payment_id": "pay_01JB…",
//     "occurred_at": "2025-01-31T12:00:00Z",
//     "amount_minor": "1999",            // optional; integer minor units as a string
//     "currency": "USD",                 // optional; when present must match the payment
//     "reason": "insufficient_funds",    // optional
//     "data": { … }                      // optional, free-form JSON object
//   }
//
// Amounts travel as integer strings of minor units: exact for any size, no float on the wire.
// Unknown top-level keys are ignored (forward compatible); `payment.partially_refunded`
// requires `amount_minor`.
import { z } from 'zod';
import type { FieldIssue } from './errors.ts';
import { isId } from './ids.ts';
import { MAX_AMOUNT_MINOR, currencyCodeSchema } from './money.ts';
import { PAYMENT_EVENT_TYPES } from './states.ts';
import type { Validated } from './validation.ts';
import { validateWith } from './validation.ts';

export const MAX_EVENT_ID_LENGTH = 128;
export const MAX_REASON_LENGTH = 1000;

const amountMinorSchema = z
  .string()
  .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer number of minor units, as a string')
  // zod runs refinements even after the regex failed: only compare well-formed digits.
  .refine((s) => !/^\d+$/.test(s) || BigInt(s) <= MAX_AMOUNT_MINOR, 'is larger than the maximum allowed');

export const paymentEventSchema = z
  .object({
    event_id: z.string().min(1).max(MAX_EVENT_ID_LENGTH),
    type: z.enum(PAYMENT_EVENT_TYPES),
    payment_id: z.string().refine((s) => isId('pay', s), 'must be a payment id (pay_…)'),
    occurred_at: z.iso.datetime({ offset: true }),
    amount_minor: amountMinorSchema.optional(),
    currency: currencyCodeSchema.optional(),
    reason: z.string().max(MAX_REASON_LENGTH).optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.type === 'payment.partially_refunded' && event.amount_minor === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount_minor'],
        message: 'is required for payment.partially_refunded',
      });
    }
  });

export type PaymentEvent = z.output<typeof paymentEventSchema>;

/** Validates a decoded event; returns the typed event or every issue with its field path. */
export function parsePaymentEvent(json: unknown): Validated<PaymentEvent> {
  return validateWith(paymentEventSchema, json);
}

/** Decodes and validates an SQS message body. Malformed JSON is an issue at the root (`""`). */
export function parsePaymentEventBody(body: string): Validated<PaymentEvent> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const issue: FieldIssue = { field: '', message: `is not valid JSON: ${(error as Error).message}` };
    return { ok: false, issues: [issue] };
  }
  return parsePaymentEvent(json);
}

/** The event's amount in minor units, if it carries one. */
export function eventAmountMinor(event: PaymentEvent): bigint | undefined {
  return event.amount_minor === undefined ? undefined : BigInt(event.amount_minor);
}

/** A stored event (payment_events), as much of it as a replay sends again. */
export interface RecordedEvent {
  readonly event_id: string;
  readonly type: string;
  readonly payment_id: string;
  readonly occurred_at: Date;
  readonly amount_minor: bigint | null;
  readonly data: Record<string, unknown>;
}

/**
 * The SQS message body of a stored event sent again (a replay batch job, `payflow replay`): as
 * the processor sent it, with its original event id so the worker's dedup records recognise it,
 * and `data.replayed_by` naming who sent it again. A refund's amount is what the processor sent;
 * other events carry none.
 */
export function replayMessageBody(e: RecordedEvent, replayedBy: string): string {
  return JSON.stringify({
    event_id: e.event_id,
    type: e.type,
    payment_id: e.payment_id,
    occurred_at: e.occurred_at.toISOString(),
    ...(e.amount_minor !== null && e.type.includes('refund')
      ? { amount_minor: e.amount_minor.toString() }
      : {}),
    data: { ...e.data, replayed_by: replayedBy },
  });
}
