// One chaos run against a running stack:
//   1. refuse what is not allowed (anything off loopback; a PostgreSQL restart of a server the
//      test environment or the demo did not start), check that each service answers;
//   2. make the run's queues and payments (through the API), plan their events;
//   3. start the run's own workers (and, for the faults that need them, a private Redis and a TCP
//      proxy in front of PostgreSQL), probe the API, send the events spread over the fault window
//      while the faults fire at seeded random moments;
//   4. wait for the queue to drain (bounded by the timeout), stop the workers, read the DLQ, and
//      check the invariants (checks.ts): green only if every one holds.
// Everything it started is stopped and its queues deleted, whatever happens.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { createSqsClient } from '../../../worker/src/sqs.ts';
import { Failed, ServiceUnreachable } from '../lib/errors.ts';
import { redact } from '../lib/stack.ts';
import { checkInvariants, type Check, type Figures } from './checks.ts';
import {
  crashRestartPostgres,
  PrivateRedis,
  Refused,
  restartableFolders,
  restartablePostgres,
} from './databases.ts';
import { WorkerFleet } from './fleet.ts';
import { assertLoopbackUrl } from './loopback.ts';
import { createPayments } from './payments.ts';
import { planEvents, type Plan } from './plan.ts';
import { ApiProber, type ProbeStats } from './probe.ts';
import { TcpProxy } from './proxy.ts';
import {
  createRunQueues,
  deleteRunQueues,
  drainDeadLetters,
  queueDepth,
  sendBodies,
  type RunQueues,
} from './queues.ts';
import { random, type Fault, type Scenario } from './scenario.ts';

export interface ChaosStack {
  readonly databaseUrl: string;
  readonly redisUrl?: string | undefined;
  readonly sqs: { readonly endpoint: string; readonly region: string };
  readonly apiUrl: string;
  /** An API key or access token with the operator role (payments are created through the API). */
  readonly apiToken: string;
  /** The local demo's folder, if the stack is the demo (its PostgreSQL may be restarted). */
  readonly demoDir?: string | undefined;
}

export interface FaultEvent {
  readonly atSeconds: number;
  readonly fault: Fault;
  readonly what: string;
}

export interface ChaosReport {
  readonly verdict: 'green' | 'red';
  readonly runId: string;
  readonly scenario: Record<string, unknown>;
  readonly checks: readonly Check[];
  readonly figures: Figures;
  readonly sent: { events: number; duplicates: number; poison: number; replayed: number; messages: number };
  readonly faults: {
    readonly kills: number;
    readonly redisRestarts: number;
    readonly postgresRestarts: number;
    readonly connectionDrops: number;
    readonly connectionsDropped: number;
    readonly latencyMs: number;
    readonly timeline: readonly FaultEvent[];
  };
  readonly workers: { started: number; killed: number; exitedOnTheirOwn: number };
  readonly api: ProbeStats;
  readonly drained: boolean;
  readonly seconds: { setup: number; faults: number; drain: number; total: number };
  /** Where the workers' logs are (kept when the verdict is red). */
  readonly logDir: string | undefined;
  readonly notes: readonly string[];
}

export interface ChaosOptions {
  readonly stack: ChaosStack;
  readonly scenario: Scenario;
  readonly log: (line: string) => void;
  /** Extra environment for the workers the run starts (tests use it for fault hooks). */
  readonly workerEnv?: Record<string, string>;
  /** Aborted (Ctrl-C): no more faults or waiting; the run cleans up and reports what it saw. */
  readonly signal?: AbortSignal;
  /** While the queue drains: events processed so far of those sent. */
  readonly onDrain?: (processed: number, total: number) => void;
}

