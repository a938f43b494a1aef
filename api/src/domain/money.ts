// Money: integer minor units (bigint) plus an ISO 4217 currency. No floating point anywhere:
// decimal input is converted digit by digit, never through arithmetic on JS numbers.
import { z } from 'zod';
import { ValidationError } from './errors.ts';

/**
 * ISO 4217 alphabetic code → minor-unit exponent (digits after the decimal point).
 * Every currency on the ISO 4217 list that has a minor unit, including fund codes (BOV, CHE,
 * CHW, CLF, COU, MXV, USN, UYI, UYW) and a few codes recently withdrawn but still seen in
 * payment data (ANG, CUC, SLL, ZWL). Precious metals, SDR and test codes (XAU, XDR, XTS, XXX…)
 * have no minor unit and are left out on purpose.
 */
// prettier-ignore
export const CURRENCY_EXPONENTS = Object.freeze({
  AED: 2, AFN: 2, ALL: 2, AMD: 2, ANG: 2, AOA: 2, ARS: 2, AUD: 2, AWG: 2, AZN: 2,
  BAM: 2, BBD: 2, BDT: 2, BGN: 2, BHD: 3, BIF: 0, BMD: 2, BND: 2, BOB: 2, BOV: 2,
  BRL: 2, BSD: 2, BTN: 2, BWP: 2, BYN: 2, BZD: 2, CAD: 2, CDF: 2, CHE: 2, CHF: 2,
  CHW: 2, CLF: 4, CLP: 0, CNY: 2, COP: 2, COU: 2, CRC: 2, CUC: 2, CUP: 2, CVE: 2,
  CZK: 2, DJF: 0, DKK: 2, DOP: 2, DZD: 2, EGP: 2, ERN: 2, ETB: 2, EUR: 2, FJD: 2,
  FKP: 2, GBP: 2, GEL: 2, GHS: 2, GIP: 2, GMD: 2, GNF: 0, GTQ: 2, GYD: 2, HKD: 2,
  HNL: 2, HTG: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, IQD: 3, IRR: 2, ISK: 0, JMD: 2,
  JOD: 3, JPY: 0, KES: 2, KGS: 2, KHR: 2, KMF: 0, KPW: 2, KRW: 0, KWD: 3, KYD: 2,
  KZT: 2, LAK: 2, LBP: 2, LKR: 2, LRD: 2, LSL: 2, LYD: 3, MAD: 2, MDL: 2, MGA: 2,
  MKD: 2, MMK: 2, MNT: 2, MOP: 2, MRU: 2, MUR: 2, MVR: 2, MWK: 2, MXN: 2, MXV: 2,
  MYR: 2, MZN: 2, NAD: 2, NGN: 2, NIO: 2, NOK: 2, NPR: 2, NZD: 2, OMR: 3, PAB: 2,
  PEN: 2, PGK: 2, PHP: 2, PKR: 2, PLN: 2, PYG: 0, QAR: 2, RON: 2, RSD: 2, RUB: 2,
  RWF: 0, SAR: 2, SBD: 2, SCR: 2, SDG: 2, SEK: 2, SGD: 2, SHP: 2, SLE: 2, SLL: 2,
  SOS: 2, SRD: 2, SSP: 2, STN: 2, SVC: 2, SYP: 2, SZL: 2, THB: 2, TJS: 2, TMT: 2,
  TND: 3, TOP: 2, TRY: 2, TTD: 2, TWD: 2, TZS: 2, UAH: 2, UGX: 0, USD: 2, USN: 2,
  UYI: 0, UYU: 2, UYW: 4, UZS: 2, VED: 2, VES: 2, VND: 0, VUV: 0, WST: 2, XAF: 0,
  XCD: 2, XCG: 2, XOF: 0, XPF: 0, YER: 2, ZAR: 2, ZMW: 2, ZWG: 2, ZWL: 2,
} as const);

export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

/** Every supported currency code, sorted. */
export const CURRENCY_CODES = Object.freeze(
  Object.keys(CURRENCY_EXPONENTS).sort(),
) as readonly CurrencyCode[];

/** zod schema for a currency code (exact upper case, e.g. `USD`). */
export const currencyCodeSchema = z.enum(CURRENCY_CODES);

/** Largest amount the product accepts, in minor units (10^15, below 2^53). */
export const MAX_AMOUNT_MINOR = 1_000_000_000_000_000n;

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: CurrencyCode;
}

export function isCurrencyCode(value: unknown): value is CurrencyCode {
  return typeof value === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, value);
}

