import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import type { CurrencyCode } from './money.ts';
import {
  CURRENCY_CODES,
  MAX_AMOUNT_MINOR,
  addMoney,
  compareMoney,
  currencyCodeSchema,
  currencyExponent,
  equalsMoney,
  formatMinor,
  money,
  parseCurrency,
  parseDecimalAmount,
  parseMinorAmount,
  subtractMoney,
  toJsonAmount,
  toJsonAmountByText,
} from './money.ts';

function validationIssue(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const issue = (error as ValidationError).issues[0];
    if (issue === undefined) throw new Error('no issue', { cause: error });
    return issue;
  }
  throw new Error('expected a ValidationError');
}

const currencyArb = fc.constantFrom(...CURRENCY_CODES);
const amountArb = fc.bigInt({ min: 1n, max: MAX_AMOUNT_MINOR });

describe('currency table', () => {
  it('when looking up well-known currencies, then the exponents are ISO 4217', () => {
    const expected: Partial<Record<CurrencyCode, number>> = {
      USD: 2,
      EUR: 2,
      GBP: 2,
      JPY: 0,
      KRW: 0,
      KWD: 3,
      BHD: 3,
      JOD: 3,
      OMR: 3,
      TND: 3,
      CLF: 4,
      UYW: 4,
      IQD: 3,
      LYD: 3,
      ISK: 0,
      VND: 0,
      CLP: 0,
      XOF: 0,
      XAF: 0,
    };
    for (const [code, exponent] of Object.entries(expected)) {
      expect(currencyExponent(code as CurrencyCode), code).toBe(exponent);
    }
  });

  it('when listing the codes, then there are more than 150 unique upper-case three-letter codes', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CURRENCY_CODES).size).toBe(CURRENCY_CODES.length);
    for (const code of CURRENCY_CODES) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it('when a code is lower case or unknown, then parseCurrency rejects it naming the field', () => {
    expect(parseCurrency('EUR')).toBe('EUR');
    expect(validationIssue(() => parseCurrency('usd'))).toEqual({
      field: 'currency',
      message: 'must be an ISO 4217 currency code (use upper case)',
    });
    expect(validationIssue(() => parseCurrency('XAU', 'body.currency')).field).toBe('body.currency');
    expect(currencyCodeSchema.safeParse('GBP').success).toBe(true);
    expect(currencyCodeSchema.safeParse('ZZZ').success).toBe(false);
  });
});

