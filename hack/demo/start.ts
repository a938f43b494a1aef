// `npm start`: the whole product as a local demo, in the foreground, until Ctrl-C.
//
//   1. the services (services.ts): the configured ones (DATABASE_URL, REDIS_URL, SQS_ENDPOINT,
//      KUBECONFIG), else embedded PostgreSQL and an SQS-compatible endpoint with the product's
//      queues, both keeping their data in the demo folder; no Redis;
//   2. the schema (the product's migrations) and, into an empty database, demo data: payments
//      over the last weeks, users with a known password;
//   3. the console's production build (when its sources changed), the API serving it and the
//      worker (with the outbox relay);
//   4. rules and an API key through the API, then live traffic: a payment every second and
//      processor events that move earlier payments along;
//   5. a summary of URLs, sign-in, a token and examples;
//   6. Kubernetes in the background, once the console is usable: with KUBECONFIG, that cluster;
//      else etcd and kube-apiserver built from Go modules (minutes the first time, then cached);
//      then the CRDs and the controller. Without Go the demo says so in one line.
//
// PAYFLOW_DEMO_SMOKE=1 (or --smoke) checks that the parts work together, then stops (exit 0 or 1);
// it waits for Kubernetes before its checks. `--reset` (PAYFLOW_DEMO_RESET=1) starts from an
// empty demo folder. Other settings: PAYFLOW_DEMO_DATA (the demo folder, .payflow/demo),
// PAYFLOW_DEMO_API_PORT (8080; 0: any free port; a busy port falls back to a free one),
// PAYFLOW_DEMO_KUBE=0 (no Kubernetes, no controller), PAYFLOW_DEMO_PAYMENTS (3000),
// PAYFLOW_DEMO_PASSWORD (payflow-demo).
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../console-build.ts';
import { ensureKubeBinaries } from '../testenv/binaries.ts';
import { startKube, type KubeInstance } from '../testenv/kube.ts';
import type { Service } from '../testenv/proc.ts';
import { banner, kubeLines } from './banner.ts';
import { ApiClient } from './client.ts';
import { installProductCrds } from './kube.ts';
import { entry } from './product.ts';
import { pickPort, startNode, stopNode, tail, waitReady } from './processes.ts';
import { DEMO_RULES, DEMO_USERS, migrateDatabase, seed, type SeedSummary } from './seed.ts';
import { startGoogleStandIn, type GoogleStandIn } from './google-standin.ts';
import { demoBatchJobs, workFirstAlerts } from './history.ts';
import { startMailbox, type Mailbox } from './mailbox.ts';
import { startDemoServices, type DemoServices } from './services.ts';
import { removeStackFile, writeStackFile } from './stack-file.ts';
import { smoke, type SmokeContext } from './smoke.ts';
import { Traffic } from './traffic.ts';

interface Options {
  smoke: boolean;
  apiPort: number;
  kube: boolean;
  reset: boolean;
  password: string;
  payments: number;
}

const TOKEN_TTL_SECONDS = 3600;
/** Four months of history: enough for the 30-day views and for month-on-month comparisons. */
const SEED_DAYS = 120;

function intSetting(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new Error(`${name} must be an integer from 0 to ${String(max)}`);
  return n;
}

function options(): Options {
  const env = process.env;
  const password = env.PAYFLOW_DEMO_PASSWORD ?? 'payflow-demo';
  if (password.length < 8) throw new Error('PAYFLOW_DEMO_PASSWORD must be at least 8 characters');
  return {
    smoke: env.PAYFLOW_DEMO_SMOKE === '1' || process.argv.includes('--smoke'),
    apiPort: intSetting('PAYFLOW_DEMO_API_PORT', 8080, 65_535),
    kube: env.PAYFLOW_DEMO_KUBE !== '0',
    reset: env.PAYFLOW_DEMO_RESET === '1' || process.argv.includes('--reset'),
    password,
    payments: intSetting('PAYFLOW_DEMO_PAYMENTS', 3000, 1_000_000),
  };
}