/** Validates a currency code from input; throws a `ValidationError` naming `field`. */
export function parseCurrency(value: unknown, field = 'currency'): CurrencyCode {
  if (isCurrencyCode(value)) return value;
  const hint = typeof value === 'string' && isCurrencyCode(value.toUpperCase()) ? ' (use upper case)' : '';
  throw ValidationError.of(field, `must be an ISO 4217 currency code${hint}`);
}

export function currencyExponent(currency: CurrencyCode): number {
  return CURRENCY_EXPONENTS[currency];
}

export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  return Object.freeze({ amountMinor, currency });
}

// ---------------------------------------------------------------------------------------------
// Decimal input → minor units

export interface ParseAmountOptions {
  /** Field name used in errors; default `amount`. */
  readonly field?: string;
  /** Accept zero (payments never do; a filter bound might). Default false. */
  readonly allowZero?: boolean;
}

/** Longest decimal string accepted; anything longer cannot be in range anyway. */
const MAX_INPUT_LENGTH = 40;
const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;
const NUMBER_TEXT = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

interface DecimalParts {
  readonly negative: boolean;
  readonly integer: string;
  readonly fraction: string;
}

/**
 * Converts the API's decimal `amount` exactly to minor units of `currency`.
 *
 * - A JS number is read through its shortest round-trip text (`String(n)`), so `19.99` is
 *   exactly "19.99"; exponent forms (`1e-7`, `1e+21`) are expanded exactly.
 * - A string must be a plain decimal (`"19.99"`, no sign, exponent, spaces or separators).
 * - Trailing zeros beyond the currency exponent are accepted (`"1.500"` USD is 150); any other
 *   digit beyond it is excess precision and rejected (`1.005` USD, `1.5` JPY).
 * - Negative, zero (unless `allowZero`), NaN, ±Infinity and amounts above `MAX_AMOUNT_MINOR`
 *   are rejected. Every error is a `ValidationError` naming `field` (default `amount`).
 */
export function parseDecimalAmount(
  input: number | string,
  currency: CurrencyCode,
  options: ParseAmountOptions = {},
): Money {
  const field = options.field ?? 'amount';
  const parts = decimalParts(input, field);
  if (parts.negative) throw ValidationError.of(field, 'must not be negative');
  const amountMinor = toMinor(parts, currencyExponent(currency), field);
  checkRange(amountMinor, options.allowZero === true, field);
  return money(amountMinor, currency);
}

function decimalParts(input: number | string, field: string): DecimalParts {
  if (typeof input === 'number') return numberParts(input, field);
  if (typeof input !== 'string') throw ValidationError.of(field, 'must be a decimal number or string');
  return stringParts(input, field);
}

function numberParts(input: number, field: string): DecimalParts {
  if (!Number.isFinite(input)) throw ValidationError.of(field, 'must be a finite number');
  const text = String(Math.abs(input));
  const match = NUMBER_TEXT.exec(text);
  if (match === null) throw ValidationError.of(field, 'must be a decimal number');
  const [, integer = '', fraction = '', exponent = '0'] = match;
  return { negative: input < 0, ...shiftDecimal(integer, fraction, Number(exponent)) };
}

/** Moves the decimal point of `integer.fraction` by `exponent` places, exactly, as text. */
function shiftDecimal(integer: string, fraction: string, exponent: number): Omit<DecimalParts, 'negative'> {
  const digits = integer + fraction;
  const point = integer.length + exponent;
  if (point <= 0) return { integer: '0', fraction: '0'.repeat(-point) + digits };
  if (point >= digits.length) return { integer: digits + '0'.repeat(point - digits.length), fraction: '' };
  return { integer: digits.slice(0, point), fraction: digits.slice(point) };
}

function stringParts(input: string, field: string): DecimalParts {
  const negative = input.startsWith('-');
  const body = negative ? input.slice(1) : input;
  if (body.length === 0 || body.length > MAX_INPUT_LENGTH) {
    throw ValidationError.of(field, 'must be a decimal amount such as "19.99"');
  }
  const match = PLAIN_DECIMAL.exec(body);
  if (match === null) throw ValidationError.of(field, 'must be a decimal amount such as "19.99"');
  const [, integer = '', fraction = ''] = match;
  return { negative, integer, fraction };
}

function toMinor(parts: DecimalParts, exponent: number, field: string): bigint {
  const kept = parts.fraction.slice(0, exponent);
  const excess = parts.fraction.slice(exponent);
  if (/[1-9]/.test(excess)) {
    const what = exponent === 0 ? 'no decimal places' : `at most ${exponent} decimal places`;
    throw ValidationError.of(field, `has more precision than the currency allows (${what})`);
  }
  const integer = parts.integer.replace(/^0+(?=\d)/, '');
  if (integer.length > MAX_INPUT_LENGTH) throw ValidationError.of(field, 'is too large');
  return BigInt(integer + kept.padEnd(exponent, '0'));
}

