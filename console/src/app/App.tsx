import { Bullseye, Spinner } from '@patternfly/react-core';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { AuthProvider, useAuth } from '../lib/auth';
import { LiveProvider } from '../lib/live';
import { PreferencesProvider, useMe } from '../lib/preferences';
import { createQueryClient } from '../lib/query';
import { ROUTES } from './routes';
import { AppShell } from './shell/AppShell';
import { NotFoundPage } from './shell/NotFoundPage';

const LoginPage = lazy(() => import('../features/auth/LoginPage'));
const OAuthCallbackPage = lazy(() => import('../features/auth/OAuthCallbackPage'));
const LandingPage = lazy(() => import('../features/landing/LandingPage'));
const AcceptInvitationPage = lazy(() => import('../features/auth/AcceptInvitationPage'));
const SetupPage = lazy(() => import('../features/auth/SetupPage'));
const PendingApprovalPage = lazy(() => import('../features/auth/PendingApprovalPage'));

function Loading() {
  return (
    <Bullseye style={{ minHeight: '100vh' }}>
      <Spinner aria-label="Loading PayFlow" />
    </Bullseye>
  );
}

/** To the sign-in page, which comes back here afterwards. */
function ToLogin() {
  const location = useLocation();
  const back = `${location.pathname}${location.search}`;
  return <Navigate to={`/login?next=${encodeURIComponent(back)}`} replace />;
}

/**
 * Signed-in pages: wait for the silent sign-in, else go to /login and come back afterwards. It
 * reads no location itself: the providers below it (and so every page and the frame) do not
 * render again when a page changes its query string.
 */
function RequireAuth({ children }: { children: ReactNode }) {
  const { status, user } = useAuth();
  if (status === 'loading') return <Loading />;
  if (status === 'signed-out') return <ToLogin />;
  // An account without a role sees only the page that says so (the API refuses everything else).
  if (user?.role === 'none')
    return (
      <Suspense fallback={<Loading />}>
        <PendingApprovalPage />
      </Suspense>
    );
  return (
    <PreferencesProvider>
      <LiveProvider>{children}</LiveProvider>
    </PreferencesProvider>
  );
}

/** Signed in, `/` opens the page the user chose in Settings (the dashboard until they choose). */
function StartPage() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  return <Navigate to={me.data?.preferences.landing_page ?? '/dashboard'} replace />;
}

/** `/`: the landing page for a signed-out visitor, the start page once signed in. */
function Home() {
  const { status } = useAuth();
  if (status === 'loading') return <Loading />;
  if (status === 'signed-out')
    return (
      <Suspense fallback={<Loading />}>
        <LandingPage />
      </Suspense>
    );
  return (
    <RequireAuth>
      <StartPage />
    </RequireAuth>
  );
}

/** The route table: sign-in and the OIDC return outside the shell, every page inside it. */
function AppRoutes() {
  return (
    <Routes>
      <Route index element={<Home />} />
      <Route
        path="/login"
        element={
          <Suspense fallback={<Loading />}>
            <LoginPage />
          </Suspense>
        }
      />
      <Route
        path="/accept-invitation"
        element={
          <Suspense fallback={<Loading />}>
            <AcceptInvitationPage />
          </Suspense>
        }
      />
      <Route
        path="/setup"
        element={
          <Suspense fallback={<Loading />}>
            <SetupPage />
          </Suspense>
        }
      />
      <Route
        path="/oauth/callback"
        element={
          <Suspense fallback={<Loading />}>
            <OAuthCallbackPage />
          </Suspense>
        }
      />
      <Route
        element={
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        }
      >
        {ROUTES.map(({ path, page: PageComponent }) => (
          <Route key={path} path={path} element={<PageComponent />} />
        ))}
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

/** `client` is the one main.tsx made (it may already hold the first page's prefetched data). */
export function App({ queryClient }: { queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  return (
    <QueryClientProvider client={client}>
      <AuthProvider>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </AuthProvider>
    </QueryClientProvider>
  );
}
