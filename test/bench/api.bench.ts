// API benchmark: `hack/with-node node test/bench/api.bench.ts` (or `npm run bench -- api`).
//
// Starts PostgreSQL, Redis and the SQS endpoint (no Kubernetes), seeds 1,000,000 payments spread
// over the last 12 months (ids are real ULIDs whose timestamp is created_at, loaded with COPY),
// then starts, in ONE child process, the PayFlow API and a bare express app with one route
// returning constant JSON (the baseline). autocannon (50 connections, 10 s each) then measures,
// from this process, in one run:
//   1. baseline        GET /baseline
//   2. get by id       GET /api/v1/transactions/:id          (random ids among 10,000 sampled)
//   3. get by id, cold GET /api/v1/transactions/:id          (each id once, from ~100,000 sampled:
//                                                            the database path, cache misses)
//   4. filtered list   GET /api/v1/transactions?merchant_id=…&state=settled&limit=50 (random
//                      merchant among 1,000); the total of a filter seen before comes from the
//                      API's list total cache (its hit ratio is printed); then the same with a
//                      filter never seen before on every request (the total always counted), and
//                      with &include_total=false (no total)
//   5. create          POST /api/v1/transactions             (unique Idempotency-Key each)
// and prints req/s, p50 and p99 latency for each, with req/s as a ratio to the baseline.
// Targets: get by id ≥ 40% of the baseline's req/s; filtered list p99 ≤ 50 ms.
// Scenario 2 repeats ids, so it is mostly served by the API's per-process payment cache (the
// hit ratio is printed); scenario 3 shows what a read costs when it has to go to Postgres.
//
// The API runs with a test Authenticator (header `x-test-role`), injected through startApi's
// options as in the integration tests; auth cost is not what this measures. The rate limiter
// stays on with a limit it never reaches. Every scenario, the baseline included, first runs
// unmeasured for BENCH_WARMUP seconds (default 2: JIT, pooled connections, cached plans).
// Knobs: BENCH_ROWS, BENCH_DURATION (s), BENCH_POOL_MAX
// (default 6), BENCH_RATE_LIMIT (0 turns the limiter off), BENCH_DATABASE_URL (reuse a seeded
// database instead of seeding; with BENCH_REDIS_URL too, no test environment is started at all,
// which saves the 1-2 minutes of seeding between runs), BENCH_ONLY (comma-separated scenarios
// to run besides the baseline: byid, cold, list, list-counted, list-nototal, create), BENCH_SERVER_NODE_ARGS (extra node
// flags for the server process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import express from 'express';
import { createPool, migrate } from '@payflow/api/store';
import { loadApiConfig } from '@payflow/api/config';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { createDatabase, startTestEnv, type TestEnv } from '../../hack/testenv/index.ts';
import { testAuthenticate } from '../integration/payments-support.ts';
import { MERCHANTS, seedPayments } from './seed-payments.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 50;
const ONLY = new Set(
  (process.env.BENCH_ONLY ?? 'byid,cold,list,list-counted,list-nototal,create').split(','),
);

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
      // Sized for this 2-core machine: 20 backends (the default) thrash it; 6 measured best.
      DATABASE_POOL_MAX: env.BENCH_POOL_MAX ?? '6',
      // The limiter stays on (its Redis round trip is part of every request) but never refuses.
      RATE_LIMIT_PER_MINUTE: env.BENCH_RATE_LIMIT ?? '1000000',
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
  process.on('SIGUSR2', () => {
    printCacheStats(api);
  });
  process.on('SIGTERM', () => {
    server.close();
    void api.close().then(() => process.exit(0));
  });
}

