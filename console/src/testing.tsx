// Component-test helpers shared by the console's features: a page rendered as the app renders it
// (query cache, router, preferences, and a signed-in session when asked), with fetch stubbed by
// method and path. For unit tests only.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { AuthProvider, useAuth } from './lib/auth';
import { PreferencesProvider } from './lib/preferences';

export type Handler = (init: RequestInit | undefined) => Response | Promise<Response>;

export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });

export const ME = {
  id: 'usr_1',
  email: 'ada@payflow.test',
  name: 'Ada Admin',
  role: 'admin',
  email_verified: true,
  created_at: '2026-01-15T09:30:00Z',
  preferences: { theme: 'light', density: 'comfortable', notifications_enabled: true, timezone: 'UTC' },
};

export function urlOf(input: RequestInfo | URL): string {
  if (typeof input === 'string') return input;
  return input instanceof URL ? input.href : input.url;
}

/** Stubs fetch: `routes['GET /api/v1/health']` answers that request; others are 404. */
export function stubApi(routes: Record<string, Handler>) {
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(urlOf(input), 'http://localhost');
    const handler = routes[`${init?.method ?? 'GET'} ${url.pathname}`];
    return Promise.resolve(handler ? handler(init) : json({ title: 'Not Found', status: 404 }, 404));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

/** The page once the silent sign-in (from the `pf_session` hint) has resolved. */
function SignedIn({ children }: { children: ReactNode }) {
  return useAuth().status === 'signed-in' ? <PreferencesProvider>{children}</PreferencesProvider> : null;
}

/**
 * Renders a page under the app's providers. With `session`, the page waits for the silent
 * sign-in (the stubs must answer POST /api/v1/auth/refresh, e.g. with SESSION).
 */
export function renderPage(page: ReactNode, opts: { session?: boolean } = {}) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  if (!opts.session) {
    return render(
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <PreferencesProvider>{page}</PreferencesProvider>
        </MemoryRouter>
      </QueryClientProvider>,
    );
  }
  // The API's readable hint that a session cookie exists (lib/auth.tsx resumes only then).
  document.cookie = 'pf_session=1; path=/';
  return render(
    <QueryClientProvider client={client}>
      <AuthProvider>
        <MemoryRouter>
          <SignedIn>{page}</SignedIn>
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}

export const SESSION = {
  user: {
    id: ME.id,
    email: ME.email,
    name: ME.name,
    role: ME.role,
    email_verified: true,
    created_at: ME.created_at,
  },
  accessToken: 'token-1',
  tokenType: 'Bearer',
  expiresIn: 900,
};