const say = (line: string): void => {
  console.log(line);
};

/** Everything the demo started, for stopping it in order. */
interface Running {
  services: DemoServices | undefined;
  mailbox: Mailbox | undefined;
  google: GoogleStandIn | undefined;
  kube: KubeInstance | undefined;
  processes: Service[];
  traffic: Traffic | undefined;
  stopping: boolean;
}

class StopRequested extends Error {}

const running: Running = {
  services: undefined,
  mailbox: undefined,
  google: undefined,
  kube: undefined,
  processes: [],
  traffic: undefined,
  stopping: false,
};
let requestStop: (code: number) => void = () => undefined;
const stopRequested = new Promise<number>((resolve) => {
  requestStop = resolve;
});

function checkpoint(): void {
  if (running.stopping) throw new StopRequested('stopped while starting');
}

/** An error's message in one line: the reasons of a failed start-up rather than its heading. */
function reasonOf(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split('\n')
    .map((l) => l.trim().replace(/^Error: /, ''))
    .filter((l) => l !== '');
  return lines.length > 1 ? lines.slice(1).join('; ') : (lines[0] ?? 'unknown');
}

const indented = (m: string): void => {
  say(`  ${m}`);
};

/** Where the controller's cluster is: KUBECONFIG, or etcd and kube-apiserver started here. */
type Kube = { kubeconfig: string; problem?: undefined } | { kubeconfig?: undefined; problem: string };

async function startKubernetes(o: Options, plan: Plan): Promise<Kube> {
  const configured = process.env.KUBECONFIG;
  if (configured) return { kubeconfig: configured };
  if (!o.kube) return { problem: 'PAYFLOW_DEMO_KUBE=0' };
  try {
    // Built from Go modules once (several minutes), then cached.
    await ensureKubeBinaries(indented);
  } catch (err) {
    return { problem: reasonOf(err) };
  }
  checkpoint();
  // In the demo folder: etcd keeps the custom resources, as PostgreSQL keeps the rules they made.
  const dir = join(plan.services.dataDir, 'kube');
  mkdirSync(dir, { recursive: true });
  try {
    running.kube = await startKube(dir, indented);
    return { kubeconfig: running.kube.kubeconfig };
  } catch (err) {
    return { problem: `${reasonOf(err)} (logs in ${dir})` };
  }
}

/** The API's signing key, kept in the demo folder so that a restart keeps the console signed in. */
function jwtPrivateKey(dataDir: string): string {
  const file = join(dataDir, 'jwt-signing-key.pem');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file, pem, { mode: 0o600 });
  return pem;
}

interface Plan {
  services: DemoServices;
  databaseUrl: string;
  logDir: string;
  /** The admin's password, in a file readable by this user only (as a mounted secret would be). */
  adminPasswordFile: string;
  password: string;
  mailbox: Mailbox;
  google: GoogleStandIn;
  apiPort: number;
  workerPort: number;
  controllerPort: number;
}

function watch(service: Service): void {
  running.processes.push(service);
  service.child.once('exit', (code, signal) => {
    if (running.stopping) return;
    say(`\n! ${service.name} exited unexpectedly (${signal ?? `code ${String(code)}`}); its log ends with:`);
    say(tail(service.logFile));
    requestStop(1);
  });
}

/** What the API and the worker both read: the database, Redis (if any) and the queues. */
function servicesEnv(p: Plan): Record<string, string> {
  const { sqs, redisUrl } = p.services;
  return {
    DATABASE_URL: p.databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    AWS_REGION: sqs.region,
    SQS_ENDPOINT: sqs.endpoint,
    SQS_EVENTS_QUEUE_URL: sqs.queues.events,
    SQS_EVENTS_DLQ_URL: sqs.queues.eventsDlq,
    SQS_UPDATES_QUEUE_URL: sqs.queues.updates,
    SQS_UPDATES_DLQ_URL: sqs.queues.updatesDlq,
    LOG_LEVEL: 'info',
  };
}

