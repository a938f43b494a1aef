import { Bullseye, Spinner } from '@patternfly/react-core';
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, RouterProvider, useLocation } from 'react-router';
import { AuthProvider, useAuth } from '../lib/auth';
import { LiveProvider } from '../lib/live';
import { PreferencesProvider } from '../lib/preferences';
import { createQueryClient } from '../lib/query';
import { ROUTES } from './routes';
import { AppShell } from './shell/AppShell';
import { NotFoundPage } from './shell/NotFoundPage';

const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const OAuthCallbackPage = lazy(() => import('../features/auth/OAuthCallbackPage'));

function Loading() {
  return (
    <Bullseye style={{ minHeight: '100vh' }}>
      <Spinner aria-label="Loading PayFlow" />
    </Bullseye>
  );
}

/** Signed-in pages: wait for the silent sign-in, else go to /login and come back afterwards. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <Loading />;
  if (status === 'signed-out') {
    const back = `${location.pathname}${location.search}`;
    return <Navigate to={`/login?next=${encodeURIComponent(back)}`} replace />;
  }
  return (
    <PreferencesProvider>
      <LiveProvider>{children}</LiveProvider>
    </PreferencesProvider>
  );
}

function router() {
  return createBrowserRouter([
    {
      path: '/login',
      element: (
        <Suspense fallback={<Loading />}>
          <LoginPage />
        </Suspense>
      ),
    },
    {
      path: '/oauth/callback',
      element: (
        <Suspense fallback={<Loading />}>
          <OAuthCallbackPage />
        </Suspense>
      ),
    },
    {
      element: (
        <RequireAuth>
          <AppShell />
        </RequireAuth>
      ),
      children: [
        { index: true, element: <Navigate to="/dashboard" replace /> },
        ...ROUTES.map(({ path, page: PageComponent }) => ({ path, element: <PageComponent /> })),
        { path: '*', element: <NotFoundPage /> },
      ],
    },
  ]);
}

export function App() {
  const client = useMemo(() => createQueryClient(), []);
  const routes = useMemo(() => router(), []);
  return (
    <QueryClientProvider client={client}>
      <AuthProvider>
        <RouterProvider router={routes} />
      </AuthProvider>
    </QueryClientProvider>
  );
}
