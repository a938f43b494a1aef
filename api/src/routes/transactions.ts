// /api/v1/transactions: list, get, create, audit trail, and the state-machine commands
// capture / void / refund. Thin: validate with zod, call a use case, shape the JSON.
import { z } from 'zod';
import type { ApiDeps } from '../deps.ts';
import { NotFound, ValidationError } from '../domain/errors.ts';
import { parseCurrency, parseDecimalAmount, parseMinorAmount, type CurrencyCode } from '../domain/money.ts';
import { isPaymentState, type PaymentState } from '../domain/states.ts';
import { idempotent } from '../http/idempotency.ts';
import { actorOf, merchantScopeOf, type Principal } from '../http/principal.ts';
import {
  defineRoute,
  problemSchema,
  type AnyRoute,
  type RouteContext,
  type RouteResult,
} from '../http/route.ts';
import { auditTrail } from '../payments/audit.ts';
import {
  EXPORT_MAX_ROWS,
  exportMetrics,
  exportPaymentsCsv,
  type ExportMetrics,
  type ExportResult,
} from '../payments/export.ts';
import { parkedEventsOf } from '../payments/parked.ts';
import { paymentRuleHits } from '../payments/rule-hits.ts';
import { paymentTimeline } from '../payments/timeline.ts';
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
/** The filter part of the list query (shared with the export). */
type FilterQuery = Omit<ListQuery, 'sort' | 'limit' | 'offset' | 'cursor' | 'include_total'>;

/** The list's filters and sort, and how many rows at most (no paging: the export streams). */
const exportQuery = listQuery.omit({ limit: true, offset: true, cursor: true, include_total: true }).extend({
  limit: intParam(1, EXPORT_MAX_ROWS).default(EXPORT_MAX_ROWS),
});

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
  q: FilterQuery,
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

