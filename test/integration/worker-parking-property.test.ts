// Property tests of parking against real PostgreSQL, through the worker's own apply path
// (applyBatch for each delivered batch, settleParked as the parking lot calls it): for a valid
// event history of one payment, any permutation of it with duplicates, delivered in any batches,
// leaves the payment in the state, and with the audit trail, of the history applied in order.
//   1. Histories in which each event is accepted only in its place (the state machine alone
//      fixes the order): any arrival order, the payment created before, between or after the
//      batches, occurred_at ties allowed.
//   2. Any valid history, refunds and disputes included, when it waits whole: every batch
//      arrives before the payment exists, which is then created (a replay reaching the worker
//      ahead of the payments' own creation); occurred_at decides the order.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYMENT_STATE_TABLE, idTimestamp, newId, type TransitionEventType } from '@payflow/api/domain';
import type { Payment } from '@payflow/api/payments';
import { createPool } from '@payflow/api/store';
import { applyBatch, settleParked, type ApplyContext } from '../../worker/src/apply.ts';
import { decide } from '../../worker/src/decide.ts';
import { migratedDatabase } from '../support/env.ts';
import { insertPayments } from './worker-support.ts';

interface Step {
  readonly type: TransitionEventType;
  readonly amount_minor?: string;
}

const AMOUNT = 1000n;

const template: Payment = {
  id: 'pay_01JB0000000000000000000000',
  createdAt: new Date(0),
  updatedAt: new Date(0),
  merchantId: 'mer_1',
  payerId: 'payer',
  amountMinor: AMOUNT,
  currency: 'USD',
  refundedMinor: 0n,
  state: 'pending',
  version: 1,
  cardFingerprint: null,
  country: null,
  flagged: false,
  held: false,
  metadata: {},
};

const asEvent = (s: Step, i: number) => ({
  event_id: `e${String(i)}`,
  type: s.type,
  payment_id: template.id,
  occurred_at: '2026-01-01T00:00:00Z',
  ...(s.amount_minor === undefined ? {} : { amount_minor: s.amount_minor }),
});

/** A valid history from `pending`: at each step one of the events the state accepts, with a fitting amount. */
function walk(choices: readonly number[]): Step[] {
  let p = template;
  const steps: Step[] = [];
  for (const c of choices) {
    const types = Object.keys(PAYMENT_STATE_TABLE[p.state]) as TransitionEventType[];
    const type = types[c % (types.length || 1)];
    if (type === undefined) break;
    const left = p.amountMinor - p.refundedMinor;
    const amount =
      type === 'payment.partially_refunded' || (type === 'payment.refunded' && c % 2 === 0)
        ? String(1n + (BigInt(c) % left))
        : undefined;
    const step: Step = amount === undefined ? { type } : { type, amount_minor: amount };
    const d = decide({ event: asEvent(step, steps.length), payment: p });
    if (d.kind !== 'apply') throw new Error(`walk made an invalid step ${type} on ${p.state}`);
    p = { ...p, state: d.decision.to, refundedMinor: d.decision.refundedMinor, version: p.version + 1 };
    steps.push(step);
  }
  return steps;
}

/** The longest prefix in which, before each event, every later one would be parked (not applied, not rejected). */
function forcedPrefix(steps: readonly Step[]): Step[] {
  let p = template;
  for (let i = 0; i < steps.length; i++) {
    const later = steps.slice(i + 1);
    if (later.some((s, j) => decide({ event: asEvent(s, i + 1 + j), payment: p }).kind !== 'park'))
      return steps.slice(0, i + 1);
    const d = decide({ event: asEvent(steps[i]!, i), payment: p });
    if (d.kind !== 'apply') return steps.slice(0, i);
    p = { ...p, state: d.decision.to, refundedMinor: d.decision.refundedMinor, version: p.version + 1 };
  }
  return [...steps];
}