/** The discovery file the operator tools read (hack/tools: `payflow <tool>` finds the demo). */
function publishStack(p: Plan, apiUrl: string, apiToken?: string): void {
  const { sqs, redisUrl } = p.services;
  writeStackFile(p.services.dataDir, {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    databaseUrl: p.databaseUrl,
    redisUrl,
    region: sqs.region,
    sqsEndpoint: sqs.endpoint,
    queues: sqs.queues,
    apiUrl,
    ...(apiToken === undefined ? {} : { apiToken }),
  });
}

/** Starts one product process, watches it, and waits until its /readyz answers; its base URL. */
async function launch(p: Plan, name: string, port: number, env: Record<string, string>): Promise<string> {
  const url = `http://127.0.0.1:${String(port)}`;
  const service = startNode({
    name,
    script: entry(name, 'src', 'main.ts'),
    logFile: join(p.logDir, `${name}.log`),
    env,
  });
  watch(service);
  await waitReady(service, `${url}/readyz`);
  return url;
}

async function startApi(p: Plan): Promise<string> {
  const url = `http://127.0.0.1:${String(p.apiPort)}`;
  return launch(p, 'api', p.apiPort, {
    ...servicesEnv(p),
    PORT: String(p.apiPort),
    HOST: '127.0.0.1',
    JWT_PRIVATE_KEY: jwtPrivateKey(p.services.dataDir),
    ACCESS_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    APP_BASE_URL: url,
    // As an install, the first admin comes from the configuration (its password in a file, as a
    // mounted secret). Unlike one, anybody may sign up (and becomes a viewer once verified): the
    // demo shows the whole sign-up → verify → sign-in path, its mail landing in the demo mailbox.
    SIGNUP_POLICY: 'open',
    SIGNUP_ROLE: 'viewer',
    ADMIN_EMAIL: DEMO_USERS[0].email,
    ADMIN_NAME: DEMO_USERS[0].name,
    ADMIN_PASSWORD_FILE: p.adminPasswordFile,
    SMTP_URL: p.mailbox.smtpUrl,
    EMAIL_FROM: 'PayFlow demo <no-reply@payflow.local>',
    DEMO_SIGN_IN: `${DEMO_USERS[0].email} ${p.password}`,
    DEMO_MAILBOX_URL: p.mailbox.url,
    // "Sign in with Google" against the stand-in (plain http is allowed for a loopback issuer only).
    OIDC_PROVIDER: 'google',
    OIDC_ISSUER: p.google.issuer,
    OIDC_CLIENT_ID: p.google.clientId,
    OIDC_CLIENT_SECRET: p.google.clientSecret,
    OIDC_REDIRECT_URI: `${url}/api/v1/auth/oauth/google/callback`,
    OIDC_ALLOW_INSECURE_HTTP: 'true',
  });
}

async function startWorker(p: Plan): Promise<string> {
  return launch(p, 'worker', p.workerPort, {
    ...servicesEnv(p),
    METRICS_PORT: String(p.workerPort),
    METRICS_HOST: '127.0.0.1',
    // A demo: short polls and backoffs, rules picked up within a second, a quick stop.
    WAIT_TIME_SECONDS: '2',
    // A first retry a second later (0.5 would round its visibility timeout to 0: again at once).
    BACKOFF_BASE_SECONDS: '1',
    BACKOFF_CAP_SECONDS: '5',
    PARK_HORIZON_SECONDS: '60',
    RULES_TTL_MS: '1000',
    HEARTBEAT_INTERVAL_MS: '2000',
    SHUTDOWN_TIMEOUT_MS: '5000',
  });
}

