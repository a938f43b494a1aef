import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdFactory, decideCommand, decideEvent } from '@payflow/api/domain';
import {
  findPayment,
  insertPayment,
  lockPayment,
  recordTransition,
  type ChangeContext,
} from '@payflow/api/payments';
import type pg from 'pg';
import { createPool, withTransaction } from '@payflow/api/store';
import { migratedDatabase } from '../support/env.ts';

const ctx: ChangeContext = { source: 'sqs', actor: { actorType: 'worker', actorId: 'worker-1' } };

describe('payment store (insert, find, lock, transition) against real PostgreSQL', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = createPool({ url: await migratedDatabase('paystore'), max: 4 });
  });
  afterAll(async () => {
    await pool.end();
  });

  async function count(sql: string, args: unknown[]): Promise<number> {
    const { rows } = await pool.query<{ n: bigint }>(sql, args);
    return Number(rows[0]?.n);
  }

  it('when a payment is inserted, then it is found by id with its event, audit row and outbox message', async () => {
    const created = await withTransaction(pool, (c) =>
      insertPayment(c, { merchantId: 'm1', payerId: 'p1', amountMinor: 1999n, currency: 'USD' }, ctx),
    );
    const found = await findPayment(pool, created.id);
    expect(found).toMatchObject({ id: created.id, state: 'pending', amountMinor: 1999n, version: 1 });
    expect(found?.createdAt.getTime()).toBe(created.createdAt.getTime());
    const args = [created.id];
    expect(
      await count(
        "select count(*) n from payment_events where payment_id = $1 and type = 'payment.created'",
        args,
      ),
    ).toBe(1);
    expect(
      await count(
        "select count(*) n from audit_log where resource_id = $1 and action = 'payment.created'",
        args,
      ),
    ).toBe(1);
    expect(
      await count(
        "select count(*) n from outbox where aggregate_id = $1 and topic = 'payment-updates'",
        args,
      ),
    ).toBe(1);
  });

  it('when a payment lives in the default partition (no monthly partition for its time), then it is still found', async () => {
    const at = Date.UTC(2031, 0, 15);
    const id = createIdFactory({ now: () => at })('pay');
    await withTransaction(pool, (c) =>
      insertPayment(c, { id, merchantId: 'm9', payerId: 'p9', amountMinor: 1n, currency: 'USD' }, ctx),
    );
    const { rows } = await pool.query<{ t: string }>(
      'select tableoid::regclass::text t from payments where id = $1',
      [id],
    );
    expect(rows[0]?.t).toBe('payments_default');
    expect((await findPayment(pool, id))?.id).toBe(id);
    expect(await withTransaction(pool, async (c) => (await findPayment(c, id))?.id)).toBe(id);
  });

  it('when an id is malformed or unknown, then findPayment returns undefined', async () => {
    expect(await findPayment(pool, 'nope')).toBeUndefined();
    expect(await findPayment(pool, 'pay_01JB4Z6Q5M8W0X3YB2C7D9E1FG')).toBeUndefined();
  });

  it('when a transition is recorded, then state and version move and history is written in the same transaction', async () => {
    const p = await withTransaction(pool, (c) =>
      insertPayment(c, { merchantId: 'm1', payerId: 'p1', amountMinor: 500n, currency: 'EUR' }, ctx),
    );
    const out = await withTransaction(pool, async (c) => {
      const locked = await lockPayment(c, p.id);
      if (!locked) throw new Error('not found');
      const decision = decideEvent(locked, 'payment.authorized');
      return recordTransition(c, { ...ctx, eventId: 'evt-ext-1', payment: locked, decision });
    });
    expect(out.payment).toMatchObject({ state: 'authorized', version: 2 });
    expect(out.eventId).toBe('evt-ext-1');
    const { rows } = await pool.query<{
      event_type: string;
      payload: { payment: { current_state: string } };
    }>('select event_type, payload from outbox where aggregate_id = $1 order by id', [p.id]);
    expect(rows.map((r) => r.event_type)).toEqual(['payment.created', 'payment.authorized']);
    expect(rows[1]?.payload.payment.current_state).toBe('authorized');
  });

  it('when the payment changed since it was read, then recordTransition is a 409 and nothing is written', async () => {
    const p = await withTransaction(pool, (c) =>
      insertPayment(c, { merchantId: 'm2', payerId: 'p2', amountMinor: 700n, currency: 'USD' }, ctx),
    );
    await withTransaction(pool, async (c) =>
      recordTransition(c, { ...ctx, payment: p, decision: decideEvent(p, 'payment.authorized') }),
    );
    // p is now stale (version 1, pending): a second writer that read it before must lose.
    const stale = withTransaction(pool, async (c) =>
      recordTransition(c, { ...ctx, payment: p, decision: decideEvent(p, 'payment.failed') }),
    );
    await expect(stale).rejects.toMatchObject({ status: 409, code: 'concurrent_update' });
    expect((await findPayment(pool, p.id))?.state).toBe('authorized');
    expect(await count('select count(*) n from payment_events where payment_id = $1', [p.id])).toBe(2);
  });

  it('when a partial refund is decided by a command, then refunded_minor accumulates', async () => {
    const p = await withTransaction(pool, (c) =>
      insertPayment(c, { merchantId: 'm3', payerId: 'p3', amountMinor: 1000n, currency: 'USD' }, ctx),
    );
    let cur = p;
    for (const type of ['payment.authorized', 'payment.captured'] as const) {
      const prev = cur;
      cur = (
        await withTransaction(pool, (c) =>
          recordTransition(c, { ...ctx, payment: prev, decision: decideEvent(prev, type) }),
        )
      ).payment;
    }
    const prev = cur;
    const out = await withTransaction(pool, (c) =>
      recordTransition(c, {
        ...ctx,
        payment: prev,
        decision: decideCommand(prev, { kind: 'refund', amountMinor: 300n }),
      }),
    );
    expect(out.payment).toMatchObject({ state: 'partially_refunded', refundedMinor: 300n, version: 4 });
    const { rows } = await pool.query<{ type: string; amount_minor: bigint }>(
      'select type, amount_minor from payment_events where payment_id = $1 order by recorded_at desc, id desc limit 1',
      [p.id],
    );
    expect(rows[0]).toEqual({ type: 'payment.partially_refunded', amount_minor: 300n });
  });
});
