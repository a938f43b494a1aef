import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.ts';
import { ID_PREFIXES, createIdFactory, idTimestamp, isId, minIdAt, newId, parseId } from './ids.ts';

const prefixArb = fc.constantFrom(...ID_PREFIXES);

describe('newId', () => {
  it('when a payment id is made, then it is pay_ plus 26 Crockford base32 characters', () => {
    const id = newId('pay');
    expect(id).toMatch(/^pay_[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(isId('pay', id)).toBe(true);
    expect(isId('evt', id)).toBe(false);
  });

  it('when ids are made in a burst, then they are unique and strictly increasing as strings', () => {
    const ids = Array.from({ length: 5000 }, () => newId('evt'));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('when made at a known time, then idTimestamp gives that time back', () => {
    fc.assert(
      fc.property(prefixArb, fc.integer({ min: 0, max: 2 ** 48 - 1 }), (prefix, time) => {
        const make = createIdFactory({ now: () => time });
        expect(idTimestamp(make(prefix))).toBe(time);
      }),
    );
  });

  it('when the same millisecond repeats, then the random part increments by one', () => {
    const make = createIdFactory({ now: () => 1_700_000_000_000, randomBytes: (b) => b.fill(0) });
    expect(make('pay').slice(-3)).toBe('000');
    expect(make('pay').slice(-3)).toBe('001');
    expect(make('pay').slice(-3)).toBe('002');
  });

  it('when the clock steps back, then ids stay increasing and keep the later timestamp', () => {
    const times = [2_000, 1_000, 1_500];
    const make = createIdFactory({ now: () => times.shift() ?? 0 });
    const [a, b, c] = [make('job'), make('job'), make('job')];
    expect(a < b && b < c).toBe(true);
    expect(idTimestamp(c)).toBe(2_000);
  });

  it('when the random part would overflow within a millisecond, then the next id moves to the next millisecond', () => {
    const make = createIdFactory({ now: () => 5, randomBytes: (b) => b.fill(255) });
    const first = make('req');
    const second = make('req');
    expect(first.endsWith('ZZZZZZZZZZZZZZZZ')).toBe(true);
    expect(idTimestamp(second)).toBe(6);
    expect(second > first).toBe(true);
  });

  it('when random ids of every prefix are made, then each is recognised only by its own prefix', () => {
    fc.assert(
      fc.property(prefixArb, prefixArb, (mine, other) => {
        const id = newId(mine);
        expect(isId(mine, id)).toBe(true);
        expect(isId(other, id)).toBe(mine === other);
      }),
    );
  });
});

describe('isId, parseId and idTimestamp', () => {
  it.each([
    ['pay_01JB4Z6Q5M8W0X3YB2C7D9E1F'],
    ['pay_01JB4Z6Q5M8W0X3YB2C7D9E1FGH'],
    ['pay_01jb4z6q5m8w0x3yb2c7d9e1fg'],
    ['pay_81JB4Z6Q5M8W0X3YB2C7D9E1FG'],
    ['pay_01JB4Z6Q5M8W0X3YB2C7D9E1FI'],
    ['pay01JB4Z6Q5M8W0X3YB2C7D9E1FG'],
    ['01JB4Z6Q5M8W0X3YB2C7D9E1FG'],
  ])('when the id is %s, then it is not a payment id', (value) => {
    expect(isId('pay', value)).toBe(false);
  });

  it('when parsing a malformed id, then it is a validation error naming the field', () => {
    expect(parseId('pay', 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG')).toBe('pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG');
    expect(() => parseId('pay', 42, 'payment_id')).toThrow(expect.objectContaining({ field: 'payment_id' }));
    expect(() => idTimestamp('nope')).toThrow(ValidationError);
    expect(isId('pay', null)).toBe(false);
  });

  it('when bounding a time range, then minIdAt sorts before every id made at or after that time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 0, max: 1000 }), (time, later) => {
        const id = createIdFactory({ now: () => time + later })('aud');
        expect(minIdAt('aud', time) <= id).toBe(true);
        expect(idTimestamp(minIdAt('aud', time))).toBe(time);
      }),
    );
  });
});
