// The console's routes and its navigation, in one table. Every page is its own chunk
// (React.lazy), so a route loads only what it shows. `title` feeds the breadcrumbs.
import type { QueryClient } from '@tanstack/react-query';
import { lazy, useState, type ComponentType } from 'react';
import { matchPath } from 'react-router';
import { prefetchDashboard } from '../features/dashboard/prefetch';

export interface PageRoute {
  path: string;
  /** Breadcrumb and document title. */
  title: string;
  page: ComponentType;
  /** Fetches the page's chunk (the same import the lazy page makes). */
  load?: () => Promise<unknown>;
  /** Starts the page's first queries (with the same keys the page uses), before it renders. */
  prefetch?: (client: QueryClient, search: URLSearchParams) => void;
  /** Nested detail routes keep their list page highlighted in the nav. */
  nav?: string;
}

/**
 * A page chunk, loaded on first use (React.lazy) or ahead of it (`load`). Once loaded, the module's
 * component renders directly: a lazy component suspends on its first render however early its
 * chunk arrived, and React reveals a suspended page no sooner than 300 ms after its fallback
 * showed, which is what a page opened by a full load would wait for.
 */
export function page(
  importPage: () => Promise<{ default: ComponentType }>,
): Pick<PageRoute, 'page' | 'load'> {
  let loaded: ComponentType | undefined;
  const load = () =>
    importPage().then((m) => {
      loaded = m.default;
      return m;
    });
  const Lazy = lazy(load);
  function Page() {
    // Decided once per mount: switching from the lazy wrapper to the module's own component later
    // would be a different element type, and remount the page.
    const [Loaded] = useState(() => loaded);
    return Loaded ? <Loaded /> : <Lazy />;
  }
  return { page: Page, load };
}

export interface NavGroup {
  title: string;
  items: { path: string; title: string }[];
}

export const ROUTES: PageRoute[] = [
  {
    path: '/dashboard',
    title: 'Dashboard',
    ...page(() => import('../features/dashboard/DashboardPage')),
    prefetch: prefetchDashboard,
  },
  { path: '/payments', title: 'Payments', ...page(() => import('../features/payments/PaymentsPage')) },
  {
    path: '/payments/:paymentId',
    title: 'Payment',
    nav: '/payments',
    ...page(() => import('../features/payments/PaymentDetailPage')),
  },
  { path: '/alerts', title: 'Alerts', ...page(() => import('../features/alerts/AlertsPage')) },
  {
    path: '/alerts/:alertId',
    title: 'Alert',
    nav: '/alerts',
    ...page(() => import('../features/alerts/AlertDetailPage')),
  },
  { path: '/health', title: 'System health', ...page(() => import('../features/health/HealthPage')) },
  { path: '/rules', title: 'Rules', ...page(() => import('../features/rules/RulesPage')) },
  {
    path: '/rules/new',
    title: 'New rule',
    nav: '/rules',
    ...page(() => import('../features/rules/RuleEditorPage')),
  },
  {
    path: '/rules/:ruleId',
    title: 'Rule',
    nav: '/rules',
    ...page(() => import('../features/rules/RuleDetailPage')),
  },
  {
    path: '/rules/:ruleId/edit',
    title: 'Edit rule',
    nav: '/rules',
    ...page(() => import('../features/rules/RuleEditorPage')),
  },
  {
    path: '/batch-jobs',
    title: 'Batch jobs',
    ...page(() => import('../features/batch-jobs/BatchJobsPage')),
  },
  {
    path: '/batch-jobs/:jobId',
    title: 'Batch job',
    nav: '/batch-jobs',
    ...page(() => import('../features/batch-jobs/BatchJobDetailPage')),
  },
  {
    path: '/worker-pools',
    title: 'Worker pools',
    ...page(() => import('../features/worker-pools/WorkerPoolsPage')),
  },
  { path: '/audit', title: 'Audit log', ...page(() => import('../features/audit/AuditPage')) },
  { path: '/help', title: 'Help', ...page(() => import('../features/help/HelpPage')) },
  {
    path: '/help/:slug',
    title: 'Help',
    nav: '/help',
    ...page(() => import('../features/help/HelpPage')),
  },
  { path: '/profile', title: 'Profile', ...page(() => import('../features/profile/ProfilePage')) },
  { path: '/settings', title: 'Settings', ...page(() => import('../features/settings/SettingsPage')) },
  {
    path: '/settings/users',
    title: 'Users',
    nav: '/settings',
    ...page(() => import('../features/settings/admin/UsersPage')),
  },
  {
    path: '/settings/api-keys',
    title: 'API keys',
    nav: '/settings',
    ...page(() => import('../features/settings/admin/ApiKeysPage')),
  },
  {
    path: '/settings/system',
    title: 'System settings',
    nav: '/settings',
    ...page(() => import('../features/settings/admin/SystemPage')),
  },
];

/**
 * A full page load starts the chunk of the page it opens and, once signed in, the page's first
 * queries, all beside each other, instead of one after the other as the components mount.
 */
export function preloadRoute(client: QueryClient, signedIn: Promise<string | undefined>): void {
  const path = location.pathname === '/' ? '/dashboard' : location.pathname;
  const route = ROUTES.find((r) => matchPath(r.path, path));
  if (!route) return;
  route.load?.().catch(() => undefined);
  const search = new URLSearchParams(location.search);
  const { prefetch } = route;
  if (prefetch)
    signedIn
      .then((token) => {
        if (token) prefetch(client, search);
      })
      .catch(() => undefined);
}

/** Grouped as operators think: watch, automate, govern, and oneself. */
export const NAV: NavGroup[] = [
  {
    title: 'Monitor',
    items: [
      { path: '/dashboard', title: 'Dashboard' },
      { path: '/payments', title: 'Payments' },
      { path: '/alerts', title: 'Alerts' },
      { path: '/health', title: 'Health' },
    ],
  },
  {
    title: 'Automate',
    items: [
      { path: '/rules', title: 'Rules' },
      { path: '/batch-jobs', title: 'Batch jobs' },
      { path: '/worker-pools', title: 'Worker pools' },
    ],
  },
  { title: 'Govern', items: [{ path: '/audit', title: 'Audit' }] },
  {
    title: 'You',
    items: [
      { path: '/profile', title: 'Profile' },
      { path: '/settings', title: 'Settings' },
      { path: '/help', title: 'Help' },
    ],
  },
];
