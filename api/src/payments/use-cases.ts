// What the API does with payments, as short stories. Input arrives already shaped by the
// route's zod schema; money is converted here, exactly, with the payment's currency.
import type pg from 'pg';
import { Forbidden, NotFound } from '../domain/errors.ts';
import { merchantScopeOf, type Principal } from '../http/principal.ts';
import { parseCurrency, parseDecimalAmount } from '../domain/money.ts';
import { decideCommand, type PaymentCommand } from '../domain/states.ts';
import type { PaymentCache } from './cache.ts';
import {
  findPayment,
  insertPayment,
  lockPayment,
  recordTransition,
  type ChangeContext,
  type Payment,
} from './store.ts';

/** Who acts through the API: the audit actor and the request id. */
export type ApiActor = Pick<ChangeContext, 'actor' | 'requestId'>;

/**
 * Whose eyes a use case reads with: the caller's principal (undefined: the system itself). Its
 * merchant scope goes into every query below, so any caller of these use cases (a route, a
 * tool acting for a user) sees only that principal's merchants; a payment outside is not found.
 */
export type Viewer = Principal | undefined;

export interface CreatePaymentInput {
  readonly merchant_id: string;
  readonly payer_id: string;
  readonly amount: number | string;
  readonly currency: string;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly card_fingerprint?: string | undefined;
  readonly country?: string | undefined;
}

export async function createPayment(
  tx: pg.ClientBase,
  input: CreatePaymentInput,
  who: ApiActor,
  viewer: Viewer,
): Promise<Payment> {
  const scope = merchantScopeOf(viewer);
  if (scope !== undefined && !scope.includes(input.merchant_id))
    throw new Forbidden('merchant_id: your access is limited to other merchants.', { field: 'merchant_id' });
  const currency = parseCurrency(input.currency);
  const money = parseDecimalAmount(input.amount, currency);
  return insertPayment(
    tx,
    {
      merchantId: input.merchant_id,
      payerId: input.payer_id,
      amountMinor: money.amountMinor,
      currency,
      cardFingerprint: input.card_fingerprint ?? null,
      country: input.country ?? null,
      metadata: input.metadata ?? {},
    },
    { ...who, source: 'api' },
  );
}

export async function getPayment(db: pg.Pool | pg.ClientBase, id: string, viewer: Viewer): Promise<Payment> {
  const payment = await findPayment(db, id, merchantScopeOf(viewer));
  if (!payment) throw new NotFound('Payment', id);
  return payment;
}

/**
 * `getPayment` through this process's cache (reads outside any transaction only). A scoped
 * viewer reads the database with its scope in the query instead (the cache holds every merchant).
 */
export async function getPaymentCached(
  pool: pg.Pool,
  cache: PaymentCache,
  id: string,
  viewer: Viewer,
): Promise<Payment> {
  if (merchantScopeOf(viewer) !== undefined) return getPayment(pool, id, viewer);
  const payment = await cache.get(id, () => findPayment(pool, id));
  if (!payment) throw new NotFound('Payment', id);
  return payment;
}

export type CommandKind = PaymentCommand['kind'];

export interface CommandInput {
  readonly kind: CommandKind;
  /** Refunds only: decimal amount in the payment's currency; default what is left. */
  readonly amount?: number | string | undefined;
  readonly reason?: string | undefined;
}

function toCommand(payment: Payment, input: CommandInput): PaymentCommand {
  if (input.kind !== 'refund') return { kind: input.kind };
  if (input.amount === undefined) return { kind: 'refund' };
  return { kind: 'refund', amountMinor: parseDecimalAmount(input.amount, payment.currency).amountMinor };
}

/**
 * Capture, void or refund: lock the payment, let the state machine decide (409 on an illegal
 * transition, 400 naming `amount` on a bad refund amount), record the change.
 */
export async function runPaymentCommand(
  tx: pg.ClientBase,
  id: string,
  input: CommandInput,
  who: ApiActor & { readonly viewer: Viewer },
): Promise<Payment> {
  const payment = await lockPayment(tx, id, merchantScopeOf(who.viewer));
  if (!payment) throw new NotFound('Payment', id);
  const decision = decideCommand(payment, toCommand(payment, input));
  const out = await recordTransition(tx, {
    actor: who.actor,
    requestId: who.requestId,
    source: 'api',
    reason: input.reason ?? null,
    payment,
    decision,
  });
  return out.payment;
}
