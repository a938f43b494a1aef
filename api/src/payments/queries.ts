// Payment list queries: filters, allow-listed sorts, offset pages and keyset cursors.
//
// Every filter maps to an indexed column (see migrations 0002 and 0004); time ranges prune
// partitions. `total` is an exact count of the matches up to TOTAL_CAP and otherwise reported
// as "at least TOTAL_CAP" (`totalExact: false`): the count never scans an unbounded set.
// The count runs in the same statement as the page (one round trip: under load the per-query
// socket writes cost the API more than the count costs Postgres). Callers that do not need a
// total (`includeTotal: false`) skip the count altogether, and with a `TotalCache` a total
// counted before for the same filter is reused while no payment it could include has changed.
import { createHash } from 'node:crypto';
import { ValidationError } from '../domain/errors.ts';
import type { CurrencyCode } from '../domain/money.ts';
import type { PaymentState } from '../domain/states.ts';
import type { TotalCache } from './total-cache.ts';
import { PAYMENT_COLUMNS, paymentFromRow, type Payment, type PaymentRow, type Queryable } from './store.ts';

export const PAYMENT_SORTS = ['-created_at', 'created_at', '-amount', 'amount'] as const;
export type PaymentSort = (typeof PAYMENT_SORTS)[number];
export const TOTAL_CAP = 10_000;

export interface PaymentFilter {
  readonly merchantId?: string;
  readonly payerId?: string;
  readonly states?: readonly PaymentState[];
  readonly currency?: CurrencyCode;
  readonly amountMinMinor?: bigint;
  readonly amountMaxMinor?: bigint;
  /** Inclusive. */
  readonly createdFrom?: Date;
  /** Exclusive. */
  readonly createdTo?: Date;
  /** Prefix of the payment id, merchant id or payer id. */
  readonly q?: string;
  /** The caller's merchant scope (merchantScopeOf): only these merchants' payments match. */
  readonly merchantScope?: readonly string[];
}

/** Position after the last row of a page, for keyset paging. */
export interface PaymentCursor {
  readonly sort: PaymentSort;
  /** The sort value of the last row: ISO timestamp or minor units as text. */
  readonly value: string;
  readonly id: string;
}

export interface PaymentListRequest {
  readonly filter: PaymentFilter;
  readonly sort: PaymentSort;
  readonly limit: number;
  readonly offset: number;
  readonly cursor?: PaymentCursor;
  /** Count the matches (default true); false leaves `total` undefined. */
  readonly includeTotal?: boolean;
}

export interface PaymentPage {
  readonly items: Payment[];
  /** Undefined when not asked for (`includeTotal: false`). */
  readonly total: number | undefined;
  readonly totalExact: boolean;
  readonly nextCursor: string | undefined;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** Collects SQL conditions and their parameters. */
class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: (p: (v: unknown) => string) => string): void {
    this.parts.push(
      sql((v) => {
        this.params.push(v);
        return `$${String(this.params.length)}`;
      }),
    );
  }

  text(): string {
    return this.parts.length === 0 ? '' : `where ${this.parts.join(' and ')}`;
  }
}

