// `npm start`: the whole product as a local demo, in the foreground, until Ctrl-C.
//
//   1. the services of the test environment on free loopback ports: PostgreSQL, Redis, an
//      SQS-compatible endpoint with the product's queues, etcd and kube-apiserver;
//   2. the schema (the product's migrations) and demo data: payments over the last weeks,
//      users with a known password;
//   3. the console's production build (when its sources changed), the API serving it, the worker
//      (with the outbox relay) and, when Kubernetes runs, the controller after the CRDs are
//      installed;
//   4. rules and an API key through the API, then live traffic: a payment every second and
//      processor events that move earlier payments along;
//   5. a summary of URLs, sign-in, a token and examples.
//
// PAYFLOW_DEMO_SMOKE=1 (or --smoke) checks that the parts work together, then stops (exit 0 or 1).
// Other settings: PAYFLOW_DEMO_API_PORT (8080; 0: any free port; a busy port falls back to a free
// one), PAYFLOW_DEMO_KUBE=0 (no Kubernetes, no controller), PAYFLOW_DEMO_PAYMENTS (3000),
// PAYFLOW_DEMO_PASSWORD (payflow-demo), PAYFLOW_DEMO_KEEP=1 (keep the folder with data and logs).
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../console-build.ts';
import { ensureKubeBinaries } from '../testenv/binaries.ts';
import { createDatabase, startTestEnv, type TestEnv } from '../testenv/index.ts';
import type { Service } from '../testenv/proc.ts';
import { banner } from './banner.ts';
import { ApiClient } from './client.ts';
import { installProductCrds } from './kube.ts';
import { entry } from './product.ts';
import { pickPort, startNode, stopNode, tail, waitReady } from './processes.ts';
import { DEMO_RULES, DEMO_USERS, migrateDatabase, seed, type SeedSummary } from './seed.ts';
import { smoke, type SmokeContext } from './smoke.ts';
import { Traffic } from './traffic.ts';

interface Options {
  smoke: boolean;
  apiPort: number;
  kube: boolean;
  keep: boolean;
  password: string;
  payments: number;
}

const TOKEN_TTL_SECONDS = 3600;
const SEED_DAYS = 28;

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
    keep: env.PAYFLOW_DEMO_KEEP === '1',
    password,
    payments: intSetting('PAYFLOW_DEMO_PAYMENTS', 3000, 1_000_000),
  };
}

const say = (line: string): void => {
  console.log(line);
};

/** Everything the demo started, for stopping it in order. */
interface Running {
  env: TestEnv | undefined;
  processes: Service[];
  traffic: Traffic | undefined;
  stopping: boolean;
}

class StopRequested extends Error {}

const running: Running = { env: undefined, processes: [], traffic: undefined, stopping: false };
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

async function withoutKube(o: Options, problem: string): Promise<TestEnv> {
  say(`! Kubernetes cannot start, so the demo runs WITHOUT it and without the controller:\n  ${problem}`);
  return startTestEnv({ kube: false, keep: o.keep, log: indented });
}

/**
 * The test environment; without Kubernetes (and so without the controller) when etcd and
 * kube-apiserver cannot be built or started.
 */
async function startServices(o: Options): Promise<{ env: TestEnv; kubeProblem: string | undefined }> {
  if (!o.kube)
    return { env: await withoutKube(o, 'PAYFLOW_DEMO_KUBE=0'), kubeProblem: 'PAYFLOW_DEMO_KUBE=0' };
  try {
    // Built from Go modules once (several minutes), then cached.
    await ensureKubeBinaries(indented);
  } catch (err) {
    checkpoint();
    return { env: await withoutKube(o, reasonOf(err)), kubeProblem: reasonOf(err) };
  }
  try {
    return { env: await startTestEnv({ keep: o.keep, log: indented }), kubeProblem: undefined };
  } catch (err) {
    checkpoint();
    // The message names the folder kept with the services' logs.
    const env = await withoutKube(o, err instanceof Error ? err.message : String(err));
    return { env, kubeProblem: reasonOf(err) };
  }
}

function jwtPrivateKey(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

interface Plan {
  env: TestEnv;
  databaseUrl: string;
  logDir: string;
  /** The admin's password, in a file readable by this user only (as a mounted secret would be). */
  adminPasswordFile: string;
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

/** What the API and the worker both read: the database, Redis and the queues. */
function servicesEnv(p: Plan): Record<string, string> {
  const i = p.env.info;
  return {
    DATABASE_URL: p.databaseUrl,
    REDIS_URL: i.redis.url,
    AWS_REGION: i.sqs.region,
    SQS_ENDPOINT: i.sqs.endpoint,
    SQS_EVENTS_QUEUE_URL: i.sqs.queues.events,
    SQS_EVENTS_DLQ_URL: i.sqs.queues.eventsDlq,
    SQS_UPDATES_QUEUE_URL: i.sqs.queues.updates,
    LOG_LEVEL: 'info',
  };
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
    JWT_PRIVATE_KEY: jwtPrivateKey(),
    ACCESS_TOKEN_TTL_SECONDS: String(TOKEN_TTL_SECONDS),
    APP_BASE_URL: url,
    // As an install: the first admin from the configuration (its password in a file, as a
    // mounted secret), everyone else by invitation. The demo sends no mail (no SMTP_URL), so its
    // other people are the seeded operator and viewer.
    SIGNUP_POLICY: 'invite',
    ADMIN_EMAIL: DEMO_USERS[0].email,
    ADMIN_NAME: DEMO_USERS[0].name,
    ADMIN_PASSWORD_FILE: p.adminPasswordFile,
  });
}

