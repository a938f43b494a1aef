// Merchant-scoped access against the real services and the real auth module: a user invited with
// merchant A only, and an API key limited to A, never see merchant B's payments (404 on every
// route that takes an id, absent from every list, count, CSV export, aggregate, search, audit
// row, alert and stream event), and random filters never widen that (a property test).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../api/src/routes/index.ts';
import {
  loginAdmin,
  startAuthApi,
  uniqueEmail,
  type AuthHarness,
  type SignedInBody,
} from '../support/auth.ts';
import { tokenFrom } from '../support/smtp.ts';

const A = 'merchant_a';
const B = 'merchant_b';

interface PaymentBody {
  id: string;
  merchant_id: string;
  current_state: string;
}
interface ListBody {
  data: PaymentBody[];
  pagination: { total: number | null };
}

describe('merchant-scoped access', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  let scopedToken: string;
  let apiKey: string;
  const mine: PaymentBody[] = [];
  const theirs: PaymentBody[] = [];
  const alerts: Record<string, string> = {};

  type Caller = { token: string } | { key: string };
  const asUser = (): Caller => ({ token: scopedToken });
  const asKey = (): Caller => ({ key: apiKey });

  async function call(who: Caller, method: string, path: string, body?: unknown): Promise<Response> {
    return h.call(method, path, {
      ...(body === undefined ? {} : { body }),
      ...('token' in who ? { token: who.token } : { headers: { 'x-api-key': who.key } }),
    });
  }

  async function json<T>(who: Caller, path: string): Promise<T> {
    const res = await call(who, 'GET', path);
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(200);
    return (await res.json()) as T;
  }

  async function pay(merchant: string, amount: string, currency = 'EUR'): Promise<PaymentBody> {
    const res = await h.call('POST', '/api/v1/transactions', {
      token: admin.accessToken,
      body: { merchant_id: merchant, payer_id: `payer_${merchant}`, amount, currency },
    });
    expect(res.status).toBe(201);
    return (await res.json()) as PaymentBody;
  }

  beforeAll(async () => {
    h = await startAuthApi({ SIGNUP_POLICY: '', SIGNUP_ROLE: '' });
    admin = await loginAdmin(h);
    // A scoped operator, by invitation.
    const email = uniqueEmail('scoped');
    const invited = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email, role: 'operator', merchant_ids: [A] },
    });
    expect(invited.status).toBe(201);
    const accepted = await h.call('POST', '/api/v1/auth/accept-invitation', {
      body: { token: tokenFrom(await h.smtp.next(email)), name: 'Scoped', password: 'scoped password' },
    });
    expect(accepted.status).toBe(200);
    scopedToken = ((await accepted.json()) as SignedInBody).accessToken;
    // A scoped API key.
    const key = await h.call('POST', '/api/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'merchant a', role: 'operator', merchant_ids: [A] },
    });
    expect(key.status).toBe(201);
    const keyBody = (await key.json()) as { key: string; merchant_ids: string[] };
    expect(keyBody.merchant_ids).toEqual([A]);
    apiKey = keyBody.key;
    for (const [i, amount] of ['10.00', '25.50', '99.99', '1200.00', '3.10', '42.00'].entries()) {
      mine.push(await pay(A, amount, i % 2 ? 'USD' : 'EUR'));
      theirs.push(await pay(B, amount, i % 2 ? 'EUR' : 'USD'));
    }
    // Alerts about one payment of each (the merchant comes from the payment).
    for (const [name, p] of [
      ['a', mine[0]],
      ['b', theirs[0]],
    ] as const) {
      alerts[name] = `alt_${name}_${String(Date.now())}`;
      await h.pool.query(
        `insert into alerts (id, payment_id, severity, status, title, message, dedupe_key)
         values ($1, $2, 'high', 'open', 'Big', 'amount over 1000', $1)`,
        [alerts[name], p?.id],
      );
    }
  });
  afterAll(async () => {
    await h.close();
  });

  for (const [label, who] of [
    ['a scoped user', asUser],
    ['a scoped API key', asKey],
  ] as const) {
    it(`when ${label} asks for merchant B's payment on any route that takes an id, then 404`, async () => {
      const other = theirs[1]?.id ?? '';
      const alert = alerts.b ?? '';
      const bodies: Record<string, unknown> = {
        resolve: { resolution: 'other' },
        assign: { assignee_id: null },
        notes: { body: 'a note' },
      };
      const tried: string[] = [];
      for (const route of apiRoutes(h.api.deps)) {
        if (!/:transactionId|:alertId/.test(route.path)) continue;
        const path = route.path.replace(':transactionId', other).replace(':alertId', alert);
        const verb = route.path.split('/').at(-1) ?? '';
        const res = await call(
          who(),
          route.method.toUpperCase(),
          path,
          route.method === 'get' ? undefined : (bodies[verb] ?? {}),
        );
        expect(res.status, `${route.method} ${route.path}: ${await res.clone().text()}`).toBe(404);
        tried.push(`${route.method} ${route.path}`);
      }
      expect(tried.length).toBeGreaterThanOrEqual(12);
      // The same routes answer for its own merchant's payment.
      expect((await call(who(), 'GET', `/api/v1/transactions/${mine[1]?.id ?? ''}`)).status).toBe(200);
      expect((await call(who(), 'GET', `/api/v1/alerts/${alerts.a ?? ''}`)).status).toBe(200);
      // Merchant B's payment is unchanged: the refused capture did nothing.
      const b = (await (
        await h.call('GET', `/api/v1/transactions/${other}`, { token: admin.accessToken })
      ).json()) as PaymentBody;
      expect(b.current_state).toBe('pending');
    });

    it(`when ${label} lists, counts, exports, searches and aggregates, then merchant B is nowhere`, async () => {
      const list = await json<ListBody>(who(), '/api/v1/transactions?limit=100');
      expect(list.data.map((p) => p.id).sort()).toEqual(mine.map((p) => p.id).sort());
      expect(list.pagination.total).toBe(mine.length);
      const asked = await json<ListBody>(who(), `/api/v1/transactions?merchant_id=${B}`);
      expect(asked.data).toEqual([]);
      expect(asked.pagination.total).toBe(0);
      const csv = await (await call(who(), 'GET', '/api/v1/transactions/export.csv')).text();
      expect(csv).toContain(A);
      expect(csv).not.toContain(B);
      expect(csv.trim().split('\n')).toHaveLength(mine.length + 1);
      const overview = await json<{ totals: { payments: number } }>(
        who(),
        '/api/v1/stats/overview?window=1h',
      );
      expect(overview.totals.payments).toBe(mine.length);
      const counts = await json<{ total_open: number }>(who(), '/api/v1/stats/alerts');
      expect(counts.total_open).toBe(1);
      const alertList = await json<{ data: { id: string }[]; pagination: { total: number } }>(
        who(),
        '/api/v1/alerts',
      );
      expect(alertList.data.map((a) => a.id)).toEqual([alerts.a]);
      expect(alertList.pagination.total).toBe(1);
      const next = await json<{ alert: { id: string } | null; total: number }>(who(), '/api/v1/alerts/next');
      expect(next).toMatchObject({ alert: { id: alerts.a }, total: 1 });
      const found = await json<{ payments: PaymentBody[]; merchants: { merchant_id: string }[] }>(
        who(),
        '/api/v1/search?q=merchant_',
      );
      expect(found.merchants.map((m) => m.merchant_id)).toEqual([A]);
      const byId = await json<{ payments: PaymentBody[] }>(who(), `/api/v1/search?q=${theirs[2]?.id ?? ''}`);
      expect(byId.payments).toEqual([]);
      const audit = await json<{ data: { resource_type: string; resource_id: string }[] }>(
        who(),
        '/api/v1/audit?limit=200',
      );
      const about = new Set([...mine.map((p) => p.id), alerts.a]);
      expect(audit.data.length).toBeGreaterThan(0);
      for (const row of audit.data) expect(about.has(row.resource_id), row.resource_id).toBe(true);
      const jobs = await json<{ data: unknown[]; pagination: { total: number } }>(
        who(),
        '/api/v1/batch-jobs',
      );
      expect(jobs.pagination.total).toBe(0);
    });

    it(`when ${label} creates a payment for merchant B or calls a route over every merchant, then 403`, async () => {
      const create = await call(who(), 'POST', '/api/v1/transactions', {
        merchant_id: B,
        payer_id: 'p',
        amount: '1.00',
        currency: 'EUR',
      });
      expect(create.status).toBe(403);
      expect(await create.json()).toMatchObject({ field: 'merchant_id' });
      expect((await call(who(), 'GET', '/api/v1/dead-letters')).status).toBe(403);
      expect(
        (await call(who(), 'POST', '/api/v1/batch-jobs', { type: 'reconcile', parameters: {} })).status,
      ).toBe(403);
    });
  }

  it('when a scoped user reads notifications, then only those about its merchants alerts', async () => {
    const list = await json<{ items: { object_id: string }[]; unread_count: number }>(
      asUser(),
      '/api/v1/notifications',
    );
    expect(list.items.map((n) => n.object_id)).toEqual([alerts.a]);
    expect(list.unread_count).toBe(1);
    const all = await json<{ items: { object_id: string }[] }>(
      { token: admin.accessToken },
      '/api/v1/notifications',
    );
    expect(all.items.map((n) => n.object_id).sort()).toEqual([alerts.a, alerts.b].sort());
  });

  it('when a scoped user listens to the stream, then it hears its merchant and never merchant B', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.api.url}/api/v1/stream?kinds=payment,alert`, {
      headers: { authorization: `Bearer ${scopedToken}`, 'x-forwarded-for': h.ip },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no stream body');
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes(': connected')) text += decoder.decode((await reader.read()).value);
    // B's payment first, then A's: the notifications arrive in commit order on one connection,
    // so once A's is heard, B's would have been heard before it.
    const b = await pay(B, '7.00');
    const a = await pay(A, '8.00');
    while (!text.includes(a.id)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value);
    }
    controller.abort();
    expect(text).toContain(a.id);
    expect(text).not.toContain(b.id);
    expect(text).not.toContain(B);
    mine.push(a);
    theirs.push(b);
  });

  it('when an admin has merchants stored, then they are ignored: admins are unscoped', async () => {
    await h.pool.query('update users set merchant_ids = $2 where id = $1', [admin.user.id, [A]]);
    const list = await h.call('GET', `/api/v1/transactions?merchant_id=${B}`, { token: admin.accessToken });
    expect(((await list.json()) as ListBody).data.length).toBeGreaterThan(0);
    await h.pool.query('update users set merchant_ids = null where id = $1', [admin.user.id]);
  });

  it('when random filters are applied, then a scoped caller gets exactly the unscoped answer for merchant A, never more', async () => {
    const states = ['pending', 'authorized', 'captured'];
    const filter = fc.record(
      {
        merchant_id: fc.constantFrom(A, B),
        currency: fc.constantFrom('EUR', 'USD'),
        state: fc.subarray(states, { minLength: 1 }).map((s) => s.join(',')),
        amount_min_minor: fc.integer({ min: 1, max: 200_000 }).map(String),
        q: fc.constantFrom('merchant_', 'payer_m', 'pay_', 'merchant_b', 'x'),
        sort: fc.constantFrom('-created_at', 'created_at', '-amount', 'amount'),
        limit: fc.integer({ min: 1, max: 100 }).map(String),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(filter, fc.boolean(), async (f, useKey) => {
        const query = new URLSearchParams(f);
        const scoped = await json<ListBody>(
          useKey ? asKey() : asUser(),
          `/api/v1/transactions?${query.toString()}`,
        );
        for (const p of scoped.data) expect(p.merchant_id).toBe(A);
        // What an unscoped admin sees of merchant A with the same filter.
        const onlyA = new URLSearchParams(query);
        if (f.merchant_id === B) {
          expect(scoped.data).toEqual([]);
          return;
        }
        onlyA.set('merchant_id', A);
        const res = await h.call('GET', `/api/v1/transactions?${onlyA.toString()}`, {
          token: admin.accessToken,
        });
        const reference = (await res.json()) as ListBody;
        expect(scoped.data.map((p) => p.id)).toEqual(reference.data.map((p) => p.id));
        expect(scoped.pagination.total).toBe(reference.pagination.total);
      }),
      { numRuns: 40 },
    );
  });
});