describe('parking: any arrival order of a valid history ends as the history in order', () => {
  let db: ReturnType<typeof createPool>;
  const ctx = (): ApplyContext => ({ pool: db, actor: 'worker-test', rules: () => Promise.resolve([]) });

  beforeAll(async () => {
    db = createPool({ url: await migratedDatabase('wparkprop'), max: 4 });
  });
  afterAll(async () => {
    await db.end();
  });

  /** The history's events for a payment: ids of their own, occurred_at a month ago (ties where `tie`). */
  const eventsFor = (
    payment: string,
    steps: readonly Step[],
    ties: readonly boolean[],
  ): Record<string, unknown>[] => {
    let at = Date.now() - 30 * 86_400_000;
    return steps.map((s, i) => {
      if (!(ties[i] ?? false)) at += 1000;
      return {
        event_id: newId('evt'),
        type: s.type,
        payment_id: payment,
        occurred_at: new Date(at).toISOString(),
        ...(s.amount_minor === undefined ? {} : { amount_minor: s.amount_minor }),
      };
    });
  };
  const deliver = async (events: readonly Record<string, unknown>[]): Promise<string[]> => {
    const verdicts = await applyBatch(
      ctx(),
      events.map((e, i) => ({
        body: JSON.stringify(e),
        messageId: `m-${String(i)}`,
        firstReceiveAt: Date.now(),
      })),
    );
    return verdicts.map((v) => (v.kind === 'done' ? v.outcome : v.kind));
  };
  const createLater = async (id: string): Promise<void> => {
    await db.query(
      `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
       values ($1, $2, 'mer_1', 'payer_prop', 1000, 'USD', 'pending')`,
      [id, new Date(idTimestamp(id))],
    );
  };
  /** State, refunded amount, version, and the audit trail with each event named by its place in the history. */
  const outcome = async (payment: string, events: readonly Record<string, unknown>[]) => {
    const place = new Map(events.map((e, i) => [String(e.event_id), i]));
    const p = await db.query<{ current_state: string; refunded: string; version: number }>(
      'select current_state, refunded_minor::text as refunded, version from payments where id = $1',
      [payment],
    );
    const trail = await db.query<{
      action: string;
      event_id: string;
      before: string;
      after: string;
      refunded: string;
    }>(
      `select action, event_id, before->>'current_state' as before, after->>'current_state' as after,
              after->>'refunded_amount_minor' as refunded
         from audit_log where resource_type = 'payment' and resource_id = $1 order by chain_seq`,
      [payment],
    );
    const leftovers = await db.query('select event_id from parked_events where payment_id = $1', [payment]);
    const rejected = await db.query(
      "select event_id from processed_events where payment_id = $1 and outcome = 'rejected'",
      [payment],
    );
    return {
      payment: p.rows[0],
      trail: trail.rows.map((r) => [r.action, place.get(r.event_id), r.before, r.after, r.refunded]),
      parked: leftovers.rows.length,
      rejected: rejected.rows.length,
    };
  };
  /** The history applied in order, one event per batch, to a payment of its own. */
  const inOrder = async (steps: readonly Step[], ties: readonly boolean[]) => {
    const [ref] = await insertPayments(db, 1);
    const events = eventsFor(ref!, steps, ties);
    for (const e of events) expect(await deliver([e])).toEqual(['applied']);
    return outcome(ref!, events);
  };

  /** A permutation of the indexes with duplicates, cut into batches. */
  const arrival = (n: number) =>
    fc.record({
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
      dupes: fc.array(fc.nat({ max: n - 1 }), { maxLength: n }),
      cuts: fc.array(fc.boolean(), { minLength: 2 * n, maxLength: 2 * n }),
    });
  const batchesOf = (
    events: readonly Record<string, unknown>[],
    a: { order: number[]; dupes: number[]; cuts: boolean[] },
  ) => {
    const seq = [...a.order, ...a.dupes].map((i) => events[i]!);
    const batches: Record<string, unknown>[][] = [[]];
    seq.forEach((e, i) => {
      batches.at(-1)!.push(e);
      if (a.cuts[i] && i < seq.length - 1) batches.push([]);
    });
    return batches;
  };

  it('when each event is accepted only in its place, then any arrival order with duplicates, in any batches, the payment created at any point, gives the ordered outcome', async () => {
    const history = fc
      .array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 6 })
      .map((choices) => forcedPrefix(walk(choices)))
      .filter((steps) => steps.length > 0);
    await fc.assert(
      fc.asyncProperty(
        history.chain((steps) =>
          fc.record({
            steps: fc.constant(steps),
            ties: fc.array(fc.boolean(), { minLength: steps.length, maxLength: steps.length }),
            arrival: arrival(steps.length),
            createdAfter: fc.nat({ max: 2 * steps.length }),
          }),
        ),
        async ({ steps, ties, arrival: a, createdAfter }) => {
          const expected = await inOrder(steps, ties);
          const id = newId('pay');
          const events = eventsFor(id, steps, ties);
          const batches = batchesOf(events, a);
          const createAt = Math.min(createdAfter, batches.length);
          for (let b = 0; b <= batches.length; b++) {
            if (b === createAt) {
              await createLater(id);
              await settleParked(ctx(), [id]);
            }
            const batch = batches[b];
            if (!batch) continue;
            for (const v of await deliver(batch)) expect(['applied', 'duplicate', 'parked']).toContain(v);
          }
          const got = await outcome(id, events);
          expect(got).toEqual(expected);
          expect(got.parked).toBe(0);
          expect(got.rejected).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('when any valid history arrives whole before its payment, in any order with duplicates and in any batches, then creating the payment gives the ordered outcome', async () => {
    const history = fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 7 }).map(walk);
    await fc.assert(
      fc.asyncProperty(
        history.chain((steps) => fc.record({ steps: fc.constant(steps), arrival: arrival(steps.length) })),
        async ({ steps, arrival: a }) => {
          const ties = steps.map(() => false);
          const expected = await inOrder(steps, ties);
          const id = newId('pay');
          const events = eventsFor(id, steps, ties);
          for (const batch of batchesOf(events, a)) {
            for (const v of await deliver(batch)) expect(v).toBe('parked');
          }
          await createLater(id);
          const summary = await settleParked(ctx(), [id]);
          expect(summary.released).toBe(steps.length);
          expect(await outcome(id, events)).toEqual(expected);
        },
      ),
      { numRuns: 25 },
    );
  });
});