const sleep = async (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Refusals first: nothing is created or started when any fails. */
function assertLoopback(stack: ChaosStack): void {
  assertLoopbackUrl('DATABASE_URL', stack.databaseUrl);
  assertLoopbackUrl('SQS_ENDPOINT', stack.sqs.endpoint);
  assertLoopbackUrl('the API URL', stack.apiUrl);
  if (stack.redisUrl) assertLoopbackUrl('REDIS_URL', stack.redisUrl);
}

async function reachable(stack: ChaosStack, sqs: SQSClient): Promise<void> {
  const client = new pg.Client({ connectionString: stack.databaseUrl, connectionTimeoutMillis: 5000 });
  let schema: string | null | undefined;
  try {
    await client.connect();
    schema = (await client.query<{ t: string | null }>("select to_regclass('processed_events')::text as t"))
      .rows[0]?.t;
  } catch (err) {
    throw new ServiceUnreachable('PostgreSQL', redact(stack.databaseUrl), new Error(reasonOf(err)));
  } finally {
    await client.end().catch(() => undefined);
  }
  if (!schema)
    throw new Failed(`PostgreSQL at ${redact(stack.databaseUrl)} has no PayFlow schema: npm run migrate`);
  try {
    await sqs.send(new ListQueuesCommand({ MaxResults: 1 }), { abortSignal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new ServiceUnreachable('SQS', stack.sqs.endpoint, new Error(reasonOf(err)));
  }
  let res: Response;
  try {
    res = await fetch(`${stack.apiUrl}/api/v1/transactions?limit=1&include_total=false`, {
      headers: { authorization: `Bearer ${stack.apiToken}` },
      signal: AbortSignal.timeout(5000),
    });
    await res.arrayBuffer();
  } catch (err) {
    throw new ServiceUnreachable('API', stack.apiUrl, new Error(reasonOf(err)));
  }
  if (res.status === 401 || res.status === 403)
    throw new Refused(
      `the API (${stack.apiUrl}) refused the token (${String(res.status)}): give an API key with the operator role`,
    );
}

/** Why a connection failed, in a few words: the cause's code (ECONNREFUSED) rather than "fetch failed". */
export function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const own = err instanceof Error ? err.message : String(err);
  return cause?.code ?? cause?.message ?? (own || 'no answer');
}

/** The workers' environment: the stack, the run's queues, short timings for a short run. */
function workerEnv(
  databaseUrl: string,
  redisUrl: string | undefined,
  stack: ChaosStack,
  q: RunQueues,
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    SQS_ENDPOINT: stack.sqs.endpoint,
    AWS_REGION: stack.sqs.region,
    SQS_EVENTS_QUEUE_URL: q.events,
    SQS_EVENTS_DLQ_URL: q.dlq,
    // The outbox relay and the batch jobs stay with the stack's own workers.
    RELAY_ENABLED: 'false',
    BATCH_POLL_MS: '0',
    CONCURRENCY: '4',
    DATABASE_POOL_MAX: '4',
    WAIT_TIME_SECONDS: '1',
    VISIBILITY_TIMEOUT: '5',
    MAX_RECEIVE_COUNT: String(MAX_RECEIVE_COUNT),
    // A retry waits at least a second: a 0.5 s base rounds the first visibility timeout to 0, and
    // fauxqs with persistence (the local demo's SQS) loses a message made visible again with 0.
    BACKOFF_BASE_SECONDS: '1',
    BACKOFF_CAP_SECONDS: '2',
    PARK_SWEEP_INTERVAL_MS: '250',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    HEARTBEAT_INTERVAL_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    RULES_TTL_MS: '1000',
    LOG_LEVEL: 'warn',
  };
}

/** High: a message is dead-lettered by the worker with a reason, not by SQS for being received often. */
const MAX_RECEIVE_COUNT = 100;

interface Running {
  readonly fleet: WorkerFleet;
  readonly proxy: TcpProxy | undefined;
  readonly redis: PrivateRedis | undefined;
  readonly timeline: FaultEvent[];
  readonly t0: number;
  drops: number;
  dropped: number;
  pgRestarts: number;
  replayed: number;
}

interface Step {
  readonly at: number;
  readonly fault: Fault;
  readonly run: () => Promise<string>;
}

type At = (lo: number, hi: number) => number;

function killSteps(s: Scenario, r: Running, at: At, rnd: () => number): Step[] {
  if (!s.faults.has('kill')) return [];
  return Array.from({ length: s.kills }, () => {
    const victim = Math.floor(rnd() * 1000);
    return {
      at: at(0.05, 0.85),
      fault: 'kill' as const,
      run: async () => `SIGKILL worker pid ${String(await r.fleet.killOne(victim))} (a new one started)`,
    };
  });
}

function storeSteps(o: ChaosOptions, r: Running, at: At): Step[] {
  const steps: Step[] = [];
  const redis = r.redis;
  if (o.scenario.faults.has('redis-restart') && redis)
    steps.push({
      at: at(0.25, 0.35),
      fault: 'redis-restart',
      run: async () => {
        await redis.restart(1500);
        return `private Redis on 127.0.0.1:${String(redis.port)} stopped, down 1.5 s, started again (empty)`;
      },
    });
  if (o.scenario.faults.has('postgres-restart'))
    steps.push({
      at: at(0.45, 0.55),
      fault: 'postgres-restart',
      run: async () => {
        const ms = await crashRestartPostgres(o.stack.databaseUrl, restartableFolders(o.stack.demoDir));
        r.pgRestarts++;
        return `PostgreSQL crash-restart (a server process SIGKILLed): answering again after ${(ms / 1000).toFixed(1)} s`;
      },
    });
  return steps;
}

function proxySteps(s: Scenario, r: Running, at: At): Step[] {
  const proxy = r.proxy;
  if (!proxy) return [];
  const steps: Step[] = [];
  const now = async (what: () => string): Promise<string> => Promise.resolve(what());
  if (s.faults.has('latency') && s.latencyMs > 0) {
    steps.push({
      at: at(0.1, 0.2),
      fault: 'latency',
      run: async () =>
        now(() => {
          proxy.setLatency(s.latencyMs);
          return `+${String(s.latencyMs)} ms on every worker ↔ PostgreSQL packet`;
        }),
    });
    steps.push({
      at: at(0.6, 0.7),
      fault: 'latency',
      run: async () =>
        now(() => {
          proxy.setLatency(0);
          return 'latency removed';
        }),
    });
  }
  if (s.faults.has('drop'))
    for (let d = 0; d < s.drops; d++)
      steps.push({
        at: at(0.1, 0.9),
        fault: 'drop',
        run: async () =>
          now(() => {
            const n = proxy.outage(500);
            r.drops++;
            r.dropped += n;
            return `${String(n)} worker connections to PostgreSQL reset, new ones refused for 0.5 s`;
          }),
      });
  return steps;
}

function replaySteps(r: Running, plan: Plan, at: At, send: (b: readonly string[]) => Promise<void>): Step[] {
  if (plan.replay.length === 0) return [];
  return [
    {
      at: at(0.55, 0.65),
      fault: 'replay',
      run: async () => {
        await send(plan.replay);
        r.replayed += plan.replay.length;
        return `replayed ${String(plan.replay.length)} events of the run's history, shuffled`;
      },
    },
  ];
}

/** Every fault of the scenario at a seeded random moment of the window, in time order. */
function schedule(
  o: ChaosOptions,
  r: Running,
  plan: Plan,
  send: (b: readonly string[]) => Promise<void>,
): Step[] {
  const w = o.scenario.faultWindowSeconds * 1000;
  const rnd = random(o.scenario.seed + 1);
  const at: At = (lo, hi) => Math.floor(w * (lo + (hi - lo) * rnd()));
  return [
    ...killSteps(o.scenario, r, at, rnd),
    ...storeSteps(o, r, at),
    ...proxySteps(o.scenario, r, at),
    ...replaySteps(r, plan, at, send),
  ].sort((a, b) => a.at - b.at);
}

/** Sends the first pass spread over most of the fault window, in slices. */
async function paced(
  bodies: readonly string[],
  windowMs: number,
  send: (b: readonly string[]) => Promise<void>,
  aborted: () => boolean,
): Promise<void> {
  const slices = Math.max(1, Math.min(20, Math.ceil(bodies.length / 10)));
  const per = Math.ceil(bodies.length / slices);
  const gap = (windowMs * 0.7) / slices;
  for (let i = 0; i < slices && !aborted(); i++) {
    const t = Date.now();
    await send(bodies.slice(i * per, (i + 1) * per));
    await sleep(Math.max(0, gap - (Date.now() - t)));
  }
}

async function runFaults(o: ChaosOptions, r: Running, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    await sleep(Math.max(0, r.t0 + step.at - Date.now()));
    if (o.signal?.aborted === true) return;
    const what = await step.run();
    const atSeconds = (Date.now() - r.t0) / 1000;
    r.timeline.push({ atSeconds, fault: step.fault, what });
    o.log(`  t+${atSeconds.toFixed(1)}s ${step.fault}: ${what}`);
  }
}