async function startController(p: Plan, kubeconfig: string): Promise<string> {
  const crds = await installProductCrds(kubeconfig);
  say(`  CRDs installed: ${crds.join(', ')}`);
  return launch(p, 'controller', p.controllerPort, {
    KUBECONFIG: kubeconfig,
    DATABASE_URL: p.databaseUrl,
    AWS_REGION: p.services.sqs.region,
    SQS_ENDPOINT: p.services.sqs.endpoint,
    HEALTH_PORT: String(p.controllerPort),
    HEALTH_HOST: '127.0.0.1',
    RULE_HITS_REFRESH_SECONDS: '10',
    LOG_LEVEL: 'info',
  });
}

async function prepareDatabase(
  services: DemoServices,
  o: Options,
): Promise<{ url: string; seeded: SeedSummary | undefined }> {
  const url = services.databaseUrl;
  say(`  migrations: ${await migrateDatabase(url)}`);
  if (!services.empty) {
    say('  demo data kept from an earlier start (npm start -- --reset starts over)');
    return { url, seeded: undefined };
  }
  const seeded = await seed({
    databaseUrl: url,
    payments: o.payments,
    days: SEED_DAYS,
    password: o.password,
  });
  const states = Object.entries(seeded.byState)
    .map(([s, n]) => `${s} ${String(n)}`)
    .join(', ');
  say(
    `  seeded ${String(seeded.payments)} payments (${states}), ${String(seeded.events)} events, ${String(seeded.users)} users`,
  );
  return { url, seeded };
}

/**
 * Signs in as the demo admin and, through the API, creates the rules that are missing and a new
 * API key for the traffic (revoking the keys of earlier starts): a restart adds nothing twice.
 */
async function configure(
  apiUrl: string,
  password: string,
  seeded: boolean,
): Promise<{ token: string; apiKey: string }> {
  const anonymous = new ApiClient(apiUrl);
  const signedIn = await anonymous.login(DEMO_USERS[0].email, password);
  const admin = anonymous.withCredential(signedIn.accessToken);
  const existing = await admin.get<{ data: { name: string }[] }>('/api/v1/rules?limit=200');
  const names = new Set(existing.data.map((r) => r.name));
  for (const rule of DEMO_RULES) if (!names.has(rule.name)) await admin.post('/api/v1/rules', rule);
  const keys = await admin.get<{ data: { id: string; name: string; revoked_at?: string | null }[] }>(
    '/api/v1/api-keys',
  );
  for (const k of keys.data)
    if (k.name === TRAFFIC_KEY && !k.revoked_at) await admin.call('DELETE', `/api/v1/api-keys/${k.id}`);
  const key = await admin.post<{ key: string }>('/api/v1/api-keys', { name: TRAFFIC_KEY, role: 'operator' });
  if (seeded) await history(admin, await signIn(anonymous, 'operator', password));
  return { token: signedIn.accessToken, apiKey: key.key };
}

const TRAFFIC_KEY = 'demo-traffic';

/** A seeded demo account of that role, signed in. */
async function signIn(anonymous: ApiClient, role: 'operator', password: string): Promise<ApiClient> {
  const user = DEMO_USERS.find((u) => u.role === role);
  if (!user) throw new Error(`no demo ${role}`);
  return anonymous.withCredential((await anonymous.login(user.email, password)).accessToken);
}

/**
 * On the start that seeded: finished batch jobs now, and the first alerts worked once raised, by
 * the operator (as an analyst on shift would; the admin's own checklist stays theirs to tick).
 */
async function history(admin: ApiClient, operator: ApiClient): Promise<void> {
  indented(`batch jobs: ${String(await demoBatchJobs(admin))} created (export, reconcile, backtest)`);
  void workFirstAlerts(operator, () => running.stopping).then(
    (n) => {
      if (n > 0) say(`demo: ${String(n)} of the first alerts resolved (a false positive, a confirmed fraud)`);
    },
    (err: unknown) => {
      if (!running.stopping) say(`demo: could not resolve the first alerts: ${reasonOf(err)}`);
    },
  );
}

/** What the smoke check needs of a started demo. */
type Started = Omit<SmokeContext, 'say'>;

