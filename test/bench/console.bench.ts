// Console benchmark: `hack/with-node node test/bench/console.bench.ts` (or `npm run bench -- console`).
//
// What the console costs, in sections (SECTIONS below; BENCH_SECTIONS=name,… runs some of them).
// A section that needs the API asks the context for the stack, made on first use and shared by
// the sections after: PostgreSQL, Redis and the SQS endpoint (no Kubernetes), 1,000,000 payments
// created over the last 30 days (real ULIDs, COPY, the dashboard statistics rebuilt once after
// the load, as bulk loaders do) and 20,000 alerts (a quarter of them unresolved), and, in ONE
// child process, the PayFlow API beside a bare express app with one constant JSON route (the
// baseline). A section measures what it measures and returns the lines it prints.
//
//   dashboard-api  GET /api/v1/stats/overview?window=1h, 24h, 7d and 30d and /stats/alerts,
//                  first on one connection (what one request costs: sequential requests each read
//                  afresh), then on 50 (concurrent identical requests share one read, as many
//                  consoles refreshing at once do), there also with a different from/to range on
//                  every request (24 h and 7 d: every request its own read). autocannon,
//                  BENCH_DURATION s each (default 10) after an unmeasured BENCH_WARMUP s (default
//                  2); req/s, p50 and p99 beside the baseline's at the same connections, with
//                  their ratios. Target: one request's p99 within 50 ms for every window.
//
//   bundle         initial JavaScript per route (gzip) beside the shell's, every chunk listed
//   screens        in Chromium: dashboard first data after navigation, explorer filter change to
//                  rows shown, each beside the API request it waits for
//   lighthouse     Lighthouse desktop preset on the dashboard, median of three runs
//                  (test/bench/console/*.ts)
//
// Adding a section: write `async function mySection(ctx)`
// returning its lines, and add `{ name, run }` to SECTIONS; call `await ctx.stack()` only if it
// needs the seeded API (a bundle-size section does not).
//
// Knobs: BENCH_ROWS (1,000,000), BENCH_DAYS (30), BENCH_ALERTS (20,000), BENCH_DURATION,
// BENCH_WARMUP, BENCH_POOL_MAX (the API's pool, default 6 as in api.bench.ts), BENCH_SECTIONS,
// BENCH_DATABASE_URL (reuse a seeded database; with BENCH_REDIS_URL too no test environment is
// started at all).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import express from 'express';
import { loadApiConfig } from '@payflow/api/config';
import { createPool, migrate } from '@payflow/api/store';
import { startApi } from '../../api/src/server.ts';
import { createDatabase, startTestEnv, type TestEnv } from '../../hack/testenv/index.ts';
import { testAuthenticate } from '../integration/payments-support.ts';
import { CONSOLE_SECTIONS } from './console/sections.ts';
import { seedPayments } from './seed-payments.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 20_000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 50;

/** The seeded database and the API beside the baseline. */
export interface Stack {
  /** Base URL of the PayFlow API (test authenticator: header `x-test-role`). */
  readonly api: string;
  /** Base URL of the bare express app; GET /baseline answers constant JSON. */
  readonly baseline: string;
  readonly databaseUrl: string;
  /** Redis of the stack (the API's), for a section that starts more processes. */
  readonly redisUrl: string;
}

/** What every section gets. */
export interface BenchContext {
  /** The stack, made on the first call and shared by every section after. */
  stack(): Promise<Stack>;
}

export interface Section {
  readonly name: string;
  /** Runs the section and returns the lines it prints. */
  readonly run: (ctx: BenchContext) => Promise<string[]>;
}

// ---------------------------------------------------------------------------------------------
// Server mode: the API and the baseline in one process, as a child of the runner.