function likePrefix(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type Condition = [unknown, (p: (v: unknown) => string) => string];

function conditions(f: PaymentFilter): Condition[] {
  return [
    [f.merchantScope, (p) => `merchant_id = any(${p(f.merchantScope)}::text[])`],
    [f.merchantId, (p) => `merchant_id = ${p(f.merchantId)}`],
    [f.payerId, (p) => `payer_id = ${p(f.payerId)}`],
    [
      f.states,
      (p) =>
        f.states?.length === 1 ? `current_state = ${p(f.states[0])}` : `current_state = any(${p(f.states)})`,
    ],
    [f.currency, (p) => `currency = ${p(f.currency)}`],
    [f.amountMinMinor, (p) => `amount_minor >= ${p(f.amountMinMinor)}`],
    [f.amountMaxMinor, (p) => `amount_minor <= ${p(f.amountMaxMinor)}`],
    [f.createdFrom, (p) => `created_at >= ${p(f.createdFrom)}`],
    [f.createdTo, (p) => `created_at < ${p(f.createdTo)}`],
    [
      f.q,
      (p) => {
        const v = p(likePrefix(f.q ?? ''));
        return `(id like ${v} or merchant_id like ${v} or payer_id like ${v})`;
      },
    ],
  ];
}

function filterWhere(f: PaymentFilter): Where {
  const where = new Where();
  for (const [value, sql] of conditions(f)) if (value !== undefined) where.add(sql);
  return where;
}

const SORT_SQL: Record<PaymentSort, { column: string; dir: 'asc' | 'desc'; cast: string }> = {
  '-created_at': { column: 'created_at', dir: 'desc', cast: 'timestamptz' },
  created_at: { column: 'created_at', dir: 'asc', cast: 'timestamptz' },
  '-amount': { column: 'amount_minor', dir: 'desc', cast: 'bigint' },
  amount: { column: 'amount_minor', dir: 'asc', cast: 'bigint' },
};

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(c: PaymentCursor): string {
  return Buffer.from(JSON.stringify([c.sort, c.value, c.id])).toString('base64url');
}

/** Decodes an opaque cursor; a 400 naming `cursor` when it is malformed or made for another sort. */
export function decodeCursor(text: string, sort: PaymentSort): PaymentCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw ValidationError.of('cursor', 'is not a cursor returned by this endpoint');
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !parsed.every((x) => typeof x === 'string')) {
    throw ValidationError.of('cursor', 'is not a cursor returned by this endpoint');
  }
  const [s, value, id] = parsed as [string, string, string];
  if (s !== sort) throw ValidationError.of('cursor', `was made for sort ${s}, not ${sort}`);
  const valid = s.endsWith('amount')
    ? /^\d{1,16}$/.test(value)
    : ISO_UTC.test(value) && !Number.isNaN(Date.parse(value));
  if (!valid) throw ValidationError.of('cursor', 'is not a cursor returned by this endpoint');
  return { sort, value, id };
}

function cursorOf(p: Payment, sort: PaymentSort): string {
  const value = SORT_SQL[sort].column === 'created_at' ? p.createdAt.toISOString() : p.amountMinor.toString();
  return encodeCursor({ sort, value, id: p.id });
}

/**
 * A named (prepared) statement: its plan is cached per connection, so that a partitioned
 * table's planning cost (every monthly partition) is paid once, not on every page.
 */
