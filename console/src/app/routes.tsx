// The console's routes and its navigation, in one table. Every page is its own chunk
// (React.lazy), so a route loads only what it shows. `crumb` feeds the breadcrumbs.
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';

export interface PageRoute {
  path: string;
  /** Breadcrumb and document title. */
  title: string;
  page: LazyExoticComponent<ComponentType>;
  /** Nested detail routes keep their list page highlighted in the nav. */
  nav?: string;
}

export interface NavGroup {
  title: string;
  items: { path: string; title: string }[];
}

export const ROUTES: PageRoute[] = [
  { path: '/dashboard', title: 'Dashboard', page: lazy(() => import('../features/dashboard/DashboardPage')) },
  { path: '/payments', title: 'Payments', page: lazy(() => import('../features/payments/PaymentsPage')) },
  {
    path: '/payments/:paymentId',
    title: 'Payment',
    nav: '/payments',
    page: lazy(() => import('../features/payments/PaymentDetailPage')),
  },
  { path: '/alerts', title: 'Alerts', page: lazy(() => import('../features/alerts/AlertsPage')) },
  {
    path: '/alerts/:alertId',
    title: 'Alert',
    nav: '/alerts',
    page: lazy(() => import('../features/alerts/AlertDetailPage')),
  },
  { path: '/health', title: 'System health', page: lazy(() => import('../features/health/HealthPage')) },
  { path: '/rules', title: 'Rules', page: lazy(() => import('../features/rules/RulesPage')) },
  {
    path: '/batch-jobs',
    title: 'Batch jobs',
    page: lazy(() => import('../features/batch-jobs/BatchJobsPage')),
  },
  {
    path: '/batch-jobs/:jobId',
    title: 'Batch job',
    nav: '/batch-jobs',
    page: lazy(() => import('../features/batch-jobs/BatchJobDetailPage')),
  },
  {
    path: '/worker-pools',
    title: 'Worker pools',
    page: lazy(() => import('../features/worker-pools/WorkerPoolsPage')),
  },
  { path: '/audit', title: 'Audit log', page: lazy(() => import('../features/audit/AuditPage')) },
  { path: '/profile', title: 'Profile', page: lazy(() => import('../features/profile/ProfilePage')) },
  { path: '/settings', title: 'Settings', page: lazy(() => import('../features/settings/SettingsPage')) },
  {
    path: '/settings/users',
    title: 'Users',
    nav: '/settings',
    page: lazy(() => import('../features/settings/admin/UsersPage')),
  },
  {
    path: '/settings/api-keys',
    title: 'API keys',
    nav: '/settings',
    page: lazy(() => import('../features/settings/admin/ApiKeysPage')),
  },
  {
    path: '/settings/system',
    title: 'System settings',
    nav: '/settings',
    page: lazy(() => import('../features/settings/admin/SystemPage')),
  },
];

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
    ],
  },
];
