// Test helpers of the alerts feature: a stubbed API (fetch answered by path) and the providers
// a page needs. For unit tests only.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { vi } from 'vitest';
import { AuthProvider } from '../../lib/auth';
import type { AlertDetail } from './types';

type Handler = (url: URL, init: RequestInit | undefined) => unknown;

/** Stubs fetch: each route is a path → a JSON body, a function of the request, or a Response; else 404. */
export function stubApi(role: string, routes: Record<string, unknown>): ReturnType<typeof vi.fn> {
  document.cookie = 'pf_session=1; path=/';
  const all: Record<string, unknown> = {
    '/api/v1/auth/refresh': {
      user: {
        id: 'usr_me',
        email: 'me@payflow.test',
        name: 'Me Myself',
        role,
        email_verified: true,
        created_at: '2026-01-01T00:00:00Z',
      },
      accessToken: 'token',
      expiresIn: 900,
    },
    ...routes,
  };
  const fetchMock = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href, 'http://localhost');
    const body = all[url.pathname];
    if (body instanceof Response) return Promise.resolve(body);
    if (typeof body === 'function') return Promise.resolve(Response.json((body as Handler)(url, init)));
    if (body === undefined) {
      return Promise.resolve(
        Response.json(
          { title: 'Not Found', status: 404 },
          { status: 404, headers: { 'content-type': 'application/problem+json' } },
        ),
      );
    }
    return Promise.resolve(Response.json(body));
  });
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function Where() {
  const location = useLocation();
  return <output aria-label="location">{`${location.pathname}${location.search}`}</output>;
}

export function Providers({ children, at, path }: { children: ReactNode; at: string; path: string }) {
  const client = new QueryClient({
    defaultOptions: { queries: { retry: false }, mutations: { retry: false } },
  });
  return (
    <QueryClientProvider client={client}>
      <AuthProvider>
        <MemoryRouter initialEntries={[at]}>
          <Routes>
            <Route
              path={path}
              element={
                <>
                  {children}
                  <Where />
                </>
              }
            />
            <Route path="*" element={<Where />} />
          </Routes>
        </MemoryRouter>
      </AuthProvider>
    </QueryClientProvider>
  );
}

export function anAlert(patch: Partial<AlertDetail> = {}): AlertDetail {
  return {
    id: 'alt_1',
    rule_id: 'rul_1',
    rule_name: 'large-payment',
    rule_version: 3,
    rule_mode: 'enforce',
    payment_id: 'pay_1',
    severity: 'high',
    status: 'open',
    title: 'large-payment matched payment pay_1',
    message: 'amount_minor gte 100000 (was 250000)',
    details: { reasons: ['amount_minor gte 100000 (was 250000)', 'currency in ["USD", "EUR"] (was "EUR")'] },
    assignee_id: null,
    acknowledged_by: null,
    acknowledged_at: null,
    resolved_by: null,
    resolved_at: null,
    resolution: null,
    resolution_note: null,
    version: 1,
    created_at: '2026-12-01T10:00:00Z',
    updated_at: '2026-12-01T10:00:00Z',
    notes: [],
    payment: {
      id: 'pay_1',
      amount: '2500.00',
      amount_minor: '250000',
      currency: 'EUR',
      current_state: 'authorized',
      merchant_id: 'm_1',
      payer_id: 'p_1',
    },
    ...patch,
  };
}