function prepared(text: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `pay_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    // The texts are made from a few fixed shapes (filters present, sort, cursor): a small set.
    if (statementNames.size < 4096) statementNames.set(text, name);
  }
  return { name, text, values };
}

const statementNames = new Map<string, string>();

/**
 * Newest-first pages look at recent months first. Every monthly partition costs Postgres an
 * index probe per query even when the page comes from the newest ones; with this lower bound on
 * created_at the executor skips the older partitions (run-time pruning of the prepared plan).
 * When the recent window holds the whole page (limit + 1 rows after the offset) that page is
 * exactly the unbounded query's page, since every row outside the window is older. When it does
 * not, the page is read again without the bound. The count never uses the window.
 */
const RECENT_WINDOW_MS = 90 * 24 * 3600 * 1000;

function recentSince(r: PaymentListRequest): Date | undefined {
  if (r.sort !== '-created_at') return undefined;
  const since = new Date(Date.now() - RECENT_WINDOW_MS);
  const f = r.filter;
  if (f.createdFrom && f.createdFrom >= since) return undefined; // already as narrow
  if (f.createdTo && f.createdTo <= since) return undefined; // nothing in the window
  if (r.cursor && Date.parse(r.cursor.value) <= since.getTime()) return undefined;
  return since;
}

/**
 * One page of payments matching the filter. With `totals`, a total counted before for the same
 * filter (and not invalidated since) is reused and only the page is read.
 */
export async function listPayments(
  db: Queryable,
  r: PaymentListRequest,
  totals?: TotalCache,
): Promise<PaymentPage> {
  const { rows, total } = await rowsAndTotal(db, r, totals);
  const items = rows.slice(0, r.limit).map(paymentFromRow);
  const last = items.at(-1);
  const more = rows.length > r.limit && last !== undefined;
  return {
    items,
    total: total === undefined ? undefined : Math.min(total, TOTAL_CAP),
    totalExact: total !== undefined && total <= TOTAL_CAP,
    nextCursor: more ? cursorOf(last, r.sort) : undefined,
  };
}

/** The page's rows and the total: the cached total when there is one, else counted with the page. */
async function rowsAndTotal(
  db: Queryable,
  r: PaymentListRequest,
  totals: TotalCache | undefined,
): Promise<{ rows: PaymentRow[]; total: number | undefined }> {
  if (r.includeTotal === false) return readPage(db, r, false);
  const cached = totals?.lookup(r.filter);
  if (cached !== undefined) return { rows: (await readPage(db, r, false)).rows, total: cached };
  const ticket = totals?.begin(r.filter);
  let counted: number | undefined;
  try {
    const page = await readPage(db, r, true);
    counted = page.total;
    return page;
  } finally {
    if (ticket) totals?.end(ticket, counted);
  }
}

/** The page's rows (limit + 1), newest months first when that suffices, and the count if asked. */
async function readPage(
  db: Queryable,
  r: PaymentListRequest,
  withTotal: boolean,
): Promise<{ rows: PaymentRow[]; total: number | undefined }> {
  const since = recentSince(r);
  const fetched = await fetchPage(db, r, since, withTotal);
  if (since && fetched.rows.length <= r.limit) {
    return { rows: (await fetchPage(db, r, undefined, false)).rows, total: fetched.total };
  }
  return fetched;
}

/** limit + 1 rows from the offset (created_at >= since when given), with the count if asked. */
async function fetchPage(
  db: Queryable,
  r: PaymentListRequest,
  since: Date | undefined,
  withTotal: boolean,
): Promise<{ rows: PaymentRow[]; total: number | undefined }> {
  const s = SORT_SQL[r.sort];
  const where = filterWhere(r.filter);
  if (r.cursor) {
    const cur = r.cursor;
    const op = s.dir === 'desc' ? '<' : '>';
    where.add((p) => `(${s.column}, id) ${op} (${p(cur.value)}::${s.cast}, ${p(cur.id)})`);
  }
  if (since) where.add((p) => `created_at >= ${p(since)}`);
  where.params.push(r.limit + 1, r.offset);
  const n = where.params.length;
  const page = `select ${PAYMENT_COLUMNS} from payments ${where.text()}
    order by ${s.column} ${s.dir}, id ${s.dir}
    limit $${String(n - 1)} offset $${String(n)}`;
  if (!withTotal) {
    return { rows: (await db.query<PaymentRow>(prepared(page, where.params))).rows, total: undefined };
  }
  return pageWithCount(db, r, page, where.params);
}

/**
 * The page and the capped count in ONE statement (one round trip, one pooled connection): the
 * count of the whole filter (no cursor condition) joined with the page. The filter's parameters
 * come first in the page's parameter list (the cursor's and limit/offset follow), so both parts
 * share them. An empty page still yields one row, carrying the count with null columns.
 */
async function pageWithCount(
  db: Queryable,
  r: PaymentListRequest,
  page: string,
  params: unknown[],
): Promise<{ rows: PaymentRow[]; total: number }> {
  const s = SORT_SQL[r.sort];
  const filter = filterWhere(r.filter).text();
  const { rows } = await db.query<Nullable<PaymentRow> & { total_count: bigint }>(
    prepared(
      `select c.total_count, p.*
         from (select count(*) as total_count
                 from (select 1 from payments ${filter} limit ${String(TOTAL_CAP + 1)}) t) c
         left join lateral (${page}) p on true
        order by p.${s.column} ${s.dir}, p.id ${s.dir}`,
      params,
    ),
  );
  const total = Number(rows[0]?.total_count ?? 0n);
  return { rows: rows.filter((row): row is PaymentRow & { total_count: bigint } => row.id !== null), total };
}
