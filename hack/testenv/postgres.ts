import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDebianPackage, isRoot } from './debian.ts';
import { freePort, run, startProcess, waitFor, type Service } from './proc.ts';

export interface PostgresInstance {
  readonly url: string;
  readonly port: number;
  readonly binDir: string;
  readonly service: Service;
}

function debianBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(base, versions[0], 'bin');
}

async function owner(): Promise<{ uid?: number; gid?: number }> {
  if (!isRoot()) return {};
  // PostgreSQL refuses to run as root; Debian's package creates the postgres user.
  const uid = Number((await run('id', ['-u', 'postgres'])).trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).trim());
  return { uid, gid };
}

export interface PostgresOptions {
  /**
   * Durable as in production: fsync, synchronous_commit and full_page_writes
   * on. Tests run without (default false); benchmarks that compare commit
   * rates use it, since what they measure is the cost of a durable commit.
   */
  durable?: boolean;
}

function durabilitySettings(durable: boolean): string[] {
  const v = durable ? 'on' : 'off';
  return ['-c', `fsync=${v}`, '-c', `synchronous_commit=${v}`, '-c', `full_page_writes=${v}`];
}

/**
 * Starts a throw-away PostgreSQL cluster from Debian's packages: initdb into
 * `dir`, listen on a free loopback port, fsync off unless asked to be
 * durable. The system cluster is never touched.
 */
export async function startPostgres(dir: string, opts: PostgresOptions = {}): Promise<PostgresInstance> {
  await ensureDebianPackage('postgresql', () => debianBinDir() !== undefined);
  const binDir = debianBinDir() ?? '';
  const ids = await owner();
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  chmodSync(dir, 0o755);
  if (ids.uid !== undefined && ids.gid !== undefined) {
    chownSync(dir, ids.uid, ids.gid);
    chownSync(sock, ids.uid, ids.gid);
  }
  await run(
    join(binDir, 'initdb'),
    ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
    ids,
  );
  const port = await freePort();
  const service = startProcess({
    name: 'postgres',
    command: join(binDir, 'postgres'),
    args: [
      ...['-D', data, '-p', String(port), '-k', sock],
      ...['-c', 'listen_addresses=127.0.0.1', ...durabilitySettings(opts.durable ?? false)],
      ...['-c', 'max_connections=300', '-c', 'shared_buffers=256MB'],
    ],
    logFile: join(dir, 'postgres.log'),
    ...ids,
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitFor('postgres', async () => ping(url), { timeoutMs: 60_000, service });
  return { url, port, binDir, service };
}

/** True once PostgreSQL at `url` answers a query. */
export async function ping(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates a fresh database on the instance and returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
