import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

interface AuditRowJson {
  id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  actor_id: string | null;
  occurred_at: string;
  hash: string;
}
interface AuditPage {
  data: AuditRowJson[];
  pagination: { limit: number; offset: number; total: number; total_exact: boolean };
}
interface Verify {
  valid: boolean;
  chains: {
    chain: number;
    rows_checked: string;
    valid: boolean;
    first_bad_id: string | null;
    problem: string | null;
  }[];
}

describe('audit log API: list with filters, verify the hash chains (real PostgreSQL)', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startPaymentsApi('audit');
    pool = h.api.deps.pool;
    for (let i = 0; i < 5; i++) {
      const res = await h.call<{ id: string }>('POST', '/api/v1/transactions', {
        body: newPayment({ merchant_id: `m_audit_${String(i)}` }),
        user: i % 2 === 0 ? 'usr_even' : 'usr_odd',
      });
      ids.push(res.body.id);
    }
  });
  afterAll(async () => {
    await h.close();
  });

  const list = (qs: string, role: 'viewer' | 'none' = 'viewer') =>
    h.call<AuditPage>('GET', `/api/v1/audit?${qs}`, { role });

  it('when listed as the seed shows, then rows come newest first with an exact total', async () => {
    const res = await list('limit=50&offset=0');
    expect(res.status).toBe(200);
    expect(res.body.pagination).toEqual({ limit: 50, offset: 0, total: 5, total_exact: true });
    expect(res.body.data.map((a) => a.resource_id)).toEqual([...ids].reverse());
    const page2 = await list('limit=2&offset=2');
    expect(page2.body.data.map((a) => a.resource_id)).toEqual([...ids].reverse().slice(2, 4));
  });

  it('when filtered by resource, actor, action and time, then only matching rows come back', async () => {
    expect(
      (await list(`resource_type=payment&resource_id=${ids[1]!}`)).body.data.map((a) => a.resource_id),
    ).toEqual([ids[1]]);
    expect((await list('actor_id=usr_even')).body.pagination.total).toBe(3);
    expect((await list('action=payment.created')).body.pagination.total).toBe(5);
    expect((await list('action=payment.captured')).body.pagination.total).toBe(0);
    const all = (await list('')).body.data;
    const oldest = all.at(-1)!;
    expect((await list(`from=${encodeURIComponent(oldest.occurred_at)}`)).body.pagination.total).toBe(5);
    expect((await list(`to=${encodeURIComponent(oldest.occurred_at)}`)).body.pagination.total).toBe(0);
  });

  it('when parameters are bad or the caller is anonymous, then 400 naming the field / 401', async () => {
    for (const [qs, field] of [
      ['limit=0', 'limit'],
      ['offset=x', 'offset'],
      ['from=nope', 'from'],
      ['order=hash', 'order'],
    ] as const) {
      const res = await h.call<{ field: string; errors: { field: string }[] }>('GET', `/api/v1/audit?${qs}`, {
        role: 'viewer',
      });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e) => e.field)).toContain(field);
    }
    expect((await list('', 'none')).status).toBe(401);
  });

  it('when verify is called by a non-admin, then it is 403', async () => {
    expect((await h.call('GET', '/api/v1/audit/verify', { role: 'operator' })).status).toBe(403);
  });

  it('when nothing was tampered with, then verify says every chain is valid', async () => {
    const res = await h.call<Verify>('GET', '/api/v1/audit/verify', { role: 'admin' });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.chains).toHaveLength(8);
    expect(res.body.chains.reduce((n, c) => n + Number(c.rows_checked), 0)).toBe(5);
  });

  it('when a row is altered behind the trigger, then verify fails and names the row', async () => {
    const { rows } = await pool.query<{ id: string }>('select id from audit_log where resource_id = $1', [
      ids[2],
    ]);
    const victim = rows[0]!.id;
    // The log is append-only: a superuser must disable the trigger to tamper with it.
    const blocked = pool.query("update audit_log set reason = 'edited' where id = $1", [victim]);
    await expect(blocked).rejects.toThrow(/append-only/);
    await pool.query('alter table audit_log disable trigger audit_log_no_update');
    try {
      await pool.query("update audit_log set reason = 'edited' where id = $1", [victim]);
    } finally {
      await pool.query('alter table audit_log enable trigger audit_log_no_update');
    }
    const res = await h.call<Verify>('GET', '/api/v1/audit/verify', { role: 'admin' });
    expect(res.body.valid).toBe(false);
    const bad = res.body.chains.filter((c) => !c.valid);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ first_bad_id: victim, problem: 'content changed' });
  });
});
