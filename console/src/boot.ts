// The console's first script: a few hundred bytes, a classic script first in the page's head, so it
// runs while the main bundle is still being fetched, parsed and evaluated. On a page load with a
// session cookie it starts the silent sign-in at once and, with the access token it answers, the
// first GET requests of the page being opened. The main bundle takes those answers over
// (lib/boot.ts, in the API client's send) instead of sending the same requests again later.
//
// It also starts the main bundle. The page's HTML only preloads it (fetched and compiled at once,
// not run), and the boot script adds its script element when its own requests are on the wire:
// the main bundle's first evaluation and render take the main thread for tens of milliseconds,
// and the sign-in's lock and answer, each a task on that thread, would otherwise wait behind them
// before the next request could go out. Without a session, or after MAIN_WAIT_MS at most, the
// main bundle starts at once all the same.
//
// It imports nothing, so that it stays a chunk of its own: the session hint and the sign-in request
// are written again here as lib/auth.tsx has them, and what it knows of the pages (their first
// requests) is checked against the pages themselves by boot.test.ts.
import type { BootState } from './lib/boot';

/** The dashboard's windows (features/dashboard/shape.ts); an unknown one is the default. */
const WINDOWS = ['15m', '1h', '6h', '24h', '7d', '30d'];

/** The GET requests a page sends first, by path; every signed-in page reads the user. */
export function bootRequests(path: string, search: URLSearchParams): string[] {
  const shell = ['/api/v1/users/me'];
  if (path === '/' || path === '/dashboard') {
    const w = search.get('window') ?? '';
    return [
      ...shell,
      `/api/v1/stats/overview?window=${WINDOWS.includes(w) ? w : '1h'}`,
      '/api/v1/stats/alerts',
      '/api/v1/queue/stats',
      '/api/v1/health',
      '/api/v1/users/me/onboarding',
    ];
  }
  return shell;
}

/** A fetched answer, read in full so that the token can be taken from it, rebuilt for its reader. */
async function settled(res: Response): Promise<Response> {
  const body = await res.text();
  return new Response(res.status === 204 ? null : body, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

function get(url: string, token: string): Promise<Response> {
  return fetch(url, {
    headers: { Accept: 'application/json', Authorization: `Bearer ${token}` },
    credentials: 'same-origin',
  });
}

/** The sign-in's request exactly as lib/auth.tsx sends it, under the same cross-tab lock. */
function refresh(): Promise<Response> {
  const send = () =>
    fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-PayFlow-Session': 'cookie',
      },
      body: '{}',
      credentials: 'same-origin',
    }).then(settled);
  return 'locks' in navigator ? navigator.locks.request('payflow-refresh', send) : send();
}

async function tokenOf(res: Response): Promise<string | undefined> {
  if (!res.ok) return undefined;
  try {
    const body = (await res.clone().json()) as { accessToken?: unknown };
    return typeof body.accessToken === 'string' ? body.accessToken : undefined;
  } catch {
    return undefined;
  }
}

/** The longest the main bundle waits for the boot script's requests to be sent. */
export const MAIN_WAIT_MS = 250;

/** The main bundle's preload link, written by the build before this script (vite.config.ts); none on the dev server. */
export const MAIN_LINK = 'link[rel="modulepreload"][data-payflow-main]';

/**
 * Runs the main bundle the page preloads, once; on the dev server the page runs it itself. An
 * added module script runs as soon as it is loaded, not after the document as the page's own
 * would, so it is added only once the document is parsed (the main bundle renders into #root).
 */
export function startMain(): void {
  const link = document.querySelector<HTMLLinkElement>(MAIN_LINK);
  if (!link || link.dataset.started) return;
  link.dataset.started = 'true';
  const add = () => {
    const script = document.createElement('script');
    script.type = 'module';
    script.crossOrigin = '';
    script.src = link.href;
    document.head.append(script);
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', add, { once: true });
  else add();
}

/**
 * Starts the sign-in and the page's first requests; answers what the main bundle takes over.
 * `onSent` is called once those requests are sent (or cannot be).
 */
export function boot(onSent: () => void = () => undefined): BootState | undefined {
  if (!document.cookie.split(/;\s*/).some((c) => c.startsWith('pf_session='))) {
    onSent();
    return undefined;
  }
  const answers: BootState['answers'] = new Map();
  const signedIn = refresh();
  // A failure is not kept: the main bundle then sends the request itself and handles it.
  answers.set(
    'POST /api/v1/auth/refresh',
    signedIn.then(
      (response) => ({ response }),
      () => undefined,
    ),
  );
  const token = signedIn.then(tokenOf, () => undefined);
  for (const url of bootRequests(location.pathname, new URLSearchParams(location.search))) {
    answers.set(
      `GET ${url}`,
      token.then((t) =>
        t
          ? get(url, t).then(
              (response) => ({ response, token: t }),
              () => undefined,
            )
          : undefined,
      ),
    );
  }
  // After the requests above: promise reactions run in the order they were added.
  void token.finally(onSent);
  return { at: performance.now(), answers };
}

// The main bundle marks itself started; if it ran first (a slow boot script), this does nothing.
if (typeof window !== 'undefined' && window.payflowBoot === undefined) {
  try {
    setTimeout(startMain, MAIN_WAIT_MS);
    window.payflowBoot = boot(startMain) ?? null;
  } catch {
    startMain();
  }
}
