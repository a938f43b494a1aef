// The per-process payment cache behind GET /transactions/:id: what it serves, and when it must
// stop serving. A change made by another process is modelled as SQL on another connection
// (what the worker does); the cache hears of it only through the payflow_payments notification.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idTimestamp, newId } from '@payflow/api/domain';
import { startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

interface Tx {
  id: string;
  current_state: string;
  version: number;
  flagged: boolean;
}

const CACHE_APP = 'payflow-api-cache';

describe('payment cache of GET /transactions/:id', () => {
  let h: PaymentsHarness;
  let other: pg.Client;

  beforeAll(async () => {
    h = await startPaymentsApi('paycache');
    other = new pg.Client({ connectionString: h.api.deps.config.DATABASE_URL });
    await other.connect();
  });
  afterAll(async () => {
    await other.end();
    await h.close();
  });

  /**
   * A payment written straight into the table, with no notification: the API's own create
   * would notify, and that notification, arriving at any moment after the test has cached the
   * payment, would make the assertions below race with it.
   */
  async function create(): Promise<Tx> {
    const id = newId('pay');
    const at = new Date(idTimestamp(id));
    await other.query(
      `insert into payments (id, created_at, updated_at, merchant_id, payer_id, amount_minor, currency,
         current_state, metadata)
       values ($1, $2, $2, 'merchant_cache', 'payer_cache', 1000, 'USD', 'pending', '{}')`,
      [id, at],
    );
    return get(id);
  }

  async function get(id: string): Promise<Tx> {
    const res = await h.call<Tx>('GET', `/api/v1/transactions/${id}`, { role: 'viewer' });
    expect(res.status).toBe(200);
    return res.body;
  }

  async function lookups(): Promise<{ hit: number; miss: number }> {
    const m = await h.api.deps.registry.getSingleMetric('payflow_payment_cache_lookups')?.get();
    const of = (r: string): number => m?.values.find((v) => v.labels.result === r)?.value ?? 0;
    return { hit: of('hit'), miss: of('miss') };
  }

  /** Waits until the API's cache LISTEN connection is active (it opens with the first read). */
  async function untilListening(id: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const m = await h.api.deps.registry.getSingleMetric('payflow_payment_cache_listening')?.get();
      if (m?.values[0]?.value === 1) return;
      await get(id);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error('the payment cache never started listening');
  }

  /** A change behind the API's back, as another process would make it: optionally notified. */
  async function flagBehindTheApi(id: string, notify: boolean): Promise<void> {
    await other.query('begin');
    const { rows } = await other.query<{ version: number }>(
      `update payments set flagged = true, version = version + 1, updated_at = now()
        where id = $1 returning version`,
      [id],
    );
    if (notify) {
      const note = { id, type: 'payment.flagged', current_state: 'pending', version: rows[0]?.version };
      await other.query(`select pg_notify('payflow_payments', $1)`, [JSON.stringify(note)]);
    }
    await other.query('commit');
  }

  /** Reads until the change is seen; fails if it is not seen while the entry would still live (TTL 30 s). */
  async function untilFlagged(id: string): Promise<Tx> {
    for (let i = 0; i < 200; i++) {
      const got = await get(id);
      if (got.flagged) return got;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`payment ${id} still served unflagged`);
  }

  it('when a payment is read twice, then the second read is a cache hit with the same body', async () => {
    const tx = await create();
    await untilListening(tx.id);
    const first = await get(tx.id);
    const before = await lookups();
    const second = await get(tx.id);
    const after = await lookups();
    expect(second).toEqual(first);
    expect(after.hit - before.hit).toBe(1);
    // Served from the cached JSON text: the same content type as any JSON answer, the same
    // fields as the payment in a list page.
    const hit = await h.call<Tx>('GET', `/api/v1/transactions/${tx.id}`, { role: 'viewer' });
    expect(hit.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const list = await h.call<{ data: Tx[] }>('GET', `/api/v1/transactions?q=${tx.id}`, { role: 'viewer' });
    expect(list.body.data).toEqual([hit.body]);
  });

  it('when another process changes a payment and notifies, then the next reads see the change', async () => {
    const tx = await create();
    await untilListening(tx.id);
    expect((await get(tx.id)).flagged).toBe(false);
    // Without a notification the cache keeps its copy: this is what makes the next step a test.
    await flagBehindTheApi(tx.id, false);
    expect((await get(tx.id)).flagged).toBe(false);
    await other.query('update payments set flagged = false, version = version - 1 where id = $1', [tx.id]);

    await flagBehindTheApi(tx.id, true);
    const seen = await untilFlagged(tx.id);
    expect(seen.version).toBe(tx.version + 1);
  });

  it('when this API changes a payment, then its very next read sees the change (read-your-writes)', async () => {
    const tx = await create();
    await untilListening(tx.id);
    await other.query(
      "update payments set current_state = 'authorized', version = version + 1 where id = $1",
      [tx.id],
    );
    await other.query(`select pg_notify('payflow_payments', $1)`, [JSON.stringify({ id: tx.id })]);
    const authorized = await untilStateIs(tx.id, 'authorized');
    expect((await get(tx.id)).current_state).toBe('authorized'); // cached now
    const cap = await h.call<Tx>('POST', `/api/v1/transactions/${tx.id}/capture`);
    expect(cap.status).toBe(200);
    // No waiting: the capture's own invalidation, not the notification, makes this read fresh.
    const got = await get(tx.id);
    expect(got.current_state).toBe('captured');
    expect(got.version).toBe(authorized.version + 1);
  });

  async function untilStateIs(id: string, state: string): Promise<Tx> {
    for (let i = 0; i < 200; i++) {
      const got = await get(id);
      if (got.current_state === state) return got;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`payment ${id} never read as ${state}`);
  }

  it('when the LISTEN connection is lost, then nothing cached before is served again', async () => {
    const tx = await create();
    await untilListening(tx.id);
    expect((await get(tx.id)).flagged).toBe(false);
    const { rows } = await other.query<{ n: number }>(
      'select count(*)::int n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and datname = current_database()) t',
      [CACHE_APP],
    );
    expect(rows[0]?.n).toBe(1);
    // Changed without a notification while (or after) the cache lost its connection: only
    // dropping everything on the loss, not the TTL, lets the next reads see it.
    await flagBehindTheApi(tx.id, false);
    await untilFlagged(tx.id);
    // And once listening again, the cache serves (and is invalidated) as before.
    await untilListening(tx.id);
    await get(tx.id);
    const before = await lookups();
    expect((await get(tx.id)).flagged).toBe(true);
    expect((await lookups()).hit - before.hit).toBe(1);
  });
});
