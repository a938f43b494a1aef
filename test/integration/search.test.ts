import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig } from '@payflow/api/config';
import { idTimestamp, newId } from '@payflow/api/domain';
import { startApi, type RunningApi } from '../../api/src/server.ts';
import { testenv } from '../support/env.ts';
import { newPayment, startPaymentsApi, testAuthenticate, type PaymentsHarness } from './payments-support.ts';

interface Found {
  payments: {
    id: string;
    merchant_id: string;
    payer_id: string;
    amount: number;
    amount_minor: string;
    currency: string;
    current_state: string;
    created_at: string;
  }[];
  merchants: { merchant_id: string; payments: number; payments_exact: boolean }[];
  payers: { payer_id: string; payments: number; payments_exact: boolean }[];
  match: string;
}

/** `n` payments of one merchant and payer, written directly (fast), oldest first. */
async function insertPayments(pool: pg.Pool, n: number, merchant: string, payer: string): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId('pay'));
  await pool.query(
    `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
     select id, ts, $3, $4, 500, 'EUR', 'authorized' from unnest($1::text[], $2::timestamptz[]) as t(id, ts)`,
    [ids, ids.map((id) => new Date(idTimestamp(id))), merchant, payer],
  );
  return ids;
}

describe('global search over HTTP against real PostgreSQL', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;
  let created: { id: string; created_at: string };

  beforeAll(async () => {
    h = await startPaymentsApi('search');
    pool = h.api.deps.pool;
    const res = await h.call<{ id: string; created_at: string }>('POST', '/api/v1/transactions', {
      body: newPayment({ merchant_id: 'acme_books', payer_id: 'alice_1', amount: 42.5 }),
    });
    expect(res.status).toBe(201);
    created = res.body;
    await insertPayments(pool, 3, 'acme_garden', 'alice_2');
    await insertPayments(pool, 2, 'acme_garage', 'bob_7');
    await insertPayments(pool, 1001, 'bigshop', 'carol_busy');
    await insertPayments(pool, 1, 'zeta%shop', 'x_y');
  });
  afterAll(async () => {
    await h.close();
  });

  async function search(query: string): Promise<Found> {
    const res = await h.call<Found>('GET', `/api/v1/search?${query}`, { role: 'viewer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  }

  it('when q is a payment id, then that payment is found, also typed in lower case', async () => {
    const found = await search(`q=${created.id}`);
    expect(found.payments).toEqual([
      {
        id: created.id,
        merchant_id: 'acme_books',
        payer_id: 'alice_1',
        amount: 42.5,
        amount_minor: '4250',
        currency: 'USD',
        current_state: 'pending',
        created_at: created.created_at,
      },
    ]);
    expect(found.merchants).toEqual([]);
    const lower = await search(`q=${created.id.toLowerCase()}`);
    expect(lower.payments.map((p) => p.id)).toEqual([created.id]);
    expect((await search(`q=${newId('pay')}`)).payments).toEqual([]);
  });

  it('when q is an id prefix, then the payments with that prefix come newest first, at most limit', async () => {
    const ids = await insertPayments(pool, 4, 'prefix_shop', 'prefix_payer');
    const last = ids.at(-1) ?? '';
    // The time digits of the last ids and then some: a prefix they share.
    let prefix = last.slice(0, 14);
    while (!ids.every((id) => id.startsWith(prefix))) prefix = prefix.slice(0, -1);
    const found = await search(`q=${prefix}&limit=3`);
    expect(found.payments).toHaveLength(3);
    expect(found.payments.every((p) => p.id.startsWith(prefix))).toBe(true);
    expect(found.payments[0]?.id).toBe(last);
    const ordered = found.payments.map((p) => p.id);
    expect([...ordered].sort().reverse()).toEqual(ordered);
    // Ids made in one millisecond differ in their last characters only.
    const near = await search(`q=${last.slice(0, -1)}`);
    expect(near.payments.map((p) => p.id)).toContain(last);
    expect(near.payments.every((p) => p.id.startsWith(last.slice(0, -1)))).toBe(true);
  });

  it('when q is a merchant or payer prefix, then they are listed with their payment counts', async () => {
    const found = await search('q=acme_ga');
    expect(found.merchants).toEqual([
      { merchant_id: 'acme_garage', payments: 2, payments_exact: true },
      { merchant_id: 'acme_garden', payments: 3, payments_exact: true },
    ]);
    expect(found.payers).toEqual([]);
    expect(found.match).toBe('prefix');
    const acme = await search('q=acme&limit=2');
    expect(acme.merchants.map((m) => m.merchant_id)).toEqual(['acme_books', 'acme_garage']);
    const payers = await search('q=ali');
    expect(payers.payers).toEqual([
      { payer_id: 'alice_1', payments: 1, payments_exact: true },
      { payer_id: 'alice_2', payments: 3, payments_exact: true },
    ]);
    expect(payers.merchants).toEqual([]);
    const exactName = await search('q=bob_7');
    expect(exactName.payers).toEqual([{ payer_id: 'bob_7', payments: 2, payments_exact: true }]);
  });

  it('when a merchant has more payments than the cap, then the count stops at 1,000 and says so', async () => {
    const found = await search('q=bigsh');
    expect(found.merchants).toEqual([{ merchant_id: 'bigshop', payments: 1000, payments_exact: false }]);
    expect((await search('q=carol')).payers).toEqual([
      { payer_id: 'carol_busy', payments: 1000, payments_exact: false },
    ]);
  });

  it('when q holds LIKE wildcards, then they match only themselves', async () => {
    expect((await search(`q=${encodeURIComponent('zeta%')}`)).merchants.map((m) => m.merchant_id)).toEqual([
      'zeta%shop',
    ]);
    expect((await search(`q=${encodeURIComponent('%%')}`)).merchants).toEqual([]);
    expect((await search('q=x_')).payers.map((p) => p.payer_id)).toEqual(['x_y']);
    expect((await search('q=__')).payers).toEqual([]);
  });

  it('when q is missing, shorter than 2 characters or the query is bad, then it is a 400 problem naming the field', async () => {
    const cases: [string, string][] = [
      ['', 'q'],
      ['q=a', 'q'],
      ['q=%20a%20', 'q'],
      ['q=ab&limit=0', 'limit'],
      ['q=ab&limit=21', 'limit'],
      ['q=ab&sort=id', 'sort'],
      [`q=${'a'.repeat(129)}`, 'q'],
      ['q=a%0Ab', 'q'],
    ];
    for (const [query, field] of cases) {
      const res = await h.call('GET', `/api/v1/search?${query}`, { role: 'viewer' });
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^application\/problem\+json/);
      expect(res.body.field, query).toBe(field);
    }
    expect((await h.call('GET', '/api/v1/search?q=acme', { role: 'none' })).status).toBe(401);
  });
});

describe('global search in a database whose collation is not C', () => {
  let api: RunningApi;
  let admin: pg.Client;
  let name: string;

  beforeAll(async () => {
    const env = testenv();
    name = `search_utf8_${randomBytes(6).toString('hex')}`;
    admin = new pg.Client({ connectionString: env.postgres.url });
    await admin.connect();
    await admin.query(`create database ${name} template template0 locale 'C.UTF-8' encoding 'UTF8'`);
    const url = new URL(env.postgres.url);
    url.pathname = `/${name}`;
    api = await startApi(
      loadApiConfig({
        DATABASE_URL: url.toString(),
        REDIS_URL: env.redis.url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        RATE_LIMIT_PER_MINUTE: '0',
      }),
      { authenticate: testAuthenticate },
    );
    await insertPayments(api.deps.pool, 2, 'acme_garage', 'bob_7');
  });
  afterAll(async () => {
    await api.close();
    await admin.end();
  });

  it('when merchants and payers cannot be matched by prefix through an index, then they match exactly; ids still by prefix', async () => {
    const get = async (q: string): Promise<Found> => {
      const res = await fetch(`${api.url}/api/v1/search?q=${q}`, { headers: { 'x-test-role': 'viewer' } });
      expect(res.status).toBe(200);
      return (await res.json()) as Found;
    };
    const prefix = await get('acme_ga');
    expect(prefix.match).toBe('exact');
    expect(prefix.merchants).toEqual([]);
    const exact = await get('acme_garage');
    expect(exact.merchants).toEqual([{ merchant_id: 'acme_garage', payments: 2, payments_exact: true }]);
    expect((await get('bob_7')).payers).toEqual([{ payer_id: 'bob_7', payments: 2, payments_exact: true }]);
    const { rows } = await api.deps.pool.query<{ id: string }>(
      'select id from payments order by id desc limit 1',
    );
    const id = rows[0]?.id ?? '';
    expect((await get(id.slice(0, 16))).payments.map((p) => p.id)).toContain(id);
  });
});
