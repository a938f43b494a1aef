import { describe, expect, it } from 'vitest';
import { isAt, nearestStep, stepsFor, TOUR_STEPS } from './steps';

describe('tour steps', () => {
  it('when counted, then the tour has 23 steps with distinct ids and targets on every page', () => {
    expect(TOUR_STEPS).toHaveLength(23);
    expect(new Set(TOUR_STEPS.map((s) => s.id)).size).toBe(23);
    const pages = new Set(
      TOUR_STEPS.map((s) => s.path({ ruleId: 'r', alertId: 'a', paymentId: 'p' }).split(/[?/]/)[1]),
    );
    for (const p of [
      'dashboard',
      'payments',
      'alerts',
      'rules',
      'audit',
      'batch-jobs',
      'worker-pools',
      'health',
      'settings',
    ])
      expect(pages.has(p), p).toBe(true);
  });

  it('when the role is viewer, then the refund, acknowledge and users steps are skipped', () => {
    const ids = (role: 'viewer' | 'operator' | 'admin') => stepsFor(role).map((i) => TOUR_STEPS[i]?.id);
    expect(stepsFor('admin')).toHaveLength(23);
    expect(ids('operator')).not.toContain('users');
    expect(stepsFor('operator')).toHaveLength(22);
    expect(ids('viewer')).not.toContain('payment-commands');
    expect(ids('viewer')).not.toContain('alert-acknowledge');
    expect(stepsFor('viewer')).toHaveLength(20);
    const ack = TOUR_STEPS.findIndex((s) => s.id === 'alert-acknowledge');
    expect(TOUR_STEPS[nearestStep('viewer', ack) ?? -1]?.id).toBe('rule');
  });

  it('when the user opens a payment, then the open step is done; a step query counts for where it is', () => {
    const open = TOUR_STEPS.find((s) => s.id === 'payments-open');
    expect(open?.doneAt?.({ pathname: '/payments/pay_1', search: '' }, {})).toBe(true);
    expect(open?.doneAt?.({ pathname: '/payments', search: '?payer_id=x' }, {})).toBe(false);
    const filter = TOUR_STEPS.find((s) => s.id === 'payments-filter');
    expect(filter?.doneAt?.({ pathname: '/payments', search: '?payer_id=x' }, {})).toBe(true);
    expect(filter?.doneAt?.({ pathname: '/payments', search: '?sort=amount' }, {})).toBe(false);
    expect(isAt(open!, { pathname: '/payments', search: '?payer_id=x&sort=amount' }, { payer: 'x' })).toBe(
      true,
    );
    expect(isAt(open!, { pathname: '/payments', search: '' }, { payer: 'x' })).toBe(false);
    expect(isAt(open!, { pathname: '/payments', search: '' }, {})).toBe(true);
  });
});
