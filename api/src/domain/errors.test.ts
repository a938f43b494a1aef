import { describe, expect, it } from 'vitest';
import {
  Conflict,
  DomainError,
  Forbidden,
  IdempotencyMismatch,
  InvalidTransition,
  NotFound,
  PreconditionFailed,
  RateLimited,
  Unauthorized,
  ValidationError,
  isDomainError,
} from './errors.ts';
import { formatPath, issuesFromZod, unwrap } from './validation.ts';
import { z } from 'zod';

describe('domain errors', () => {
  const cases: readonly (readonly [DomainError, number, string, string | undefined])[] = [
    [
      new ValidationError({ field: 'amount', message: 'must be greater than zero' }),
      400,
      'validation_failed',
      'amount',
    ],
    [new NotFound('payment', 'pay_1'), 404, 'not_found', undefined],
    [new Conflict('already exists', { field: 'name' }), 409, 'conflict', 'name'],
    [new InvalidTransition('pending', 'captured'), 409, 'invalid_transition', undefined],
    [new Forbidden(), 403, 'forbidden', undefined],
    [new Unauthorized(), 401, 'unauthorized', undefined],
    [new PreconditionFailed(), 412, 'precondition_failed', undefined],
    [new RateLimited(1.2), 429, 'rate_limited', undefined],
    [new IdempotencyMismatch(), 422, 'idempotency_key_mismatch', 'Idempotency-Key'],
  ];

  it.each(cases)(
    'when %s is thrown, then it carries status %s, code %s and field %s',
    (error, status, code, field) => {
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toBeInstanceOf(Error);
      expect(isDomainError(error)).toBe(true);
      expect([error.status, error.code, error.field]).toEqual([status, code, field]);
      expect(error.name).toBe(error.constructor.name);
      expect(error.message).toBe(error.detail);
      expect(error.title.length).toBeGreaterThan(0);
    },
  );

  it('when a transition is invalid, then it is a Conflict that names both states', () => {
    const error = new InvalidTransition('refunded', 'captured');
    expect(error).toBeInstanceOf(Conflict);
    expect([error.from, error.to, error.detail]).toEqual([
      'refunded',
      'captured',
      'A payment cannot go from refunded to captured.',
    ]);
  });

  it('when validation finds several issues, then detail summarises and issues keep them all', () => {
    const error = new ValidationError([
      { field: 'amount', message: 'must be greater than zero' },
      { field: 'currency', message: 'must be an ISO 4217 currency code' },
    ]);
    expect(error.detail).toBe('amount: must be greater than zero (and 1 more)');
    expect(error.issues).toHaveLength(2);
    expect(new ValidationError([]).issues).toEqual([{ field: '', message: 'The input is invalid.' }]);
  });

  it('when rate limited with a fractional delay, then retryAfterSeconds rounds up', () => {
    expect(new RateLimited(1.2).retryAfterSeconds).toBe(2);
    expect(new NotFound('rule').detail).toBe('rule not found.');
    expect(isDomainError(new Error('x'))).toBe(false);
  });
});

describe('validation helpers', () => {
  it.each([
    [['condition', 'all', 1, 'op'], 'condition.all[1].op'],
    [[0, 'a'], '[0].a'],
    [['metadata', 'a b'], 'metadata["a b"]'],
    [[], ''],
  ])('when the path is %j, then it reads %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it('when zod reports unknown keys, then each key gets its own issue', () => {
    const result = z.strictObject({ a: z.number() }).safeParse({ a: 'x', b: 1, c: 2 });
    expect(result.success ? [] : issuesFromZod(result.error.issues, ['body'])).toEqual([
      { field: 'body.a', message: 'Invalid input: expected number, received string' },
      { field: 'body.b', message: 'unknown key' },
      { field: 'body.c', message: 'unknown key' },
    ]);
  });

  it('when unwrapping a failed result, then a ValidationError carries the issues', () => {
    expect(unwrap({ ok: true, value: 1 })).toBe(1);
    expect(() => unwrap({ ok: false, issues: [{ field: 'x', message: 'bad' }] })).toThrow(ValidationError);
  });
});
