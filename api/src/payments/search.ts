// The console's global search: payments by id (exact, or id prefix), merchants and payers by id
// prefix, each answered from an index whatever the table's size.
//
// - Payment ids: a range on the primary key (id, created_at), `id >= q and id < next(q)`, with
//   LIKE as the exact recheck; the ULID time digits of the prefix bound created_at too, so that
//   only the partitions those times fall in are read. Ids are `pay_` + upper-case Crockford
//   base32, whose order is the same in every collation, so the range is right in any database.
// - Merchants and payers: distinct ids with the prefix by a loose index scan (one index probe
//   per id found, never a scan of their payments) on payments_merchant / payments_payer, and a
//   count of payments per id capped at SEARCH_COUNT_CAP (an index-only scan of at most that
//   many entries). A prefix range on a text index is only a prefix match when the database
//   collation is C (byte order); in any other collation, merchants and payers match exactly.
// Statements are named: the API's connections plan them once (generically), and created_at
// bounds given as parameters prune partitions when the plan starts.
import type pg from 'pg';
import { isId } from '../domain/ids.ts';
import { toJsonAmount, type CurrencyCode } from '../domain/money.ts';
import { findPayment } from './store.ts';

/** Counts of payments per merchant or payer stop here (`payments_exact: false` beyond). */
export const SEARCH_COUNT_CAP = 1000;

export interface SearchPayment {
  id: string;
  merchant_id: string;
  payer_id: string;
  amount: number | string;
  amount_minor: string;
  currency: string;
  current_state: string;
  created_at: string;
}

export interface SearchGroup {
  /** Payments with this id, up to SEARCH_COUNT_CAP. */
  payments: number;
  payments_exact: boolean;
}

export interface SearchResult {
  payments: SearchPayment[];
  merchants: (SearchGroup & { merchant_id: string })[];
  payers: (SearchGroup & { payer_id: string })[];
  /** prefix: merchants and payers matched by prefix; exact: by the whole text (non-C collation). */
  match: 'prefix' | 'exact';
}

const PREFIX = 'pay_';
const ULID_CHARS = /^(?:[0-7][0-9A-HJKMNP-TV-Z]{0,25})?$/;
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const MAX_TIME = 2 ** 48 - 1;

