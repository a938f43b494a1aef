import { describe, expect, it } from 'vitest';
import { toastOf } from './AlertToasts';

describe('alert toasts', () => {
  it('when a high or critical alert is created, then it becomes a toast', () => {
    expect(
      toastOf({ type: 'alert.created', id: 'alt_1', severity: 'critical', payment_id: 'pay_1' }),
    ).toEqual({
      id: 'alt_1',
      severity: 'critical',
      paymentId: 'pay_1',
    });
    expect(toastOf({ type: 'alert.created', id: 'alt_2', severity: 'high' })?.paymentId).toBeUndefined();
  });

  it('when an alert is low or medium, or only updated, then there is no toast', () => {
    expect(toastOf({ type: 'alert.created', id: 'alt_3', severity: 'medium' })).toBeUndefined();
    expect(toastOf({ type: 'alert.updated', id: 'alt_4', severity: 'critical' })).toBeUndefined();
    expect(toastOf({ type: 'alert.created', severity: 'critical' })).toBeUndefined();
  });
});
