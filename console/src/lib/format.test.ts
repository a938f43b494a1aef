import { describe, expect, it } from 'vitest';
import { currencyExponent, decimalOf, formatMinor, formatMoney, minorToDecimal } from './format';

describe('money formatting', () => {
  it('when a currency has its own exponent, then minor units become exact decimals with it', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(minorToDecimal('1234', 'USD')).toBe('12.34');
    expect(minorToDecimal('5', 'USD')).toBe('0.05');
    expect(minorToDecimal('1234', 'JPY')).toBe('1234');
    expect(minorToDecimal('1234', 'KWD')).toBe('1.234');
    expect(minorToDecimal(-1234n, 'KWD')).toBe('-1.234');
  });

  it('when an amount is beyond float precision, then it is shown exactly', () => {
    expect(minorToDecimal('900719925474099301', 'USD')).toBe('9007199254740993.01');
    expect(formatMinor('900719925474099301', 'USD', 'en-US')).toBe('$9,007,199,254,740,993.01');
  });

  it('when an API amount is a number or a string, then the decimal has the currency exponent', () => {
    expect(decimalOf(100, 'USD')).toBe('100.00');
    expect(decimalOf('12.5', 'USD')).toBe('12.50');
    expect(decimalOf('1500', 'JPY')).toBe('1500');
    expect(formatMoney('1500', 'JPY', 'en-US')).toBe('¥1,500');
    expect(formatMoney('1.5', 'KWD', 'en-US')).toMatch(/1\.500/);
  });
});
