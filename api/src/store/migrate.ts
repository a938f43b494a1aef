import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';

export const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');

/** Any Postgres id for the advisory lock that serialises migrations across processes. */
const LOCK_ID = 0x7061_7966;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  current: string | undefined;
}

/** Reads `NNNN_name.sql` files in order. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      const [version = '', ...rest] = file.replace(/\.sql$/, '').split('_');
      return { version, name: rest.join('_'), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

async function appliedChecksums(client: pg.ClientBase): Promise<Map<string, string>> {
  await client.query(`create table if not exists schema_migrations (
    version text primary key,
    name text not null,
    checksum text not null,
    applied_at timestamptz not null default now()
  )`);
  const { rows } = await client.query<{ version: string; checksum: string }>(
    'select version, checksum from schema_migrations',
  );
  return new Map(rows.map((r) => [r.version, r.checksum]));
}

function assertUnchanged(migrations: Migration[], applied: Map<string, string>): void {
  for (const m of migrations) {
    const sum = applied.get(m.version);
    if (sum !== undefined && sum !== m.checksum) {
      throw new Error(
        `migration ${m.version}_${m.name} was changed after it was applied; migrations are forward-only`,
      );
    }
  }
}

async function applyOne(client: pg.ClientBase, m: Migration): Promise<void> {
  await client.query('begin');
  try {
    await client.query(m.sql);
    await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
      m.version,
      m.name,
      m.checksum,
    ]);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback');
    throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Applies pending forward-only migrations, each in its own transaction, under
 * an advisory lock so that several processes starting at once apply each
 * migration exactly once. Refuses to run when an applied file was edited.
 */
export async function migrate(
  pool: pg.Pool,
  migrations: Migration[] = loadMigrations(),
): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_ID]);
    const applied = await appliedChecksums(client);
    assertUnchanged(migrations, applied);
    const pending = migrations.filter((m) => !applied.has(m.version));
    for (const m of pending) await applyOne(client, m);
    return { applied: pending.map((m) => `${m.version}_${m.name}`), current: migrations.at(-1)?.version };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
}
