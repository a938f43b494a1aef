// Payments as CSV (RFC 4180), streamed: keyset pages of the list query (same filter, same sort)
// are turned into text one page at a time and written with backpressure, so that an export of a
// million rows holds one page in memory, never the result. No transaction spans the pages: each
// page is read when the client has taken the previous one, and the sort keys (created_at,
// amount) never change, so keyset paging neither repeats nor skips a row that matches throughout.
import type { Writable } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import { formatMinor } from '../domain/money.ts';
import {
  decodeCursor,
  listPayments,
  type PaymentCursor,
  type PaymentFilter,
  type PaymentSort,
} from './queries.ts';
import { metricName } from '../observability/metrics.ts';
import type { Payment, Queryable } from './store.ts';

/** The CSV columns, in order (the header line). */
export const EXPORT_COLUMNS = [
  'id',
  'created_at',
  'updated_at',
  'merchant_id',
  'payer_id',
  'amount',
  'currency',
  'current_state',
  'refunded_amount',
  'card_fingerprint',
  'country',
  'flagged',
  'held',
] as const;

/** Most rows one export writes (and the default). */
export const EXPORT_MAX_ROWS = 1_000_000;

/** Rows read per keyset page (one page is one chunk written). */
const PAGE_ROWS = 1000;

/** A cell that needs work: a formula start (= + - @, tab, CR) or a character that needs quotes. */
const NEEDS_CARE = /^[=+\-@\t\r]|[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell: a text a spreadsheet would run as a formula (starting with = + - @, tab or CR)
 * gets a leading apostrophe; a cell with a comma, quote or line break is quoted (RFC 4180).
 */
export function csvCell(value: string): string {
  if (!NEEDS_CARE.test(value)) return value;
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const YEAR_10000 = 253_402_300_800_000;
const DAY_MS = 86_400_000;

const pad2 = (n: number): string => (n < 10 ? `0${String(n)}` : String(n));

/**
 * `Date#toISOString`, faster: it costs microseconds per call, so the date part (`2025-01-31T`)
 * is remembered per day (rows close together mostly share it) and the time is made by arithmetic.
 */
export class IsoClock {
  private day = Number.NaN;
  private date = '';

  format(d: Date): string {
    const t = d.getTime();
    if (!(t >= 0 && t < YEAR_10000)) return d.toISOString();
    const day = Math.floor(t / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.date = d.toISOString().slice(0, 11);
    }
    let rest = t - day * DAY_MS;
    const ms = rest % 1000;
    rest = (rest - ms) / 1000;
    const sec = rest % 60;
    rest = (rest - sec) / 60;
    const min = rest % 60;
    const hour = (rest - min) / 60;
    const msText = ms < 10 ? `00${String(ms)}` : ms < 100 ? `0${String(ms)}` : String(ms);
    return `${this.date}${pad2(hour)}:${pad2(min)}:${pad2(sec)}.${msText}Z`;
  }
}

const createdClock = new IsoClock();
const updatedClock = new IsoClock();

/**
 * One payment as a CSV line (CRLF-terminated); amounts exact with the currency's decimals.
 * Only the texts that come from callers go through `csvCell`: timestamps, amounts, currency
 * (three capitals), state, country (two capitals) and booleans never need it.
 */
export function csvRow(p: Payment): string {
  return (
    `${csvCell(p.id)},${createdClock.format(p.createdAt)},${updatedClock.format(p.updatedAt)},` +
    `${csvCell(p.merchantId)},${csvCell(p.payerId)},${formatMinor(p.amountMinor, p.currency)},` +
    `${p.currency},${p.state},${formatMinor(p.refundedMinor, p.currency)},` +
    `${p.cardFingerprint === null ? '' : csvCell(p.cardFingerprint)},${p.country ?? ''},` +
    `${String(p.flagged)},${String(p.held)}\r\n`
  );
}

export const CSV_HEADER = `${EXPORT_COLUMNS.join(',')}\r\n`;

export interface ExportRequest {
  readonly filter: PaymentFilter;
  readonly sort: PaymentSort;
  /** At most this many rows (1..EXPORT_MAX_ROWS). */
  readonly limit: number;
}

export interface ExportResult {
  readonly rows: number;
  /** complete: every match written; limit: stopped at `limit` with more to come; client_closed. */
  readonly outcome: 'complete' | 'limit' | 'client_closed';
}

/** Where the CSV goes: the response, plus `begin` to send the status and headers. */
export interface ExportTarget {
  readonly out: Writable;
  /** Called once, after the first page was read (a failure before it is still an error answer). */
  readonly begin: () => void;
}

/** The response seen as a sink: writes wait for 'drain' when its buffer is full. */
class Sink {
  private gone = false;
  readonly out: Writable;

  constructor(out: Writable) {
    this.out = out;
    // 'close' before the end is the client going away (a dropped connection, a cancelled download).
    out.once('close', () => {
      this.gone = true;
    });
  }

  /** Writes a chunk; when the buffer is full, waits for 'drain'. False once the client has gone. */
  async push(chunk: string): Promise<boolean> {
    const { out } = this;
    if (this.gone || out.destroyed || out.writableEnded) return false;
    if (out.write(chunk)) return true;
    return new Promise((resolve) => {
      const settle = (ok: boolean): void => {
        out.off('drain', onDrain);
        out.off('close', onClose);
        out.off('error', onClose);
        resolve(ok);
      };
      const onDrain = (): void => {
        settle(true);
      };
      const onClose = (): void => {
        settle(false);
      };
      out.once('drain', onDrain);
      out.once('close', onClose);
      out.once('error', onClose);
    });
  }
}

interface Page {
  readonly text: string;
  readonly count: number;
  readonly next: PaymentCursor | undefined;
}

async function readPage(
  db: Queryable,
  r: ExportRequest,
  cursor: PaymentCursor | undefined,
  room: number,
): Promise<Page> {
  const page = await listPayments(db, {
    filter: r.filter,
    sort: r.sort,
    limit: Math.min(PAGE_ROWS, room),
    offset: 0,
    includeTotal: false,
    ...(cursor === undefined ? {} : { cursor }),
  });
  let text = '';
  for (const p of page.items) text += csvRow(p);
  const next = page.nextCursor === undefined ? undefined : decodeCursor(page.nextCursor, r.sort);
  return { text, count: page.items.length, next };
}

/**
 * Streams the matching payments as CSV to `target.out` (header line first) and ends it. Stops
 * early, without error, when the client goes away. A failure before `begin` was called leaves
 * the response untouched (the caller answers with a problem); after it, the caller must destroy
 * the response so that the client sees an incomplete transfer, not a short file.
 */
export async function exportPaymentsCsv(
  db: Queryable,
  r: ExportRequest,
  target: ExportTarget,
): Promise<ExportResult> {
  const sink = new Sink(target.out);
  let page = await readPage(db, r, undefined, r.limit);
  target.begin();
  const { out } = target;
  let rows = 0;
  if (!(await sink.push(CSV_HEADER))) return { rows, outcome: 'client_closed' };
  for (;;) {
    if (!(await sink.push(page.text))) return { rows, outcome: 'client_closed' };
    rows += page.count;
    if (page.next === undefined) break;
    if (rows >= r.limit) {
      out.end();
      return { rows, outcome: 'limit' };
    }
    page = await readPage(db, r, page.next, r.limit - rows);
  }
  out.end();
  return { rows, outcome: 'complete' };
}

export interface ExportMetrics {
  /** Exports by how they ended: complete, limit, client_closed, error. */
  readonly exports: Counter<'outcome'>;
  readonly rows: Counter;
}

/** `payflow_payment_exports_total{outcome}` and `payflow_payment_export_rows_total` (made once per registry). */
export function exportMetrics(registry: Registry): ExportMetrics {
  const exportsName = metricName('payment_exports_total');
  const rowsName = metricName('payment_export_rows_total');
  const known = registry.getSingleMetric(exportsName);
  const knownRows = registry.getSingleMetric(rowsName);
  if (known instanceof Counter && knownRows instanceof Counter) {
    return { exports: known, rows: knownRows };
  }
  return {
    exports: new Counter({
      name: exportsName,
      help: 'CSV exports of payments, by outcome (complete, limit, client_closed, error).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    rows: new Counter({
      name: rowsName,
      help: 'Payment rows written by CSV exports.',
      registers: [registry],
    }),
  };
}
