import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RefundModal } from './CommandModals';
import { parseAmount, refundableMinor, validateRefund } from './money';
import { payment, renderApp, stubApi } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('refund amount', () => {
  it('when the amount is exactly what is refundable, then it is accepted as minor units', () => {
    expect(validateRefund('12.34', 'EUR', 1234n)).toEqual({ minor: 1234n });
    expect(validateRefund('12.3', 'EUR', 1234n)).toEqual({ minor: 1230n });
    expect(validateRefund('.5', 'EUR', 1234n)).toEqual({ minor: 50n });
  });

  it('when the amount is one minor unit more than refundable, then it is refused', () => {
    expect(validateRefund('12.35', 'EUR', 1234n).error).toMatch(/At most €12.34/);
  });

  it('when amounts pass 2^53, then the comparison stays exact', () => {
    const refundable = 9007199254740993n; // 2^53 + 1: a float would round it
    expect(validateRefund('90071992547409.93', 'EUR', refundable)).toEqual({ minor: refundable });
    expect(validateRefund('90071992547409.94', 'EUR', refundable).error).toBeDefined();
  });

  it('when the currency has no minor units (JPY), then decimals are refused', () => {
    expect(validateRefund('100', 'JPY', 100n)).toEqual({ minor: 100n });
    expect(validateRefund('99.5', 'JPY', 100n).error).toMatch(/JPY has no minor units/);
  });

  it('when the currency has three decimals (KWD), then the third counts and a fourth is refused', () => {
    expect(validateRefund('1.234', 'KWD', 1234n)).toEqual({ minor: 1234n });
    expect(validateRefund('1.235', 'KWD', 1234n).error).toBeDefined();
    expect(validateRefund('1.2345', 'KWD', 99999n).error).toMatch(/at most 3 decimals/);
  });

  it('when the amount is zero, negative or not a number, then it says what is wrong', () => {
    expect(validateRefund('0', 'EUR', 1234n).error).toMatch(/more than zero/);
    expect(validateRefund('-1', 'EUR', 1234n).error).toMatch(/Enter a number/);
    expect(validateRefund('1e3', 'EUR', 1234n).error).toMatch(/Enter a number/);
    expect(parseAmount('', 'EUR').error).toMatch(/Enter an amount/);
  });

  it('when part was refunded, then the refundable amount is amount minus refunded', () => {
    expect(refundableMinor({ amount_minor: '1234', refunded_amount_minor: '234' })).toBe(1000n);
    expect(refundableMinor({ amount_minor: '1234', refunded_amount_minor: '1234' })).toBe(0n);
  });
});

describe('RefundModal', { timeout: 30_000 }, () => {
  it('when it opens, then the amount is the refundable one and the button names it; too much disables it', async () => {
    stubApi('operator');
    const onSubmit = vi.fn();
    renderApp(
      <RefundModal
        payment={payment({ amount_minor: '1234', refunded_amount_minor: '234' })}
        pending={false}
        error={null}
        onSubmit={onSubmit}
        onClose={() => undefined}
      />,
    );
    const input = await screen.findByRole('textbox', { name: 'Refund amount' });
    expect((input as HTMLInputElement).value).toBe('10.00');
    expect(screen.getByRole('button', { name: 'Refund €10.00' })).toBeDefined();
    await userEvent.clear(input);
    await userEvent.type(input, '10.01');
    expect(screen.getByText(/At most €10.00 can be refunded/)).toBeDefined();
    expect(screen.getByRole('button', { name: /^Refund/ }).hasAttribute('disabled')).toBe(true);
    await userEvent.clear(input);
    await userEvent.type(input, '2.5');
    await userEvent.click(screen.getByRole('button', { name: 'Refund €2.50' }));
    expect(onSubmit).toHaveBeenCalledWith({ amount: '2.50', reason: undefined });
  });
});