async function startWorker(p: Plan): Promise<string> {
  return launch(p, 'worker', p.workerPort, {
    ...servicesEnv(p),
    METRICS_PORT: String(p.workerPort),
    METRICS_HOST: '127.0.0.1',
    // A demo: short polls and backoffs, rules picked up within a second, a quick stop.
    WAIT_TIME_SECONDS: '2',
    BACKOFF_BASE_SECONDS: '0.5',
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
    AWS_REGION: p.env.info.sqs.region,
    SQS_ENDPOINT: p.env.info.sqs.endpoint,
    HEALTH_PORT: String(p.controllerPort),
    HEALTH_HOST: '127.0.0.1',
    RULE_HITS_REFRESH_SECONDS: '10',
    LOG_LEVEL: 'info',
  });
}

async function prepareDatabase(env: TestEnv, o: Options): Promise<{ url: string; seeded: SeedSummary }> {
  const url = await createDatabase(env.info.postgres.url, 'payflow');
  say(`  migrations: ${await migrateDatabase(url)}`);
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

/** Signs in as the demo admin, creates the rules and the traffic's API key through the API. */
async function configure(apiUrl: string, password: string): Promise<{ token: string; apiKey: string }> {
  const anonymous = new ApiClient(apiUrl);
  const signedIn = await anonymous.login(DEMO_USERS[0].email, password);
  const admin = anonymous.withCredential(signedIn.accessToken);
  for (const rule of DEMO_RULES) await admin.post('/api/v1/rules', rule);
  const key = await admin.post<{ key: string }>('/api/v1/api-keys', {
    name: 'demo-traffic',
    role: 'operator',
  });
  return { token: signedIn.accessToken, apiKey: key.key };
}

/** What the smoke check needs of a started demo. */
type Started = Omit<SmokeContext, 'say'>;

async function up(o: Options): Promise<Started> {
  const t0 = Date.now();
  say(`Starting PayFlow${o.smoke ? ' (smoke check)' : ''}: services…`);
  const { env, kubeProblem } = await startServices(o);
  running.env = env;
  checkpoint();
  say(`  services up: ${env.info.dir}`);
  const db = await prepareDatabase(env, o);
  checkpoint();
  const logDir = join(env.info.dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const adminPasswordFile = join(env.info.dir, 'admin-password');
  writeFileSync(adminPasswordFile, o.password, { mode: 0o600 });
  const plan: Plan = {
    env,
    databaseUrl: db.url,
    logDir,
    adminPasswordFile,
    apiPort: await pickPort(o.apiPort),
    workerPort: await pickPort(9464),
    controllerPort: await pickPort(8081),
  };
  const kubeconfig = env.info.kube?.kubeconfig;
  await ensureConsoleBuilt(indented);
  checkpoint();
  say(`Starting the API (with the console), the worker${kubeconfig ? ' and the controller' : ''}…`);
  const apiUrl = await startApi(plan);
  const workerUrl = await startWorker(plan);
  const metrics = [
    { name: 'api', url: `${apiUrl}/metrics` },
    { name: 'worker', url: `${workerUrl}/metrics` },
  ];
  if (kubeconfig)
    metrics.push({ name: 'controller', url: `${await startController(plan, kubeconfig)}/metrics` });
  checkpoint();
  const { token, apiKey } = await configure(apiUrl, o.password);
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
      kubeconfig,
      kubeProblem,
      services: { database: db.url, redis: env.info.redis.url, sqs: env.info.sqs.endpoint },
      logDir,
      seeded: db.seeded,
      ruleCount: DEMO_RULES.length,
      smoke: o.smoke,
    }),
  );
  say(`(started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return { api: new ApiClient(apiUrl, token), seededPayments: db.seeded.payments, metrics, kubeconfig };
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

/** Stops in order: traffic, the product's processes, then the services. */
async function down(): Promise<void> {
  running.stopping = true;
  await running.traffic?.stop();
  await Promise.all(running.processes.map(async (s) => stopNode(s)));
  if (!running.env) return;
  say(`Stopping the services${running.env.kube ? ' (kube-apiserver can take ten seconds)' : ''}…`);
  await running.env.stop();
}

function reportTraffic(): void {
  const s = running.traffic?.stats;
  if (!s) return;
  const errors = s.errors > 0 ? `; ${String(s.errors)} failed requests, last: ${s.lastError ?? ''}` : '';
  say(`traffic: ${String(s.payments)} payments created, ${String(s.events)} events sent${errors}`);
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
