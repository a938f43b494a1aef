// The explorer's filter as it lives in the URL (names as the API spells them, so a link such as
// /payments?merchant_id=acme from the global search just works), its checks before the API is
// asked, and the list query the API takes.
import type { Query } from '../../lib/api';
import { listParam } from '../../lib/url-state';
import { isDecimal, parseAmount } from './money';

export const FILTER_KEYS = [
  'q',
  'merchant_id',
  'payer_id',
  'state',
  'currency',
  'amount_min',
  'amount_max',
  'created_from',
  'created_to',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export const URL_KEYS = [...FILTER_KEYS, 'sort', 'limit', 'cursor', 'page'] as const;
export type UrlKey = (typeof URL_KEYS)[number];
export type UrlValues = Record<UrlKey, string>;

export const SORTS = ['-created_at', 'created_at', '-amount', 'amount'] as const;
export type Sort = (typeof SORTS)[number];
export const DEFAULT_SORT: Sort = '-created_at';

export const PAGE_SIZES = [20, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;

export const FIELD_LABELS: Record<FilterKey, string> = {
  q: 'Payment id',
  merchant_id: 'Merchant',
  payer_id: 'Payer',
  state: 'State',
  currency: 'Currency',
  amount_min: 'Minimum amount',
  amount_max: 'Maximum amount',
  created_from: 'Created from',
  created_to: 'Created to',
};

export function sortOf(v: string): Sort {
  return (SORTS as readonly string[]).includes(v) ? (v as Sort) : DEFAULT_SORT;
}

export function pageSizeOf(v: string): number {
  const n = Number(v);
  return (PAGE_SIZES as readonly number[]).includes(n) ? n : DEFAULT_PAGE_SIZE;
}

export function activeFilters(values: Partial<UrlValues>): FilterKey[] {
  return FILTER_KEYS.filter((k) => (values[k] ?? '') !== '');
}

/** A patch that removes every filter (and the page position), keeping sort and page size. */
export function clearedFilters(): Partial<Record<UrlKey, undefined>> {
  const out: Partial<Record<UrlKey, undefined>> = { cursor: undefined, page: undefined };
  for (const k of FILTER_KEYS) out[k] = undefined;
  return out;
}

/** A patch that changes filters: any change of filter starts again at the first page. */
export function filterPatch(
  patch: Partial<Record<FilterKey | 'sort' | 'limit', string | undefined>>,
): Partial<Record<UrlKey, string | undefined>> {
  return { ...patch, cursor: undefined, page: undefined };
}

export type Issues = Partial<Record<FilterKey, string>>;

function amountIssue(text: string, currency: string): string | undefined {
  if (!text) return undefined;
  if (!isDecimal(text)) return 'Enter a number such as 10.00.';
  if (!currency) return 'Choose a currency to filter by amount.';
  return parseAmount(text, currency).error;
}

function timeIssue(text: string): string | undefined {
  if (!text) return undefined;
  return Number.isNaN(Date.parse(text)) ? 'Enter a date and time.' : undefined;
}

function amountIssues(v: Partial<UrlValues>, issues: Issues): void {
  const currency = v.currency ?? '';
  const min = amountIssue(v.amount_min ?? '', currency);
  const max = amountIssue(v.amount_max ?? '', currency);
  if (min) issues.amount_min = min;
  if (max) issues.amount_max = max;
  if (min || max || !v.amount_min || !v.amount_max || issues.currency) return;
  const lo = parseAmount(v.amount_min, currency).minor;
  const hi = parseAmount(v.amount_max, currency).minor;
  if (lo !== undefined && hi !== undefined && lo > hi) {
    issues.amount_max = 'Must not be less than the minimum amount.';
  }
}

function timeIssues(v: Partial<UrlValues>, issues: Issues): void {
  const from = timeIssue(v.created_from ?? '');
  const to = timeIssue(v.created_to ?? '');
  if (from) issues.created_from = from;
  if (to) issues.created_to = to;
  if (from || to || !v.created_from || !v.created_to) return;
  if (Date.parse(v.created_from) > Date.parse(v.created_to))
    issues.created_to = 'Must be after Created from.';
}

/** What is wrong with the filter before the API is asked (the API checks the same again). */
export function filterIssues(v: Partial<UrlValues>): Issues {
  const issues: Issues = {};
  const currency = v.currency ?? '';
  if (currency && !/^[A-Z]{3}$/.test(currency)) issues.currency = 'Use a three-letter code such as EUR.';
  amountIssues(v, issues);
  timeIssues(v, issues);
  return issues;
}

/** The API names a field; the console shows it beside the control that sets it. */
export const API_FIELD: Record<string, FilterKey> = {
  amount_min: 'amount_min',
  amount_max: 'amount_max',
  amount_min_minor: 'amount_min',
  amount_max_minor: 'amount_max',
  currency: 'currency',
  created_from: 'created_from',
  created_to: 'created_to',
  merchant_id: 'merchant_id',
  payer_id: 'payer_id',
  state: 'state',
  current_state: 'state',
  q: 'q',
};

/** The filter part of the API query (the export takes the same). */
export function filterQuery(v: Partial<UrlValues>): Query {
  const states = listParam.read(v.state ?? '');
  return {
    q: v.q,
    merchant_id: v.merchant_id,
    payer_id: v.payer_id,
    state: states.length ? states : undefined,
    currency: v.currency,
    amount_min: v.amount_min,
    amount_max: v.amount_max,
    created_from: v.created_from,
    created_to: v.created_to,
  };
}

/** The list request: filter, sort, page size and cursor, with the (capped) total. */
export function listQuery(v: Partial<UrlValues>): Query {
  return {
    ...filterQuery(v),
    sort: sortOf(v.sort ?? ''),
    limit: pageSizeOf(v.limit ?? ''),
    cursor: v.cursor,
    include_total: true,
  };
}

// Times: the URL holds ISO UTC (what the API takes); the inputs show the wall time of the
// console's time zone (the user's preference), as <input type="datetime-local"> expects.

function wallParts(date: Date, timeZone: string): number[] {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(date);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? '0');
  return [get('year'), get('month'), get('day'), get('hour'), get('minute'), get('second')];
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
function zoneOffset(at: number, timeZone: string): number {
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0, s = 0] = wallParts(new Date(at), timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(at / 1000) * 1000;
}

/** ISO UTC → "2026-12-01T09:30" in the zone (for the input's value). */
export function isoToLocalInput(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const [y = 0, mo = 1, d = 1, h = 0, mi = 0] = wallParts(new Date(t), timeZone);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}`;
}

/** "2026-12-01T09:30" in the zone → ISO UTC; undefined for an empty or partial input. */
export function localInputToIso(local: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number);
  const guess = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, Number.isNaN(s) ? 0 : s);
  let t = guess - zoneOffset(guess, timeZone);
  t = guess - zoneOffset(t, timeZone);
  return new Date(t).toISOString();
}
