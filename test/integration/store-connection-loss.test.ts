import { describe, expect, it } from 'vitest';
import { createPool, withTransaction } from '@payflow/api/store';
import { migratedDatabase } from '../support/env.ts';

describe('pooled PostgreSQL clients losing their connection', () => {
  it('when the server ends the connection of a transaction in flight (as a restart does), then the transaction fails and the process and the pool go on', async () => {
    const url = await migratedDatabase('connloss');
    const pool = createPool({ url, max: 2 });
    const admin = createPool({ url, max: 1 });
    let pid = 0;
    const tx = withTransaction(pool, async (client) => {
      pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
      await client.query('select pg_sleep(30)');
    });
    while (pid === 0) await new Promise((r) => setTimeout(r, 20));
    await admin.query('select pg_terminate_backend($1)', [pid]);
    await expect(tx).rejects.toThrow(/terminat/);
    // Another crash-free round: the pool hands out a fresh connection.
    const { rows } = await pool.query<{ one: number }>('select 1 as one');
    expect(rows).toEqual([{ one: 1 }]);
    await pool.end();
    await admin.end();
  });
});
