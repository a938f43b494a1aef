import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPayment, startPaymentsApi, type PaymentsHarness, type Reply } from './payments-support.ts';

interface ProblemBody {
  status: number;
  code: string;
  field?: string;
  errors?: { field: string; message: string }[];
}

describe('transactions API refuses bad input with a 4xx problem naming the field', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;

  beforeAll(async () => {
    h = await startPaymentsApi('paybad');
    pool = h.api.deps.pool;
  });
  afterAll(async () => {
    await h.close();
  });

  function expectProblem(res: Reply<ProblemBody>, status: number, field?: string): void {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.status).toBe(status);
    if (field !== undefined) {
      const fields = [res.body.field, ...(res.body.errors ?? []).map((e) => e.field)];
      expect(fields, JSON.stringify(res.body)).toContain(field);
    }
  }

  const create = (body: unknown) => h.call<ProblemBody>('POST', '/api/v1/transactions', { body });

  async function paymentCount(): Promise<number> {
    const { rows } = await pool.query<{ n: bigint }>('select count(*) n from payments');
    return Number(rows[0]?.n);
  }

  it('when the body is malformed JSON or not an object, then it is a 400', async () => {
    const res = await h.call<ProblemBody>('POST', '/api/v1/transactions', { raw: '{"merchant_id": "m1", ' });
    expectProblem(res, 400, 'body');
    expect(res.body.code).toBe('malformed_json');
    expectProblem(await h.call<ProblemBody>('POST', '/api/v1/transactions', { raw: '[1,2]' }), 400);
    expectProblem(await h.call<ProblemBody>('POST', '/api/v1/transactions', { raw: '"text"' }), 400);
    expectProblem(await h.call<ProblemBody>('POST', '/api/v1/transactions'), 400);
  });

  it('when fields have the wrong type or are missing, then each is named', async () => {
    expectProblem(await create(newPayment({ merchant_id: 5 })), 400, 'merchant_id');
    expectProblem(await create(newPayment({ payer_id: null })), 400, 'payer_id');
    expectProblem(await create(newPayment({ amount: true })), 400, 'amount');
    expectProblem(await create(newPayment({ amount: 'abc' })), 400, 'amount');
    expectProblem(await create(newPayment({ metadata: [] })), 400, 'metadata');
    expectProblem(await create(newPayment({ currency: 840 })), 400, 'currency');
    const { merchant_id: _m, ...noMerchant } = newPayment();
    expectProblem(await create(noMerchant), 400, 'merchant_id');
    expectProblem(await create(newPayment({ merchant_id: '' })), 400, 'merchant_id');
    expectProblem(await create(newPayment({ merchant_id: 'x'.repeat(129) })), 400, 'merchant_id');
    expectProblem(await create(newPayment({ payer_id: 'a\u0000b' })), 400, 'payer_id');
    expectProblem(await create(newPayment({ country: 'usa' })), 400, 'country');
  });

  it('when unknown fields are sent, then each is named as an unknown key', async () => {
    const res = await create(newPayment({ amount_minor: '10000', is_admin: true }));
    expectProblem(res, 400, 'amount_minor');
    expect(res.body.errors?.map((e) => e.field)).toEqual(
      expect.arrayContaining(['amount_minor', 'is_admin']),
    );
  });

  it('when the amount is negative, zero, absurd, not finite or too precise, then it is a 400 naming amount', async () => {
    for (const amount of [
      -1,
      -0.01,
      0,
      '0.00',
      1e30,
      '1e3',
      '99999999999999999999',
      1.005,
      '1.001',
      '',
      ' 5',
      '5,00',
    ]) {
      expectProblem(await create(newPayment({ amount })), 400, 'amount');
    }
    expectProblem(await create(newPayment({ amount: 1.5, currency: 'JPY' })), 400, 'amount');
    expectProblem(await create(newPayment({ amount: 1.0001, currency: 'KWD' })), 400, 'amount');
    // JSON has no NaN/Infinity literal; a huge exponent parses to Infinity.
    const inf = await h.call<ProblemBody>('POST', '/api/v1/transactions', {
      raw: JSON.stringify(newPayment()).replace('"amount":100', '"amount":1e999'),
    });
    expectProblem(inf, 400, 'amount');
  });

  it('when the currency is unknown or lower case, then it is a 400 naming currency', async () => {
    for (const currency of ['XYZ', 'usd', 'US', 'USDD', 'XAU', '']) {
      expectProblem(await create(newPayment({ currency })), 400, 'currency');
    }
  });

  it('when current_state is anything but pending, then it is a 400 naming current_state', async () => {
    for (const s of ['captured', 'authorized', 'PENDING', 'bogus', 1]) {
      expectProblem(await create(newPayment({ current_state: s })), 400, 'current_state');
    }
  });

  it('when metadata is too large or the body exceeds the limit, then 400 naming metadata and 413', async () => {
    expectProblem(await create(newPayment({ metadata: { blob: 'x'.repeat(9000) } })), 400, 'metadata');
    const huge = await create(newPayment({ metadata: { blob: 'x'.repeat(70_000) } }));
    expectProblem(huge, 413, 'body');
  });

  it('when none of those requests got through, then no payment was written', async () => {
    expect(await paymentCount()).toBe(0);
  });

  it('when the sort key is not on the allow-list (including injection attempts), then it is a 400 naming sort', async () => {
    for (const sort of [
      'id',
      'merchant_id',
      'created_at;drop table payments',
      '1',
      '-created_at desc',
      "amount'--",
    ]) {
      const res = await h.call<ProblemBody>('GET', `/api/v1/transactions?sort=${encodeURIComponent(sort)}`, {
        role: 'viewer',
      });
      expectProblem(res, 400, 'sort');
    }
  });

  it('when filters carry injection attempts, then they match nothing and harm nothing', async () => {
    const created = await create(newPayment({ merchant_id: 'm_safe' }));
    expect(created.status).toBe(201);
    for (const evil of [
      "' or 1=1 --",
      "m_safe' or '1'='1",
      "x'); delete from payments; --",
      '%',
      '_',
      'm\\_safe',
    ]) {
      for (const name of ['merchant_id', 'payer_id', 'q']) {
        const res = await h.call<{ data: unknown[] }>(
          'GET',
          `/api/v1/transactions?${name}=${encodeURIComponent(evil)}`,
          {
            role: 'viewer',
          },
        );
        expect(res.status, `${name}=${evil}`).toBe(200);
        expect(res.body.data, `${name}=${evil}`).toEqual([]);
      }
    }
    expect(await paymentCount()).toBe(1);
  });

  it('when paging or filter parameters are out of range or malformed, then each is a 400 naming it', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=-1', 'limit'],
      ['offset=-5', 'offset'],
      ['offset=10001', 'offset'],
      ['state=bogus', 'state'],
      ['current_state=captured,nope', 'current_state'],
      ['currency=XYZ', 'currency'],
      ['amount_min=10', 'amount_min'],
      ['currency=USD&amount_min=1.001', 'amount_min'],
      ['currency=USD&amount_min=20&amount_max=10', 'amount_min'],
      ['amount_max_minor=abc', 'amount_max_minor'],
      ['created_from=yesterday', 'created_from'],
      ['cursor=not-a-cursor', 'cursor'],
      ['limit=5&limit=6', 'limit'],
      ['merchant=typo', 'merchant'],
    ];
    for (const [qs, field] of cases) {
      expectProblem(
        await h.call<ProblemBody>('GET', `/api/v1/transactions?${qs}`, { role: 'viewer' }),
        400,
        field,
      );
    }
  });

  it('when a cursor made for one sort is used with another or with an offset, then it is a 400', async () => {
    await create(newPayment({ merchant_id: 'm_cur' }));
    await create(newPayment({ merchant_id: 'm_cur' }));
    const page = await h.call<{ pagination: { next_cursor: string } }>(
      'GET',
      '/api/v1/transactions?merchant_id=m_cur&limit=1',
      {
        role: 'viewer',
      },
    );
    const cursor = page.body.pagination.next_cursor;
    expect(cursor).toEqual(expect.any(String));
    const other = await h.call<ProblemBody>('GET', `/api/v1/transactions?sort=amount&cursor=${cursor}`, {
      role: 'viewer',
    });
    expectProblem(other, 400, 'cursor');
    const forge = (parts: unknown): string => Buffer.from(JSON.stringify(parts)).toString('base64url');
    for (const [sort, forged] of [
      ['amount', forge(['amount', '99999999999999999999', 'pay_x'])],
      ['-created_at', forge(['-created_at', '2025-13-45T99:00:00.000Z', 'pay_x'])],
      ['-created_at', forge(['-created_at', 'now()', 'pay_x'])],
      ['-created_at', forge({ sort: '-created_at' })],
    ] as const) {
      const res = await h.call<ProblemBody>('GET', `/api/v1/transactions?sort=${sort}&cursor=${forged}`, {
        role: 'viewer',
      });
      expectProblem(res, 400, 'cursor');
    }
    const withOffset = await h.call<ProblemBody>('GET', `/api/v1/transactions?offset=1&cursor=${cursor}`, {
      role: 'viewer',
    });
    expectProblem(withOffset, 400, 'offset');
  });

  it('when a command body has unknown fields or bad types, then it is a 400 naming them', async () => {
    const tx = await create(newPayment());
    const id = (tx.body as unknown as { id: string }).id;
    expectProblem(
      await h.call<ProblemBody>('POST', `/api/v1/transactions/${id}/capture`, { body: { force: true } }),
      400,
      'force',
    );
    expectProblem(
      await h.call<ProblemBody>('POST', `/api/v1/transactions/${id}/void`, { body: { reason: 5 } }),
      400,
      'reason',
    );
    expectProblem(
      await h.call<ProblemBody>('POST', `/api/v1/transactions/${id}/refund`, { body: { amount: [] } }),
      400,
      'amount',
    );
  });

  it('when the audit write fails inside the transaction, then the payment, its event and outbox row are not written either', async () => {
    await pool.query(`
      create function test_fail_audit() returns trigger language plpgsql as $$
      begin
        if new.after->>'merchant_id' = 'm_explode' then raise exception 'audit store unavailable'; end if;
        return new;
      end $$;
      create trigger test_fail_audit before insert on audit_log for each row execute function test_fail_audit();`);
    try {
      const res = await h.call<ProblemBody>('POST', '/api/v1/transactions', {
        body: newPayment({ merchant_id: 'm_explode' }),
        headers: { 'Idempotency-Key': 'explode-1' },
      });
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const counts = await pool.query<{ p: bigint; e: bigint; o: bigint; k: bigint }>(`
        select (select count(*) from payments where merchant_id = 'm_explode') p,
               (select count(*) from payment_events e join payments p on p.id = e.payment_id where p.merchant_id = 'm_explode') e,
               (select count(*) from outbox where payload->'payment'->>'merchant_id' = 'm_explode') o,
               (select count(*) from idempotency_keys where key = 'explode-1') k`);
      expect(counts.rows[0]).toEqual({ p: 0n, e: 0n, o: 0n, k: 0n });
    } finally {
      await pool.query('drop trigger test_fail_audit on audit_log; drop function test_fail_audit();');
    }
    const retry = await h.call('POST', '/api/v1/transactions', {
      body: newPayment({ merchant_id: 'm_explode' }),
      headers: { 'Idempotency-Key': 'explode-1' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
  });
});