/** Drained: the queue empty, nothing of the run parked, every event processed; and how many are. */
async function settled(
  db: pg.Pool,
  sqs: SQSClient,
  q: RunQueues,
  plan: Plan,
): Promise<{ done: boolean; processed: number }> {
  const depth = await queueDepth(sqs, q.events);
  const { rows } = await db.query<{ parked: string; done: string }>(
    `select (select count(*) from parked_events where payment_id = any($1::text[]) and status = 'parked')::text as parked,
            (select count(*) from processed_events where event_id = any($2::text[]))::text as done`,
    [[...plan.expected.keys()], plan.events.map((e) => e.eventId)],
  );
  const processed = Number(rows[0]?.done);
  return {
    done: depth === 0 && Number(rows[0]?.parked) === 0 && processed === plan.events.length,
    processed,
  };
}

function describeScenario(s: Scenario): Record<string, unknown> {
  return { ...s, faults: [...s.faults] };
}

/** Refusals and reachability before anything is made; notes on a worker fault hook set. */
async function preflight(o: ChaosOptions, res: Resources, notes: string[]): Promise<void> {
  await reachable(o.stack, res.sqs);
  if (o.scenario.faults.has('postgres-restart'))
    await restartablePostgres(o.stack.databaseUrl, restartableFolders(o.stack.demoDir));
  const fault = o.workerEnv?.PAYFLOW_WORKER_FAULT ?? process.env.PAYFLOW_WORKER_FAULT;
  if (fault) notes.push(`the run's workers have PAYFLOW_WORKER_FAULT=${fault} (a test-only fault hook)`);
}

