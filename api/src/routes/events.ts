// POST /api/v1/events: ingest a processor event. Validated here, applied later by the worker
// (exactly once, keyed by event_id); the API only enqueues it on the events queue.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { merchantScopeOf } from '../http/principal.ts';
import { getPayment } from '../payments/use-cases.ts';
import type { ApiDeps } from '../deps.ts';
import { ServiceUnavailable } from '../domain/errors.ts';
import { parsePaymentEvent, type PaymentEvent } from '../domain/events.ts';
import { unwrap } from '../domain/validation.ts';
import { idempotent } from '../http/idempotency.ts';
import { defineRoute, problemSchema, type AnyRoute } from '../http/route.ts';

function sendCommand(queueUrl: string, event: PaymentEvent): SendMessageCommand {
  const fifo = queueUrl.endsWith('.fifo');
  return new SendMessageCommand({
    QueueUrl: queueUrl,
    MessageBody: JSON.stringify(event),
    MessageAttributes: {
      event_id: { DataType: 'String', StringValue: event.event_id },
      event_type: { DataType: 'String', StringValue: event.type },
    },
    // FIFO queues de-duplicate on the event id; standard queues rely on the worker's
    // processed_events key for exactly-once effect.
    ...(fifo ? { MessageDeduplicationId: event.event_id, MessageGroupId: event.payment_id } : {}),
  });
}

async function enqueue(sqs: SQSClient, queueUrl: string, event: PaymentEvent): Promise<string | undefined> {
  try {
    const out = await sqs.send(sendCommand(queueUrl, event));
    return out.MessageId;
  } catch (err) {
    throw new ServiceUnavailable('The events queue did not accept the event; retry.', { cause: err });
  }
}

const accepted = z.object({
  event_id: z.string(),
  type: z.string(),
  payment_id: z.string(),
  status: z.literal('queued'),
  message_id: z.string().nullable(),
});

export function eventsRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/events',
      access: 'operator',
      scope: 'query',
      summary: 'Ingest a processor event (queued to SQS for the worker)',
      tags: ['events'],
      body: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
      responses: {
        202: { description: 'Queued', schema: accepted },
        400: { description: 'Invalid event', schema: problemSchema },
        503: { description: 'No events queue configured or reachable', schema: problemSchema },
      },
      handler: idempotent(deps.pool, async (ctx) => {
        const event = unwrap(parsePaymentEvent(ctx.body));
        // A scoped caller sends events for its merchants' payments only (another's: not found);
        // an event for a payment not created yet names no merchant, so it needs every merchant.
        if (merchantScopeOf(ctx.principal) !== undefined)
          await getPayment(deps.pool, event.payment_id, ctx.principal);
        const queueUrl = deps.config.SQS_EVENTS_QUEUE_URL;
        if (!deps.sqs || !queueUrl) throw new ServiceUnavailable('No events queue is configured.');
        const messageId = await enqueue(deps.sqs, queueUrl, event);
        return {
          status: 202,
          body: {
            event_id: event.event_id,
            type: event.type,
            payment_id: event.payment_id,
            status: 'queued',
            message_id: messageId ?? null,
          },
        };
      }),
    }),
  ];
}
