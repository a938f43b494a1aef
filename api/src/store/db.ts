import pg from 'pg';
import { parseTimestamptz } from './timestamptz.ts';

// Postgres bigint (int8) and numeric arrive as strings by default; money is
// bigint minor units, so parse int8 to BigInt and never to a float.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => BigInt(v));
const generalTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => unknown;
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => parseTimestamptz(v, generalTimestamptz));

export interface PoolSettings {
  url: string;
  max?: number;
  applicationName?: string;
  /**
   * Plan prepared statements generically from their first execution (`plan_cache_mode =
   * force_generic_plan`). Postgres otherwise plans the first five executions of each statement
   * on each connection for their parameters; on the partitioned payments table (a partition per
   * month, a dozen indexes each) one such plan costs milliseconds, so every new pooled
   * connection paid tens of milliseconds of planning per list statement before its plan was
   * cached. Generic plans prune partitions at execution time from the parameters.
   */
  genericPlans?: boolean;
}

export function createPool(s: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: s.url,
    max: s.max ?? 10,
    application_name: s.applicationName ?? 'payflow',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    ...(s.genericPlans ? { options: '-c plan_cache_mode=force_generic_plan' } : {}),
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one (a transaction in flight when PostgreSQL restarts): pg rejects its
  // queries and also emits 'error' on the client, which, with no listener, would end the process.
  // The rejection reaches the caller; release() then discards the broken client.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

export type { pg };
