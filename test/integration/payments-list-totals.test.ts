// The list-total cache behind GET /transactions: a total is reused for the same filter while no
// payment that filter could include has changed, and never served when a change may have been
// missed. Changes made by another process are SQL on another connection, heard only through the
// payflow_payments notification (as the worker's are).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTimestamp, newId } from '@payflow/api/domain';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

interface Page {
  data: { id: string }[];
  pagination: { total: number | null; total_exact: boolean };
}

describe('list totals of GET /transactions', () => {
  let h: PaymentsHarness;
  let other: pg.Client;
  let seq = 0;

  beforeAll(async () => {
    h = await startPaymentsApi('paytotals');
    other = new pg.Client({ connectionString: h.api.deps.config.DATABASE_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await h.close();
  });

  /** A fresh merchant name, so that each test counts its own payments. */
  const merchant = (): string => `m_totals_${String(++seq)}`;

  /** Inserts a payment behind the API's back; notifies as the worker does when `notify`. */
  async function insertBehind(merchantId: string, notify: 'full' | 'id-only' | 'none'): Promise<string> {
    const id = newId('pay');
    await other.query('begin');
    await other.query(
      `insert into payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency,
         current_state, metadata)
       values ($1, $2, $2, $3, 'payer_totals', 1000, 'USD', 'pending', '{}')`,
      [id, new Date(idTimestamp(id)), merchantId],
    );
    const note =
      notify === 'full' ? { id, merchant_id: merchantId, payer_id: 'payer_totals', version: 1 } : { id };
    if (notify !== 'none')
      await other.query(`select pg_notify('payflow_payments', $1)`, [JSON.stringify(note)]);
    await other.query('commit');
    return id;
  }

  async function total(merchantId: string, extra = ''): Promise<number | null> {
    const res = await h.call<Page>('GET', `/api/v1/transactions?merchant_id=${merchantId}${extra}`, {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    return res.body.pagination.total;
  }

  async function lookups(): Promise<{ hit: number; miss: number }> {
    const m = await h.api.deps.registry.getSingleMetric('payflow_list_total_cache_lookups')?.get();
    const of = (r: string): number => m?.values.find((v) => v.labels.result === r)?.value ?? 0;
    return { hit: of('hit'), miss: of('miss') };
  }

  /** Lists until the total cache is listening and holds this merchant's total (a hit). */
  async function untilCached(merchantId: string): Promise<number | null> {
    for (let i = 0; i < 200; i++) {
      const before = await lookups();
      const t = await total(merchantId);
      if ((await lookups()).hit > before.hit) return t;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the list total cache never served');
  }

  async function untilTotal(merchantId: string, expected: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await total(merchantId)) === expected) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`total of ${merchantId} never became ${String(expected)}`);
  }

  it('when pages of one filter are read, then the total is counted once and reused', async () => {
    const m = merchant();
    for (let i = 0; i < 3; i++) await insertBehind(m, 'none');
    expect(await untilCached(m)).toBe(3);
    const before = await lookups();
    const page2 = await h.call<Page>('GET', `/api/v1/transactions?merchant_id=${m}&limit=2&offset=2`, {
      role: 'viewer',
    });
    expect(page2.body.data).toHaveLength(1);
    expect(page2.body.pagination).toMatchObject({ total: 3, total_exact: true });
    expect((await lookups()).hit - before.hit).toBe(1);
    // Asked without a total: neither served nor counted.
    const none = await h.call<Page>('GET', `/api/v1/transactions?merchant_id=${m}&include_total=false`, {
      role: 'viewer',
    });
    expect(none.body.pagination.total).toBeNull();
  });

  it('when this API creates or moves a payment, then its very next list shows the new total', async () => {
    const m = merchant();
    await insertBehind(m, 'none');
    expect(await untilCached(m)).toBe(1);
    const created = await h.call<{ id: string }>('POST', '/api/v1/transactions', {
      body: newPayment({ merchant_id: m }),
    });
    expect(created.status).toBe(201);
    expect(await total(m)).toBe(2); // no waiting for the notification
    expect(await untilCached(m)).toBe(2);
    expect(await total(m, '&state=pending')).toBe(2);
    expect(await untilCached(`${m}&state=pending`)).toBe(2);
    // Authorized behind the API without a notification: the cached pending total stands ...
    await other.query(
      "update payments set current_state = 'authorized', version = version + 1 where id = $1",
      [created.body.id],
    );
    expect(await total(m, '&state=pending')).toBe(2);
    // ... until this API voids the payment: its own command drops the merchant's totals.
    const voided = await h.call('POST', `/api/v1/transactions/${created.body.id}/void`, { body: {} });
    expect(voided.status).toBe(200);
    expect(await total(m, '&state=pending')).toBe(1);
    expect(await total(m, '&state=voided')).toBe(1);
  });

  it('when another process adds a payment and notifies, then the total follows; other merchants keep theirs', async () => {
    const [m, n] = [merchant(), merchant()];
    await insertBehind(m, 'none');
    await insertBehind(n, 'none');
    expect(await untilCached(m)).toBe(1);
    expect(await untilCached(n)).toBe(1);
    // Added without a notification: the cached total stands (what makes the next step a test).
    await insertBehind(m, 'none');
    expect(await total(m)).toBe(1);
    await insertBehind(m, 'full');
    await untilTotal(m, 3);
    const before = await lookups();
    expect(await total(n)).toBe(1);
    expect((await lookups()).hit - before.hit).toBe(1);
  });

  it('when a notification does not name the merchant, then no cached total survives it', async () => {
    const [m, n] = [merchant(), merchant()];
    await insertBehind(m, 'none');
    await insertBehind(n, 'none');
    expect(await untilCached(m)).toBe(1);
    expect(await untilCached(n)).toBe(1);
    await insertBehind(n, 'none');
    await insertBehind(m, 'id-only');
    await untilTotal(m, 2);
    expect(await total(n)).toBe(2);
  });

  it('when the LISTEN connection is lost, then no total cached before is served again', async () => {
    const m = merchant();
    await insertBehind(m, 'none');
    expect(await untilCached(m)).toBe(1);
    const { rows } = await other.query<{ n: number }>(
      `select count(*)::int n from (select pg_terminate_backend(pid) from pg_stat_activity
        where application_name = 'payflow-api-cache' and datname = current_database()) t`,
    );
    expect(rows[0]?.n).toBe(1);
    await insertBehind(m, 'none');
    await untilTotal(m, 2);
    expect(await untilCached(m)).toBe(2);
  });

  it("when the API's pooled connections run a statement, then it is planned generically from the start", async () => {
    const { rows } = await h.api.deps.pool.query<{ plan_cache_mode: string }>('show plan_cache_mode');
    expect(rows[0]?.plan_cache_mode).toBe('force_generic_plan');
  });
});
