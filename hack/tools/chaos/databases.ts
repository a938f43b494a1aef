// Stopping and restarting the data stores, only where that is safe to do:
//
//   Redis       a private redis-server the tool starts itself on 127.0.0.1 (Debian's package),
//               used by the run's workers for their duplicate fast path; the stack's own Redis is
//               never touched. A restart is a real one: SIGTERM, down for a while, started again
//               on the same port with no data (what a Redis restart without persistence loses).
//   PostgreSQL  the stack's server, only when it runs on this machine's loopback and its data
//               directory lies in a folder the test environment or the local demo made
//               (payflow-testenv-* in the temporary folder, the demo folder). Anything else is
//               refused with the reason. The restart is a crash-restart: one server process is
//               killed with SIGKILL, so the postmaster ends every connection, recovers from the
//               WAL and takes connections again; the postmaster itself (and so whoever started
//               it) stays in charge.
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import pg from 'pg';
import { canConnect, freePort, startProcess, waitFor, type Service } from '../../testenv/proc.ts';
import { UsageError } from '../lib/errors.ts';
import { assertLoopbackUrl } from './loopback.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

/** A fault refused (a server the tool may not restart, a tool it lacks): exit 2, saying why. */
export class Refused extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'Refused';
  }
}

export class PrivateRedis {
  private service: Service | undefined;
  port = 0;
  restarts = 0;

  private readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${String(this.port)}`;
  }

  async start(): Promise<void> {
    if (!existsSync(REDIS_SERVER))
      throw new Refused(
        `the redis-restart fault needs ${REDIS_SERVER} (Debian package redis-server) to start a private Redis; it is not installed`,
      );
    if (this.port === 0) this.port = await freePort();
    const service = startProcess({
      name: 'redis',
      command: REDIS_SERVER,
      args: [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir],
        ...['--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--daemonize', 'no'],
      ],
      logFile: join(this.dir, 'redis.log'),
    });
    this.service = service;
    await waitFor('private redis', async () => canConnect(this.port), { timeoutMs: 15_000, service });
  }

  async stop(): Promise<void> {
    await this.service?.stop();
    this.service = undefined;
  }

  /** Stops it, waits `downMs`, starts it again on the same port. */
  async restart(downMs: number): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
    this.restarts++;
  }
}

/** Folders whose PostgreSQL the tool may crash-restart: the test environment's and the demo's. */
export function restartableFolders(demoDir: string | undefined): string[] {
  const out = [join(resolve(tmpdir()), 'payflow-testenv-')];
  if (demoDir) out.push(resolve(demoDir) + sep);
  return out;
}

export interface PostgresTarget {
  readonly dataDirectory: string;
  readonly backendPid: number;
}

/**
 * With commits acknowledged before their WAL is flushed, a crash-restart loses the last ones: the
 * acknowledged-writes check would then count the server's setting against the product.
 */
async function assertDurableCommits(client: pg.Client): Promise<void> {
  const r = await client.query<{ s: string }>('select current_setting($1) as s', ['synchronous_commit']);
  if (r.rows[0]?.s === 'off')
    throw new Refused(
      'postgres-restart: the server (or this database) has synchronous_commit=off, so a crash-restart loses the commits it acknowledged last and the run would count them against the product; run against a durable server or leave postgres-restart out',
    );
}

/**
 * Checks that the stack's PostgreSQL may be crash-restarted; returns what identifies it, or
 * throws Refused saying why not.
 */
export async function restartablePostgres(
  databaseUrl: string,
  folders: readonly string[],
): Promise<PostgresTarget> {
  assertLoopbackUrl('DATABASE_URL', databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    let dataDirectory: string;
    try {
      const r = await client.query<{ d: string }>('select current_setting($1) as d', ['data_directory']);
      dataDirectory = resolve(r.rows[0]?.d ?? '');
    } catch (err) {
      throw new Refused(
        `postgres-restart: cannot read the server's data_directory (${(err as Error).message}); only a server the test environment or the demo started may be restarted`,
      );
    }
    if (!folders.some((f) => dataDirectory.startsWith(f)))
      throw new Refused(
        `postgres-restart: the server's data directory ${dataDirectory} is not in a folder the test environment or the demo made (${folders.join(', ')}); refusing to restart it`,
      );
    await assertDurableCommits(client);
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    const cmdline = `/proc/${String(pid)}/cmdline`;
    if (!existsSync(cmdline) || !readFileSync(cmdline, 'utf8').includes('postgres'))
      throw new Refused(
        `postgres-restart: the server's process ${String(pid)} is not on this machine (a forwarded port?); refusing`,
      );
    return { dataDirectory, backendPid: pid };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Crash-restarts the server: a fresh backend of ours is killed with SIGKILL; the postmaster then
 * resets every connection and recovers. Resolves once the server answers again.
 */
export async function crashRestartPostgres(databaseUrl: string, folders: readonly string[]): Promise<number> {
  const started = Date.now();
  const victim = await restartablePostgres(databaseUrl, folders);
  // restartablePostgres closed its connection; open one more to kill, so that the victim is idle.
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  const pid =
    (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? victim.backendPid;
  process.kill(pid, 'SIGKILL');
  await client.end().catch(() => undefined);
  // The postmaster notices the death at once and resets every connection; let it begin.
  await new Promise((r) => setTimeout(r, 300));
  await waitFor(
    'postgres after its crash-restart',
    async () => {
      const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 1000 });
      try {
        await c.connect();
        await c.query('select 1');
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    },
    { timeoutMs: 60_000 },
  );
  return Date.now() - started;
}