function checkRange(amountMinor: bigint, allowZero: boolean, field: string): void {
  if (amountMinor === 0n && !allowZero) throw ValidationError.of(field, 'must be greater than zero');
  if (amountMinor > MAX_AMOUNT_MINOR) throw ValidationError.of(field, 'is larger than the maximum allowed');
}

/**
 * Parses an integer count of minor units given as a string (`"1999"`), a safe integer or a
 * bigint, as carried by events (`amount_minor`). Must be within 1..MAX_AMOUNT_MINOR.
 */
export function parseMinorAmount(input: unknown, field = 'amount_minor'): bigint {
  const value = minorValue(input);
  if (value === undefined) throw ValidationError.of(field, 'must be an integer number of minor units');
  if (value <= 0n) throw ValidationError.of(field, 'must be greater than zero');
  if (value > MAX_AMOUNT_MINOR) throw ValidationError.of(field, 'is larger than the maximum allowed');
  return value;
}

function minorValue(input: unknown): bigint | undefined {
  if (typeof input === 'bigint') return input;
  if (typeof input === 'number') return Number.isSafeInteger(input) ? BigInt(input) : undefined;
  if (typeof input === 'string' && /^-?\d{1,20}$/.test(input)) return BigInt(input);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Minor units → decimal output

/** Minor units → canonical decimal text with exactly the currency's places: 10000n USD → "100.00". */
export function formatMinor(amountMinor: bigint, currency: CurrencyCode): string {
  const exponent = currencyExponent(currency);
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

export function formatMoney(value: Money): string {
  return formatMinor(value.amountMinor, value.currency);
}

/**
 * The amount as the seed API's JSON `amount`: a JSON number when that number denotes exactly
 * this amount (its shortest text parses back to the same minor units), otherwise the canonical
 * decimal string. Every amount within ±MAX_AMOUNT_MINOR has at most 16 significant digits and
 * the range check keeps it below 2^53, so in practice the API always emits a number (trailing
 * zeros are dropped: 10000n USD → 100); the string fallback guards larger computed sums.
 * Use `formatMinor` where the canonical text ("100.00") is wanted.
 */
export function toJsonAmount(value: Money): number | string {
  const n = value.amountMinor;
  // Up to 15 significant digits every decimal is the shortest text of its nearest double, and
  // the quotient of two exact doubles is that nearest double: no text to make or compare.
  if (n < EXACT_DOUBLE_LIMIT && n > -EXACT_DOUBLE_LIMIT) {
    return Number(n) / 10 ** currencyExponent(value.currency);
  }
  return toJsonAmountByText(value);
}

const EXACT_DOUBLE_LIMIT = 10n ** 15n;

/** toJsonAmount through the decimal text: any size (exported for the property test). */
export function toJsonAmountByText(value: Money): number | string {
  const text = formatMoney(value);
  const asNumber = Number(text);
  return sameAmount(String(asNumber), text) ? asNumber : text;
}

function sameAmount(numberText: string, canonical: string): boolean {
  const negative = canonical.startsWith('-');
  const a = NUMBER_TEXT.exec(numberText.replace(/^-/, ''));
  if (a === null) return false;
  const [, integer = '', fraction = '', exponent = '0'] = a;
  const shifted = shiftDecimal(integer, fraction, Number(exponent));
  const normalized = normalizeDecimal(shifted.integer, shifted.fraction);
  const [cInt = '', cFrac = ''] = canonical.replace(/^-/, '').split('.');
  return normalized === normalizeDecimal(cInt, cFrac) && negative === numberText.startsWith('-');
}

function normalizeDecimal(integer: string, fraction: string): string {
  const i = integer.replace(/^0+(?=\d)/, '');
  const f = fraction.replace(/0+$/, '');
  return f === '' ? i : `${i}.${f}`;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

/** Throws a `ValidationError` (field `currency`) unless both amounts share a currency. */
export function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw ValidationError.of('currency', `currency ${b.currency} does not match ${a.currency}`);
  }
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor + b.amountMinor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amountMinor - b.amountMinor, a.currency);
}

/** -1, 0 or 1; throws on a currency mismatch. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  if (a.amountMinor === b.amountMinor) return 0;
  return a.amountMinor < b.amountMinor ? -1 : 1;
}

export function equalsMoney(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amountMinor === b.amountMinor;
}
