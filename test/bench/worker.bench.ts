// Worker benchmark: `hack/with-node node test/bench/worker.bench.ts [events]`
//
// Prints, in one run, on one PostgreSQL started here, durable as in production (fsync,
// synchronous_commit and full_page_writes on; BENCH_PG_DURABLE=0 runs it with the test
// environment's fsync off instead, where a commit costs almost nothing):
//   1. pgbench tpcb-like TPS (scale 10, 8 clients, 15 s): the physical reference;
//   2. the peer: a plain SQS consumer doing one transaction per event (store.ts' lockPayment +
//      decideEvent + recordTransition + a processed_events row), 8 receive loops;
//   3. this worker (worker/src/main.ts, as deployed);
//   4. this worker on a replay: the same number of events, authorized → captured → settled for
//      a third as many payments, every event shuffled and its occurred_at a month old, so that
//      about half arrive before their predecessor and are parked, then released by it.
// For 2 and 3: one payment.authorized event per payment (pure throughput; ordering and
// duplicates are what the integration tests prove). Every run's events are sent by 4 lanes of
// SendMessageBatch while the consumer runs; events/s end to end (first send → last commit), p50/p99 latency from the
// send time carried in the event to processed_at (the commit's transaction), the consumer
// process' peak RSS (VmHWM), the CPU each process spent per event (postgres with its backends,
// the consumer, the SQS endpoint, this sender: where the two cores go), and ratios (4 against 3: the cost of parking). Knobs: BENCH_CONCURRENCY (256), BENCH_BATCH_SIZE (1000),
// BENCH_WRITERS (2), BENCH_PEER_EVENTS (3000), BENCH_WORKER_NODE_ARGS (extra node flags for the
// worker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"); the first argument is the worker's event
// count (default 60,000: about ten seconds at full speed, a steady state comparable with
// pgbench's 15 s; at 20,000 the run lasted under four seconds, much of it ramp-up).
// 256 loops / batches of up to 1000: measured best on 2 cores (more events per transaction:
// less Postgres work per event; 64 / 400 made batches of ~210 on average).
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPool, migrate } from '@payflow/api/store';
import {
  decideEvent,
  parsePaymentEventBody,
  isTransitionEvent,
  eventAmountMinor,
  newId,
} from '@payflow/api/domain';
import { lockPayment, recordTransition } from '@payflow/api/payments';
import { startTestEnv, createDatabase } from '../../hack/testenv/index.ts';
import { Consumer } from '../../worker/src/consumer.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import {
  createTestQueues,
  insertPayments,
  event,
  sendAll,
  shuffle,
  workerEnvVars,
  type TestQueues,
} from '../integration/worker-support.ts';

