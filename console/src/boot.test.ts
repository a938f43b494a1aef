// The boot script sends what the pages would send first, word for word (else the main bundle
// would not find the answers and would send the requests again).
import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { boot, bootRequests, MAIN_LINK, startMain } from './boot';
import { prefetchDashboard } from './features/dashboard/prefetch';
import { WINDOWS } from './features/dashboard/shape';
import { meQuery } from './lib/preferences';

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'pf_session=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  document.head.querySelectorAll('link, script').forEach((e) => {
    e.remove();
  });
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

describe('boot', () => {
  /** fetch answering the sign-in with `refresh`, and every GET with {}; the URLs it was called with. */
  function stubFetch(refresh: Response): string[] {
    const urls: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((input: string) => {
        urls.push(input);
        return Promise.resolve(input === '/api/v1/auth/refresh' ? refresh : new Response('{}'));
      }),
    );
    return urls;
  }

  it('without a session cookie, sends nothing and says so at once', () => {
    const urls = stubFetch(new Response('{}'));
    const onSent = vi.fn();
    expect(boot(onSent)).toBeUndefined();
    expect(onSent).toHaveBeenCalledTimes(1);
    expect(urls).toEqual([]);
  });

  it('with a session cookie, says the requests are sent only once every first GET has gone out', async () => {
    document.cookie = 'pf_session=1';
    const urls = stubFetch(Response.json({ accessToken: 'tok', expiresIn: 900 }));
    const atSent: string[][] = [];
    const state = boot(() => atSent.push([...urls]));
    expect(state?.answers.size).toBe(1 + bootRequests(location.pathname, new URLSearchParams()).length);
    expect(atSent).toEqual([]);
    await vi.waitFor(() => {
      expect(atSent).toHaveLength(1);
    });
    expect(atSent[0]).toEqual([
      '/api/v1/auth/refresh',
      ...bootRequests(location.pathname, new URLSearchParams(location.search)),
    ]);
  });

  it('when the sign-in is refused, sends no GET and still says it is done', async () => {
    document.cookie = 'pf_session=1';
    const urls = stubFetch(Response.json({ title: 'Unauthorized' }, { status: 401 }));
    const onSent = vi.fn();
    boot(onSent);
    await vi.waitFor(() => {
      expect(onSent).toHaveBeenCalledTimes(1);
    });
    expect(urls).toEqual(['/api/v1/auth/refresh']);
  });
});

describe('startMain', () => {
  it('runs the preloaded main bundle once, as a module script from the preload link', () => {
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.href = '/assets/index-abc.js';
    link.dataset.payflowMain = '';
    document.head.append(link);
    expect(document.querySelector(MAIN_LINK)).toBe(link);
    startMain();
    startMain();
    const scripts = document.head.querySelectorAll('script');
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.type).toBe('module');
    expect(scripts[0]?.src).toBe(link.href);
  });

  it('while the document is still being parsed, waits for it (the main bundle renders into #root)', () => {
    const link = document.createElement('link');
    link.rel = 'modulepreload';
    link.href = '/assets/index-abc.js';
    link.dataset.payflowMain = '';
    document.head.append(link);
    Object.defineProperty(document, 'readyState', { value: 'loading', configurable: true });
    try {
      startMain();
      expect(document.head.querySelectorAll('script')).toHaveLength(0);
    } finally {
      Reflect.deleteProperty(document, 'readyState');
    }
    document.dispatchEvent(new Event('DOMContentLoaded'));
    expect(document.head.querySelectorAll('script')).toHaveLength(1);
  });

  it('without the preload link (the dev server runs main itself), adds nothing', () => {
    startMain();
    expect(document.head.querySelectorAll('script')).toHaveLength(0);
  });
});
