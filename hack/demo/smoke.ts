// The demo's smoke check (PAYFLOW_DEMO_SMOKE=1): the same start-up, then proof that every part
// works together, through the same URLs and token the demo prints.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { processorEvent, type ApiClient, type Page, type Payment } from './client.ts';
import { applyManifests, readManifests } from './kube.ts';
import { ROOT } from './product.ts';

const run = promisify(execFile);

export interface SmokeContext {
  /** The API with the token the demo printed. */
  api: ApiClient;
  seededPayments: number;
  metrics: { name: string; url: string }[];
  kubeconfig: string | undefined;
  say: (line: string) => void;
}

/** Polls `check` until it returns a value; fails naming `what` after `timeoutMs`. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${String(timeoutMs / 1000)} s`);
    await sleep(250);
  }
}

async function seededData(c: SmokeContext): Promise<void> {
  const me = await c.api.get<{ email: string; role: string }>('/api/v1/users/me');
  const page = await c.api.get<Page<Payment>>('/api/v1/transactions?limit=5');
  const total = page.pagination.total ?? 0;
  const want = Math.min(c.seededPayments, 10_000);
  if (total < want || page.data.length === 0) {
    throw new Error(`the API lists ${String(total)} payments, expected at least the ${String(want)} seeded`);
  }
  c.say(`smoke: ok  the printed token is ${me.email} (${me.role}); the API lists ${String(total)} payments`);
}

async function eventApplied(c: SmokeContext): Promise<void> {
  const created = await c.api.post<Payment>('/api/v1/transactions', {
    merchant_id: 'acme-books',
    payer_id: 'payer_smoke',
    amount: '12.34',
    currency: 'USD',
  });
  await c.api.post('/api/v1/events', processorEvent(created, 'payment.authorized'));
  const moved = await eventually(
    `payment ${created.id} authorized by the worker`,
    async () => {
      const p = await c.api.get<Payment>(`/api/v1/transactions/${created.id}`);
      return p.current_state === 'authorized' ? p : undefined;
    },
    30_000,
  );
  c.say(
    `smoke: ok  payment ${moved.id} moved ${created.current_state} -> ${moved.current_state}: event sent through POST /api/v1/events, applied by the worker`,
  );
}

async function kubeRuleSynced(c: SmokeContext): Promise<void> {
  if (!c.kubeconfig) {
    c.say('smoke: skip  Kubernetes is not running, so no Rule resource was applied');
    return;
  }
  const sample = join(ROOT, 'manifests', 'samples', 'rule-high-value.yaml');
  // A description of this run's own: with data kept from an earlier start the rule is in the API
  // already, so only the new description proves that this controller synced it now.
  const stamp = `smoke check ${new Date().toISOString()}`;
  const manifests = readManifests([sample]).map((o) => {
    const spec = (o as { spec?: { description?: string } }).spec;
    return spec ? { ...o, spec: { ...spec, description: `${spec.description ?? ''} (${stamp})` } } : o;
  });
  const [applied] = await applyManifests(c.kubeconfig, manifests);
  const name = `${applied?.metadata?.namespace ?? 'default'}/${applied?.metadata?.name ?? '?'}`;
  const started = Date.now();
  const rule = await eventually(
    `Rule ${name} in GET /api/v1/rules with this run's description`,
    async () => {
      const page = await c.api.get<Page<{ name: string; source: string; description?: string | null }>>(
        '/api/v1/rules?source=kubernetes',
      );
      return page.data.find((r) => r.name === name && (r.description ?? '').includes(stamp));
    },
    20_000,
  );
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  c.say(
    `smoke: ok  Rule ${rule.name} applied to the kube-apiserver is in the API's rules (source ${rule.source}) after ${secs} s`,
  );
}

async function metricsServed(c: SmokeContext): Promise<void> {
  for (const m of c.metrics) {
    const res = await fetch(m.url, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('# HELP')) {
      throw new Error(`${m.name} metrics at ${m.url} answered ${String(res.status)}`);
    }
  }
  c.say(`smoke: ok  metrics served by ${c.metrics.map((m) => m.name).join(', ')}`);
}

/**
 * The scripts the console's page starts: the classic boot script, and the main bundle, which the
 * page preloads and the boot script runs (a plain module script if the page was built without one).
 */
export function consoleScripts(html: string): { boot?: string; main?: string } {
  const boot = /<script src="(\/assets\/boot-[^"]+\.js)"><\/script>/.exec(html)?.[1];
  const main =
    /<link rel="modulepreload" crossorigin href="(\/assets\/[^"]+\.js)" data-payflow-main>/.exec(html)?.[1] ??
    /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  return { boot, main };
}

/** The console: the API's origin answers a browser with the built page and its scripts. */
async function consoleServed(c: SmokeContext): Promise<void> {
  const res = await fetch(`${c.api.base}/payments`, {
    headers: { accept: 'text/html,application/xhtml+xml' },
    signal: AbortSignal.timeout(5000),
  });
  const html = await res.text();
  const { boot, main: script } = consoleScripts(html);
  if (res.status !== 200 || !html.includes('<div id="root">') || !script) {
    throw new Error(
      `the console at ${c.api.base}/ answered ${String(res.status)} without the console's page`,
    );
  }
  for (const src of boot ? [boot, script] : [script]) {
    const js = await fetch(`${c.api.base}${src}`, { signal: AbortSignal.timeout(5000) });
    if (js.status !== 200 || !js.headers.get('cache-control')?.includes('immutable')) {
      throw new Error(`the console's script ${src} answered ${String(js.status)}`);
    }
  }
  c.say(`smoke: ok  console served at ${c.api.base}/ (deep link /payments, script ${script})`);
}

/** The environment without any stack variable: the tools must find the demo by its file. */
function withoutStack(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => !/^(DATABASE_URL|REDIS_URL|SQS_|PAYFLOW_API_)/.test(k)),
  );
}

/** `payflow stack` (the operator tools) finds the demo through its stack.json and reaches it all. */
async function toolsFindDemo(c: SmokeContext): Promise<void> {
  const { stdout } = await run(
    process.execPath,
    [join(ROOT, 'hack', 'tools', 'payflow.ts'), 'stack', '--json'],
    {
      env: withoutStack(process.env),
      timeout: 30_000,
    },
  ).catch((err: unknown) => {
    const out = (err as { stdout?: string; stderr?: string }).stderr ?? String(err);
    throw new Error(`payflow stack failed: ${out}`);
  });
  const r = JSON.parse(stdout) as {
    stack: { described: string };
    checks: { service: string; status: string }[];
  };
  const bad = r.checks.filter((x) => x.status !== 'ok');
  if (!r.stack.described.startsWith('the local demo') || bad.length > 0)
    throw new Error(
      `payflow stack: ${r.stack.described}; ${bad.map((b) => `${b.service} ${b.status}`).join(', ')}`,
    );
  c.say(
    `smoke: ok  payflow stack finds ${r.stack.described}: ${r.checks.map((x) => x.service).join(', ')} answer`,
  );
}

/** Runs every check; throws on the first that fails. */
export async function smoke(c: SmokeContext): Promise<void> {
  await seededData(c);
  await eventApplied(c);
  await kubeRuleSynced(c);
  await metricsServed(c);
  await consoleServed(c);
  await toolsFindDemo(c);
  c.say('smoke: passed');
}
