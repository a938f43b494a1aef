import { describe, expect, it } from 'vitest';
import { CARD_PLACEHOLDER, redactCardNumbers } from './redact.ts';

describe('redactCardNumbers', () => {
  it('when a text holds card numbers, with or without separators, then each is replaced', () => {
    expect(redactCardNumbers('card 4242 4242 4242 4242 declined')).toBe(`card ${CARD_PLACEHOLDER} declined`);
    expect(redactCardNumbers('4111-1111-1111-1111')).toBe(CARD_PLACEHOLDER);
    expect(redactCardNumbers('5555555555554444 and 378282246310005')).toBe(
      `${CARD_PLACEHOLDER} and ${CARD_PLACEHOLDER}`,
    );
  });

  it('when digits fail the Luhn check or are too short, then they stay (amounts, ids, dates)', () => {
    const text = 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG 4242424242424241 amount 100000 on 2026-12-02';
    expect(redactCardNumbers(text)).toBe(text);
  });
});
