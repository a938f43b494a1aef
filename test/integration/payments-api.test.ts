import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideEvent, type TransitionEventType } from '@payflow/api/domain';
import { createIdFactory } from '@payflow/api/domain';
import { insertPayment, lockPayment, recordTransition } from '@payflow/api/payments';
import { withTransaction } from '@payflow/api/store';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

interface Tx {
  id: string;
  merchant_id: string;
  payer_id: string;
  amount: number;
  amount_minor: string;
  currency: string;
  current_state: string;
  refunded_amount: number;
  version: number;
  created_at: string;
}
interface Page {
  data: Tx[];
  pagination: {
    limit: number;
    offset: number;
    total: number | null;
    total_exact: boolean;
    next_cursor: string | null;
  };
}

describe('transactions API over HTTP against real PostgreSQL and Redis', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;

  beforeAll(async () => {
    h = await startPaymentsApi('payapi');
    pool = h.api.deps.pool;
  });
  afterAll(async () => {
    await h.close();
  });

  async function create(over: Record<string, unknown> = {}): Promise<Tx> {
    const res = await h.call<Tx>('POST', '/api/v1/transactions', { body: newPayment(over) });
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Moves a payment by processor events, as the worker would (the API has no authorize command). */
  async function advance(id: string, ...types: TransitionEventType[]): Promise<void> {
    for (const type of types) {
      await withTransaction(pool, async (c) => {
        const p = await lockPayment(c, id);
        if (!p) throw new Error(`no payment ${id}`);
        await recordTransition(c, {
          source: 'sqs',
          actor: { actorType: 'worker', actorId: 'test' },
          payment: p,
          decision: decideEvent(p, type),
        });
      });
    }
  }

  it('when a payment is created with the seed body, then it is 201 with Location, exact amount and pending state', async () => {
    const res = await h.call<Tx>('POST', '/api/v1/transactions', {
      body: newPayment({ metadata: { order: 'A-1' } }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/transactions/${res.body.id}`);
    expect(res.body).toMatchObject({
      merchant_id: 'merchant_123',
      payer_id: 'payer_123',
      amount: 100,
      amount_minor: '10000',
      currency: 'USD',
      current_state: 'pending',
      refunded_amount: 0,
      metadata: { order: 'A-1' },
      version: 1,
      flagged: false,
      held: false,
    });
    expect(res.body.id).toMatch(/^pay_[0-9A-HJKMNP-TV-Z]{26}$/);
    const got = await h.call<Tx>('GET', `/api/v1/transactions/${res.body.id}`, { role: 'viewer' });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('when amounts use other exponents, then they convert exactly (JPY 0, KWD 3)', async () => {
    expect((await create({ amount: 1500, currency: 'JPY' })).amount_minor).toBe('1500');
    const kwd = await create({ amount: '12.345', currency: 'KWD' });
    expect(kwd).toMatchObject({ amount_minor: '12345', amount: 12.345 });
    expect((await create({ amount: 19.99 })).amount_minor).toBe('1999');
  });

  it('when current_state is omitted, then the payment is still created pending', async () => {
    const body = newPayment();
    delete body.current_state;
    const res = await h.call<Tx>('POST', '/api/v1/transactions', { body });
    expect(res.status).toBe(201);
    expect(res.body.current_state).toBe('pending');
  });

  it('when a payment is created, then its audit trail has the creation by the caller with request id', async () => {
    const tx = await create();
    const res = await h.call<{ data: Record<string, unknown>[] }>(
      'GET',
      `/api/v1/transactions/${tx.id}/audit-logs`,
      {
        role: 'viewer',
        headers: { 'x-request-id': 'req-audit-1' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({
      action: 'payment.created',
      resource_type: 'payment',
      resource_id: tx.id,
      actor_type: 'user',
      actor_id: 'usr_test_operator',
      before: null,
    });
    const { rows } = await pool.query<{ n: bigint }>(
      "select count(*) n from outbox where aggregate_id = $1 and event_type = 'payment.created'",
      [tx.id],
    );
    expect(rows[0]?.n).toBe(1n);
  });

  it('when an id does not exist or is malformed, then get, audit-logs and commands are 404 problems', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/transactions/pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG'],
      ['GET', '/api/v1/transactions/not-an-id'],
      ['GET', '/api/v1/transactions/pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG/audit-logs'],
      ['POST', '/api/v1/transactions/pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG/capture'],
      ['POST', '/api/v1/transactions/nope/refund'],
    ] as const) {
      const res = await h.call(method, path, { role: 'operator' });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it('when an authorized payment is captured, then partially and fully refunded, then each step is recorded', async () => {
    const tx = await create({ amount: 100 });
    await advance(tx.id, 'payment.authorized');
    const cap = await h.call<Tx>('POST', `/api/v1/transactions/${tx.id}/capture`, {
      body: { reason: 'shipped' },
    });
    expect(cap.status).toBe(200);
    expect(cap.body).toMatchObject({ current_state: 'captured', version: 3 });
    const part = await h.call<Tx>('POST', `/api/v1/transactions/${tx.id}/refund`, { body: { amount: 30.5 } });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ current_state: 'partially_refunded', refunded_amount: 30.5 });
    const rest = await h.call<Tx>('POST', `/api/v1/transactions/${tx.id}/refund`);
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ current_state: 'refunded', refunded_amount: 100 });
    const again = await h.call('POST', `/api/v1/transactions/${tx.id}/refund`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'invalid_transition' });
    const trail = await h.call<{ data: { action: string; reason: string | null }[] }>(
      'GET',
      `/api/v1/transactions/${tx.id}/audit-logs`,
      { role: 'viewer' },
    );
    expect(trail.body.data.map((a) => a.action)).toEqual([
      'payment.created',
      'payment.authorized',
      'payment.captured',
      'payment.partially_refunded',
      'payment.refunded',
    ]);
    expect(trail.body.data[2]?.reason).toBe('shipped');
  });

  it('when a refund exceeds what is left or has excess precision, then it is a 400 naming amount and nothing changes', async () => {
    const tx = await create({ amount: 10 });
    await advance(tx.id, 'payment.authorized', 'payment.captured');
    for (const amount of [10.01, 0.001, -1, 0, 'ten']) {
      const res = await h.call('POST', `/api/v1/transactions/${tx.id}/refund`, { body: { amount } });
      expect(res.status, String(amount)).toBe(400);
      expect(res.body).toMatchObject({ field: 'amount' });
    }
    const got = await h.call<Tx>('GET', `/api/v1/transactions/${tx.id}`, { role: 'viewer' });
    expect(got.body).toMatchObject({ current_state: 'captured', refunded_amount: 0, version: 3 });
  });

  it('when a command is illegal in the current state, then it is a 409 invalid_transition problem', async () => {
    const tx = await create();
    for (const cmd of ['capture', 'void', 'refund']) {
      const res = await h.call('POST', `/api/v1/transactions/${tx.id}/${cmd}`);
      expect(res.status, cmd).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 409, code: 'invalid_transition' });
    }
    await advance(tx.id, 'payment.authorized');
    const voided = await h.call<Tx>('POST', `/api/v1/transactions/${tx.id}/void`);
    expect(voided.body.current_state).toBe('voided');
    expect((await h.call('POST', `/api/v1/transactions/${tx.id}/capture`)).status).toBe(409);
  });

  it('when the caller is anonymous or only a viewer, then reads and writes are refused as 401 / 403', async () => {
    expect((await h.call('GET', '/api/v1/transactions', { role: 'none' })).status).toBe(401);
    expect(
      (await h.call('POST', '/api/v1/transactions', { role: 'viewer', body: newPayment() })).status,
    ).toBe(403);
    const tx = await create();
    expect((await h.call('POST', `/api/v1/transactions/${tx.id}/capture`, { role: 'viewer' })).status).toBe(
      403,
    );
  });

  describe('listing', () => {
    const merchant = `m_list_${String(Date.now())}`;
    const made: Tx[] = [];

    beforeAll(async () => {
      const specs: [string, number, string][] = [
        ['USD', 5, 'payer_a'],
        ['USD', 50, 'payer_a'],
        ['USD', 500, 'payer_b'],
        ['EUR', 7, 'payer_b'],
        ['EUR', 70, 'payer_c'],
        ['JPY', 1000, 'payer_c'],
        ['USD', 12.34, 'payer_d'],
      ];
      for (const [currency, amount, payer] of specs) {
        made.push(
          await create({ merchant_id: merchant, currency, amount, payer_id: `${merchant}_${payer}` }),
        );
      }
      await advance(made[1]!.id, 'payment.authorized');
      await advance(made[2]!.id, 'payment.failed');
    });

    async function list(qs: string): Promise<Page> {
      const res = await h.call<Page>('GET', `/api/v1/transactions?merchant_id=${merchant}&${qs}`, {
        role: 'viewer',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    }

    it('when filtered by merchant, then newest first with an exact total and offset paging as the seed shows', async () => {
      const page = await list('limit=50&offset=0');
      expect(page.data.map((t) => t.id)).toEqual(made.map((t) => t.id).reverse());
      expect(page.pagination).toEqual({
        limit: 50,
        offset: 0,
        total: 7,
        total_exact: true,
        next_cursor: null,
      });
      const second = await list('limit=3&offset=3');
      expect(second.data.map((t) => t.id)).toEqual(
        made
          .map((t) => t.id)
          .reverse()
          .slice(3, 6),
      );
    });

    it('when a page is full, partial, empty or past the end, then total is the exact count of the whole filter', async () => {
      // Full pages need the count query; a partial last page tells the total by itself.
      for (const [qs, rows] of [
        ['limit=2&offset=0', 2],
        ['limit=2&offset=4', 2],
        ['limit=2&offset=6', 1],
        ['limit=7&offset=0', 7],
        ['limit=2&offset=7', 0],
        ['limit=2&offset=100', 0],
      ] as const) {
        const page = await list(qs);
        expect(page.data, qs).toHaveLength(rows);
        expect(page.pagination.total, qs).toBe(7);
        expect(page.pagination.total_exact, qs).toBe(true);
      }
      const cursorPage = await list(`limit=2&cursor=${(await list('limit=2')).pagination.next_cursor ?? ''}`);
      expect(cursorPage.pagination.total).toBe(7);
    });

    it('when include_total=false, then the same page comes without a count; a bad value is a 400 naming it', async () => {
      const counted = await list('limit=3');
      const uncounted = await list('limit=3&include_total=false');
      expect(uncounted.data).toEqual(counted.data);
      expect(uncounted.pagination).toEqual({ ...counted.pagination, total: null, total_exact: false });
      expect((await list('limit=3&include_total=true')).pagination.total).toBe(7);
      const bad = await h.call<{ errors: { field: string }[] }>(
        'GET',
        `/api/v1/transactions?merchant_id=${merchant}&include_total=yes`,
        { role: 'viewer' },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e) => e.field)).toEqual(['include_total']);
    });

    it('when paged by cursor, then every row comes exactly once in order', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const page: Page = await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.data.map((t) => t.id));
        cursor = page.pagination.next_cursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(made.map((t) => t.id).reverse());
      const asc: string[] = [];
      cursor = null;
      for (let i = 0; i < 10; i++) {
        const page: Page = await list(`sort=amount&currency=USD&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        asc.push(...page.data.map((t) => t.amount_minor));
        cursor = page.pagination.next_cursor;
        if (!cursor) break;
      }
      expect(asc).toEqual(['500', '1234', '5000', '50000']);
    });

    it('when filtered by state, alias, payer, currency and amount range, then only matches come back', async () => {
      expect((await list('state=authorized')).data.map((t) => t.id)).toEqual([made[1]!.id]);
      expect((await list('current_state=failed')).data.map((t) => t.id)).toEqual([made[2]!.id]);
      expect((await list('state=authorized,failed')).pagination.total).toBe(2);
      expect((await list(`payer_id=${merchant}_payer_c`)).data).toHaveLength(2);
      const usd = await list('currency=USD&amount_min=10&amount_max=100&sort=amount');
      expect(usd.data.map((t) => t.amount)).toEqual([12.34, 50]);
      const minor = await list('amount_min_minor=1000&amount_max_minor=1000');
      expect(minor.data.map((t) => t.currency)).toEqual(['JPY']);
      const desc = await list('currency=EUR&sort=-amount');
      expect(desc.data.map((t) => t.amount)).toEqual([70, 7]);
    });

    it('when filtered by time range and free-text prefix, then only matches come back', async () => {
      const first = made[0]!;
      const from = first.created_at;
      const all = await list(`created_from=${from}`);
      expect(all.pagination.total).toBe(7);
      const none = await list(`created_to=${from}`);
      expect(none.pagination.total).toBe(0);
      const byId = await h.call<Page>('GET', `/api/v1/transactions?q=${first.id}`, { role: 'viewer' });
      expect(byId.body.data.map((t) => t.id)).toEqual([first.id]);
      const byPayer = await h.call<Page>('GET', `/api/v1/transactions?q=${merchant}_payer_`, {
        role: 'viewer',
      });
      expect(byPayer.body.pagination.total).toBe(7);
    });
  });
  it('when transactions are listed and read, then request metrics carry the route templates, never raw ids', async () => {
    const tx = await create();
    expect((await h.call('GET', `/api/v1/transactions/${tx.id}`, { role: 'viewer' })).status).toBe(200);
    expect((await h.call('GET', '/api/v1/transactions?limit=1', { role: 'viewer' })).status).toBe(200);
    const text = await h.api.deps.registry.metrics();
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/transactions\/:transactionId"/,
    );
    expect(text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/transactions"/);
    expect(text).not.toContain(tx.id);
  });

  describe('newest-first pages over recent and old months', () => {
    const merchant = `merchant_window_${String(Date.now())}`;
    const ids: string[] = []; // newest first

    beforeAll(async () => {
      // Three payments 200 and 300 days old (outside the recent window the list tries first)
      // and three made now.
      for (const daysAgo of [300, 200, 200]) {
        const at = Date.now() - daysAgo * 24 * 3600 * 1000 + ids.length;
        const id = createIdFactory({ now: () => at })('pay');
        await withTransaction(pool, (c) =>
          insertPayment(
            c,
            { id, merchantId: merchant, payerId: 'payer_old', amountMinor: 100n, currency: 'USD' },
            { source: 'system', actor: { actorType: 'system', actorId: 'test' } },
          ),
        );
        ids.unshift(id);
      }
      for (let i = 0; i < 3; i++) ids.unshift((await create({ merchant_id: merchant })).id);
    });

    async function page(qs: string): Promise<Page> {
      const res = await h.call<Page>('GET', `/api/v1/transactions?merchant_id=${merchant}&${qs}`, {
        role: 'viewer',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    }

    it('when a page lies in recent months, partly or wholly in old ones, then it is the same slice of the newest-first order', async () => {
      for (const [limit, offset] of [
        [2, 0],
        [3, 0],
        [4, 0],
        [2, 2],
        [2, 4],
        [10, 0],
        [1, 5],
      ] as const) {
        const got = await page(`limit=${String(limit)}&offset=${String(offset)}`);
        const qs = `limit=${String(limit)} offset=${String(offset)}`;
        expect(
          got.data.map((t) => t.id),
          qs,
        ).toEqual(ids.slice(offset, offset + limit));
        expect(got.pagination.total, qs).toBe(6);
        expect(got.pagination.next_cursor === null, qs).toBe(offset + limit >= 6);
      }
      const counted = await page('limit=4&include_total=false');
      expect(counted.data.map((t) => t.id)).toEqual(ids.slice(0, 4));
    });

    it('when paged by cursor across the window edge, then every payment comes once in order', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 10; i++) {
        const got: Page = await page(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...got.data.map((t) => t.id));
        expect(got.pagination.total).toBe(6);
        cursor = got.pagination.next_cursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(ids);
      const old = await page(`created_to=${new Date(Date.now() - 100 * 24 * 3600 * 1000).toISOString()}`);
      expect(old.data.map((t) => t.id)).toEqual(ids.slice(3));
    });
  });
});