async function serve(): Promise<void> {
  const env = process.env;
  const api = await startApi(
    loadApiConfig({
      DATABASE_URL: env.DATABASE_URL,
      REDIS_URL: env.REDIS_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DATABASE_POOL_MAX: env.BENCH_POOL_MAX ?? '6',
      RATE_LIMIT_PER_MINUTE: '1000000',
    }),
    { authenticate: testAuthenticate, migrate: false },
  );
  const bare = express();
  bare.disable('x-powered-by');
  bare.get('/baseline', (_req, res) => {
    res.json({
      id: 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG',
      merchant_id: 'merchant_123',
      amount: 100,
      currency: 'USD',
    });
  });
  const server = bare.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  console.log(`READY ${JSON.stringify({ api: api.url, baseline: `http://127.0.0.1:${String(port)}` })}`);
  process.on('SIGTERM', () => {
    server.close();
    void api.close().then(() => process.exit(0));
  });
}

function startServer(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; api: string; baseline: string }> {
  const child = spawn(process.execPath, [import.meta.filename, '--serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        resolve({ child, ...(JSON.parse(line.slice(6)) as { api: string; baseline: string }) });
      } else console.log(line);
    });
    child.once('exit', (code) => {
      reject(new Error(`server exited with ${String(code)}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTP load, shared by the sections that measure endpoints

interface Figures {
  readonly name: string;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

async function load(
  name: string,
  url: string,
  request: autocannon.Request,
  connections = CONNECTIONS,
): Promise<Figures> {
  const opts = { url, connections, requests: [request] };
  if (WARMUP_S > 0) await autocannon({ ...opts, duration: WARMUP_S });
  const r = await autocannon({ ...opts, duration: DURATION_S });
  if (r.non2xx > 0) console.log(`${name}: status codes ${JSON.stringify(r.statusCodeStats)}`);
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

/** The figures as a table, each with its ratios to the first row (the baseline). */
function table(results: readonly Figures[]): string[] {
  const base = results[0];
  if (!base) return [];
  const ratio = (a: number, b: number): string => (b > 0 ? (a / b).toFixed(2) : '-');
  return [
    'scenario                                  req/s   p50 ms   p99 ms  req/s×  p50×   p99×  non-2xx errors',
    ...results.map(
      (r) =>
        `${r.name.padEnd(38)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)}` +
        ` ${ratio(r.rps, base.rps).padStart(7)} ${ratio(r.p50, base.p50).padStart(5)} ${ratio(r.p99, base.p99).padStart(6)}` +
        ` ${String(r.non2xx).padStart(8)} ${String(r.errors).padStart(6)}`,
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Section: the dashboard's API

const TARGET_P99_MS = 50;

async function checkCounts(stack: Stack): Promise<string> {
  const res = await fetch(`${stack.api}/api/v1/stats/overview?window=30d`, {
    headers: { 'x-test-role': 'viewer' },
  });
  const body = (await res.json()) as { totals: { payments: number }; time_to_final: { samples: number } };
  return (
    `30d overview counts ${String(body.totals.payments)} of ${String(ROWS)} seeded payments ` +
    `(${String(body.time_to_final.samples)} became final in it)`
  );
}

/** An overview path for `hours` ending at a random bucket boundary within the seeded days. */
function randomRange(hours: number, bucketMs: number): string {
  const latest = Math.floor(Date.now() / bucketMs) * bucketMs;
  const span = hours * 3600_000;
  const slots = Math.max(1, Math.floor((DAYS * 86400_000 - span) / bucketMs));
  const to = latest - Math.floor(Math.random() * slots) * bucketMs;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return `/api/v1/stats/overview?from=${iso(to - span)}&to=${iso(to)}`;
}

const WINDOWS = ['1h', '24h', '7d', '30d'] as const;
const ALERTS_PATH = '/api/v1/stats/alerts';

/** The dashboard's requests at `connections`: baseline first, then every window, then alerts. */
async function dashboardLoad(stack: Stack, connections: number, ranges: boolean): Promise<Figures[]> {
  const viewer = { 'x-test-role': 'viewer' };
  const get = (name: string, path: string): Promise<Figures> =>
    load(name, stack.api, { method: 'GET', path, headers: viewer }, connections);
  const results = [
    await load('baseline (bare express)', stack.baseline, { method: 'GET', path: '/baseline' }, connections),
  ];
  for (const window of WINDOWS) {
    results.push(
      await get(`GET /stats/overview?window=${window}`, `/api/v1/stats/overview?window=${window}`),
    );
  }
  // A different range on every request (whole buckets at random within the seeded days): no two
  // concurrent requests share a read, so each costs a read of its own.
  const shapes = [
    ['24 h', 24, 300_000],
    ['7 d', 168, 3600_000],
  ] as const;
  for (const [label, hours, bucketMs] of ranges ? shapes : []) {
    const setupRequest = (req: autocannon.Request): autocannon.Request => ({
      ...req,
      path: randomRange(hours, bucketMs),
    });
    const request = { method: 'GET' as const, headers: viewer, setupRequest };
    results.push(await load(`  from/to ${label}, a new range each request`, stack.api, request, connections));
  }
  results.push(await get('GET /stats/alerts', ALERTS_PATH));
  return results;
}

async function dashboardApi(ctx: BenchContext): Promise<string[]> {
  const stack = await ctx.stack();
  // One connection: what one request costs (the overview of a window, read afresh each time:
  // sequential requests never share a read).
  const single = await dashboardLoad(stack, 1, false);
  const many = await dashboardLoad(stack, CONNECTIONS, true);
  const worst = Math.max(...single.filter((r) => r.name.startsWith('GET /stats/')).map((r) => r.p99));
  return [
    `${String(ROWS)} payments over ${String(DAYS)} days, ${String(DURATION_S)} s per scenario`,
    await checkCounts(stack),
    '',
    'one connection',
    ...table(single),
    '',
    `${String(CONNECTIONS)} connections (concurrent identical requests share one read)`,
    ...table(many),
    '',
    `target: one request's p99 ≤ ${String(TARGET_P99_MS)} ms at every window and for alerts: worst ` +
      `${worst.toFixed(1)} ms ${worst <= TARGET_P99_MS ? 'MET' : 'MISSED'}`,
  ];
}

/** Every section, in the order they run. */
export const SECTIONS: readonly Section[] = [
  // First: the build's sizes need no stack.
  ...CONSOLE_SECTIONS.filter((x) => x.name === 'bundle'),
  { name: 'dashboard-api', run: dashboardApi },
  ...CONSOLE_SECTIONS.filter((x) => x.name !== 'bundle'),
];

// ---------------------------------------------------------------------------------------------
// Data and the runner

/** `n` alerts spread over the seeded days, three in four resolved. */
async function seedAlerts(url: string, n: number): Promise<void> {
  const pool = createPool({ url, max: 1 });
  try {
    await pool.query(
      `insert into alerts (id, severity, status, title, dedupe_key, created_at)
       select 'alt_bench_' || i, (array['low', 'medium', 'high', 'critical'])[1 + (i / 4) % 4],
              case when i % 4 = 0 then (array['open', 'acknowledged'])[1 + (i / 16) % 2] else 'resolved' end,
              'bench alert', 'bench:' || i, now() - make_interval(secs => i * $2::float8)
         from generate_series(1, $1::integer) i`,
      [n, (DAYS * 86400) / Math.max(1, n)],
    );
    await pool.query('vacuum analyze alerts');
  } finally {
    await pool.end();
  }
}

async function seedDatabase(env: TestEnv | undefined): Promise<string> {
  const reuse = process.env.BENCH_DATABASE_URL;
  if (reuse) return reuse;
  const url = await createDatabase(env!.info.postgres.url, `bench_console_${String(Date.now() % 100000)}`);
  const pool = createPool({ url, max: 1 });
  await migrate(pool);
  await pool.end();
  await seedPayments(url, ROWS, { days: DAYS });
  await seedAlerts(url, ALERTS);
  return url;
}

/** Makes the stack on first use; `stop` ends whatever was started. */
function lazyStack(): { stack: () => Promise<Stack>; stop: () => Promise<void> } {
  let made: Promise<Stack> | undefined;
  let env: TestEnv | undefined;
  let server: ChildProcess | undefined;
  const make = async (): Promise<Stack> => {
    const reuseRedis = process.env.BENCH_REDIS_URL;
    if (!(process.env.BENCH_DATABASE_URL && reuseRedis)) env = await startTestEnv({ kube: false });
    const databaseUrl = await seedDatabase(env);
    const redisUrl = reuseRedis ?? env!.info.redis.url;
    const s = await startServer({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
    server = s.child;
    return { api: s.api, baseline: s.baseline, databaseUrl, redisUrl };
  };
  return {
    stack: () => (made ??= make()),
    stop: async () => {
      server?.kill('SIGTERM');
      if (server) await once(server, 'exit').catch(() => undefined);
      await env?.stop();
    },
  };
}

async function main(): Promise<void> {
  const wanted = (process.env.BENCH_SECTIONS ?? '').split(',').filter(Boolean);
  const chosen = wanted.length > 0 ? SECTIONS.filter((s) => wanted.includes(s.name)) : SECTIONS;
  const lazy = lazyStack();
  try {
    for (const section of chosen) {
      const lines = await section.run({ stack: lazy.stack });
      console.log(
        `\n--- ${section.name} (load average (1 min) at the end ${(loadavg()[0] ?? 0).toFixed(1)} on 2 cores)`,
      );
      for (const line of lines) console.log(line);
    }
  } finally {
    await lazy.stop();
  }
}

if (process.argv.includes('--serve')) await serve();
else if (import.meta.filename === process.argv[1]) await main();
