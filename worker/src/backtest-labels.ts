// The labelled payments of a streamed backtest (backtest-stream.ts), matched to the streamed rows
// in the worker rather than sent with every row: a label column computed by the database cost, for
// every row of the window, a lookup of its id among all the labelled ones (and the id read for it).
// Labelled payments are few; they are read once per chunk with their group value, time and what
// the rule reads of them, and a row takes the label of a labelled payment alike: same group, same
// instant, same leaf bits (and amount and currency when the rule reads them). Payments alike in
// all of that are alike to the rule, so whichever of them takes a label, the tallies are the same;
// the hits' ids are read afterwards (resolveHits), and their labels by id.
import type pg from 'pg';

/** A labelled payment as the stream compares it with its rows. */
export interface LabelEntry {
  /** Microseconds since PostgreSQL's epoch (2000-01-01), as the stream's times. */
  readonly ts: number;
  readonly bits: number;
  /** The amount and the currency's code, when the rule reads them. */
  readonly amount: number | bigint;
  readonly currency: number;
  /** The label's code. */
  readonly code: number;
  used: boolean;
}

interface Group {
  readonly bytes: Buffer | null;
  readonly entries: LabelEntry[];
}

/**
 * A hash of bytes [start, start + length) of buf, cheap enough for every group of a stream: its
 * length and its last eight bytes (where ids differ), FNV-1a, as an int32; -1: no group value.
 * Values alike in those share a bucket and are told apart byte by byte.
 */
function hashOf(buf: Buffer, start: number, length: number): number {
  if (length < 0) return -1;
  let h = Math.imul(0x811c9dc5 ^ length, 0x01000193);
  for (let k = Math.max(start, start + length - 8); k < start + length; k++)
    h = Math.imul(h ^ (buf[k] ?? 0), 0x01000193);
  return h & 0x7fffffff;
}

function sameBytes(a: Buffer | null, buf: Buffer, start: number, length: number): boolean {
  if (a === null) return length < 0;
  if (a.length !== length) return false;
  for (let k = 0; k < length; k++) if (a[k] !== buf[start + k]) return false;
  return true;
}

/** The window's labelled payments by group value. */
export class LabelIndex {
  private readonly groups = new Map<number, Group[]>();
  size = 0;

  add(group: string | null, entry: Omit<LabelEntry, 'used'>): void {
    const bytes = group === null ? null : Buffer.from(group, 'utf8');
    const length = bytes === null ? -1 : bytes.length;
    const h = bytes === null ? -1 : hashOf(bytes, 0, length);
    const list = this.groups.get(h) ?? [];
    if (list.length === 0) this.groups.set(h, list);
    let g =
      bytes === null
        ? list.find((x) => x.bytes === null)
        : list.find((x) => sameBytes(x.bytes, bytes, 0, length));
    if (!g) {
      g = { bytes, entries: [] };
      list.push(g);
    }
    g.entries.push({ ...entry, used: false });
    this.size++;
  }

  /** The labelled payments of the group whose value is bytes [start, start + length) of buf. */
  at(buf: Buffer, start: number, length: number): LabelEntry[] | undefined {
    if (this.size === 0) return undefined;
    const list = this.groups.get(hashOf(buf, start, length));
    if (list === undefined) return undefined;
    for (const g of list) if (sameBytes(g.bytes, buf, start, length)) return g.entries;
    return undefined;
  }
}

/** What the rule read of a group's streamed rows, to find the labelled payments alike. */
export interface RowsSeen {
  readonly n: number;
  readonly ts: Float64Array;
  readonly bits: Int32Array;
  readonly currency: Int32Array;
  /** Row i's amount, exactly. */
  exactAmount(i: number): number | bigint;
}

/** How a labelled payment must match a row: at its instant, and alike in bits (and amount). */
const AT_INSTANT = 0;
const ALIKE = 1;
const ALIKE_WITH_AMOUNTS = 2;

/**
 * The label code of each of a labelled group's rows into codes (0: none): a labelled payment
 * alike, all such first, then (a payment changed between the two reads) one left at the same
 * instant.
 */
export function assignLabels(
  entries: readonly LabelEntry[],
  rows: RowsSeen,
  amounts: boolean,
  codes: Int32Array,
): void {
  codes.fill(0, 0, rows.n);
  for (const e of entries) e.used = false;
  const exact = amounts ? ALIKE_WITH_AMOUNTS : ALIKE;
  for (const mode of [exact, AT_INSTANT])
    for (let i = 0; i < rows.n; i++) if (codes[i] === 0) codes[i] = claim(entries, rows, i, mode);
}

/** The code of an unused labelled payment matching row i (by mode), claimed; else 0. */
function claim(entries: readonly LabelEntry[], rows: RowsSeen, i: number, mode: number): number {
  for (const e of entries) {
    if (e.used || e.ts !== rows.ts[i] || (mode !== AT_INSTANT && !alike(e, rows, i, mode))) continue;
    e.used = true;
    return e.code;
  }
  return 0;
}