function likePrefix(q: string): string {
  return `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The least string above every string that starts with `q`, in byte (C collation, UTF-8) order:
 * the last code point plus one. Undefined when there is none (then only the lower bound holds).
 */
export function prefixUpperBound(q: string): string | undefined {
  let end = q.length;
  while (end > 0) {
    let start = end - 1;
    const low = q.charCodeAt(start);
    if (low >= 0xdc00 && low <= 0xdfff && start > 0) {
      const high = q.charCodeAt(start - 1);
      if (high >= 0xd800 && high <= 0xdbff) start -= 1;
    }
    const cp = q.codePointAt(start) ?? 0x10ffff;
    if (cp < 0x10ffff) {
      const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
      return q.slice(0, start) + String.fromCodePoint(next);
    }
    end = start;
  }
  return undefined;
}

/** The search text as a payment id prefix (`pay_` + upper-case ULID digits), or undefined. */
export function idPrefixOf(q: string): string | undefined {
  const lower = q.toLowerCase();
  if (PREFIX.startsWith(lower)) return lower;
  if (!lower.startsWith(PREFIX)) return undefined;
  const ulid = q.slice(PREFIX.length).toUpperCase();
  return ULID_CHARS.test(ulid) ? PREFIX + ulid : undefined;
}

function decodeTime(chars: string): number {
  let t = 0;
  for (const c of chars) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}

/** created_at bounds [from, to) of the ids with this prefix (their ULID time digits). */
export function createdBounds(idPrefix: string): { from: Date; to: Date } | undefined {
  const time = idPrefix.slice(PREFIX.length, PREFIX.length + TIME_CHARS);
  if (time.length === 0) return undefined;
  const low = decodeTime(time.padEnd(TIME_CHARS, '0'));
  const high = Math.min(decodeTime(time.padEnd(TIME_CHARS, 'Z')), MAX_TIME);
  return { from: new Date(low), to: new Date(high + 1) };
}

interface PaymentHit {
  id: string;
  merchant_id: string;
  payer_id: string;
  amount_minor: bigint;
  currency: string;
  current_state: string;
  created_at: Date;
}

function paymentOf(r: PaymentHit): SearchPayment {
  return {
    id: r.id,
    merchant_id: r.merchant_id,
    payer_id: r.payer_id,
    amount: toJsonAmount({ amountMinor: r.amount_minor, currency: r.currency as CurrencyCode }),
    amount_minor: r.amount_minor.toString(),
    currency: r.currency,
    current_state: r.current_state,
    created_at: r.created_at.toISOString(),
  };
}

const PAYMENT_HIT_COLUMNS = 'id, merchant_id, payer_id, amount_minor, currency, current_state, created_at';

/**
 * Newest first (ids sort by creation time). Both bounds are index conditions (never `$n is null
 * or …`, which a generic plan could only filter with); without time digits there is no
 * created_at bound, and then every partition's primary key is probed once.
 */
async function paymentsByPrefix(pool: pg.Pool, prefix: string, limit: number): Promise<SearchPayment[]> {
  // An id prefix is ASCII: it always has an upper bound.
  const upper = prefixUpperBound(prefix) ?? prefix;
  const bounds = createdBounds(prefix);
  const values: unknown[] = [prefix, upper, likePrefix(prefix), limit];
  if (bounds) values.push(bounds.from, bounds.to);
  const { rows } = await pool.query<PaymentHit>({
    name: bounds ? 'search_payments_by_id_prefix_time' : 'search_payments_by_id_prefix',
    text: `select ${PAYMENT_HIT_COLUMNS} from payments
            where id >= $1 and id < $2 and id like $3
            ${bounds ? 'and created_at >= $5 and created_at < $6' : ''}
            order by id desc limit $4`,
    values,
  });
  return rows.map(paymentOf);
}

async function searchPayments(pool: pg.Pool, q: string, limit: number): Promise<SearchPayment[]> {
  if (isId('pay', q)) {
    const p = await findPayment(pool, q);
    if (!p) return [];
    return [
      paymentOf({
        id: p.id,
        merchant_id: p.merchantId,
        payer_id: p.payerId,
        amount_minor: p.amountMinor,
        currency: p.currency,
        current_state: p.state,
        created_at: p.createdAt,
      }),
    ];
  }
  const prefix = idPrefixOf(q);
  if (prefix === undefined) return [];
  // A whole id in lower case, say: the exact lookup of its canonical form.
  if (prefix !== q && isId('pay', prefix)) return searchPayments(pool, prefix, limit);
  return paymentsByPrefix(pool, prefix, limit);
}

type GroupColumn = 'merchant_id' | 'payer_id';

interface GroupRow {
  v: string;
  n: bigint;
}

/**
 * Distinct values of `col` in [q, upper) with LIKE 'q%' (loose index scan: each step is one
 * probe for the next value above the last), the first `limit` of them, each with its capped
 * count. `col` is one of two fixed column names, never input.
 */
function groupPrefixSql(col: GroupColumn): string {
  return `with recursive found as (
      (select ${col} as v from payments
        where ${col} >= $1 and ${col} < $2 and ${col} like $3
        order by ${col} limit 1)
      union all
      select (select p.${col} from payments p
               where p.${col} > found.v and p.${col} < $2 and p.${col} like $3
               order by p.${col} limit 1)
        from found where found.v is not null
    )
    select f.v, (select count(*) from (select 1 from payments c where c.${col} = f.v limit $5) t) as n
      from (select v from found where v is not null limit $4) f
     order by f.v`;
}

function groupExactSql(col: GroupColumn): string {
  return `select $1::text as v, (select count(*) from (select 1 from payments c where c.${col} = $1 limit $2) t) as n`;
}

async function searchGroup(
  pool: pg.Pool,
  col: GroupColumn,
  q: string,
  opts: { limit: number; prefix: boolean },
): Promise<{ v: string; payments: number; payments_exact: boolean }[]> {
  const cap = SEARCH_COUNT_CAP + 1;
  // Without an upper bound (a text of only U+10FFFF) the range would be open: exact match then.
  const upper = opts.prefix ? prefixUpperBound(q) : undefined;
  const { rows } =
    upper === undefined
      ? await pool.query<GroupRow>({
          name: `search_${col}_exact`,
          text: groupExactSql(col),
          values: [q, cap],
        })
      : await pool.query<GroupRow>({
          name: `search_${col}_prefix`,
          text: groupPrefixSql(col),
          values: [q, upper, likePrefix(q), opts.limit, cap],
        });
  return rows
    .filter((r) => r.n > 0n)
    .map((r) => ({
      v: r.v,
      payments: Math.min(Number(r.n), SEARCH_COUNT_CAP),
      payments_exact: r.n <= BigInt(SEARCH_COUNT_CAP),
    }));
}

const byteOrdered = new WeakMap<pg.Pool, Promise<boolean>>();

/** Whether the database's collation is C (byte order), read once per pool. */
function isByteOrdered(pool: pg.Pool): Promise<boolean> {
  let known = byteOrdered.get(pool);
  if (known === undefined) {
    known = pool
      .query<{ c: boolean }>(
        "select datcollate in ('C', 'POSIX') as c from pg_database where datname = current_database()",
      )
      .then(
        (r) => r.rows[0]?.c ?? false,
        (err: unknown) => {
          byteOrdered.delete(pool); // asked again next time
          throw err;
        },
      );
    byteOrdered.set(pool, known);
  }
  return known;
}

/**
 * search() for a caller limited to some merchants: every query carries the scope. Merchants are
 * the scope's own ids that match; payers and payments are read among the scope's payments only.
 */
async function scopedSearch(
  pool: pg.Pool,
  q: string,
  limit: number,
  scope: readonly string[],
): Promise<SearchResult> {
  const cap = SEARCH_COUNT_CAP + 1;
  const upper = prefixUpperBound(q) ?? q;
  const exactId = isId('pay', q) ? q : undefined;
  const idPrefix = exactId ?? idPrefixOf(q);
  const [payments, merchants, payers] = await Promise.all([
    idPrefix === undefined
      ? Promise.resolve({ rows: [] as PaymentHit[] })
      : pool.query<PaymentHit>(
          `select ${PAYMENT_HIT_COLUMNS} from payments
            where merchant_id = any($1::text[]) and id >= $2 and id < $3 and id like $4
            order by id desc limit $5`,
          [scope, idPrefix, prefixUpperBound(idPrefix) ?? idPrefix, likePrefix(idPrefix), limit],
        ),
    pool.query<GroupRow>(
      `select m.v, (select count(*) from (select 1 from payments c where c.merchant_id = m.v limit $3) t) as n
         from unnest($1::text[]) m(v) where m.v like $2 order by m.v limit $4`,
      [scope, likePrefix(q), cap, limit],
    ),
    pool.query<GroupRow>(
      `select t.v, count(*) as n
         from (select payer_id as v from payments
                where merchant_id = any($1::text[]) and payer_id >= $2 and payer_id < $3 and payer_id like $4
                limit 100000) t
        group by t.v order by t.v limit $5`,
      [scope, q, upper, likePrefix(q), limit],
    ),
  ]);
  const counted = (rows: GroupRow[]) =>
    rows
      .filter((r) => r.n > 0n)
      .map((r) => ({
        v: r.v,
        payments: Math.min(Number(r.n), SEARCH_COUNT_CAP),
        payments_exact: r.n <= BigInt(SEARCH_COUNT_CAP),
      }));
  return {
    payments: payments.rows.map(paymentOf),
    merchants: counted(merchants.rows).map(({ v, ...n }) => ({ merchant_id: v, ...n })),
    payers: counted(payers.rows).map(({ v, ...n }) => ({ payer_id: v, ...n })),
    match: 'prefix',
  };
}

/**
 * Payments, merchants and payers matching `q` (at least 2 characters; the route checks), among
 * the merchants of `scope` when the caller is limited to some.
 */
export async function search(
  pool: pg.Pool,
  q: string,
  limit: number,
  scope?: readonly string[],
): Promise<SearchResult> {
  if (scope !== undefined) return scopedSearch(pool, q, limit, scope);
  const prefix = await isByteOrdered(pool);
  const [payments, merchants, payers] = await Promise.all([
    searchPayments(pool, q, limit),
    searchGroup(pool, 'merchant_id', q, { limit, prefix }),
    searchGroup(pool, 'payer_id', q, { limit, prefix }),
  ]);
  return {
    payments,
    merchants: merchants.map(({ v, ...n }) => ({ merchant_id: v, ...n })),
    payers: payers.map(({ v, ...n }) => ({ payer_id: v, ...n })),
    match: prefix ? 'prefix' : 'exact',
  };
}
