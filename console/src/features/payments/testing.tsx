// Test harness of the payments feature: the real providers (auth, preferences, query cache,
// router) over a stubbed fetch that answers by method and path.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter, useLocation } from 'react-router';
import { vi } from 'vitest';
import { AuthProvider, useAuth } from '../../lib/auth';
import { PreferencesProvider } from '../../lib/preferences';
import type { Payment } from './types';

export type Handler = (url: URL, init: RequestInit | undefined) => unknown;

export interface Call {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

export function payment(over: Partial<Payment> = {}): Payment {
  return {
    id: 'pay_1',
    merchant_id: 'acme',
    payer_id: 'payer_1',
    amount: 12.34,
    amount_minor: '1234',
    currency: 'EUR',
    current_state: 'settled',
    refunded_amount: 0,
    refunded_amount_minor: '0',
    card_fingerprint: 'card_1',
    country: 'DE',
    metadata: {},
    flagged: false,
    held: false,
    version: 1,
    created_at: '2026-12-01T10:00:00.000Z',
    updated_at: '2026-12-01T10:00:01.000Z',
    ...over,
  };
}

/** Stubs fetch: `routes` maps "GET /api/v1/…" to a handler; sign-in and preferences built in. */
export function stubApi(role: string, routes: Record<string, Handler> = {}): Call[] {
  document.cookie = 'pf_session=1; path=/';
  const calls: Call[] = [];
  const user = {
    id: 'usr_1',
    email: 'a@b.test',
    name: 'A',
    role,
    email_verified: true,
    created_at: '2026-01-01T00:00:00Z',
  };
  const builtIn: Record<string, Handler> = {
    'POST /api/v1/auth/refresh': () => ({ user, accessToken: 'token', expiresIn: 900 }),
    'GET /api/v1/users/me': () => ({
      ...user,
      preferences: {
        theme: 'light',
        density: 'comfortable',
        notifications_enabled: true,
        timezone: 'UTC',
        tables: {},
      },
    }),
    'PATCH /api/v1/users/me/preferences': (_u, init) =>
      JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as unknown,
  };
  vi.stubGlobal(
    'fetch',
    vi.fn((input: string, init?: RequestInit) => {
      const url = new URL(input, 'http://console.test');
      const method = init?.method ?? 'GET';
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, headers: new Headers(init?.headers), body });
      const handler = routes[`${method} ${url.pathname}`] ?? builtIn[`${method} ${url.pathname}`];
      if (!handler) return Promise.resolve(json({ title: 'Not found', status: 404 }, 404));
      return Promise.resolve(handler(url, init)).then((out) => (out instanceof Response ? out : json(out)));
    }),
  );
  return calls;
}

function Location() {
  const loc = useLocation();
  return <output aria-label="location">{`${loc.pathname}${loc.search}`}</output>;
}

function WhenSignedIn({ children }: { children: ReactNode }) {
  return useAuth().status === 'signed-in' ? <PreferencesProvider>{children}</PreferencesProvider> : null;
}

export function renderApp(ui: ReactNode, path = '/') {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  return render(
    <QueryClientProvider client={client}>
      <AuthProvider>
        <MemoryRouter initialEntries={[path]}>
          <WhenSignedIn>
            {ui}
            <Location />
          </WhenSignedIn>
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>,
  );
}
