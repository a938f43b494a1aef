import { describe, expect, it } from 'vitest';
import { toastOf, withoutToast, withToast } from './AlertToasts';

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

describe('toasts on screen', () => {
  const t = (id: string) => ({ id, severity: 'high' as const, paymentId: undefined });

  it('when more urgent alerts come than fit, then the newest show and the rest are counted', () => {
    let s = { toasts: [], more: 0 } as Parameters<typeof withToast>[0];
    for (const id of ['a', 'b', 'c', 'd']) s = withToast(s, t(id), 1);
    expect(s.toasts.map((x) => x.id)).toEqual(['d']);
    expect(s.more).toBe(3);
    s = withToast(s, t('d'), 3);
    expect(s.more).toBe(3);
  });

  it('when the last toast goes, then the count goes with it; while one stays, the count stays', () => {
    let s = withToast(withToast(withToast({ toasts: [], more: 0 }, t('a'), 2), t('b'), 2), t('c'), 2);
    expect(s).toMatchObject({ more: 1 });
    s = withoutToast(s, 'c');
    expect(s.more).toBe(1);
    s = withoutToast(s, 'b');
    expect(s).toEqual({ toasts: [], more: 0 });
  });
});