/** The caches' counters (the server prints them when the runner asks, between scenarios). */
function printCacheStats(api: RunningApi): void {
  const counts = async (metric: string): Promise<{ hits: number; misses: number }> => {
    const m = await api.deps.registry.getSingleMetric(metric)?.get();
    const of = (result: string): number => m?.values.find((v) => v.labels.result === result)?.value ?? 0;
    return { hits: of('hit'), misses: of('miss') };
  };
  void Promise.all([
    counts('payflow_payment_cache_lookups'),
    counts('payflow_list_total_cache_lookups'),
  ]).then(([payments, totals]) => {
    console.log(`CACHE ${JSON.stringify({ payments, totals })}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Load

interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(
  name: string,
  url: string,
  request: autocannon.Request,
  afterWarmup?: () => Promise<void>,
): Promise<Figures> {
  if (WARMUP_S > 0) {
    await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S, requests: [request] });
  }
  await afterWarmup?.();
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [request],
  });
  if (result.non2xx > 0) console.log(`${name}: status codes ${JSON.stringify(result.statusCodeStats)}`);
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

function startServer(
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; api: string; baseline: string }> {
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, import.meta.filename, '--serve'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) {
        const urls = JSON.parse(line.slice(6)) as { api: string; baseline: string };
        resolve({ child, ...urls });
      } else if (line.startsWith('CACHE ')) {
        cacheLines.push(line.slice(6));
      } else console.log(line);
    });
    child.once('exit', (code) => {
      reject(new Error(`server exited with ${String(code)}`));
    });
  });
}

const cacheLines: string[] = [];

interface CacheCounts {
  hits: number;
  misses: number;
}
interface CacheStats {
  payments: CacheCounts;
  totals: CacheCounts;
}

/** Asks the server for its cache counters; resolves with them (or null). */
async function cacheStats(child: ChildProcess): Promise<CacheStats | null> {
  const before = cacheLines.length;
  child.kill('SIGUSR2');
  for (let i = 0; i < 50 && cacheLines.length === before; i++) await new Promise((r) => setTimeout(r, 20));
  const line = cacheLines.at(-1);
  return line === undefined || cacheLines.length === before ? null : (JSON.parse(line) as CacheStats);
}

/** Runs a scenario and notes the hit ratio of one of the server's caches over its measured part. */
async function withHitRatio(
  child: ChildProcess,
  cache: keyof CacheStats,
  label: string,
  run: (afterWarmup: () => Promise<void>) => Promise<Figures>,
): Promise<Figures> {
  const seen: { start: CacheStats | null } = { start: null };
  const figures = await run(async () => {
    seen.start = await cacheStats(child);
  });
  const after = await cacheStats(child);
  const start = seen.start;
  if (start && after) {
    const hits = after[cache].hits - start[cache].hits;
    const misses = after[cache].misses - start[cache].misses;
    hitRatios.push(
      `${figures.name.trim()}: ${label} hit ratio ${(hits / Math.max(1, hits + misses)).toFixed(2)}`,
    );
  }
  return figures;
}

const hitRatios: string[] = [];

/** A random sample of `percent` % of the seeded ids, at most `max`. */
async function sampleIds(
  pool: ReturnType<typeof createPool>,
  percent: number,
  max: number,
): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select id from payments tablesample system (${String(percent)}) limit ${String(max)}`,
  );
  return rows.map((r) => r.id);
}

function shuffle<T>(list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  return list;
}

function pickOne<T>(list: readonly T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

async function main(): Promise<void> {
  const reuse = process.env.BENCH_DATABASE_URL;
  const reuseRedis = process.env.BENCH_REDIS_URL;
  // Reusing both a seeded database and a Redis: nothing else is needed.
  const env: TestEnv | undefined = reuse && reuseRedis ? undefined : await startTestEnv({ kube: false });
  let server: ChildProcess | undefined;
  try {
    const url =
      reuse ?? (await createDatabase(env!.info.postgres.url, `bench_api_${String(Date.now() % 100000)}`));
    const pool = createPool({ url, max: 1 });
    if (!reuse) await migrate(pool);
    const ids = reuse ? await sampleIds(pool, 1, 10_000) : await seedPayments(url, ROWS);
    const coldIds = shuffle(await sampleIds(pool, 10, 200_000));
    await pool.end();
    const s = await startServer({
      DATABASE_URL: url,
      REDIS_URL: reuseRedis ?? env!.info.redis.url,
    });
    server = s.child;
    const viewer = { 'x-test-role': 'viewer' };
    const results: Figures[] = [];
    results.push(await load('baseline (bare express)', s.baseline, { method: 'GET', path: '/baseline' }));
    if (ONLY.has('byid')) {
      results.push(
        await withHitRatio(s.child, 'payments', 'payment cache', (warm) =>
          load(
            'GET /transactions/:id',
            s.api,
            {
              method: 'GET',
              headers: viewer,
              setupRequest: (req) => ({ ...req, path: `/api/v1/transactions/${pickOne(ids)}` }),
            },
            warm,
          ),
        ),
      );
    }
    if (ONLY.has('cold')) {
      let next = 0;
      results.push(
        await load('GET /transactions/:id (cold: each id once)', s.api, {
          method: 'GET',
          headers: viewer,
          setupRequest: (req) => ({
            ...req,
            path: `/api/v1/transactions/${coldIds[next++ % coldIds.length]!}`,
          }),
        }),
      );
    }
    const listPath = (extra: string): string =>
      `/api/v1/transactions?merchant_id=merchant_${String(Math.floor(Math.random() * MERCHANTS)).padStart(4, '0')}&state=settled&limit=50${extra}`;
    if (ONLY.has('list')) {
      results.push(
        await withHitRatio(s.child, 'totals', 'list total cache', (warm) =>
          load(
            'GET /transactions?merchant_id&state&limit=50',
            s.api,
            { method: 'GET', headers: viewer, setupRequest: (req) => ({ ...req, path: listPath('') }) },
            warm,
          ),
        ),
      );
    }
    if (ONLY.has('list-counted')) {
      // A created_from far before the data, different on every request: the same page, but a
      // filter never seen before, so its total is always counted.
      let n = 0;
      results.push(
        await withHitRatio(s.child, 'totals', 'list total cache', (warm) =>
          load(
            '  same, total counted every time',
            s.api,
            {
              method: 'GET',
              headers: viewer,
              setupRequest: (req) => ({
                ...req,
                path: listPath(`&created_from=${new Date(Date.UTC(2000, 0, 1) + ++n).toISOString()}`),
              }),
            },
            warm,
          ),
        ),
      );
    }
    if (ONLY.has('list-nototal')) {
      results.push(
        await load('  same, &include_total=false', s.api, {
          method: 'GET',
          headers: viewer,
          setupRequest: (req) => ({ ...req, path: listPath('&include_total=false') }),
        }),
      );
    }
    if (ONLY.has('create')) results.push(await loadCreate(s.api));
    report(results);
    for (const line of hitRatios) console.log(line);
  } finally {
    server?.kill('SIGTERM');
    if (server) await once(server, 'exit').catch(() => undefined);
    await env?.stop();
  }
}

async function loadCreate(api: string): Promise<Figures> {
  let n = 0;
  const body = JSON.stringify({
    merchant_id: 'merchant_bench',
    amount: 100.0,
    currency: 'USD',
    payer_id: 'payer_bench',
    current_state: 'pending',
    metadata: {},
  });
  return load('POST /transactions (Idempotency-Key)', api, {
    method: 'POST',
    path: '/api/v1/transactions',
    setupRequest: (req) => ({
      ...req,
      body,
      headers: {
        'content-type': 'application/json',
        'x-test-role': 'operator',
        'idempotency-key': `bench-${String(process.pid)}-${String(++n)}`,
      },
    }),
  });
}

function report(results: Figures[]): void {
  const base = results[0]!.rps;
  const load1 = loadavg()[0] ?? 0;
  console.log(
    `\n${String(ROWS)} payments, ${String(CONNECTIONS)} connections, ${String(DURATION_S)} s each; ` +
      `machine load average (1 min) at the end: ${load1.toFixed(1)} on 2 cores\n` +
      'scenario                                       req/s    p50 ms   p99 ms   ratio   non-2xx  errors',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(1).padStart(9)} ${r.p99.toFixed(1).padStart(8)}` +
        ` ${(r.rps / base).toFixed(2).padStart(7)} ${String(r.non2xx).padStart(9)} ${String(r.errors).padStart(7)}`,
    );
  }
  const byId = results.find((r) => r.name === 'GET /transactions/:id');
  const list = results.find((r) => r.name.startsWith('GET /transactions?'));
  const targets: string[] = [];
  if (byId) {
    const ratio = byId.rps / base;
    targets.push(`GET by id ≥ 0.40 of baseline: ${ratio.toFixed(2)} ${ratio >= 0.4 ? 'MET' : 'MISSED'}`);
  }
  if (list) {
    targets.push(`filtered list p99 ≤ 50 ms: ${list.p99.toFixed(1)} ms ${list.p99 <= 50 ? 'MET' : 'MISSED'}`);
  }
  console.log(`\ntargets: ${targets.join('; ')}`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
