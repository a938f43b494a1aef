import { describe, expect, it } from 'vitest';
import { canonicalJson, idempotencyKeyOf, requestFingerprint } from './idempotency.ts';

describe('idempotency fingerprints and keys', () => {
  it('when object keys come in another order, then the canonical JSON and the fingerprint are the same', () => {
    const a = { b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } };
    const b = { a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(requestFingerprint('post', '/x', a)).toBe(requestFingerprint('POST', '/x', b));
  });

  it('when the method, path or body differs, then the fingerprint differs', () => {
    const base = requestFingerprint('POST', '/api/v1/transactions', { amount: 1 });
    expect(requestFingerprint('PUT', '/api/v1/transactions', { amount: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/transactions/x', { amount: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/transactions', { amount: 2 })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/transactions', { amount: '1' })).not.toBe(base);
    expect(requestFingerprint('POST', '/api/v1/transactions', undefined)).toBe(
      requestFingerprint('POST', '/api/v1/transactions', null),
    );
  });

  it('when a key is 1..255 printable ASCII characters, then it is accepted; otherwise a 400 naming the header', () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf('a')).toBe('a');
    expect(idempotencyKeyOf('k'.repeat(255))).toBe('k'.repeat(255));
    expect(idempotencyKeyOf('order 42 / retry~1')).toBe('order 42 / retry~1');
    for (const bad of ['', 'k'.repeat(256), 'tab\there', 'new\nline', 'é']) {
      expect(() => idempotencyKeyOf(bad)).toThrow(
        expect.objectContaining({ status: 400, field: 'Idempotency-Key' }),
      );
    }
  });
});
