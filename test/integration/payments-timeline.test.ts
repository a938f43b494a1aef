import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { applyBatch, type Verdict } from '../../worker/src/apply.ts';
import { loadRules } from '../../worker/src/rules.ts';
import { newPayment, startPaymentsApi, type PaymentsHarness } from './payments-support.ts';

interface Entry {
  at: string;
  kind: string;
  type: string | null;
  outcome: string;
  from_state: string | null;
  to_state: string | null;
  event_id: string | null;
  source: string | null;
  occurred_at: string | null;
  actor: { type: string; id: string | null } | null;
  request_id: string | null;
  amount?: number | string;
  amount_minor?: string;
  reason?: string;
}
interface Hit {
  rule_id: string;
  rule_name: string | null;
  rule_version: number | null;
  mode: string;
  action: string;
  acted: boolean;
  reasons: string[];
  matched_at: string;
  event_id: string | null;
  alert_id: string | null;
}

describe('payment timeline and rule hits over HTTP against real PostgreSQL', () => {
  let h: PaymentsHarness;
  let pool: pg.Pool;

  beforeAll(async () => {
    h = await startPaymentsApi('paytl');
    pool = h.api.deps.pool;
  });
  afterAll(async () => {
    await h.close();
  });

  async function create(over: Record<string, unknown> = {}): Promise<string> {
    const res = await h.call<{ id: string }>('POST', '/api/v1/transactions', {
      body: newPayment(over),
      headers: { 'x-request-id': `req-create-${newId('req')}` },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** Processor events applied as the worker applies them (its batch applier, with the stored rules). */
  async function processorEvents(events: Record<string, unknown>[]): Promise<Verdict[]> {
    return applyBatch(
      {
        pool,
        actor: 'worker-test',
        rules: async (c) =>
          loadRules(c, (id, why) => {
            throw new Error(`rule ${id} invalid: ${why}`);
          }),
      },
      events.map((e, i) => ({
        body: JSON.stringify(e),
        messageId: `m-${String(i)}`,
        firstReceiveAt: Date.now(),
      })),
    );
  }

  it('when a payment is created, authorized by the processor, captured and partly refunded, then the timeline lists them in order with their states', async () => {
    const id = await create();
    const authorized = newId('evt');
    const occurredAt = new Date(Date.now() - 5000).toISOString();
    const verdicts = await processorEvents([
      { event_id: authorized, type: 'payment.authorized', payment_id: id, occurred_at: occurredAt },
    ]);
    expect(verdicts).toEqual([{ kind: 'done', outcome: 'applied', eventId: authorized }]);
    const capture = await h.call('POST', `/api/v1/transactions/${id}/capture`, {
      headers: { 'x-request-id': 'req-capture-1' },
    });
    expect(capture.status).toBe(200);
    const refund = await h.call('POST', `/api/v1/transactions/${id}/refund`, {
      body: { amount: '30.25', reason: 'customer returned one item' },
      headers: { 'x-request-id': 'req-refund-1' },
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    // A processor event the state machine refuses (a partly refunded payment cannot be authorized).
    const refused = newId('evt');
    const late = await processorEvents([
      {
        event_id: refused,
        type: 'payment.authorized',
        payment_id: id,
        occurred_at: new Date().toISOString(),
      },
    ]);
    expect(late[0]?.kind).toBe('dead');

    const res = await h.call<{ data: Entry[] }>('GET', `/api/v1/transactions/${id}/timeline`, {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    const data = res.body.data;
    expect(
      data.map((e) => [e.kind, e.type, e.outcome, e.from_state, e.to_state, e.actor?.type, e.source]),
    ).toEqual([
      ['created', 'payment.created', 'applied', null, 'pending', 'user', 'api'],
      ['event', 'payment.authorized', 'applied', 'pending', 'authorized', 'worker', 'sqs'],
      ['command', 'payment.captured', 'applied', 'authorized', 'captured', 'user', 'api'],
      ['command', 'payment.partially_refunded', 'applied', 'captured', 'partially_refunded', 'user', 'api'],
      ['event', 'payment.authorized', 'rejected', 'partially_refunded', null, 'worker', null],
    ]);
    const [created, auth, captured, refunded, rejected] = data;
    expect(created).toMatchObject({ amount: 100, amount_minor: '10000', actor: { id: 'usr_test_operator' } });
    expect(auth).toMatchObject({
      event_id: authorized,
      occurred_at: occurredAt,
      actor: { id: 'worker-test' },
    });
    expect(auth?.amount).toBeUndefined();
    expect(captured).toMatchObject({ request_id: 'req-capture-1' });
    expect(captured?.event_id).toMatch(/^evt_/);
    expect(refunded).toMatchObject({
      amount: 30.25,
      amount_minor: '3025',
      reason: 'customer returned one item',
      request_id: 'req-refund-1',
    });
    expect(rejected).toMatchObject({ event_id: refused });
    expect(rejected?.reason).toMatch(/partially_refunded/);
    // Time order, and every time an ISO UTC instant.
    const times = data.map((e) => e.at);
    expect([...times].sort()).toEqual(times);
    for (const t of times) expect(new Date(t).toISOString()).toBe(t);
  });

  it('when several processor events of a payment commit in one batch, then the timeline keeps their order', async () => {
    const id = await create({ amount: 12.5 });
    const events = ['payment.authorized', 'payment.captured', 'payment.settled'].map((type) => ({
      event_id: newId('evt'),
      type,
      payment_id: id,
      occurred_at: new Date().toISOString(),
    }));
    await processorEvents(events);
    const res = await h.call<{ data: Entry[] }>('GET', `/api/v1/transactions/${id}/timeline`, {
      role: 'viewer',
    });
    expect(res.body.data.map((e) => `${String(e.from_state)}>${String(e.to_state)}`)).toEqual([
      'null>pending',
      'pending>authorized',
      'authorized>captured',
      'captured>settled',
    ]);
    expect(res.body.data.slice(1).map((e) => e.event_id)).toEqual(events.map((e) => e.event_id));
  });

  it('when a dispute carries a network reason code, then its timeline entries name it and whether it is fraud', async () => {
    const id = await create({ amount: 40 });
    const ev = (type: string, data?: Record<string, unknown>) => ({
      event_id: newId('evt'),
      type,
      payment_id: id,
      occurred_at: new Date().toISOString(),
      ...(data ? { data } : {}),
    });
    await processorEvents([
      ev('payment.authorized', { reason_code: '10.4' }),
      ev('payment.captured'),
      ev('payment.disputed', { reason_code: '13.1' }),
      ev('payment.dispute_won', { reason_code: '13.1' }),
      ev('payment.disputed', { reason_code: ' 4837 ' }),
      ev('payment.dispute_lost', { reason_code: 'ZZ-9' }),
    ]);
    const res = await h.call<{ data: (Entry & { dispute_reason?: unknown })[] }>(
      'GET',
      `/api/v1/transactions/${id}/timeline`,
      { role: 'viewer' },
    );
    expect(res.status).toBe(200);
    // Only a dispute's own events carry one (not the won dispute's closing event, nor an authorisation).
    expect(res.body.data.map((e) => [e.type, e.dispute_reason ?? null])).toEqual([
      ['payment.created', null],
      ['payment.authorized', null],
      ['payment.captured', null],
      ['payment.disputed', { code: '13.1', fraud: false }],
      ['payment.dispute_won', null],
      ['payment.disputed', { code: '4837', fraud: true }],
      ['payment.dispute_lost', { code: 'ZZ-9', fraud: null }],
    ]);
    // The payment's latest code is the one backtests read.
    const kept = await pool.query(
      'select reason_code, fraud from payment_dispute_reasons where payment_id = $1',
      [id],
    );
    expect(kept.rows).toEqual([{ reason_code: 'ZZ-9', fraud: null }]);
  });

  it('when the payment does not exist, then timeline and rule hits are 404 problems', async () => {
    for (const path of ['timeline', 'rule-hits']) {
      for (const id of [newId('pay'), 'not-an-id']) {
        const res = await h.call('GET', `/api/v1/transactions/${id}/${path}`, { role: 'viewer' });
        expect(res.status, `${path} ${id}`).toBe(404);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }
  });

  it('when rules fire on a processor event, then the rule hits show rule, mode, action, reasons and the alert raised', async () => {
    const rule = async (name: string, definition: Record<string, unknown>): Promise<string> => {
      const res = await h.call<{ id: string }>('POST', '/api/v1/rules', {
        role: 'admin',
        body: { name, enabled: true, rule_definition: definition },
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id;
    };
    const big = await rule('big payment', {
      condition: { field: 'amount_minor', op: 'gt', value: 500_000 },
      action: 'alert',
      severity: 'high',
    });
    const watch = await rule('watch DE', {
      condition: { field: 'country', op: 'eq', value: 'DE' },
      action: 'hold',
      severity: 'low',
      mode: 'shadow',
    });
    const id = await create({ amount: '7500.00', country: 'DE' });
    const small = await create({ amount: '1.00', country: 'FR' });
    const event = newId('evt');
    await processorEvents([
      { event_id: event, type: 'payment.authorized', payment_id: id, occurred_at: new Date().toISOString() },
      {
        event_id: newId('evt'),
        type: 'payment.authorized',
        payment_id: small,
        occurred_at: new Date().toISOString(),
      },
    ]);
    const res = await h.call<{ data: Hit[] }>('GET', `/api/v1/transactions/${id}/rule-hits`, {
      role: 'viewer',
    });
    expect(res.status).toBe(200);
    const { rows } = await pool.query<{ id: string }>('select id from alerts where payment_id = $1', [id]);
    expect(rows).toHaveLength(1);
    const hits = [...res.body.data].sort((a, b) => a.rule_name?.localeCompare(b.rule_name ?? '') ?? 0);
    for (const hit of hits) expect(new Date(hit.matched_at).toISOString()).toBe(hit.matched_at);
    expect(hits.map(({ matched_at: _, ...rest }) => rest)).toEqual([
      {
        rule_id: big,
        rule_name: 'big payment',
        rule_version: 1,
        mode: 'enforce',
        action: 'alert',
        acted: true,
        reasons: [expect.stringContaining('750000')],
        event_id: event,
        alert_id: rows[0]?.id,
      },
      {
        rule_id: watch,
        rule_name: 'watch DE',
        rule_version: 1,
        mode: 'shadow',
        action: 'hold',
        acted: false,
        reasons: [expect.stringContaining('DE')],
        event_id: event,
        alert_id: null,
      },
    ]);
    const none = await h.call<{ data: Hit[] }>('GET', `/api/v1/transactions/${small}/rule-hits`, {
      role: 'viewer',
    });
    expect(none.body.data).toEqual([]);
  });
});
