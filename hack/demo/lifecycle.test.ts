import { describe, expect, it } from 'vitest';
import { loadDomain } from './product.ts';
import { SEED_PATHS } from './seed.ts';
import { NEXT_EVENT, nextEvent } from './traffic.ts';

const { PAYMENT_STATE_TABLE } = await loadDomain();
/** The state table read with plain strings (the demo's paths and traffic are written as text). */
const TABLE = PAYMENT_STATE_TABLE as Readonly<Record<string, Readonly<Record<string, string>> | undefined>>;
const REFUND_STATES = ['refunded', 'partially_refunded'];

/** The states an event may lead to from `state` (refund events: either refund state). */
function targets(state: string, type: string): string[] {
  const to = TABLE[state]?.[type];
  if (to === undefined) return [];
  return REFUND_STATES.includes(to) ? REFUND_STATES : [to];
}

describe('demo data and traffic follow the payment state machine', () => {
  it('when the seed walks a payment along any of its paths, then every step is a transition the state table allows', () => {
    for (const { steps } of SEED_PATHS) {
      let state = 'pending';
      for (const step of steps) {
        expect(targets(state, step.type), `${state} --${step.type}-->`).toContain(step.to);
        state = step.to;
      }
    }
    const weights = SEED_PATHS.reduce((sum, p) => sum + p.weight, 0);
    expect(weights).toBeCloseTo(1, 6);
  });

  it('when the traffic picks the next event for a payment, then the state table accepts it from that state', () => {
    for (const [state, events] of Object.entries(NEXT_EVENT)) {
      for (const [type] of events) expect(targets(state, type), `${state} --${type}-->`).not.toEqual([]);
      expect(events.reduce((sum, [, p]) => sum + p, 0)).toBeLessThanOrEqual(1);
    }
    expect(nextEvent('pending', 0)).toBe('payment.authorized');
    expect(nextEvent('settled', 0.99)).toBeUndefined();
    expect(nextEvent('charged_back', 0)).toBeUndefined();
  });
});
