// /api/v1/transactions: list, get, create, audit trail, and the state-machine commands
// capture / void / refund. Thin: validate with zod, call a use case, shape the JSON.
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { ValidationError } from '../domain/errors.ts';
import { parseCurrency, parseDecimalAmount, parseMinorAmount, type CurrencyCode } from '../domain/money.ts';
import { isPaymentState, type PaymentState } from '../domain/states.ts';
import { idempotent } from '../http/idempotency.ts';
import { actorOf } from '../http/principal.ts';
import {
  defineRoute,
  problemSchema,
  type AnyRoute,
  type RouteContext,
  type RouteResult,
} from '../http/route.ts';
import { auditTrail } from '../payments/audit.ts';
import { PaymentCache, registerPaymentCacheMetrics } from '../payments/cache.ts';
import { PaymentChangeFeed } from '../payments/change-feed.ts';
import { TotalCache, registerTotalCacheMetrics } from '../payments/total-cache.ts';
import {
  PAYMENT_SORTS,
  decodeCursor,
  listPayments,
  type PaymentFilter,
  type PaymentSort,
} from '../payments/queries.ts';
import { paymentJson, type Payment } from '../payments/store.ts';
import {
  createPayment,
  getPayment,
  getPaymentCached,
  runPaymentCommand,
  type CommandKind,
} from '../payments/use-cases.ts';
import { intParam, textParam, timeParam } from './query-params.ts';

const BASE = '/api/v1/transactions';
const MAX_METADATA_BYTES = 8192;
const MAX_OFFSET = 10_000;

