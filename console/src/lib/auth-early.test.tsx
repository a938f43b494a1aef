// A full page load resumes the session before React renders (main.tsx): one refresh request, its
// token used by requests made before the AuthProvider mounts, and the provider adopting it.
import { render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './api';
import { AuthProvider, resumeEarly, useAuth } from './auth';

function Status() {
  const { status, user } = useAuth();
  return <p>{status === 'signed-in' ? `signed in as ${user?.email ?? ''}` : status}</p>;
}

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = 'pf_session=; path=/; max-age=0';
});

describe('resumeEarly', () => {
  it('without the session hint, asks nothing', () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    expect(resumeEarly()).toBeUndefined();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('refreshes once, lends its token to early requests, and the provider adopts that session', async () => {
    document.cookie = 'pf_session=1; path=/';
    const seen: { path: string; auth: string | null }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const path = new URL(url, 'http://localhost').pathname;
        seen.push({ path, auth: new Headers(init?.headers).get('authorization') });
        const body =
          path === '/api/v1/auth/refresh'
            ? {
                user: { id: 'usr_1', email: 'ada@payflow.test', name: 'Ada', role: 'viewer' },
                accessToken: 'tok-1',
                expiresIn: 900,
              }
            : { ok: true };
        return Promise.resolve(new Response(JSON.stringify(body), { status: 200 }));
      }),
    );
    const token = resumeEarly();
    // A page's first query, started before anything renders.
    const early = api.get('/api/v1/stats/overview');
    expect(await token).toBe('tok-1');
    await early;
    render(
      <AuthProvider>
        <Status />
      </AuthProvider>,
    );
    expect(await screen.findByText('signed in as ada@payflow.test')).toBeTruthy();
    expect(seen.filter((s) => s.path === '/api/v1/auth/refresh')).toHaveLength(1);
    expect(seen.find((s) => s.path === '/api/v1/auth/refresh')?.auth).toBeNull();
    expect(seen.find((s) => s.path === '/api/v1/stats/overview')?.auth).toBe('Bearer tok-1');
  });
});