describe('parseDecimalAmount', () => {
  it.each([
    [100.0, 'USD', 10000n],
    [19.99, 'USD', 1999n],
    ['19.99', 'USD', 1999n],
    [0.1, 'USD', 10n],
    [0.01, 'EUR', 1n],
    [1.1, 'USD', 110n],
    [1234.56, 'USD', 123456n],
    [5000, 'JPY', 5000n],
    ['5000', 'JPY', 5000n],
    [1.234, 'KWD', 1234n],
    ['0.001', 'BHD', 1n],
    [1.2345, 'CLF', 12345n],
    ['1.500', 'USD', 150n],
    ['007.50', 'USD', 750n],
    [1e3, 'USD', 100000n],
    [1e14, 'JPY', 100000000000000n],
    ['10000000000000.00', 'USD', MAX_AMOUNT_MINOR],
  ] as const)('when the amount is %j %s, then it is %s minor units exactly', (input, currency, minor) => {
    expect(parseDecimalAmount(input, currency)).toEqual({ amountMinor: minor, currency });
  });

  it.each([
    [1.005, 'USD', 'has more precision than the currency allows (at most 2 decimal places)'],
    ['1.005', 'USD', 'has more precision than the currency allows (at most 2 decimal places)'],
    [1.5, 'JPY', 'has more precision than the currency allows (no decimal places)'],
    [0.0001, 'KWD', 'has more precision than the currency allows (at most 3 decimal places)'],
    [1e-7, 'USD', 'has more precision than the currency allows (at most 2 decimal places)'],
    [5e-324, 'CLF', 'has more precision than the currency allows (at most 4 decimal places)'],
    [0, 'USD', 'must be greater than zero'],
    [-0, 'USD', 'must be greater than zero'],
    ['0.00', 'USD', 'must be greater than zero'],
    [-1, 'USD', 'must not be negative'],
    ['-19.99', 'USD', 'must not be negative'],
    [Number.NaN, 'USD', 'must be a finite number'],
    [Number.POSITIVE_INFINITY, 'USD', 'must be a finite number'],
    [Number.NEGATIVE_INFINITY, 'USD', 'must be a finite number'],
    [1e21, 'USD', 'is larger than the maximum allowed'],
    [Number.MAX_VALUE, 'USD', 'is too large'],
    ['10000000000000.01', 'USD', 'is larger than the maximum allowed'],
    ['', 'USD', 'must be a decimal amount such as "19.99"'],
    [' 1.00', 'USD', 'must be a decimal amount such as "19.99"'],
    ['1,000.00', 'USD', 'must be a decimal amount such as "19.99"'],
    ['1e3', 'USD', 'must be a decimal amount such as "19.99"'],
    ['.5', 'USD', 'must be a decimal amount such as "19.99"'],
    ['5.', 'USD', 'must be a decimal amount such as "19.99"'],
    ['+5', 'USD', 'must be a decimal amount such as "19.99"'],
    ['0x10', 'USD', 'must be a decimal amount such as "19.99"'],
    ['1'.repeat(41), 'USD', 'must be a decimal amount such as "19.99"'],
  ] as const)('when the amount is %j %s, then it is rejected: %s', (input, currency, message) => {
    expect(validationIssue(() => parseDecimalAmount(input, currency))).toEqual({ field: 'amount', message });
  });

  it('when a non-number sneaks in at runtime, then it is a validation error, not a crash', () => {
    const input = null as unknown as string;
    expect(validationIssue(() => parseDecimalAmount(input, 'USD')).field).toBe('amount');
  });

  it('when options name the field and allow zero, then errors use that field and zero passes', () => {
    expect(parseDecimalAmount('0', 'USD', { allowZero: true }).amountMinor).toBe(0n);
    expect(validationIssue(() => parseDecimalAmount('1.001', 'USD', { field: 'refund.amount' })).field).toBe(
      'refund.amount',
    );
  });

  it('when any amount in range is formatted and parsed back as a string, then it round-trips for every currency', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, (currency, amountMinor) => {
        const text = formatMinor(amountMinor, currency);
        expect(parseDecimalAmount(text, currency).amountMinor).toBe(amountMinor);
      }),
      { numRuns: 2000 },
    );
  });

  it('when any amount in range is sent as a JSON number, then it converts back without precision loss', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, (currency, amountMinor) => {
        const json = toJsonAmount(money(amountMinor, currency));
        expect(typeof json).toBe('number');
        const wire = JSON.parse(JSON.stringify({ amount: json })) as { amount: number };
        expect(parseDecimalAmount(wire.amount, currency).amountMinor).toBe(amountMinor);
      }),
      { numRuns: 2000 },
    );
  });

  it('when an amount has at most 15 digits, then the arithmetic fast path equals the conversion through text', () => {
    const digits = fc
      .integer({ min: 1, max: 15 })
      .chain((d) => fc.bigInt({ min: 1n, max: 10n ** BigInt(d) - 1n }));
    fc.assert(
      fc.property(currencyArb, digits, fc.boolean(), (currency, magnitude, negative) => {
        const value = money(negative ? -magnitude : magnitude, currency);
        expect(toJsonAmount(value)).toBe(toJsonAmountByText(value));
      }),
      { numRuns: 5000 },
    );
    for (const n of [1n, 999_999_999_999_999n, -999_999_999_999_999n, 100n, 10n ** 15n, 10n ** 15n + 1n]) {
      for (const c of ['USD', 'JPY', 'KWD', 'CLF'] as const) {
        expect(toJsonAmount(money(n, c))).toBe(toJsonAmountByText(money(n, c)));
      }
    }
  });

  it('when a digit beyond the currency exponent is not zero, then the amount is always rejected', () => {
    fc.assert(
      fc.property(
        currencyArb,
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 3 }),
        (currency, amountMinor, digit, extraZeros) => {
          const base =
            currencyExponent(currency) === 0
              ? `${formatMinor(amountMinor, currency)}.`
              : formatMinor(amountMinor, currency);
          const text = `${base}${'0'.repeat(extraZeros)}${digit}`;
          expect(validationIssue(() => parseDecimalAmount(text, currency)).message).toMatch(/more precision/);
        },
      ),
    );
  });

  it('when trailing zeros are appended, then the value is unchanged', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, fc.integer({ min: 1, max: 5 }), (currency, amountMinor, zeros) => {
        const text = formatMinor(amountMinor, currency);
        const padded =
          currencyExponent(currency) === 0 ? `${text}.${'0'.repeat(zeros)}` : text + '0'.repeat(zeros);
        expect(parseDecimalAmount(padded, currency).amountMinor).toBe(amountMinor);
      }),
    );
  });

  it('when a random double is parsed, then the result equals its shortest decimal text or it is rejected', () => {
    fc.assert(
      fc.property(currencyArb, fc.double({ noNaN: true }), (currency, n) => {
        let result: bigint | undefined;
        try {
          result = parseDecimalAmount(n, currency).amountMinor;
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        // Accepted: reading the minor units back as a decimal gives the same double.
        expect(Number(formatMinor(result, currency))).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatMinor and toJsonAmount', () => {
  it.each([
    [10000n, 'USD', '100.00'],
    [1n, 'USD', '0.01'],
    [5n, 'KWD', '0.005'],
    [0n, 'USD', '0.00'],
    [-150n, 'EUR', '-1.50'],
    [5000n, 'JPY', '5000'],
    [12345n, 'CLF', '1.2345'],
  ] as const)('when %s minor %s is formatted, then it reads %s', (minor, currency, text) => {
    expect(formatMinor(minor, currency)).toBe(text);
  });

  it('when an amount is converted for JSON, then it is a number that denotes the same value', () => {
    expect(toJsonAmount(money(10000n, 'USD'))).toBe(100);
    expect(toJsonAmount(money(1999n, 'USD'))).toBe(19.99);
    expect(toJsonAmount(money(1n, 'KWD'))).toBe(0.001);
  });

  it('when an amount is too large for a double, then toJsonAmount returns the exact string', () => {
    expect(toJsonAmount(money(12345678901234567891n, 'USD'))).toBe('123456789012345678.91');
    expect(toJsonAmount(money(10n ** 25n, 'JPY'))).toBe(1e25);
  });
});

describe('arithmetic', () => {
  it('when amounts share a currency, then add, subtract and compare are exact', () => {
    const a = money(1999n, 'USD');
    const b = money(1n, 'USD');
    expect(addMoney(a, b)).toEqual(money(2000n, 'USD'));
    expect(subtractMoney(a, b)).toEqual(money(1998n, 'USD'));
    expect(compareMoney(a, b)).toBe(1);
    expect(compareMoney(b, a)).toBe(-1);
    expect(compareMoney(a, a)).toBe(0);
    expect(equalsMoney(a, money(1999n, 'USD'))).toBe(true);
    expect(equalsMoney(a, money(1999n, 'EUR'))).toBe(false);
  });

  it('when currencies differ, then add, subtract and compare refuse', () => {
    const usd = money(100n, 'USD');
    const eur = money(100n, 'EUR');
    expect(validationIssue(() => addMoney(usd, eur))).toEqual({
      field: 'currency',
      message: 'currency EUR does not match USD',
    });
    expect(() => subtractMoney(usd, eur)).toThrow(ValidationError);
    expect(() => compareMoney(usd, eur)).toThrow(ValidationError);
  });

  it('when adding then subtracting any two amounts, then the original comes back', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, amountArb, (currency, x, y) => {
        const a = money(x, currency);
        const b = money(y, currency);
        expect(subtractMoney(addMoney(a, b), b)).toEqual(a);
        expect(compareMoney(a, b)).toBe(-compareMoney(b, a) || 0);
      }),
    );
  });
});

describe('parseMinorAmount', () => {
  it('when given integer strings, safe integers or bigints in range, then it returns bigint', () => {
    expect(parseMinorAmount('1999')).toBe(1999n);
    expect(parseMinorAmount(1999)).toBe(1999n);
    expect(parseMinorAmount(7n)).toBe(7n);
  });

  it.each([['0'], ['-5'], ['1.5'], [1.5], ['abc'], [null], ['1000000000000001'], [2 ** 60]])(
    'when given %j, then it is rejected naming amount_minor',
    (input) => {
      expect(validationIssue(() => parseMinorAmount(input)).field).toBe('amount_minor');
    },
  );
});