/** What a run started; everything in it is stopped by `release`. */
interface Resources {
  readonly sqs: SQSClient;
  readonly db: pg.Pool;
  readonly dir: string;
  queues?: RunQueues;
  fleet?: WorkerFleet;
  proxy?: TcpProxy;
  redis?: PrivateRedis;
  prober?: ApiProber;
}

/** Stops what the run started; keeps the logs when told, or (undecided) once workers had run. */
async function release(res: Resources, keepLogs: boolean | undefined): Promise<void> {
  await res.prober?.stop();
  await res.fleet?.stopAll(3000);
  await res.proxy?.close();
  await res.redis?.stop();
  if (res.queues) await deleteRunQueues(res.sqs, res.queues);
  res.sqs.destroy();
  await res.db.end().catch(() => undefined);
  if (!(keepLogs ?? res.fleet !== undefined)) rmSync(res.dir, { recursive: true, force: true });
}

/** The private Redis and the PostgreSQL proxy the faults need; notes on what the workers use. */
async function startFaultServices(o: ChaosOptions, res: Resources, notes: string[]): Promise<void> {
  const s = o.scenario;
  if (s.faults.has('redis-restart')) {
    res.redis = new PrivateRedis(res.dir);
    await res.redis.start();
    notes.push(
      `the run's workers used a private Redis the tool started on 127.0.0.1:${String(res.redis.port)}; the stack's Redis was not touched`,
    );
  } else if (o.stack.redisUrl) notes.push("the run's workers used the stack's Redis");
  if (s.faults.has('latency') || s.faults.has('drop')) {
    const target = new URL(o.stack.databaseUrl);
    res.proxy = new TcpProxy({
      target: { host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 5432) },
      maxLifetimeMs: s.timeoutSeconds * 1000 + 60_000,
    });
    await res.proxy.start();
  }
}

