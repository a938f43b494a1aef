// The guided tour: 23 steps over every page on the live demo data, following one thread. The
// demo traffic runs a card-testing attack now and then (hack/demo/fraud.ts); the `card-testing`
// rule catches it and raises a critical alert. The tour starts on the dashboard where the alert
// shows, opens the attacker's payments, the alert and why it fired, the rule, its backtest and
// the payment's audit trail, then the machinery (batch jobs, workers, health) and the user's own
// settings. Some steps wait for the user to do the thing (apply a filter, open the payment,
// acknowledge the alert); steps a role cannot do are skipped for it.
import { matchPath } from 'react-router';
import { roleAtLeast, type Role, type UserRole } from '../../lib/roles';

/** What the tour follows: found when it starts (thread.ts); any part may be missing. */
export interface Thread {
  ruleId?: string;
  ruleName?: string;
  alertId?: string;
  paymentId?: string;
  payer?: string;
}

export interface Where {
  pathname: string;
  search: string;
}

export interface TourStep {
  id: string;
  title: string;
  body: (t: Thread) => string;
  /** The `data-tour-id` of the element the step points at. */
  target: string;
  /** Where the step is shown; the tour goes there when the step begins. */
  path: (t: Thread) => string;
  /** The least role the step is for; skipped for others. */
  need?: Role;
  /** A step the user completes by doing it: true once done (from the address). */
  doneAt?: (where: Where, t: Thread) => boolean;
  /** …or from the server (polled while the step shows). */
  doneWhen?: 'alert-acknowledged';
}

const rulePath = (t: Thread) => (t.ruleId ? `/rules/${t.ruleId}` : '/rules');
const alertPath = (t: Thread) => (t.alertId ? `/alerts/${t.alertId}` : '/alerts');
const paymentPath = (t: Thread) => (t.paymentId ? `/payments/${t.paymentId}` : '/payments');
const payerQuery = (t: Thread) => (t.payer ? `?payer_id=${encodeURIComponent(t.payer)}` : '');
const ruleName = (t: Thread) => t.ruleName ?? 'the rule';