/** The CRDs and the controller on a cluster; its metrics URL. */
async function controllerOn(plan: Plan, kubeconfig: string): Promise<string> {
  checkpoint();
  return `${await startController(plan, kubeconfig)}/metrics`;
}

/** Kubernetes, the CRDs and the controller, printed when up (or why not). */
async function kubernetesLater(o: Options, plan: Plan): Promise<void> {
  const kube = await startKubernetes(o, plan);
  checkpoint();
  if (!kube.kubeconfig) {
    say(`\nKubernetes: not started, so no controller (the rest runs without it): ${kube.problem}`);
    return;
  }
  const metrics = await controllerOn(plan, kube.kubeconfig);
  say(
    [
      '',
      'Kubernetes is up and the controller runs:',
      ...kubeLines(kube.kubeconfig),
      `  controller metrics: ${metrics}`,
      '',
    ].join('\n'),
  );
}

/** Kubernetes and the controller before going on (the smoke check); adds its metrics. */
async function kubernetesNow(
  o: Options,
  plan: Plan,
  metrics: { name: string; url: string }[],
): Promise<Kube> {
  say('Starting Kubernetes and the controller…');
  const kube = await startKubernetes(o, plan);
  if (kube.kubeconfig) metrics.push({ name: 'controller', url: await controllerOn(plan, kube.kubeconfig) });
  return kube;
}

