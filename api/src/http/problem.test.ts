import { describe, expect, it } from 'vitest';
import { isDependencyUnavailable } from './problem.ts';

describe('isDependencyUnavailable', () => {
  it('when Postgres reports a connection or shutdown SQLSTATE, then it is a dependency failure', () => {
    for (const code of ['08006', '08001', '57P01', '57P03', '53300']) {
      expect(isDependencyUnavailable(Object.assign(new Error('x'), { code }))).toBe(true);
    }
  });

  it('when a socket is refused or Redis refuses to queue offline, then it is a dependency failure', () => {
    expect(isDependencyUnavailable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      isDependencyUnavailable(new Error("Stream isn't writeable and enableOfflineQueue options is false")),
    ).toBe(true);
    expect(
      isDependencyUnavailable(Object.assign(new Error('r'), { name: 'MaxRetriesPerRequestError' })),
    ).toBe(true);
  });

  it('when the error is a bug or a constraint violation, then it is not', () => {
    expect(isDependencyUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDependencyUnavailable(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isDependencyUnavailable(null)).toBe(false);
    expect(isDependencyUnavailable('string')).toBe(false);
  });
});
