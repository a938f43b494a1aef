import { describe, expect, it } from 'vitest';
import { createPool, loadMigrations, migrate } from '@payflow/api/store';
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
