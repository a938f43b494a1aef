// Exact money input: a decimal typed by a person, read as minor units (bigint) with the
// currency's exponent. Never a float: "0.1 + 0.2" has no place near a refund.
import { currencyExponent, formatMinor } from '../../lib/format';

export type Parsed = { minor: bigint; error?: undefined } | { minor?: undefined; error: string };

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text.trim());
}

/** "12.3" in EUR → 1230n; "12.345" in EUR → an error that says why. */
export function parseAmount(text: string, currency: string): Parsed {
  const t = text.trim();
  if (t === '') return { error: 'Enter an amount.' };
  const m = DECIMAL.exec(t);
  if (!m) return { error: 'Enter a number such as 12.34 (digits and one decimal point).' };
  const int = m[1] ?? '0';
  const frac = m[2] ?? m[3] ?? '';
  const exp = currencyExponent(currency);
  if (frac.length > exp) {
    return {
      error:
        exp === 0
          ? `${currency} has no minor units: enter a whole amount.`
          : `${currency} amounts have at most ${String(exp)} decimal${exp === 1 ? '' : 's'}.`,
    };
  }
  return { minor: BigInt(int + frac.padEnd(exp, '0')) };
}

/** What may still be refunded: amount − refunded (never below zero). */
export function refundableMinor(p: { amount_minor: string; refunded_amount_minor: string }): bigint {
  const left = BigInt(p.amount_minor) - BigInt(p.refunded_amount_minor);
  return left > 0n ? left : 0n;
}

/** The refund amount typed, checked exactly against what is refundable. */
export function validateRefund(text: string, currency: string, refundable: bigint): Parsed {
  const parsed = parseAmount(text, currency);
  if (parsed.error !== undefined) return parsed;
  if (parsed.minor <= 0n) return { error: 'The refund must be more than zero.' };
  if (parsed.minor > refundable) {
    return { error: `At most ${formatMinor(refundable, currency)} can be refunded.` };
  }
  return parsed;
}
