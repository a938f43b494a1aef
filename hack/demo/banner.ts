// What the demo prints once everything runs: where the API is, how to sign in, a token ready
// for curl, the metrics of each process, the kubeconfig, and how to stop.
import { relative } from 'node:path';
import { ROOT } from './product.ts';
import type { SeedSummary } from './seed.ts';

export interface DemoInfo {
  apiUrl: string;
  email: string;
  password: string;
  otherUsers: string[];
  token: string;
  tokenTtlSeconds: number;
  apiKey: string;
  metrics: { name: string; url: string }[];
  /**
   * Kubernetes: its kubeconfig, or why it (and so the controller) is not running, or that it
   * comes up in the background (and is printed then).
   */
  kube: { kubeconfig?: string | undefined; problem?: string | undefined } | { pending: boolean };
  services: { database: string; redis: string; sqs: string };
  /** The demo mailbox: the mail the API sends lands there. */
  mailboxUrl: string;
  /** The OpenID Connect provider standing in for Google. */
  googleUrl: string;
  logDir: string;
  /** What was seeded this start; undefined when the data was kept from an earlier one. */
  seeded: SeedSummary | undefined;
  ruleCount: number;
  /** A smoke check runs instead of waiting for Ctrl-C. */
  smoke: boolean;
}

const rel = (path: string): string => relative(process.cwd(), path) || '.';

/** How to reach the cluster and apply the samples. */
export function kubeLines(kubeconfig: string): string[] {
  const apply = `hack/with-node node ${rel(`${ROOT}/hack/demo/apply.ts`)}`;
  return [
    `  export KUBECONFIG=${kubeconfig}`,
    '  Apply the samples without kubectl (server-side apply; Rules show up in GET /api/v1/rules):',
    `    KUBECONFIG=${kubeconfig} ${apply} ${rel(`${ROOT}/manifests/samples`)}`,
    `  With kubectl: kubectl --kubeconfig ${kubeconfig} apply -k ${rel(`${ROOT}/manifests/samples`)}`,
  ];
}

function kubeSection(k: DemoInfo['kube']): string[] {
  if ('pending' in k) {
    return k.pending
      ? ['  starting in the background (the first start builds kube-apiserver: minutes); printed when up']
      : ['  not started (PAYFLOW_DEMO_KUBE=0): no controller; the rest runs without it'];
  }
  if (k.kubeconfig) return kubeLines(k.kubeconfig);
  return [
    `  not running: ${k.problem ?? 'unknown reason'}`,
    '  The controller is not started; the API, the worker and the traffic run without it.',
  ];
}

function dataLine(i: DemoInfo): string {
  const s = i.seeded;
  if (!s)
    return `Data:     kept from an earlier start (npm start -- --reset starts over), ${String(i.ruleCount)} demo rules`;
  return `Data:     ${String(s.payments)} payments seeded over the last weeks (${String(s.events)} events), ${String(s.users)} users, ${String(i.ruleCount)} rules`;
}

function curlLines(api: string): string[] {
  const auth = '-H "Authorization: Bearer $TOKEN"';
  return [
    `  curl -s ${auth} '${api}/api/v1/transactions?limit=5'`,
    `  curl -s ${auth} '${api}/api/v1/alerts?status=open'`,
    `  curl -s ${auth} ${api}/api/v1/rules`,
    `  curl -s ${auth} ${api}/api/v1/queue/stats`,
    `  curl -s -X POST ${auth} -H "Idempotency-Key: $(date +%s%N)" -H 'Content-Type: application/json' \\`,
    `       -d '{"merchant_id":"acme-books","payer_id":"payer_0001","amount":"42.00","currency":"USD"}' \\`,
    `       ${api}/api/v1/transactions`,
  ];
}

export function banner(i: DemoInfo): string {
  const width = Math.max(...i.metrics.map((m) => m.name.length));
  return [
    '',
    '================================================================================',
    'PayFlow demo is running',
    '================================================================================',
    `Console:  ${i.apiUrl}/   (open it in a browser and sign in with the login below)`,
    `API:      ${i.apiUrl}`,
    `OpenAPI:  ${i.apiUrl}/api/v1/openapi.json`,
    `Mailbox:  ${i.mailboxUrl}   (the mail the product sends: sign-up verification, resets, invitations)`,
    `Google:   "Sign in with Google" goes to a stand-in on this machine (${i.googleUrl}): any address, no password`,
    `Login:    ${i.email} / ${i.password}   (filled in on the console's sign-in; or POST /api/v1/auth/login)`,
    `          also ${i.otherUsers.join(', ')} with the same password`,
    `Token:    export TOKEN=${i.token}`,
    `          (admin access token, valid ${String(Math.round(i.tokenTtlSeconds / 60))} minutes; log in again for a new one)`,
    `API key:  ${i.apiKey}   (operator; the live traffic uses it; works as a bearer token)`,
    '',
    'Try:',
    ...curlLines(i.apiUrl),
    '',
    'Metrics:',
    ...i.metrics.map((m) => `  ${m.name.padEnd(width)}  ${m.url}`),
    '',
    'Kubernetes:',
    ...kubeSection(i.kube),
    '',
    dataLine(i),
    '          live traffic: a new payment every second, and processor events that move earlier ones',
    `Services: ${i.services.database}`,
    `          ${i.services.sqs}`,
    `          ${i.services.redis}`,
    `Logs:     ${i.logDir}`,
    '',
    i.smoke ? 'Smoke check: the checks run now, then everything stops.' : 'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}
