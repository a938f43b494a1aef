// The boot script sends what the pages would send first, word for word (else the main bundle
// would not find the answers and would send the requests again).
import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bootRequests } from './boot';
import { prefetchDashboard } from './features/dashboard/prefetch';
import { WINDOWS } from './features/dashboard/shape';
import { meQuery } from './lib/preferences';

afterEach(() => {
  vi.unstubAllGlobals();
});

/** The URLs the given queries request. */
async function requested(start: (client: QueryClient) => unknown): Promise<string[]> {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((input: RequestInfo | URL) => {
      urls.push(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      return Promise.resolve(new Response('{}', { status: 200 }));
    }),
  );
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  await start(client);
  await vi.waitFor(() => {
    expect(urls.length).toBeGreaterThan(0);
  });
  // Every query has sent its request once the client is idle.
  await vi.waitFor(() => {
    expect(client.isFetching()).toBe(0);
  });
  return urls;
}

describe('bootRequests', () => {
  it.each([...WINDOWS, '', 'forever'])(
    'on the dashboard with window "%s", are the dashboard\'s first requests and the user',
    async (w) => {
      const search = new URLSearchParams(w ? { window: w } : {});
      const dashboard = await requested((c) => {
        prefetchDashboard(c, search);
      });
      const me = await requested((c) => c.query(meQuery));
      expect(new Set(bootRequests('/dashboard', search))).toEqual(new Set([...dashboard, ...me]));
      expect(bootRequests('/', search)).toEqual(bootRequests('/dashboard', search));
    },
  );

  it('on any other page, is the user alone', async () => {
    const me = await requested((c) => c.query(meQuery));
    expect(bootRequests('/payments', new URLSearchParams('merchant_id=m_1'))).toEqual(me);
  });
});
