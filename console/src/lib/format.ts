// Money with the currency's own exponent and symbol (amounts arrive as exact decimal strings or
// integer minor units, never floats in arithmetic), and times in the user's time zone.

const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export function currencyExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** Minor units (string or bigint) to an exact decimal string with the currency's exponent. */
export function minorToDecimal(minor: string | bigint, currency: string): string {
  const exp = currencyExponent(currency);
  let digits = typeof minor === 'bigint' ? minor.toString() : minor.trim();
  const negative = digits.startsWith('-');
  if (negative) digits = digits.slice(1);
  if (exp === 0) return `${negative ? '-' : ''}${digits}`;
  digits = digits.padStart(exp + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -exp)}.${digits.slice(-exp)}`;
}

/** Normalises an API amount (a number below 2^53 or a decimal string) to an exact decimal string. */
export function decimalOf(amount: number | string, currency: string): string {
  const exp = currencyExponent(currency);
  const text = typeof amount === 'number' ? amount.toFixed(exp) : amount;
  const [int = '0', frac = ''] = text.split('.');
  return exp === 0 ? int : `${int}.${frac.padEnd(exp, '0').slice(0, exp)}`;
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string | undefined): Intl.NumberFormat {
  const id = `${locale ?? ''}|${currency}`;
  let f = formatters.get(id);
  if (!f) {
    const exp = currencyExponent(currency);
    try {
      f = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency,
        minimumFractionDigits: exp,
        maximumFractionDigits: exp,
      });
    } catch {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: exp, maximumFractionDigits: exp });
    }
    formatters.set(id, f);
  }
  return f;
}

/**
 * Formats an exact decimal string as money in the user's locale. Intl.NumberFormat.format takes a
 * decimal string exactly (no float conversion), so 9007199254740993.01 stays exact.
 */
export function formatMoney(amount: number | string, currency: string, locale?: string): string {
  const decimal = decimalOf(amount, currency);
  return formatterFor(currency, locale).format(decimal as `${number}`);
}

export function formatMinor(minor: string | bigint, currency: string, locale?: string): string {
  return formatMoney(minorToDecimal(minor, currency), currency, locale);
}

/** The time zone the console shows times in: the user's preference, else the browser's. */
let displayTimeZone: string | undefined;

/** `undefined` (or an empty string) follows the browser's time zone. */
export function setDisplayTimeZone(tz: string | undefined): void {
  displayTimeZone = tz === '' ? undefined : tz;
}

let browserTimeZone: string | undefined;

export function getDisplayTimeZone(): string {
  return displayTimeZone ?? (browserTimeZone ??= Intl.DateTimeFormat().resolvedOptions().timeZone);
}

/** Made once per zone and shape: a table of fifty rows formats a hundred times per render. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string, seconds: boolean, date: boolean): Intl.DateTimeFormat {
  const id = `${timeZone}|${String(seconds)}|${String(date)}`;
  let f = timeFormats.get(id);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, {
      timeZone,
      year: date ? 'numeric' : undefined,
      month: date ? 'short' : undefined,
      day: date ? 'numeric' : undefined,
      hour: '2-digit',
      minute: '2-digit',
      second: seconds ? '2-digit' : undefined,
    });
    timeFormats.set(id, f);
  }
  return f;
}

export function formatTime(iso: string | Date, opts: { seconds?: boolean; date?: boolean } = {}): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  if (Number.isNaN(d.getTime())) return '—';
  return timeFormat(getDisplayTimeZone(), opts.seconds === true, opts.date !== false).format(d);
}

export function formatUtc(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return Number.isNaN(d.getTime()) ? '' : `${d.toISOString().replace('T', ' ').slice(0, 19)} UTC`;
}

const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatRelative(iso: string | Date, now = Date.now()): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  const s = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return RELATIVE.format(s, 'second');
  if (abs < 3600) return RELATIVE.format(Math.round(s / 60), 'minute');
  if (abs < 86_400) return RELATIVE.format(Math.round(s / 3600), 'hour');
  return RELATIVE.format(Math.round(s / 86_400), 'day');
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 1) return `${String(Math.round(seconds * 1000))} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${String(Math.floor(seconds / 60))} min ${String(Math.round(seconds % 60))} s`;
  const h = Math.floor(seconds / 3600);
  return `${String(h)} h ${String(Math.round((seconds % 3600) / 60))} min`;
}

const COUNT = new Intl.NumberFormat();
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : COUNT.format(n);
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(digits)} %`;
}
