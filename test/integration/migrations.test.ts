import { describe, expect, it } from 'vitest';
import { createPool, ensurePaymentPartitions, loadMigrations, migrate } from '@payflow/api/store';
import { freshDatabase } from '../support/env.ts';

describe('migration runner against PostgreSQL', () => {
  it('when run on an empty database, then it applies every migration once and records it', async () => {
    const pool = createPool({ url: await freshDatabase('mig') });
    try {
      const all = loadMigrations();
      const first = await migrate(pool);
      expect(first.applied).toEqual(all.map((m) => `${m.version}_${m.name}`));
      const { rows } = await pool.query<{ version: string }>(
        'select version from schema_migrations order by version',
      );
      expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
      const table = await pool.query("select to_regclass('public.service_heartbeats') as t");
      expect(table.rows[0]).toEqual({ t: 'service_heartbeats' });
      const second = await migrate(pool);
      expect(second.applied).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('when several processes migrate at once, then each migration is applied exactly once', async () => {
    const url = await freshDatabase('mig');
    const pools = [1, 2, 3].map(() => createPool({ url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p)));
      const appliedCount = results.reduce((n, r) => n + r.applied.length, 0);
      expect(appliedCount).toBe(loadMigrations().length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('when an applied migration was edited, then it refuses to run', async () => {
    const pool = createPool({ url: await freshDatabase('mig') });
    try {
      const all = loadMigrations();
      await migrate(pool, all);
      const edited = all.map((m, i) => (i === 0 ? { ...m, checksum: 'changed' } : m));
      await expect(migrate(pool, edited)).rejects.toThrow(/changed after it was applied/);
    } finally {
      await pool.end();
    }
  });

  it('when a migration fails, then nothing of it is left behind', async () => {
    const pool = createPool({ url: await freshDatabase('mig') });
    try {
      const bad = {
        version: '9999',
        name: 'broken',
        checksum: 'x',
        sql: 'create table half (id int); select 1/0;',
      };
      await expect(migrate(pool, [bad])).rejects.toThrow(/9999_broken failed: division by zero/);
      const { rows } = await pool.query("select to_regclass('public.half') as t");
      expect(rows[0]).toEqual({ t: null });
    } finally {
      await pool.end();
    }
  });
});

describe('payment partitions, made on demand', () => {
  it('when migrated, then only the months around now have partitions; ensure adds the next ones once', async () => {
    const pool = createPool({ url: await freshDatabase('part') });
    try {
      await migrate(pool);
      const count = async (): Promise<number> =>
        Number(
          (
            await pool.query<{ n: bigint }>(
              "select count(*) as n from pg_inherits where inhparent = 'payments'::regclass",
            )
          ).rows[0]?.n,
        );
      expect(await count()).toBe(5); // default + previous, current and the next two months
      expect(await ensurePaymentPartitions(pool, { monthsBack: 1, monthsAhead: 5 })).toBe(3);
      expect(await ensurePaymentPartitions(pool, { monthsBack: 1, monthsAhead: 5 })).toBe(0);
      expect(await count()).toBe(8);
    } finally {
      await pool.end();
    }
  });

  it('when rows of a month already sit in the default partition, then that month is skipped, not an error', async () => {
    const pool = createPool({ url: await freshDatabase('part') });
    try {
      await migrate(pool);
      const old = new Date(Date.UTC(2020, 5, 15));
      await pool.query(
        `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
         values ('pay_old', $1, 'm', 'p', 100, 'USD', 'pending')`,
        [old],
      );
      const made = await pool.query<{ made: number }>(
        "select ensure_payment_partitions('2020-05-01', 3) as made",
      );
      expect(made.rows[0]?.made).toBe(2); // May and July; June holds a row in the default partition
      const where = await pool.query<{ part: string }>(
        "select tableoid::regclass::text as part from payments where id = 'pay_old'",
      );
      expect(where.rows[0]?.part).toBe('payments_default');
    } finally {
      await pool.end();
    }
  });
});