export const TOUR_STEPS: readonly TourStep[] = [
  {
    id: 'welcome',
    title: 'Welcome to PayFlow',
    body: (t) =>
      `This tour follows one attack through the live demo: someone is testing a stolen card with tiny payments, ${ruleName(t)} caught it, and an alert is waiting. We go from here to the payment, the alert, the rule, its backtest and the audit trail, then the machinery behind them.`,
    target: 'page-title',
    path: () => '/dashboard',
  },
  {
    id: 'dashboard-window',
    title: 'The window you watch',
    body: () =>
      'Every figure on the dashboard covers this window: the last hour, day, week or month. It updates live from the event stream, and the window is kept in the address, so a link opens the same view.',
    target: 'dash-window',
    path: () => '/dashboard',
  },
  {
    id: 'dashboard-alerts',
    title: 'Open alerts, by severity',
    body: (t) =>
      `A critical alert is here: ${ruleName(t)} fired on a run of tiny payments from one card. Let us find those payments first.`,
    target: 'dash-open-alerts',
    path: () => '/dashboard',
  },
  {
    id: 'nav-payments',
    title: 'Open the payments explorer',
    body: () => 'Click Payments in the navigation (on a phone, open the menu first).',
    target: 'nav-payments',
    path: () => '/dashboard',
    doneAt: (w) => w.pathname === '/payments',
  },
  {
    id: 'payments-filter',
    title: 'Filter to the suspect',
    body: (t) =>
      t.payer
        ? `Type ${t.payer} into the Payer filter and press Enter. Every filter goes into the address, so this view can be shared.`
        : 'Apply any filter — a state, a currency, a payer. Every filter goes into the address, so the view can be shared.',
    target: 'payments-filters',
    path: () => '/payments',
    doneAt: (w) =>
      ['payer_id', 'merchant_id', 'state', 'currency', 'amount_min', 'amount_max', 'q', 'created_from'].some(
        (k) => new URLSearchParams(w.search).has(k),
      ),
  },
  {
    id: 'payments-open',
    title: 'Open a payment',
    body: () => 'Tiny amounts, one card, several countries, minutes apart. Click a payment id to open it.',
    target: 'payments-table',
    path: (t) => `/payments${payerQuery(t)}`,
    doneAt: (w) => matchPath('/payments/:paymentId', w.pathname) !== null,
  },
  {
    id: 'payment-tabs',
    title: 'Everything about one payment',
    body: () =>
      'Details with the exact amount, the timeline of every processor event, the audit trail of every change, and the rules that matched. The state follows the one transition table of the state machine.',
    target: 'payment-tabs',
    path: paymentPath,
  },
  {
    id: 'payment-rule-hits',
    title: 'Which rule matched',
    body: (t) =>
      `Rule hits & alerts shows ${ruleName(t)} matching this payment, in which version and mode, and the alert it raised.`,
    target: 'payment-tabs',
    path: (t) => `${paymentPath(t)}?tab=rules`,
  },
  {
    id: 'payment-commands',
    title: 'Acting on a payment',
    body: () =>
      'Capture, void and refund are offered only when the state allows them. A refund computes what is left to refund and asks for a reason, which goes into the audit log. No need to refund anything now.',
    target: 'payment-commands',
    path: paymentPath,
    need: 'operator',
  },
  {
    id: 'alerts-queue',
    title: 'The alert queue',
    body: () =>
      'Open alerts first, the most severe first. Filters (status, severity, rule, assignee) stay in the address.',
    target: 'alerts-table',
    path: () => '/alerts',
  },
  {
    id: 'alerts-open',
    title: 'Open the alert',
    body: (t) => `Click the critical ${ruleName(t)} alert to open it.`,
    target: 'alerts-table',
    path: () => '/alerts',
    doneAt: (w) => matchPath('/alerts/:alertId', w.pathname) !== null,
  },
  {
    id: 'alert-explanation',
    title: 'Why it fired',
    body: () =>
      'Each condition of the rule with the value this payment had when it fired: the amount under 5.00 and the count of payments on the card in ten minutes. The rule version that fired is named too.',
    target: 'alert-explanation',
    path: alertPath,
  },
  {
    id: 'alert-acknowledge',
    title: 'Acknowledge it',
    body: () =>
      'Press Acknowledge so nobody else works the same alert. Resolve it later as confirmed fraud or a false positive: resolutions make backtests more exact.',
    target: 'alert-actions',
    path: alertPath,
    need: 'operator',
    doneWhen: 'alert-acknowledged',
  },
  {
    id: 'rule',
    title: 'The rule that fired',
    body: (t) =>
      `${ruleName(t)}: its condition, action, severity and mode, and its hits per day. Rules created here or through the API are editable; rules declared as Kubernetes resources are read-only here.`,
    target: 'page-title',
    path: rulePath,
  },
  {
    id: 'rule-versions',
    title: 'Versions and the resource',
    body: () =>
      'Every save is a new version, and alerts name the version that fired; roll back to any of them. A shadow rule is compared with the live one here, and the rule resource is the same rule as YAML for GitOps.',
    target: 'rule-tabs',
    path: rulePath,
  },
  {
    id: 'rule-backtest',
    title: 'Backtest before you trust it',
    body: () =>
      'Operators run the draft over stored payments of the last day, week or month: hits per day, examples with the values the rule saw, and precision and recall against alerts people resolved. Change the condition and the saved version runs beside the draft, with the payments only one of them hits.',
    target: 'backtest-panel',
    path: (t) => (t.ruleId ? `/rules/${t.ruleId}/edit` : '/rules/new'),
  },
  {
    id: 'audit',
    title: 'The audit trail',
    body: () =>
      'Every change to this payment — and to alerts, rules, users and settings — with who, why, and the values before and after, in hash chains that show tampering.',
    target: 'audit-table',
    path: (t) => (t.paymentId ? `/audit?resource_id=${t.paymentId}` : '/audit'),
  },
  {
    id: 'batch-jobs',
    title: 'Batch jobs',
    body: () =>
      'Backtests run as batch jobs, like replays, backfills, reconciliations and exports: over a time window, in checkpointed chunks, with their progress.',
    target: 'page-title',
    path: () => '/batch-jobs',
  },
  {
    id: 'worker-pools',
    title: 'The workers behind it',
    body: () =>
      'Worker pools apply the payment events from the queue exactly once and scale with its backlog. Dead letters — events that could not apply — wait here with their reason.',
    target: 'page-title',
    path: () => '/worker-pools',
  },
  {
    id: 'health',
    title: 'System health',
    body: () =>
      'Every PayFlow process and what it depends on, with one score. Look here when a number looks wrong.',
    target: 'health-summary',
    path: () => '/health',
  },
  {
    id: 'settings',
    title: 'Make it yours',
    body: () =>
      'Theme, density, time zone and start page, saved to your account and applied on every device.',
    target: 'page-title',
    path: () => '/settings',
  },
  {
    id: 'users',
    title: 'Bring in your team',
    body: () =>
      'Admins give each person a role here: viewers read, operators act on payments and alerts, admins manage rules, people and keys.',
    target: 'page-title',
    path: () => '/settings/users',
    need: 'admin',
  },
  {
    id: 'help',
    title: 'Help is always here',
    body: () =>
      'The ? beside every page title opens its article, the help center is searchable, and this menu restarts the tour. That is the tour: you are ready.',
    target: 'help-menu',
    path: () => '/dashboard',
  },
];

/** The indexes (into TOUR_STEPS) of the steps for a role, in order. */
export function stepsFor(role: UserRole | undefined): number[] {
  return TOUR_STEPS.flatMap((s, i) => (roleAtLeast(role, s.need ?? 'viewer') ? [i] : []));
}

/** The step for `role` at or after `index` (a stored step a role cannot do moves on). */
export function nearestStep(role: UserRole | undefined, index: number): number | undefined {
  return stepsFor(role).find((i) => i >= index);
}

/** True when the user is where the step is shown: its path, and each query parameter it names. */
export function isAt(step: TourStep, where: Where, t: Thread): boolean {
  const [path = '', query = ''] = step.path(t).split('?');
  if (where.pathname !== path) return false;
  const have = new URLSearchParams(where.search);
  return [...new URLSearchParams(query)].every(([k, v]) => have.get(k) === v);
}