const ROOT = join(import.meta.dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// Peer mode: this file run as a child with PEER_* env vars.

function peer(): void {
  const env = process.env;
  const pool = createPool({ url: env.DATABASE_URL ?? '', max: 10 });
  const client = createSqsClient({ region: env.AWS_REGION ?? 'us-east-1', endpoint: env.SQS_ENDPOINT });
  const handle = async (body: string): Promise<void> => {
    const v = parsePaymentEventBody(body);
    if (!v.ok || !isTransitionEvent(v.value.type)) return;
    const ev = v.value;
    const type = ev.type;
    const c = await pool.connect();
    try {
      await c.query('begin');
      const ins = await c.query(
        `insert into processed_events (event_id, payment_id, outcome) values ($1, $2, 'applied') on conflict do nothing`,
        [ev.event_id, ev.payment_id],
      );
      const p = ins.rowCount === 1 ? await lockPayment(c, ev.payment_id) : undefined;
      if (p && isTransitionEvent(type)) {
        const decision = decideEvent(p, type, eventAmountMinor(ev));
        await recordTransition(c, {
          payment: p,
          decision,
          type,
          source: 'sqs',
          actor: { actorType: 'worker', actorId: 'peer' },
          eventId: ev.event_id,
          occurredAt: new Date(ev.occurred_at),
          data: ev.data ?? {},
        });
      }
      await c.query('commit');
    } catch (err) {
      await c.query('rollback');
      throw err;
    } finally {
      c.release();
    }
  };
  const consumers = Array.from(
    { length: 8 },
    () =>
      new Consumer({
        client,
        queueUrl: env.SQS_EVENTS_QUEUE_URL ?? '',
        waitTimeSeconds: 1,
        handle: async (m) => {
          try {
            await handle(m.Body ?? '');
            return 'done';
          } catch {
            return 'retry';
          }
        },
      }),
  );
  for (const c of consumers) c.start();
  process.on('SIGTERM', () => {
    void Promise.all(consumers.map(async (c) => c.stop())).then(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------
// Driver

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

function pgbench(binDir: string, url: string): number {
  const u = new URL(url);
  const args = ['-h', u.hostname, '-p', u.port, '-U', 'postgres'];
  const db = u.pathname.slice(1);
  execFileSync(join(binDir, 'pgbench'), [...args, '-i', '-s', '10', '-q', db], { stdio: 'ignore' });
  const out = execFileSync(
    join(binDir, 'pgbench'),
    [...args, '-b', 'tpcb-like', '-c', '8', '-j', '2', '-T', '15', db],
    {
      encoding: 'utf8',
    },
  );
  const m = /tps = ([\d.]+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

interface RunResult {
  /** When the sender had sent the last event, from the first send. */
  sentSeconds: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  peakRss: number;
  committed: number;
  /** CPU milliseconds per event, by process, over the run (first send to last commit). */
  cpuMsPerEvent: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Where the CPU goes: user + system seconds of the processes of one run, from /proc.

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function procStat(pid: number): { ppid: number; ticks: number; reaped: number } | undefined {
  try {
    const s = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number(f[i - 3]);
    return { ppid: n(4), ticks: n(14) + n(15), reaped: n(16) + n(17) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
}

/** CPU seconds so far of `root` and every live descendant, plus what it reaped of its children. */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number; reaped: number }>();
  for (const pid of allPids()) {
    const st = procStat(pid);
    if (st) stats.set(pid, st);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; hops++) {
      if (p === root) return true;
      p = stats.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = stats.get(root)?.reaped ?? 0;
  for (const [pid, st] of stats) if (inTree(pid)) ticks += st.ticks;
  return ticks / TICKS_PER_SECOND;
}

/** The pid of the process whose command line holds every one of `parts`. */
function findPid(parts: readonly string[]): number | undefined {
  return allPids().find((pid) => {
    const c = cmdline(pid);
    return parts.every((p) => c.includes(p));
  });
}

interface CpuProbe {
  readonly name: string;
  readonly seconds: () => number;
}

function cpuProbes(pgPort: string, sqsPort: string, workerPid: number | undefined): CpuProbe[] {
  const pg = findPid(['postgres', ` -p ${pgPort} `]);
  const sqs = findPid(['sqs-server.ts', ` ${sqsPort}`]);
  return [
    { name: 'postgres', seconds: () => (pg ? treeCpuSeconds(pg) : NaN) },
    { name: 'consumer', seconds: () => (workerPid ? treeCpuSeconds(workerPid) : NaN) },
    { name: 'sqs endpoint', seconds: () => (sqs ? treeCpuSeconds(sqs) : NaN) },
    {
      name: 'sender',
      seconds: () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1e6;
      },
    },
  ];
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** A month-old history for a third as many payments, authorized → captured → settled, shuffled. */
function replayBodies(payments: readonly string[], events: number): string[] {
  let at = Date.now() - 30 * 86_400_000;
  const types = ['payment.authorized', 'payment.captured', 'payment.settled'];
  const bodies = payments.flatMap((p) =>
    types.map((type) =>
      JSON.stringify({
        event_id: newId('evt'),
        type,
        payment_id: p,
        occurred_at: new Date((at += 1)).toISOString(),
        data: { sent_at: 0 },
      }),
    ),
  );
  bodies.length = events;
  return shuffle(bodies, 17);
}

async function runConsumer(
  kind: 'peer' | 'worker',
  info: { pgUrl: string; endpoint: string; region: string; redisUrl: string },
  events: number,
  scenario: 'ordered' | 'replay' = 'ordered',
): Promise<RunResult> {
  const url = await createDatabase(info.pgUrl, `bench_${kind}_${String(Date.now() % 100000)}`);
  const db = createPool({ url, max: 4 });
  await migrate(db);
  const client = createSqsClient({ region: info.region, endpoint: info.endpoint });
  const queues: TestQueues = await createTestQueues(client);
  // One event per payment: a pure throughput figure, without the retries that out-of-order
  // pairs on a standard queue cause (the correctness of those is what the tests prove).
  const payments = await insertPayments(db, scenario === 'replay' ? Math.ceil(events / 3) : events);
  const bodies: string[] =
    scenario === 'replay'
      ? replayBodies(payments, events)
      : payments.map((p) => JSON.stringify({ ...event(p, 'payment.authorized'), data: { sent_at: 0 } }));
  bodies.length = events;
  const env = workerEnvVars({
    databaseUrl: url,
    redisUrl: info.redisUrl,
    endpoint: info.endpoint,
    region: info.region,
    queues,
    extra: {
      VISIBILITY_TIMEOUT: '30',
      RELAY_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '256',
      BATCH_SIZE: process.env.BENCH_BATCH_SIZE ?? '1000',
      WRITERS: process.env.BENCH_WRITERS ?? '2',
    },
  });
  const script =
    kind === 'peer' ? join(ROOT, 'test', 'bench', 'worker.bench.ts') : join(ROOT, 'worker', 'src', 'main.ts');
  const nodeArgs =
    kind === 'worker' ? (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...nodeArgs, script], {
    env: { ...process.env, ...env, ...(kind === 'peer' ? { WORKER_BENCH_PEER: '1' } : {}) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await new Promise((r) => setTimeout(r, 1500));
  const probes = cpuProbes(new URL(info.pgUrl).port, new URL(info.endpoint).port, child.pid);
  const cpuBefore = probes.map((p) => p.seconds());
  const started = Date.now();
  // The sender runs alongside; each body carries its send time.
  const stamped = (): string[] =>
    bodies.map((b) => b.replace('"sent_at":0', `"sent_at":${String(Date.now())}`));
  const lanes = 4;
  const per = Math.ceil(bodies.length / lanes);
  const all = stamped();
  await Promise.all(
    Array.from({ length: lanes }, async (_, i) => {
      const mine = all.slice(i * per, (i + 1) * per);
      for (let j = 0; j < mine.length; j += 200) {
        const part = mine
          .slice(j, j + 200)
          .map((b) => b.replace(/"sent_at":\d+/, `"sent_at":${String(Date.now())}`));
        await sendAll(client, queues.events, part);
      }
    }),
  );
  const sentAfter = Date.now() - started;
  for (;;) {
    const { rows } = await db.query<{ n: string }>(
      "select count(*)::text as n from processed_events where outcome = 'applied'",
    );
    if (Number(rows[0]?.n) >= events) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpuMsPerEvent = Object.fromEntries(
    probes.map((p, i) => [p.name, ((p.seconds() - (cpuBefore[i] ?? 0)) * 1000) / events]),
  );
  const { rows } = await db.query<{ sent: string; done: Date }>(
    `select (e.data->>'sent_at') as sent, p.processed_at as done
       from processed_events p join payment_events e on e.event_id = p.event_id`,
  );
  const last = Math.max(...rows.map((r) => r.done.getTime()));
  const lat = rows.map((r) => r.done.getTime() - Number(r.sent)).sort((a, b) => a - b);
  const peakRss = child.pid ? peakRssMiB(child.pid) : NaN;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await db.end();
  client.destroy();
  return {
    sentSeconds: sentAfter / 1000,
    eventsPerSecond: events / ((last - started) / 1000),
    p50: quantile(lat, 0.5),
    p99: quantile(lat, 0.99),
    peakRss,
    committed: rows.length,
    cpuMsPerEvent,
  };
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 60_000);
  const durable = process.env.BENCH_PG_DURABLE !== '0';
  const env = await startTestEnv({ kube: false, postgres: { durable } });
  console.log(`postgres: ${durable ? 'durable (fsync, synchronous_commit on)' : 'fsync off'}`);
  try {
    const info = {
      pgUrl: env.info.postgres.url,
      endpoint: env.info.sqs.endpoint,
      region: env.info.sqs.region,
      redisUrl: env.info.redis.url,
    };
    const benchDb = await createDatabase(info.pgUrl, 'bench_pgbench');
    const tps = pgbench(env.info.postgres.binDir, benchDb);
    console.log(`pgbench tpcb-like (scale 10, 8 clients, 15 s): ${tps.toFixed(0)} TPS`);
    const peerEvents = Math.min(events, Number(process.env.BENCH_PEER_EVENTS ?? 3000));
    const peerR = await runConsumer('peer', info, peerEvents);
    const print = (name: string, r: RunResult): void => {
      console.log(
        `${name}: ${r.eventsPerSecond.toFixed(0)} events/s end to end (${String(r.committed)} events), ` +
          `send→commit p50 ${String(r.p50)} ms, p99 ${String(r.p99)} ms, peak RSS ${String(r.peakRss)} MiB; ` +
          `all sent after ${r.sentSeconds.toFixed(1)} s of ${(r.committed / r.eventsPerSecond).toFixed(1)} s`,
      );
      const cpu = Object.entries(r.cpuMsPerEvent);
      const total = cpu.reduce((a, [, v]) => a + v, 0);
      console.log(
        `  CPU per event: ${cpu.map(([k, v]) => `${k} ${v.toFixed(3)} ms`).join(', ')}; ` +
          `total ${total.toFixed(3)} ms (2 cores: at most ${(2000 / total).toFixed(0)} events/s)`,
      );
    };
    print('peer (one transaction per event)', peerR);
    const workerR = await runConsumer('worker', info, events);
    print('payflow worker (micro-batched)', workerR);
    const replayR = await runConsumer('worker', info, events, 'replay');
    print('payflow worker, replay (shuffled, occurred_at a month old, ~half parked)', replayR);
    console.log(
      `ratios: worker/pgbench ${(workerR.eventsPerSecond / tps).toFixed(2)}× (target ≥ 1.5×), ` +
        `worker/peer ${(workerR.eventsPerSecond / peerR.eventsPerSecond).toFixed(2)}× (target ≥ 3×), ` +
        `replay/ordered ${(replayR.eventsPerSecond / workerR.eventsPerSecond).toFixed(2)}× (target ≥ 0.7×; ` +
        `replay/pgbench ${(replayR.eventsPerSecond / tps).toFixed(2)}×)`,
    );
  } finally {
    await env.stop();
  }
}

if (process.env.WORKER_BENCH_PEER === '1') peer();
else await main();
