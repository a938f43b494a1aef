// Merchant scope on the rules' hit counters and on live access changes, against the real
// services: a user or API key limited to merchant A never has merchant B's payments counted in a
// rule's hits_24h or hourly series (admins and unscoped callers still count every merchant), and
// when an admin changes a user's or key's scope, the API enforces the new scope on the next
// request and ends that caller's open stream with an `access` event (nobody else hears it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const C = 'merchant_c';

interface RuleBody {
  id: string;
  hits_24h: number;
  hits_24h_series: number[];
}

describe('merchant scope: rule hit counters and live access changes', () => {
  let h: AuthHarness;
  let admin: SignedInBody;
  let scoped: SignedInBody;
  let viewer: SignedInBody;
  let apiKey: { id: string; key: string };
  let ruleId = '';
  const payments: Record<string, string> = {};

  type Caller = { token: string } | { key: string };
  const call = (who: Caller, method: string, path: string, body?: unknown) =>
    h.call(method, path, {
      ...(body === undefined ? {} : { body }),
      ...('token' in who ? { token: who.token } : { headers: { 'x-api-key': who.key } }),
    });

  async function rule(who: Caller, path: string): Promise<RuleBody> {
    const res = await call(who, 'GET', path);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as RuleBody | { data: RuleBody[] };
    const found = 'data' in body ? body.data.find((r) => r.id === ruleId) : body;
    if (!found) throw new Error(`rule ${ruleId} not in ${path}`);
    return found;
  }

  async function invite(role: string, merchants: string[] | null): Promise<SignedInBody> {
    const email = uniqueEmail(role);
    const invited = await h.call('POST', '/api/v1/invitations', {
      token: admin.accessToken,
      body: { email, role, merchant_ids: merchants },
    });
    expect(invited.status).toBe(201);
    const accepted = await h.call('POST', '/api/v1/auth/accept-invitation', {
      body: { token: tokenFrom(await h.smtp.next(email)), name: role, password: `${role} password 1` },
    });
    expect(accepted.status).toBe(200);
    return (await accepted.json()) as SignedInBody;
  }

  async function pay(merchant: string): Promise<string> {
    const res = await h.call('POST', '/api/v1/transactions', {
      token: admin.accessToken,
      body: { merchant_id: merchant, payer_id: `payer_${merchant}`, amount: '12.00', currency: 'EUR' },
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  interface OpenStream {
    /** Reads until `until` holds for the text so far or the server ends the stream. */
    read(until: (text: string) => boolean): Promise<{ text: string; ended: boolean }>;
    close(): void;
  }

  /** Opens the stream as `who` and waits until it is connected. */
  async function openStream(who: Caller): Promise<OpenStream> {
    const controller = new AbortController();
    const res = await fetch(`${h.api.url}/api/v1/stream?kinds=payment,alert`, {
      headers: {
        ...('token' in who ? { authorization: `Bearer ${who.token}` } : { 'x-api-key': who.key }),
        'x-forwarded-for': h.ip,
      },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no stream body');
    const decoder = new TextDecoder();
    let text = '';
    let ended = false;
    const read = async (until: (t: string) => boolean) => {
      while (!ended && !until(text)) {
        const chunk = await reader.read();
        if (chunk.done) ended = true;
        else text += decoder.decode(chunk.value);
      }
      return { text, ended };
    };
    await read((t) => t.includes(': connected'));
    return {
      read,
      close: () => {
        controller.abort();
      },
    };
  }

  beforeAll(async () => {
    h = await startAuthApi({ SIGNUP_POLICY: '', SIGNUP_ROLE: '' });
    admin = await loginAdmin(h);
    scoped = await invite('operator', [A]);
    viewer = await invite('viewer', null);
    const key = await h.call('POST', '/api/v1/api-keys', {
      token: admin.accessToken,
      body: { name: 'merchant a client', role: 'viewer', merchant_ids: [A] },
    });
    expect(key.status).toBe(201);
    apiKey = (await key.json()) as { id: string; key: string };
    const created = await h.call('POST', '/api/v1/rules', {
      token: admin.accessToken,
      body: {
        name: 'scope counters',
        rule_definition: {
          condition: { field: 'amount_minor', op: 'gt', value: 100 },
          action: 'flag',
          severity: 'low',
          mode: 'enforce',
        },
      },
    });
    expect(created.status, await created.clone().text()).toBe(201);
    ruleId = ((await created.json()) as RuleBody).id;
    payments.a = await pay(A);
    payments.b = await pay(B);
    // Hits as the worker records them (merchant given) and as any other writer does (merchant
    // left to the trigger, from the payment): 2 of A's, 5 of B's, in different hours.
    const hit = (payment: string, merchant: string | null, hoursAgo: number) =>
      h.pool.query(
        `insert into rule_hits (rule_id, payment_id, merchant_id, mode, action, acted, matched_at)
         values ($1, $2, $3, 'enforce', 'flag', true, now() - make_interval(mins => $4))`,
        [ruleId, payment, merchant, hoursAgo * 60 + 10],
      );
    await hit(payments.a, A, 1);
    await hit(payments.a, null, 5);
    for (const ago of [0, 1, 2, 3]) await hit(payments.b, B, ago);
    await hit(payments.b, null, 20);
    // Older than 24 hours: counted by nobody.
    await hit(payments.a, A, 30);
  });
  afterAll(async () => {
    await h.close();
  });

  it('when a hit is recorded without its merchant, then the trigger fills in its payment’s', async () => {
    const { rows } = await h.pool.query<{ merchant_id: string | null; n: number }>(
      'select merchant_id, count(*)::int as n from rule_hits where rule_id = $1 group by 1 order by 1',
      [ruleId],
    );
    expect(rows).toEqual([
      { merchant_id: A, n: 3 },
      { merchant_id: B, n: 5 },
    ]);
  });

  it('when a payment is made through the API, then its id names its partition and its audit rows carry its merchant', async () => {
    const { rows } = await h.pool.query<{ same: boolean; merchants: (string | null)[] }>(
      `select p.created_at = payment_created_at_of(p.id) as same,
              array(select l.merchant_id from audit_log l where l.resource_type = 'payment' and l.resource_id = p.id) as merchants
         from payments p where p.id = any($1::text[]) order by p.merchant_id`,
      [[payments.a, payments.b]],
    );
    expect(rows).toEqual([
      { same: true, merchants: [A] },
      { same: true, merchants: [B] },
    ]);
    // A payment loaded with a creation time of its own is still found (in every partition).
    const { rows: m } = await h.pool.query<{ m: string | null; none: string | null; bad: string | null }>(
      `select payment_merchant_of($1) as m, payment_merchant_of('pay_01J00000000000000000000000') as none,
              payment_created_at_of('pay_not-an-id')::text as bad`,
      [payments.b],
    );
    expect(m[0]).toEqual({ m: B, none: null, bad: null });
  });

  it('when a scoped caller reads the audit log, then it gets the rows about its merchant’s payments and none of B’s', async () => {
    for (const who of [{ token: scoped.accessToken }, { key: apiKey.key }]) {
      const res = await call(who, 'GET', '/api/v1/audit?limit=200');
      expect(res.status, await res.clone().text()).toBe(200);
      const body = (await res.json()) as { data: { resource_id: string }[] };
      const ids = body.data.map((r) => r.resource_id);
      expect(ids).toContain(payments.a);
      expect(ids).not.toContain(payments.b);
    }
  });

  it('when an admin or an unscoped viewer reads the rule, then every merchant’s hits are counted', async () => {
    // The admin first: the list is cached briefly, and a scoped caller must not get this answer.
    for (const who of [{ token: admin.accessToken }, { token: viewer.accessToken }]) {
      for (const path of ['/api/v1/rules?limit=100', `/api/v1/rules/${ruleId}`]) {
        const r = await rule(who, path);
        expect(r.hits_24h, path).toBe(7);
        expect(r.hits_24h_series.reduce((x, y) => x + y, 0)).toBe(7);
        expect(r.hits_24h_series).toHaveLength(24);
        // Oldest first: the hit 20 hours ago is in the 4th bucket, the newest in the last.
        expect(r.hits_24h_series[3]).toBe(1);
        expect(r.hits_24h_series[23]).toBe(1);
      }
    }
  });

  for (const [label, who] of [
    ['a user scoped to A', () => ({ token: scoped.accessToken })],
    ['an API key scoped to A', () => ({ key: apiKey.key })],
  ] as const) {
    it(`when ${label} reads the rule, then only A’s hits are counted, in the list, the detail and the series`, async () => {
      for (const path of ['/api/v1/rules?limit=100', `/api/v1/rules/${ruleId}`]) {
        const r = await rule(who(), path);
        expect(r.hits_24h, path).toBe(2);
        const series = new Array<number>(24).fill(0);
        series[22] = 1; // 1 h 10 min ago
        series[18] = 1; // 5 h 10 min ago
        expect(r.hits_24h_series, path).toEqual(series);
      }
    });
  }

  it('when a scoped caller asks for the shadow comparison, then it is refused: it spans every merchant', async () => {
    const res = await call({ token: scoped.accessToken }, 'GET', `/api/v1/rules/${ruleId}/shadow`);
    expect(res.status).toBe(403);
  });

  it('when the counters are read, then they come from the rule_hits index, not a scan of every hit', async () => {
    const client = await h.pool.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `explain select count(*) from rule_hits
          where rule_id = any($1::text[]) and matched_at > now() - interval '24 hours'
            and merchant_id = any($2::text[])`,
        [[ruleId], [A]],
      );
      const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Only Scan using rule_hits_rule_time/);
      await client.query('rollback');
    } finally {
      client.release();
    }
  });

  it('when an admin widens a scoped user’s merchants, then the next request sees them, and the user’s open stream is told and ended', async () => {
    const who = { token: scoped.accessToken };
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.b ?? ''}`)).status).toBe(404);
    // Another user's stream stays open and hears nothing of the change.
    const bystander = await openStream({ token: viewer.accessToken });
    const stream = await openStream(who);
    const res = await h.call('PATCH', `/api/v1/users/${scoped.user.id}`, {
      token: admin.accessToken,
      body: { merchant_ids: [A, B] },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const heard = await stream.read(() => false);
    expect(heard.ended).toBe(true);
    expect(heard.text).toMatch(/event: access\ndata: \{[^\n]*"access\.changed"/);
    expect(heard.text).toContain(scoped.user.id);
    // The new scope applies at once: B's payment is visible now, C's still is not.
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.b ?? ''}`)).status).toBe(200);
    payments.c = await pay(C);
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.c}`)).status).toBe(404);
    // The bystander (unscoped) hears C's payment, and by then would have heard the change.
    const other = await bystander.read((t) => t.includes(payments.c ?? ''));
    bystander.close();
    expect(other.ended).toBe(false);
    expect(other.text).not.toContain('event: access');
    expect(other.text).not.toContain(scoped.user.id);
    // The counters follow the new scope too.
    expect((await rule(who, `/api/v1/rules/${ruleId}`)).hits_24h).toBe(7);
  });

  it('when an admin narrows an API key’s merchants, then its stream is ended and it no longer reads the old merchant', async () => {
    const who = { key: apiKey.key };
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.a ?? ''}`)).status).toBe(200);
    const stream = await openStream(who);
    const res = await h.call('PATCH', `/api/v1/api-keys/${apiKey.id}`, {
      token: admin.accessToken,
      body: { merchant_ids: [B] },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const heard = await stream.read(() => false);
    expect(heard.ended).toBe(true);
    expect(heard.text).toContain('event: access');
    expect(heard.text).toContain(apiKey.id);
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.a ?? ''}`)).status).toBe(404);
    expect((await call(who, 'GET', `/api/v1/transactions/${payments.b ?? ''}`)).status).toBe(200);
    const r = await rule(who, `/api/v1/rules/${ruleId}`);
    expect(r.hits_24h).toBe(5);
    // The change is audited, with the scope before and after.
    const audited = await h.audit('auth.api_key_scoped');
    expect(audited.at(-1)?.resource_id).toBe(apiKey.id);
  });
});
