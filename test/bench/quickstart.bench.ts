// Quick-start benchmark: `npm run bench -- quickstart`.
//
// What a person's first five minutes cost: a fresh clone of this checkout's HEAD, then exactly
// the README's `npm start`, timed from the command to the console answering in a browser's way
// (GET / with the console's page), twice:
//
//   first   caches cold: a fresh clone, an empty npm cache (npm_config_cache in a temporary
//           folder), so the Node 24 bootstrap, `npm ci`, the console build, embedded PostgreSQL's
//           initdb and the demo seed all run. Kubernetes is left out (PAYFLOW_DEMO_KUBE=0): its
//           first build is minutes of Go and is measured by the test environment instead.
//   second  the same clone again: everything is there, the data is kept.
//
// Each run's peak memory is the largest sum of proportional resident memory (Pss: a page shared
// by several processes, as PostgreSQL's shared buffers are by its backends, counts once in all)
// over the whole process tree (npm, the demo, PostgreSQL and its backends, the SQS endpoint, the
// API, the worker, and during the first start npm ci and the console build), sampled every
// 200 ms, with the largest sum of plain resident memory (VmRSS, which counts shared pages once
// per process) beside it. The demo is stopped with SIGINT to its process group, as Ctrl-C would;
// the bench waits until no process of the clone is left and says how long that took.
//
// Baselines, in the same run and beside the figures as ratios: `npm ci` of a second fresh
// clone with its own empty npm cache (what any Node project of this size costs to install), and
// `hack/with-node node -e 0` in the warm clone (a Node process through the launcher).
// Targets on this machine: first ≤ 180 s, second ≤ 10 s, peak ≤ 1 GiB.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { treeRssMiB } from '../../hack/testenv/memory.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const TIMEOUT_MS = 15 * 60_000;

interface Run {
  readySeconds: number;
  peakPssMiB: number;
  peakRssMiB: number;
  stopSeconds: number;
  left: string[];
}

/** The environment of a person's shell: none of the services configured. */
function personEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATABASE_URL|REDIS_URL|KUBECONFIG|SQS_|PAYFLOW_|npm_)/.test(k),
    ),
  );
  return { ...env, ...extra };
}

async function consoleAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/`, {
      headers: { accept: 'text/html' },
      signal: AbortSignal.timeout(2000),
    });
    return res.status === 200 && (await res.text()).includes('<div id="root">');
  } catch {
    return false;
  }
}

/** `npm start` in `dir` until the console answers; then SIGINT and the exit code. */
async function start(dir: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const t0 = performance.now();
  const child = spawn('npm', ['start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  let peakPss = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (!child.pid) return;
    peakPss = Math.max(peakPss, treeRssMiB([child.pid], 'Pss'));
    peakRss = Math.max(peakRss, treeRssMiB([child.pid], 'VmRSS'));
  }, 200);
  let readySeconds: number;
  try {
    for (;;) {
      const api = /^API: +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
      if (api && (await consoleAnswers(api))) {
        readySeconds = (performance.now() - t0) / 1000;
        break;
      }
      if (child.exitCode !== null)
        throw new Error(`npm start exited with ${String(child.exitCode)}:\n${output.slice(-3000)}`);
      if (performance.now() - t0 > TIMEOUT_MS)
        throw new Error(`npm start not ready in 15 min:\n${output.slice(-3000)}`);
      await sleep(100);
    }
    // A few seconds of live traffic, so that the peak includes the running product, not the start.
    await sleep(5000);
  } finally {
    clearInterval(sampler);
  }
  const stopped = performance.now();
  if (child.pid) process.kill(-child.pid, 'SIGINT');
  // npm itself ends at once on SIGINT; the demo then stops its processes (their own process
  // groups) in order. Done when no process of the clone is left.
  const deadline = performance.now() + 120_000;
  let left = ofClone(dir);
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(250);
    left = ofClone(dir);
  }
  if (!output.includes('PayFlow stopped.')) left.push('(the demo did not print "PayFlow stopped.")');
  const stopSeconds = (performance.now() - stopped) / 1000;
  return { readySeconds, peakPssMiB: peakPss, peakRssMiB: peakRss, stopSeconds, left };
}

/** Processes whose command line names the clone (the demo, PostgreSQL, the SQS endpoint, …). */
function ofClone(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dir) && !l.includes(' ps -eo'));
}

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

function clone(into: string): void {
  execFileSync('git', ['clone', '--quiet', '--no-local', ROOT, into], { stdio: 'inherit' });
}

const s = (x: number): string => `${x.toFixed(1)} s`;

const work = mkdtempSync(join(tmpdir(), 'payflow-bench-quickstart-'));
try {
  const head = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  console.log(
    `fresh clones of ${head} in ${work}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const app = join(work, 'payflow');
  const cloneSeconds = timed(() => {
    clone(app);
  });
  const env = personEnv({
    npm_config_cache: join(work, 'npm-cache'),
    PAYFLOW_DEMO_KUBE: '0',
    PAYFLOW_DEMO_API_PORT: '0',
  });
  const first = await start(app, env);
  const second = await start(app, env);

  const other = join(work, 'baseline');
  clone(other);
  // The same Node and npm as the demo's first run used (the clone's bootstrapped Node 24).
  const npmCi = timed(() => {
    execFileSync(join(app, 'hack', 'with-node'), ['npm', 'ci', '--no-audit', '--no-fund'], {
      cwd: other,
      env: personEnv({ npm_config_cache: join(work, 'npm-cache-baseline') }),
      stdio: 'ignore',
    });
  });
  const nodeStart = timed(() => {
    execFileSync(join(app, 'hack', 'with-node'), ['node', '-e', '0'], { cwd: app, env, stdio: 'ignore' });
  });

  const mem = (r: Run): string =>
    `peak ${String(r.peakPssMiB)} MiB (Pss; ${String(r.peakRssMiB)} MiB as plain VmRSS)`;
  const stop = (r: Run): string =>
    r.left.length === 0
      ? `Ctrl-C left no process after ${s(r.stopSeconds)}`
      : `Ctrl-C LEFT ${String(r.left.length)} processes: ${r.left.join('; ')}`;
  console.log(`git clone: ${s(cloneSeconds)} (not counted)`);
  console.log(
    `first start (cold caches, no Kubernetes): console answering after ${s(first.readySeconds)}, ${mem(first)}, ${stop(first)}`,
  );
  console.log(
    `second start (same clone, data kept): console answering after ${s(second.readySeconds)}, ${mem(second)}, ${stop(second)}`,
  );
  console.log(
    `baseline npm ci (fresh clone, empty npm cache): ${s(npmCi)}; baseline with-node node -e 0: ${s(nodeStart)}`,
  );
  console.log(
    `ratios: first/npm-ci ${(first.readySeconds / npmCi).toFixed(2)}×, second/node-start ${(second.readySeconds / nodeStart).toFixed(1)}×`,
  );
  const peak = Math.max(first.peakPssMiB, second.peakPssMiB);
  console.log(
    `targets: first ${s(first.readySeconds)} (≤ 180 s) ${first.readySeconds <= 180 ? 'met' : 'MISSED'}, second ${s(second.readySeconds)} (≤ 10 s) ${second.readySeconds <= 10 ? 'met' : 'MISSED'}, peak ${String(peak)} MiB (≤ 1024 MiB) ${peak <= 1024 ? 'met' : 'MISSED'}`,
  );
  if (first.left.length > 0 || second.left.length > 0) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