async function up(o: Options): Promise<Started> {
  const t0 = Date.now();
  say(`Starting PayFlow${o.smoke ? ' (smoke check)' : ''}: services…`);
  const services = await startDemoServices({ reset: o.reset, log: indented });
  running.services = services;
  checkpoint();
  for (const line of Object.values(services.described)) indented(line);
  const mailbox = await startMailbox(join(services.dataDir, 'mail'));
  running.mailbox = mailbox;
  indented(`mailbox ${mailbox.url} (SMTP ${mailbox.smtpUrl})`);
  const db = await prepareDatabase(services, o);
  checkpoint();
  const logDir = join(services.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const adminPasswordFile = join(services.dataDir, 'admin-password');
  writeFileSync(adminPasswordFile, o.password, { mode: 0o600 });
  const apiPort = await pickPort(o.apiPort);
  const google = await startGoogleStandIn(
    `http://127.0.0.1:${String(apiPort)}/api/v1/auth/oauth/google/callback`,
  );
  running.google = google;
  indented(`Google stand-in (OpenID Connect) ${google.issuer}`);
  const plan: Plan = {
    services,
    databaseUrl: db.url,
    logDir,
    adminPasswordFile,
    password: o.password,
    mailbox,
    google,
    apiPort,
    workerPort: await pickPort(9464),
    controllerPort: await pickPort(8081),
  };
  await ensureConsoleBuilt(indented);
  checkpoint();
  say('Starting the API (with the console) and the worker…');
  const apiUrl = await startApi(plan);
  const workerUrl = await startWorker(plan);
  publishStack(plan, apiUrl);
  const metrics = [
    { name: 'api', url: `${apiUrl}/metrics` },
    { name: 'worker', url: `${workerUrl}/metrics` },
  ];
  checkpoint();
  const { token, apiKey } = await configure(apiUrl, o.password, db.seeded !== undefined);
  // Again with the traffic's operator key: the tools that call the API (loadtest, chaos) use it.
  publishStack(plan, apiUrl, apiKey);
  // The smoke check covers the controller too, so it waits for Kubernetes; the demo does not.
  const kube = o.smoke ? await kubernetesNow(o, plan, metrics) : undefined;
  checkpoint();
  running.traffic = new Traffic(new ApiClient(apiUrl, apiKey));
  running.traffic.start();
  say(
    banner({
      apiUrl,
      email: DEMO_USERS[0].email,
      password: o.password,
      otherUsers: DEMO_USERS.slice(1).map((u) => `${u.email} (${u.role})`),
      token,
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
      apiKey,
      metrics,
      kube: kube
        ? { kubeconfig: kube.kubeconfig, problem: kube.problem }
        : { pending: o.kube || process.env.KUBECONFIG !== undefined },
      services: services.described,
      mailboxUrl: mailbox.url,
      googleUrl: google.issuer,
      logDir,
      seeded: db.seeded,
      ruleCount: DEMO_RULES.length,
      smoke: o.smoke,
    }),
  );
  say(`(ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (!o.smoke)
    void kubernetesLater(o, plan).catch((err: unknown) => {
      if (running.stopping) return;
      say(`\n! Kubernetes or the controller failed to start (the rest keeps running): ${reasonOf(err)}`);
    });
  return {
    api: new ApiClient(apiUrl, token),
    seededPayments: db.seeded?.payments ?? 0,
    metrics,
    kubeconfig: kube?.kubeconfig,
  };
}

/** The smoke check, cut short when a process of the product exits or a signal stops the demo. */
async function runSmoke(started: Started): Promise<number> {
  const interrupted = new Promise<never>((_resolve, reject) => {
    void stopRequested.then((code) => {
      reject(
        new Error(code === 0 ? 'interrupted by a signal' : 'a process of the product exited (see above)'),
      );
    });
  });
  interrupted.catch(() => undefined);
  await Promise.race([smoke({ ...started, say }), interrupted]);
  return 0;
}

/** Runs until Ctrl-C (0) or until a process of the product exits (1). */
async function serve(): Promise<number> {
  const timer = setInterval(reportTraffic, 60_000);
  const code = await stopRequested;
  clearInterval(timer);
  reportTraffic();
  return code;
}

/** Stops in order: traffic, the product's processes, Kubernetes, then the services. */
async function down(): Promise<void> {
  running.stopping = true;
  if (running.services) removeStackFile(running.services.dataDir);
  await running.traffic?.stop();
  await Promise.all(running.processes.map(async (s) => stopNode(s)));
  if (running.kube) {
    say('Stopping Kubernetes (kube-apiserver can take ten seconds)…');
    await Promise.all([running.kube.apiserver.stop(), running.kube.etcd.stop()]);
  }
  await running.mailbox?.close();
  await running.google?.close();
  if (running.services) {
    say('Stopping the services…');
    await running.services.stop();
  }
}

function reportTraffic(): void {
  const s = running.traffic?.stats;
  if (!s) return;
  const errors = s.errors > 0 ? `; ${String(s.errors)} failed requests, last: ${s.lastError ?? ''}` : '';
  say(
    `traffic: ${String(s.payments)} payments created, ${String(s.events)} events sent (${String(s.duplicates)} delivered twice, ${String(s.reordered)} captures ahead of their authorization)${errors}`,
  );
}

function reportFailure(err: unknown, smokeMode: boolean): void {
  say(`\n${smokeMode ? 'smoke: FAILED' : 'FAILED'}: ${err instanceof Error ? err.message : String(err)}`);
  for (const s of running.processes) say(`--- last lines of ${s.logFile}:\n${tail(s.logFile)}`);
}

function onSignal(signal: string): void {
  if (running.stopping) {
    say(`${signal} again: stopping now, without waiting`);
    process.exit(130);
  }
  say(`\n${signal}: stopping PayFlow…`);
  running.stopping = true;
  requestStop(0);
}

async function main(): Promise<number> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let smokeMode = false;
  let code: number;
  try {
    const o = options();
    smokeMode = o.smoke;
    const started = await up(o);
    code = o.smoke ? await runSmoke(started) : await serve();
  } catch (err) {
    // Stopped by a signal while starting: what failed then is no failure of its own (a smoke
    // check that did not finish has failed, though).
    const interrupted = running.stopping || err instanceof StopRequested;
    code = interrupted && !smokeMode ? 0 : 1;
    if (code === 1) reportFailure(err, smokeMode);
  }
  await down();
  say(code === 0 ? 'PayFlow stopped.' : 'PayFlow stopped after a failure.');
  return code;
}

process.exit(await main());