function alike(e: LabelEntry, rows: RowsSeen, i: number, mode: number): boolean {
  if (e.bits !== rows.bits[i]) return false;
  // eslint-disable-next-line eqeqeq -- a number against a bigint compares exactly with ==
  return mode !== ALIKE_WITH_AMOUNTS || (e.amount == rows.exactAmount(i) && e.currency === rows.currency[i]);
}

/**
 * What is known of a payment's outcome: an alert on it resolved as confirmed fraud or as a false
 * positive, or else a dispute it lost (charged back), which counts as fraud unless its reason code
 * says the dispute was not about fraud (goods not received, a processing error, …).
 */
export type PaymentLabel = 'confirmed_fraud' | 'false_positive' | 'chargeback';

/** A label's code, as the evaluator tallies it (0: none). */
export const CONFIRMED_FRAUD = 1;
export const FALSE_POSITIVE = 2;
export const CHARGEBACK = 3;
const LABEL_CODES: Readonly<Record<PaymentLabel, number>> = {
  confirmed_fraud: CONFIRMED_FRAUD,
  false_positive: FALSE_POSITIVE,
  chargeback: CHARGEBACK,
};

export const isPaymentLabel = (v: string | null): v is PaymentLabel =>
  v !== null && Object.hasOwn(LABEL_CODES, v);

/**
 * The SQL of the labels (the one definition both backtest paths use): `resolved`, the payments with
 * an alert resolved as confirmed fraud or false positive (`fraud`: confirmed fraud wins where both),
 * and the condition on `p` of a chargeback that counts, charged back in [$1, $2) with no such
 * alert and no reason code of a dispute that is not about fraud (payment_dispute_reasons, migration
 * 0025: a code of no known network, or none, counts). An analyst's resolution is kept over a
 * chargeback: a dispute can be lost for reasons other than fraud.
 */
export const RESOLVED_SQL = `resolved as (
       select a.payment_id as id, bool_or(a.resolution = 'confirmed_fraud') as fraud
         from alerts a
        where a.status = 'resolved' and a.resolution in ('confirmed_fraud', 'false_positive')
          and a.payment_id is not null
        group by a.payment_id)`;
export const CHARGEBACK_SQL = `p.current_state = 'charged_back' and p.created_at >= $1 and p.created_at < $2
        and not exists (select 1 from resolved r where r.id = p.id)
        and not exists (select 1 from payment_dispute_reasons d where d.payment_id = p.id and not d.fraud)`;

/** The labelled payments of a window: by group value for the stream, by id for the hits. */
export interface Labels {
  readonly index: LabelIndex;
  readonly byId: ReadonlyMap<string, PaymentLabel>;
}

export const NO_LABELS: Labels = { index: new LabelIndex(), byId: new Map() };

export interface LabelQuery {
  /** The group column (`p.payer_id`, …). */
  readonly group: string;
  /** The leaves' bits as SQL over `p`, or `0`. */
  readonly mask: string;
  readonly from: Date;
  readonly to: Date;
  /** Microseconds since the Unix epoch as the stream's times. */
  readonly toTs: (unixMicros: number) => number;
  /** An amount, exactly. */
  readonly bound: (amount: string) => number | bigint;
}

/** A currency's three letters as one number, as the stream reads them. */
export const currencyCode = (c: string): number =>
  c.charCodeAt(0) * 65_536 + c.charCodeAt(1) * 256 + c.charCodeAt(2);

/**
 * The window's labelled payments (RESOLVED_SQL, CHARGEBACK_SQL), each read by its id (resolved
 * alerts) or from the state index (chargebacks), never by a join that would scan the window.
 */
export async function loadLabels(client: pg.ClientBase, q: LabelQuery): Promise<Labels> {
  const cols = `p.id, ${q.group} as g, (extract(epoch from p.created_at) * 1000000)::int8::text as us,
                ${q.mask} as bits, p.amount_minor::text as amount, p.currency`;
  const { rows } = await client.query<{
    id: string;
    label: PaymentLabel;
    g: string | null;
    us: string;
    bits: number;
    amount: string;
    currency: string;
  }>(
    `with ${RESOLVED_SQL}
     select case when r.fraud then 'confirmed_fraud' else 'false_positive' end as label, p.*
       from resolved r
       cross join lateral (select ${cols} from payments p
                            where p.id = r.id and p.created_at >= $1 and p.created_at < $2 limit 1) p
     union all
     select 'chargeback', ${cols} from payments p where ${CHARGEBACK_SQL}`,
    [q.from, q.to],
  );
  const index = new LabelIndex();
  const byId = new Map<string, PaymentLabel>();
  for (const r of rows) {
    index.add(r.g, {
      ts: q.toTs(Number(r.us)),
      bits: r.bits,
      amount: q.bound(r.amount),
      currency: currencyCode(r.currency),
      code: LABEL_CODES[r.label],
    });
    byId.set(r.id, r.label);
  }
  return { index, byId };
}
