import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError, api, describeError, setCredentials, withQuery } from './api';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the API client', () => {
  it('when a query has empty values and lists, then only the set ones are sent', () => {
    expect(withQuery('/x', { a: 'b', c: '', d: undefined, e: ['s1', 's2'], f: [] })).toBe('/x?a=b&e=s1%2Cs2');
  });

  it('when the API answers a problem, then ApiError names the field and describeError says it', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(
            JSON.stringify({
              title: 'Validation failed',
              status: 400,
              detail: 'amount: too many decimals',
              errors: [{ field: 'amount', message: 'too many decimals' }],
            }),
            { status: 400, headers: { 'content-type': 'application/problem+json' } },
          ),
        ),
      ),
    );
    const err = await api.post('/api/v1/x', { amount: '1.001' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).issueFor('amount')).toBe('too many decimals');
    expect(describeError(err)).toBe('amount: too many decimals');
  });

  it('when a call answers 401, then the token is renewed once and the call repeated', async () => {
    const seen: (string | null)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((_url: string, init: RequestInit) => {
        const auth = new Headers(init.headers).get('authorization');
        seen.push(auth);
        return Promise.resolve(
          auth === 'Bearer fresh'
            ? new Response('{"ok":true}', { status: 200 })
            : new Response('{}', { status: 401 }),
        );
      }),
    );
    const refused: (string | undefined)[] = [];
    setCredentials({
      token: () => Promise.resolve('stale'),
      renew: (token) => {
        refused.push(token);
        return Promise.resolve('fresh');
      },
    });
    await expect(api.get('/api/v1/y')).resolves.toEqual({ ok: true });
    expect(seen).toEqual(['Bearer stale', 'Bearer fresh']);
    // The refused token is named, so that the session does not answer it again.
    expect(refused).toEqual(['stale']);
  });

  it('when sign-in, refresh or sign-out answers 401, then it is the answer: no renewal is tried', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.resolve(new Response('{"title":"Unauthorized"}', { status: 401 }))),
    );
    let renewals = 0;
    setCredentials({
      token: () => Promise.resolve('old'),
      renew: () => {
        renewals += 1;
        return Promise.resolve('fresh');
      },
    });
    await expect(api.post('/api/v1/auth/refresh', {})).rejects.toBeInstanceOf(ApiError);
    expect(renewals).toBe(0);
  });

  it('when the network fails, then a NetworkError says the API cannot be reached', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    await expect(api.get('/api/v1/z')).rejects.toBeInstanceOf(NetworkError);
  });
});
