// Payments: persistence every writer shares (API, worker, batch runner) and the use cases the
// API runs. Imported by other workspaces as `@payflow/api/payments`; nothing here knows HTTP.
//
// Writers use `insertPayment` / `lockPayment` + `decideEvent|decideCommand` + `recordTransition`
// inside one `withTransaction`; each change then commits together with its payment_events row,
// hash-chained audit row, `payment-updates` outbox message and `payflow_payments` notification.
export {
  PAYMENT_COLUMNS,
  PAYMENT_UPDATES_TOPIC,
  PAYMENTS_NOTIFY_CHANNEL,
  eventTypeFor,
  findPayment,
  insertPayment,
  lockPayment,
  paymentFromRow,
  paymentJson,
  recordTransition,
  type ChangeContext,
  type NewPayment,
  type Payment,
  type PaymentRow,
  type Queryable,
  type TransitionInput,
} from './store.ts';
// How many payments were created in a range, from the write-time statistics (batch job totals).
export { countPaymentsCreated } from '../stats/queries.ts';
