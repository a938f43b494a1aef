import pg from 'pg';

// Postgres bigint (int8) and numeric arrive as strings by default; money is
// bigint minor units, so parse int8 to BigInt and never to a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));

export interface PoolSettings {
  url: string;
  max?: number;
  applicationName?: string;
}

export function createPool(s: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: s.url,
    max: s.max ?? 10,
    application_name: s.applicationName ?? 'payflow',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

export type { pg };