/** The list's filter, with the caller's merchant scope as one more condition of the query. */
function toFilter(q: FilterQuery, principal: Principal | undefined): PaymentFilter {
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
    merchantScope: merchantScopeOf(principal),
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
        {
          actor: { actorType: w.actorType, actorId: w.actorId },
          requestId: w.requestId,
          viewer: ctx.principal,
        },
      );
      return { status: 200, body: paymentJson(payment) };
    },
  );
  return defineRoute({
    method: 'post',
    path: `${BASE}/:transactionId/${kind}`,
    access: 'operator',
    scope: 'query',
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

/** `payments-20250131T120000Z.csv`: the export's UTC time, in a form every file system accepts. */
function exportFileName(now: Date): string {
  return `payments-${now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(/[-:]/g, '')}.csv`;
}

type ExportContext = RouteContext<unknown, z.output<typeof exportQuery>, unknown>;

/**
 * An export changes nothing, so it is not an audit row (the audit log records changes); it is
 * one log line with the principal, the filter, the rows written and how it ended.
 */
function logExport(
  ctx: ExportContext,
  metrics: ExportMetrics,
  result: ExportResult | undefined,
  err?: unknown,
): void {
  const p = ctx.principal;
  const line = {
    principal: p ? { kind: p.kind, id: p.id, role: p.role } : null,
    filter: ctx.query,
    rows: result?.rows ?? 0,
    outcome: result?.outcome ?? 'error',
  };
  metrics.exports.inc({ outcome: line.outcome });
  metrics.rows.inc(line.rows);
  if (err === undefined) ctx.req.log.info({ export: line }, 'payments exported');
  else ctx.req.log.error({ export: line, err }, 'payments export failed');
}

async function runExport(deps: ApiDeps, metrics: ExportMetrics, ctx: ExportContext): Promise<undefined> {
  const { query, res } = ctx;
  const filter = toFilter(query, ctx.principal);
  const begin = (): void => {
    res.status(200).set({
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${exportFileName(new Date())}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
  };
  if (ctx.req.method === 'HEAD') {
    // Express answers HEAD with the GET route: the headers, without running the export.
    begin();
    res.end();
    return undefined;
  }
  try {
    const result = await exportPaymentsCsv(
      deps.pool,
      { filter, sort: query.sort, limit: query.limit },
      { out: res, begin },
    );
    logExport(ctx, metrics, result);
  } catch (err) {
    logExport(ctx, metrics, undefined, err);
    // Before the first byte, the error is answered as a problem; after it, the transfer is cut
    // so that the client sees a failed download rather than a short file.
    if (!res.headersSent) throw err;
    res.destroy();
  }
  return undefined;
}

function exportRoute(deps: ApiDeps, path: string): AnyRoute {
  const metrics = exportMetrics(deps.registry);
  return defineRoute({
    method: 'get',
    path,
    access: 'viewer',
    scope: 'query',
    summary: 'Export payments as CSV (the list filters and sort), streamed',
    tags: ['transactions'],
    query: exportQuery,
    streaming: true,
    responses: {
      200: {
        description:
          'text/csv; charset=utf-8 (RFC 4180, CRLF lines, header line first) as an attachment ' +
          '`payments-<UTC timestamp>.csv`; columns ' +
          'id, created_at, updated_at, merchant_id, payer_id, amount, currency, current_state, ' +
          'refunded_amount, card_fingerprint, country, flagged, held. Amounts are exact decimals ' +
          'with the currency’s exponent; a cell starting with = + - @ gets a leading apostrophe.',
      },
      400: problem('Bad filter (before any CSV is sent)'),
    },
    handler: async (ctx) => runExport(deps, metrics, ctx),
  });
}

const timelineSchema = z.object({
  data: z.array(
    z.object({
      at: z.string(),
      kind: z.enum(['created', 'event', 'command']),
      type: z.string().nullable(),
      outcome: z.enum(['applied', 'rejected']),
      from_state: z.string().nullable(),
      to_state: z.string().nullable(),
      event_id: z.string().nullable(),
      source: z.string().nullable(),
      occurred_at: z.string().nullable(),
      actor: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
      request_id: z.string().nullable(),
      amount: z.union([z.number(), z.string()]).optional(),
      amount_minor: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
});

const parkedEventsSchema = z.object({
  data: z.array(
    z.object({
      event_id: z.string(),
      type: z.string(),
      occurred_at: z.string().describe('When the processor says it happened (never counts against it).'),
      parked_at: z
        .string()
        .describe('When it was first parked: the worker’s PARK_HORIZON_SECONDS counts from here.'),
      age_seconds: z.number().describe('Seconds since parked_at.'),
      waiting_for: z
        .string()
        .describe(
          '`payment` (the payment does not exist yet) or the state(s) that accept it, e.g. `captured`.',
        ),
      reason: z.string().describe('Why it could not apply when last decided.'),
      status: z
        .enum(['parked', 'dead'])
        .describe(
          'parked: waiting; dead: rejected (impossible now, or past the horizon), on its way to the DLQ.',
        ),
      dead_reason: z.string().nullable(),
      event: z.unknown().describe('The event message as received.'),
    }),
  ),
});

const ruleHitsSchema = z.object({
  data: z.array(
    z.object({
      rule_id: z.string(),
      rule_name: z.string().nullable(),
      rule_version: z.number().nullable().meta({ description: 'Not recorded by the worker yet: null' }),
      mode: z.string(),
      action: z.string(),
      acted: z.boolean(),
      reasons: z.array(z.unknown()),
      matched_at: z.string(),
      event_id: z.string().nullable(),
      alert_id: z.string().nullable(),
    }),
  ),
});

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
      scope: 'query',
      summary: 'List payments (filter, sort, offset or cursor paging)',
      tags: ['transactions'],
      query: listQuery,
      responses: {
        200: { description: 'One page of payments', schema: pageSchema },
        400: problem('Bad filter'),
      },
      handler: async ({ query, principal }) => {
        const page = await listPayments(
          deps.pool,
          {
            filter: toFilter(query, principal),
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
    // Before `/:transactionId`, which would take `export` for an id.
    exportRoute(deps, `${BASE}/export`),
    exportRoute(deps, `${BASE}/export.csv`),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId`,
      access: 'viewer',
      scope: 'query',
      summary: 'Get a payment',
      tags: ['transactions'],
      params: idParams,
      responses: {
        200: { description: 'The payment', schema: paymentSchema },
        404: problem('No such payment'),
      },
      handler: async ({ params, principal }) => ({
        status: 200,
        json: jsonOfCached(await getPaymentCached(deps.pool, c.payments, params.transactionId, principal)),
      }),
    }),
    defineRoute({
      method: 'post',
      path: BASE,
      access: 'operator',
      scope: 'query',
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
          const payment = await createPayment(
            tx,
            ctx.body,
            { actor: { actorType: w.actorType, actorId: w.actorId }, requestId: w.requestId },
            ctx.principal,
          );
          return { status: 201, body: paymentJson(payment), headers: { Location: `${BASE}/${payment.id}` } };
        }),
      ),
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId/audit-logs`,
      access: 'viewer',
      scope: 'query',
      summary: "A payment's audit trail, oldest first",
      tags: ['transactions', 'audit'],
      params: idParams,
      responses: { 200: { description: 'Audit rows' }, 404: problem('No such payment') },
      handler: async ({ params, principal }) => {
        const payment = await getPayment(deps.pool, params.transactionId, principal);
        return { status: 200, body: { data: await auditTrail(deps.pool, 'payment', payment.id) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId/timeline`,
      access: 'viewer',
      scope: 'query',
      summary: "A payment's state timeline: creation, processor events applied or refused, commands",
      tags: ['transactions'],
      params: idParams,
      responses: {
        200: { description: 'Entries, oldest first', schema: timelineSchema },
        404: problem('No such payment'),
      },
      handler: async ({ params, principal }) => {
        const payment = await getPayment(deps.pool, params.transactionId, principal);
        return { status: 200, body: { data: await paymentTimeline(deps.pool, payment) } };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId/parked-events`,
      access: 'viewer',
      scope: 'query',
      summary:
        "A payment's parked events: processor events that arrived before the payment or the state they need, waiting for the worker to apply them in occurred_at order",
      tags: ['transactions'],
      params: idParams,
      responses: {
        200: {
          description: 'Parked events in the order they will be tried (also for a payment not created yet)',
          schema: parkedEventsSchema,
        },
        404: problem('No such payment and nothing parked for it'),
      },
      handler: async ({ params, principal }) => {
        const id = params.transactionId;
        // A scoped caller sees parked events of its merchants' payments only: before the payment
        // exists nothing says whose it is, so it is not found.
        if (merchantScopeOf(principal) !== undefined) await getPayment(deps.pool, id, principal);
        const [payment, data] = await Promise.all([
          getPayment(deps.pool, id, principal).catch((err: unknown) => {
            if (err instanceof NotFound) return undefined;
            throw err;
          }),
          parkedEventsOf(deps.pool, id),
        ]);
        if (!payment && data.length === 0) throw new NotFound('Payment', id);
        return { status: 200, body: { data } };
      },
    }),
    defineRoute({
      method: 'get',
      path: `${BASE}/:transactionId/rule-hits`,
      access: 'viewer',
      scope: 'query',
      summary: 'The rule hits of a payment, oldest first',
      tags: ['transactions', 'Rules'],
      params: idParams,
      responses: {
        200: { description: 'Rule hits', schema: ruleHitsSchema },
        404: problem('No such payment'),
      },
      handler: async ({ params, principal }) => {
        const payment = await getPayment(deps.pool, params.transactionId, principal);
        return { status: 200, body: { data: await paymentRuleHits(deps.pool, payment.id) } };
      },
    }),
    commandRoute(deps, 'capture', c),
    commandRoute(deps, 'void', c),
    commandRoute(deps, 'refund', c),
  ];
}
