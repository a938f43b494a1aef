import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneIdempotencyKeys } from '../../api/src/http/idempotency.ts';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

describe('Idempotency-Key on POST /api/v1/transactions (real PostgreSQL)', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;

  beforeAll(async () => {
    h = await startPaymentsApi('idem');
    pool = h.api.deps.pool;
  });
  afterAll(async () => {
    await h.close();
  });

  async function paymentsOf(merchant: string): Promise<number> {
    const { rows } = await pool.query<{ n: bigint }>(
      'select count(*) n from payments where merchant_id = $1',
      [merchant],
    );
    return Number(rows[0]?.n);
  }

  const post = (key: string, body: unknown, user?: string) =>
    h.call<{ id: string }>('POST', '/api/v1/transactions', {
      body,
      headers: { 'Idempotency-Key': key },
      ...(user ? { user } : {}),
    });

  it('when the same key and body are sent twice, then the second gets the stored response, replayed, and one payment exists', async () => {
    const body = newPayment({ merchant_id: 'm_idem_same' });
    const first = await post('key-same-1', body);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body with keys in another order is the same request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await post('key-same-1', reordered);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(second.body).toEqual(first.body);
    expect(await paymentsOf('m_idem_same')).toBe(1);
  });

  it('when the same key comes with a different body or path, then it is a 422 naming the header and nothing is created', async () => {
    const first = await post('key-mismatch', newPayment({ merchant_id: 'm_idem_mm' }));
    expect(first.status).toBe(201);
    const other = await post('key-mismatch', newPayment({ merchant_id: 'm_idem_mm', amount: 101 }));
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.body).toMatchObject({ code: 'idempotency_key_mismatch', field: 'Idempotency-Key' });
    const path = await h.call('POST', `/api/v1/transactions/${first.body.id}/capture`, {
      headers: { 'Idempotency-Key': 'key-mismatch' },
    });
    expect(path.status).toBe(422);
    expect(await paymentsOf('m_idem_mm')).toBe(1);
  });

  it('when two callers use the same key, then each gets its own payment (keys are scoped to the principal)', async () => {
    const body = newPayment({ merchant_id: 'm_idem_scope' });
    const a = await post('shared-key', body, 'usr_alice');
    const b = await post('shared-key', body, 'usr_bob');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.id).not.toBe(b.body.id);
    expect(await paymentsOf('m_idem_scope')).toBe(2);
  });

  it('when 20 identical requests race, then exactly one payment is created and every answer is that payment or a 409', async () => {
    const body = newPayment({ merchant_id: 'm_idem_race' });
    const replies = await Promise.all(Array.from({ length: 20 }, () => post('race-key', body)));
    expect(await paymentsOf('m_idem_race')).toBe(1);
    const created = replies.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const r of replies) expect([201, 409]).toContain(r.status);
  });

  it('when the first request is still in flight, then a duplicate gets a 409 and creates nothing', async () => {
    const body = newPayment({ merchant_id: 'm_idem_flight' });
    // Hold the key as an in-flight request would: claimed in a transaction not yet committed.
    const holder = await pool.connect();
    try {
      await holder.query('begin');
      await holder.query(
        `insert into idempotency_keys (scope, key, request_method, request_path, request_hash, state)
         values ('usr_test_operator', 'flight-key', 'POST', '/api/v1/transactions', 'x', 'started')`,
      );
      const dup = await post('flight-key', body);
      expect(dup.status).toBe(409);
      expect(dup.body).toMatchObject({ code: 'idempotency_key_in_use', field: 'Idempotency-Key' });
    } finally {
      await holder.query('rollback');
      holder.release();
    }
    expect(await paymentsOf('m_idem_flight')).toBe(0);
    // Once the holder is gone, the key is free again.
    expect((await post('flight-key', body)).status).toBe(201);
  });

  it('when the handler waits on a row lock longer than the key wait, then it still completes (the key wait does not cap it)', async () => {
    const tx = await post('slow-create', newPayment({ merchant_id: 'm_idem_slow' }));
    await pool.query('update payments set current_state = $1 where id = $2', ['authorized', tx.body.id]);
    const holder = await pool.connect();
    let capture: Promise<{ status: number }>;
    try {
      await holder.query('begin');
      await holder.query('select 1 from payments where id = $1 for update', [tx.body.id]);
      capture = h.call('POST', `/api/v1/transactions/${tx.body.id}/capture`, {
        headers: { 'Idempotency-Key': 'slow-capture' },
      });
      // Longer than the 2 s a duplicate waits for a key: the capture's own lock wait must outlast it.
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      await holder.query('commit');
      holder.release();
    }
    expect((await capture).status).toBe(200);
  });

  it('when a key has expired, then it is ignored: the request runs again and the key is re-armed', async () => {
    const body = newPayment({ merchant_id: 'm_idem_exp' });
    const first = await post('exp-key', body);
    await pool.query(
      "update idempotency_keys set expires_at = now() - interval '1 second' where key = 'exp-key'",
    );
    const second = await post('exp-key', body);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.id).not.toBe(first.body.id);
    const third = await post('exp-key', body);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(third.body.id).toBe(second.body.id);
    expect(await paymentsOf('m_idem_exp')).toBe(2);
  });

  it('when keys have expired, then pruning deletes them and keeps live ones', async () => {
    await post('prune-live', newPayment({ merchant_id: 'm_idem_prune' }));
    await post('prune-dead', newPayment({ merchant_id: 'm_idem_prune' }));
    await pool.query(
      "update idempotency_keys set expires_at = now() - interval '1 hour' where key = 'prune-dead'",
    );
    expect(await pruneIdempotencyKeys(pool)).toBeGreaterThanOrEqual(1);
    const { rows } = await pool.query<{ key: string }>(
      "select key from idempotency_keys where key like 'prune-%'",
    );
    expect(rows.map((r) => r.key)).toEqual(['prune-live']);
  });

  it('when the request fails, then nothing is stored under the key and a corrected retry with it succeeds', async () => {
    const tx = await post('fail-create', newPayment({ merchant_id: 'm_idem_fail' }));
    const capture = () =>
      h.call<{ current_state: string }>('POST', `/api/v1/transactions/${tx.body.id}/capture`, {
        headers: { 'Idempotency-Key': 'fail-capture' },
      });
    expect((await capture()).status).toBe(409);
    const { rows } = await pool.query("select 1 from idempotency_keys where key = 'fail-capture'");
    expect(rows).toHaveLength(0);
    const bad = await post('fail-bad', newPayment({ merchant_id: 'm_idem_fail', amount: -5 }));
    expect(bad.status).toBe(400);
    expect((await post('fail-bad', newPayment({ merchant_id: 'm_idem_fail', amount: 5 }))).status).toBe(201);
  });

  it('when the key is malformed, then it is a 400 naming Idempotency-Key and nothing is created', async () => {
    for (const key of ['', 'k'.repeat(256)]) {
      const res = await post(key, newPayment({ merchant_id: 'm_idem_badkey' }));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ field: 'Idempotency-Key' });
    }
    expect(await paymentsOf('m_idem_badkey')).toBe(0);
  });
});
