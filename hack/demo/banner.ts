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
  kubeconfig: string | undefined;
  /** Why Kubernetes (and so the controller) is not running, when it is not. */
  kubeProblem: string | undefined;
  services: { database: string; redis: string; sqs: string };
  logDir: string;
  seeded: SeedSummary;
  ruleCount: number;
  /** A smoke check runs instead of waiting for Ctrl-C. */
  smoke: boolean;
}

const rel = (path: string): string => relative(process.cwd(), path) || '.';

function kubeLines(i: DemoInfo): string[] {
  if (!i.kubeconfig) {
    return [
      `  not running: ${i.kubeProblem ?? 'unknown reason'}`,
      '  The controller is not started; the API, the worker and the traffic run without it.',
    ];
  }
  const apply = `hack/with-node node ${rel(`${ROOT}/hack/demo/apply.ts`)}`;
  return [
    `  export KUBECONFIG=${i.kubeconfig}`,
    '  Apply the samples without kubectl (server-side apply; Rules show up in GET /api/v1/rules):',
    `    KUBECONFIG=${i.kubeconfig} ${apply} ${rel(`${ROOT}/manifests/samples`)}`,
    `  With kubectl: kubectl --kubeconfig ${i.kubeconfig} apply -k ${rel(`${ROOT}/manifests/samples`)}`,
  ];
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
  const s = i.seeded;
  const width = Math.max(...i.metrics.map((m) => m.name.length));
  return [
    '',
    '================================================================================',
    'PayFlow demo is running',
    '================================================================================',
    `Console:  ${i.apiUrl}/   (open it in a browser and sign in with the login below)`,
    `API:      ${i.apiUrl}`,
    `OpenAPI:  ${i.apiUrl}/api/v1/openapi.json`,
    `Login:    ${i.email} / ${i.password}   (the console's sign-in, or POST /api/v1/auth/login)`,
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
    ...kubeLines(i),
    '',
    `Data:     ${String(s.payments)} payments seeded over the last weeks (${String(s.events)} events), ${String(s.users)} users, ${String(i.ruleCount)} rules`,
    '          live traffic: a new payment every second, and processor events that move earlier ones',
    `Services: ${i.services.database}  ${i.services.redis}  SQS ${i.services.sqs}`,
    `Logs:     ${i.logDir}`,
    '',
    i.smoke ? 'Smoke check: the checks run now, then everything stops.' : 'Press Ctrl-C to stop everything.',
    '',
  ].join('\n');
}