const states = z
  .string()
  .max(300)
  .transform((s, ctx) => {
    const list = s.split(',').map((x) => x.trim());
    const bad = list.filter((x) => !isPaymentState(x));
    if (bad.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `unknown state ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
      });
      return z.NEVER;
    }
    return list as PaymentState[];
  });

const listQuery = z.strictObject({
  merchant_id: textParam().optional(),
  payer_id: textParam().optional(),
  state: states.optional(),
  current_state: states.optional(),
  currency: z.string().max(8).optional(),
  amount_min: z.string().max(40).optional(),
  amount_max: z.string().max(40).optional(),
  amount_min_minor: z.string().max(40).optional(),
  amount_max_minor: z.string().max(40).optional(),
  created_from: timeParam.optional(),
  created_to: timeParam.optional(),
  q: textParam().optional(),
  sort: z.enum(PAYMENT_SORTS, { error: `must be one of ${PAYMENT_SORTS.join(', ')}` }).default('-created_at'),
  limit: intParam(1, 200).default(50),
  offset: intParam(0, MAX_OFFSET).default(0),
  cursor: z.string().min(1).max(512).optional(),
  include_total: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
});
type ListQuery = z.output<typeof listQuery>;

const idParams = z.object({ transactionId: z.string().min(1).max(64) });

const metadata = z
  .record(z.string().max(64), z.unknown())
  .refine(
    (m) => JSON.stringify(m).length <= MAX_METADATA_BYTES,
    `must be at most ${String(MAX_METADATA_BYTES)} bytes of JSON`,
  );

const amountInput = z.union([z.number(), z.string()], { error: 'must be a decimal number such as 100.00' });

const createBody = z.strictObject({
  merchant_id: textParam(),
  payer_id: textParam(),
  amount: amountInput,
  currency: z.string({ error: 'must be an ISO 4217 currency code' }),
  current_state: z
    .literal('pending', { error: 'must be "pending" (or omitted) when creating a payment' })
    .optional(),
  metadata: metadata.optional(),
  card_fingerprint: textParam().optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as US')
    .optional(),
});

const commandBody = z.strictObject({ reason: z.string().min(1).max(1000).optional() }).optional();
const refundBody = z
  .strictObject({ amount: amountInput.optional(), reason: z.string().min(1).max(1000).optional() })
  .optional();

const paymentSchema = z.object({
  id: z.string(),
  merchant_id: z.string(),
  payer_id: z.string(),
  amount: z.union([z.number(), z.string()]),
  amount_minor: z.string(),
  currency: z.string(),
  current_state: z.string(),
  refunded_amount: z.union([z.number(), z.string()]),
  refunded_amount_minor: z.string(),
  card_fingerprint: z.string().nullable(),
  country: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  flagged: z.boolean(),
  held: z.boolean(),
  version: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

const pageSchema = z.object({
  data: z.array(paymentSchema),
  pagination: z.object({
    limit: z.number(),
    offset: z.number(),
    total: z
      .number()
      .nullable()
      .meta({
        description:
          'Matches of the filter (whole filter, not only after the cursor), counted up to 10,000; ' +
          'null when the request says include_total=false (which saves the count).',
      }),
    total_exact: z.boolean().meta({ description: 'false when total is capped at 10,000 or null' }),
    next_cursor: z.string().nullable(),
  }),
});

const problem = (description: string): { description: string; schema: typeof problemSchema } => ({
  description,
  schema: problemSchema,
});

function amountBound(
  q: ListQuery,
  which: 'min' | 'max',
  currency: CurrencyCode | undefined,
): bigint | undefined {
  const decimal = q[`amount_${which}`];
  const minor = q[`amount_${which}_minor`];
  if (decimal !== undefined && minor !== undefined) {
    throw ValidationError.of(`amount_${which}`, `cannot be combined with amount_${which}_minor`);
  }
  if (minor !== undefined) return parseMinorAmount(minor, `amount_${which}_minor`);
  if (decimal === undefined) return undefined;
  if (!currency)
    throw ValidationError.of(`amount_${which}`, 'needs a currency filter (or use amount_*_minor)');
  return parseDecimalAmount(decimal, currency, { field: `amount_${which}` }).amountMinor;
}

function toFilter(q: ListQuery): PaymentFilter {
  const currency = q.currency === undefined ? undefined : parseCurrency(q.currency);
  const min = amountBound(q, 'min', currency);
  const max = amountBound(q, 'max', currency);
  if (min !== undefined && max !== undefined && min > max) {
    throw ValidationError.of('amount_min', 'must not be greater than amount_max');
  }
  return {
    merchantId: q.merchant_id,
    payerId: q.payer_id,
    states: q.state ?? q.current_state,
    currency,
    amountMinMinor: min,
    amountMaxMinor: max,
    createdFrom: q.created_from,
    createdTo: q.created_to,
    q: q.q,
  };
}

function cursorOf(q: ListQuery, sort: PaymentSort): ReturnType<typeof decodeCursor> | undefined {
  if (q.cursor === undefined) return undefined;
  if (q.offset !== 0) throw ValidationError.of('offset', 'cannot be combined with cursor');
  return decodeCursor(q.cursor, sort);
}

function who(
  ctx: RouteContext<unknown, unknown, unknown>,
): ReturnType<typeof actorOf> & { requestId: string } {
  return { ...actorOf(ctx.principal), requestId: ctx.req.id };
}

function commandRoute(deps: ApiDeps, kind: CommandKind, c: Caches): AnyRoute {
  const handler = idempotent(
    deps.pool,
    async (ctx: RouteContext<z.output<typeof idParams>, unknown, unknown>, tx) => {
      const body = (ctx.body ?? {}) as { amount?: number | string; reason?: string };
      const w = who(ctx);
      const payment = await runPaymentCommand(
        tx,
        ctx.params.transactionId,
        { kind, amount: body.amount, reason: body.reason },
        { actor: { actorType: w.actorType, actorId: w.actorId }, requestId: w.requestId },
      );
      return { status: 200, body: paymentJson(payment) };
    },
  );
  return defineRoute({
    method: 'post',
    path: `${BASE}/:transactionId/${kind}`,
    access: 'operator',
    summary: `${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)} a payment (state-machine command)`,
    tags: ['transactions'],
    params: idParams,
    body: kind === 'refund' ? refundBody : commandBody,
    responses: {
      200: { description: 'The payment after the command', schema: paymentSchema },
      404: problem('No such payment'),
      409: problem('The payment state does not allow this command'),
    },
    handler: async (ctx) => {
      try {
        return await afterChange(c, handler)(ctx);
      } finally {
        // After the commit (or the rollback): this process's next read sees the change.
        c.payments.invalidate(ctx.params.transactionId);
      }
    },
  });
}

// The JSON text of cached payments, made once per cached object (a hit returns the same object).
// Kept as text, not as an object: objects retained for long from the allocation sites that also
// serve every list row make V8 allocate those rows straight in the old generation (allocation-site
// pretenuring), and list requests then paid for frequent full collections.
const cachedJson = new WeakMap<Payment, string>();

function jsonOfCached(payment: Payment): string {
  let json = cachedJson.get(payment);
  if (json === undefined) {
    json = JSON.stringify(paymentJson(payment));
    cachedJson.set(payment, json);
  }
  return json;
}

interface Caches {
  readonly payments: PaymentCache;
  readonly totals: TotalCache;
}

/** This process's payment and list-total caches on one change feed, closed with the API. */
function caches(deps: ApiDeps): Caches {
  const feed = new PaymentChangeFeed({ connectionString: deps.config.DATABASE_URL, logger: deps.logger });
  deps.onClose?.(() => feed.close());
  const payments = new PaymentCache({ feed });
  const totals = new TotalCache({ feed });
  registerPaymentCacheMetrics(payments, deps.registry);
  registerTotalCacheMetrics(totals, deps.registry);
  return { payments, totals };
}

/**
 * After this process committed a change to the payment a route answers with (or replayed one):
 * its next lists count afresh, without waiting for the notification. The payment cache needs
 * nothing here: a created payment was never cached, and commands invalidate their payment.
 */
function totalsChanged(c: Caches, body: unknown): void {
  const p = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { id, merchant_id: merchantId, payer_id: payerId } = p;
  c.totals.changed(
    typeof id === 'string' && typeof merchantId === 'string' && typeof payerId === 'string'
      ? { id, merchantId, payerId }
      : undefined,
  );
}

/** The handler, then `totalsChanged` with the payment it answers (its commit is done by then). */
function afterChange<C>(
  c: Caches,
  handler: (ctx: C) => Promise<RouteResult>,
): (ctx: C) => Promise<RouteResult> {
  return async (ctx) => {
    const result = await handler(ctx);
    totalsChanged(c, result.body);
    return result;
  };
}

export function transactionsRoutes(deps: ApiDeps): AnyRoute[] {
  const c = caches(deps);
  return [
    defineRoute({
      method: 'get',
      path: BASE,
      access: 'viewer',
      summary: 'List payments (filter, sort, offset or cursor paging)',
      tags: ['transactions'],
      query: listQuery,
      responses: {
        200: { description: 'One page of payments', schema: pageSchema },
        400: problem('Bad filter'),
      },
      handler: async ({ query }) => {
        const page = await listPayments(
          deps.pool,
          {
            filter: toFilter(query),
            sort: query.sort,
            limit: query.limit,
            offset: query.offset,
            ...(query.cursor === undefined ? {} : { cursor: cursorOf(query, query.sort) }),
            includeTotal: query.include_total,
          },
          c.totals,
        );
        return {
          status: 200,
          body: {
            data: page.items.map(paymentJson),
            pagination: {
              limit: query.limit,
              offset: query.offset,
              total: page.total ?? null,
              total_exact: page.totalExact,
              next_cursor: page.nextCursor ?? null,
            },
          },
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId`,
      access: 'viewer',
      summary: 'Get a payment',
      tags: ['transactions'],
      params: idParams,
      responses: {
        200: { description: 'The payment', schema: paymentSchema },
        404: problem('No such payment'),
      },
      handler: async ({ params }) => ({
        status: 200,
        json: jsonOfCached(await getPaymentCached(deps.pool, c.payments, params.transactionId)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: BASE,
      access: 'operator',
      summary: 'Create a payment (state pending); send an Idempotency-Key',
      tags: ['transactions'],
      body: createBody,
      responses: {
        201: { description: 'The payment created', schema: paymentSchema },
        400: problem('Invalid payment'),
        409: problem('The same Idempotency-Key is in flight'),
        422: problem('Idempotency-Key reused with another request'),
      },
      handler: afterChange(
        c,
        idempotent(deps.pool, async (ctx, tx) => {
          const w = who(ctx);
          const payment = await createPayment(tx, ctx.body, {
            actor: { actorType: w.actorType, actorId: w.actorId },
            requestId: w.requestId,
          });
          return { status: 201, body: paymentJson(payment), headers: { Location: `${BASE}/${payment.id}` } };
        }),
      ),
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId/audit-logs`,
      access: 'viewer',
      summary: "A payment's audit trail, oldest first",
      tags: ['transactions', 'audit'],
      params: idParams,
      responses: { 200: { description: 'Audit rows' }, 404: problem('No such payment') },
      handler: async ({ params }) => {
        const payment = await getPayment(deps.pool, params.transactionId);
        return { status: 200, body: { data: await auditTrail(deps.pool, 'payment', payment.id) } };
      },
    }),
    commandRoute(deps, 'capture', c),
    commandRoute(deps, 'void', c),
    commandRoute(deps, 'refund', c),
  ];
}