/** The database URL the workers use: through the proxy when there is one. */
function workerDatabaseUrl(stack: ChaosStack, proxy: TcpProxy | undefined): string {
  if (!proxy) return stack.databaseUrl;
  const u = new URL(stack.databaseUrl);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
}

async function waitDrained(o: ChaosOptions, res: Resources, p: Prepared, deadline: number): Promise<boolean> {
  while (Date.now() < deadline && o.signal?.aborted !== true) {
    const s = await settled(res.db, res.sqs, p.queues, p.plan).catch(() => undefined);
    if (s) o.onDrain?.(s.processed, p.plan.events.length);
    if (s?.done === true) return true;
    await sleep(500);
  }
  return false;
}

interface Prepared {
  readonly plan: Plan;
  readonly paymentIds: readonly string[];
  readonly queues: RunQueues;
  readonly fleet: WorkerFleet;
  readonly prober: ApiProber;
  readonly setupSeconds: number;
}

async function prepare(o: ChaosOptions, res: Resources, runId: string, deadline: number): Promise<Prepared> {
  const { stack, scenario: s } = o;
  const setupStart = Date.now();
  const queues = await createRunQueues(res.sqs, `chaos-${runId}`, MAX_RECEIVE_COUNT);
  res.queues = queues;
  o.log(`  queues: ${queues.events} (+ its DLQ)`);
  const paymentIds = await createPayments({
    apiUrl: stack.apiUrl,
    token: stack.apiToken,
    count: s.payments,
    merchantId: `chaos_${runId}`,
    keyPrefix: `chaos-${runId}`,
    deadline,
  });
  o.log(`  ${String(paymentIds.length)} payments created through the API (merchant chaos_${runId})`);
  const plan = planEvents({
    runId,
    paymentIds,
    duplicates: s.duplicates,
    poison: s.faults.has('poison') ? s.poison : 0,
    replay: s.faults.has('replay'),
    seed: s.seed,
  });
  const fleet = new WorkerFleet({
    env: {
      ...workerEnv(workerDatabaseUrl(stack, res.proxy), res.redis?.url ?? stack.redisUrl, stack, queues),
      ...o.workerEnv,
    },
    logDir: res.dir,
  });
  res.fleet = fleet;
  for (let i = 0; i < s.workers; i++) fleet.startOne();
  const prober = new ApiProber({
    apiUrl: stack.apiUrl,
    token: stack.apiToken,
    paymentIds,
    merchantId: `chaos_${runId}`,
  });
  res.prober = prober;
  prober.start();
  return { plan, paymentIds, queues, fleet, prober, setupSeconds: (Date.now() - setupStart) / 1000 };
}

function drainCheck(drained: boolean, drainSeconds: number, timeoutSeconds: number): Check {
  return {
    name: 'queue drained before the timeout',
    ok: drained,
    detail: drained
      ? `drained ${drainSeconds.toFixed(1)} s after the faults`
      : `not drained after ${String(timeoutSeconds)} s`,
    examples: [],
  };
}

/** What was sent, which faults fired, what happened to the workers. */
function ledger(
  p: Prepared,
  running: Running,
  res: Resources,
  s: Scenario,
): Pick<ChaosReport, 'sent' | 'faults' | 'workers'> {
  return {
    sent: {
      events: p.plan.events.length,
      duplicates: p.plan.duplicates,
      poison: p.plan.poison.length,
      replayed: running.replayed,
      messages: p.plan.bodies.length + running.replayed,
    },
    faults: {
      kills: p.fleet.killed,
      redisRestarts: res.redis?.restarts ?? 0,
      postgresRestarts: running.pgRestarts,
      connectionDrops: running.drops,
      connectionsDropped: running.dropped,
      latencyMs: s.faults.has('latency') && res.proxy ? s.latencyMs : 0,
      timeline: running.timeline,
    },
    workers: { started: p.fleet.started, killed: p.fleet.killed, exitedOnTheirOwn: p.fleet.crashed.length },
  };
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const { stack, scenario: s } = o;
  const started = Date.now();
  const deadline = started + s.timeoutSeconds * 1000;
  assertLoopback(stack);
  const runId = `${new Date().toISOString().slice(0, 10).replaceAll('-', '')}${randomBytes(3).toString('hex')}`;
  const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  db.on('error', () => undefined);
  const res: Resources = {
    sqs: createSqsClient({ region: stack.sqs.region, endpoint: stack.sqs.endpoint }),
    db,
    dir: mkdtempSync(join(tmpdir(), `payflow-chaos-${runId}-`)),
  };
  const notes: string[] = [];
  // The workers' logs are kept for a red verdict, or a run that failed once workers had started.
  let keepLogs: boolean | undefined;
  try {
    await preflight(o, res, notes);
    o.log(
      `chaos run ${runId}: ${String(s.payments)} payments, ${String(s.workers)} workers, faults ${[...s.faults].join(', ') || 'none'}, seed ${String(s.seed)}`,
    );
    await startFaultServices(o, res, notes);
    const p = await prepare(o, res, runId, deadline);
    const running: Running = {
      fleet: p.fleet,
      proxy: res.proxy,
      redis: res.redis,
      timeline: [],
      t0: Date.now(),
      drops: 0,
      dropped: 0,
      pgRestarts: 0,
      replayed: 0,
    };
    const send = async (b: readonly string[]): Promise<void> => {
      await sendBodies(res.sqs, p.queues.events, b);
    };
    o.log(
      `  sending ${String(p.plan.bodies.length)} messages over ${String(s.faultWindowSeconds)} s while the faults run:`,
    );
    await Promise.all([
      paced(p.plan.bodies, s.faultWindowSeconds * 1000, send, () => o.signal?.aborted === true),
      runFaults(o, running, schedule(o, running, p.plan, send)),
    ]);
    if (o.signal?.aborted !== true)
      await sleep(Math.max(0, running.t0 + s.faultWindowSeconds * 1000 - Date.now()));
    if (o.signal?.aborted === true)
      notes.push('interrupted: the faults and the wait for the queue were cut short');
    const faultSeconds = (Date.now() - running.t0) / 1000;
    res.proxy?.setLatency(0);
    o.log('  faults over; waiting for the queue to drain…');
    const drainStart = Date.now();
    const drained = await waitDrained(o, res, p, deadline);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    if (!drained)
      notes.push(`the queue had not drained when the timeout (${String(s.timeoutSeconds)} s) came`);
    const api = await p.prober.stop();
    res.prober = undefined;
    await p.fleet.stopAll();
    const deadLetters = await drainDeadLetters(res.sqs, p.queues.dlq);
    const { checks, figures } = await checkInvariants(db, p.plan, deadLetters, api);
    const all = [...checks, drainCheck(drained, drainSeconds, s.timeoutSeconds)];
    const verdict = all.every((c) => c.ok) ? 'green' : 'red';
    keepLogs = verdict === 'red';
    return {
      verdict,
      runId,
      scenario: describeScenario(s),
      checks: all,
      figures,
      ...ledger(p, running, res, s),
      api,
      drained,
      seconds: {
        setup: p.setupSeconds,
        faults: faultSeconds,
        drain: drainSeconds,
        total: (Date.now() - started) / 1000,
      },
      logDir: keepLogs ? res.dir : undefined,
      notes,
    };
  } finally {
    await release(res, keepLogs);
  }
}
