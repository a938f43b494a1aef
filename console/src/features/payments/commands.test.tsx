import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { commandBlocker } from './commands';
import { PaymentCommands } from './PaymentCommands';
import { json, payment, renderApp, stubApi } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('commandBlocker', () => {
  it('when the payment is authorized, then capture and void are allowed and refund is not', () => {
    const p = payment({ current_state: 'authorized' });
    expect(commandBlocker('capture', p)).toBeUndefined();
    expect(commandBlocker('void', p)).toBeUndefined();
    expect(commandBlocker('refund', p)).toBe(
      'Only a captured, settled or partially refunded payment can be refunded; this one is authorized.',
    );
  });

  it('when the payment is settled or partially refunded, then only refund is allowed', () => {
    for (const state of ['captured', 'settled', 'partially_refunded']) {
      const p = payment({ current_state: state, refunded_amount_minor: '100' });
      expect(commandBlocker('refund', p)).toBeUndefined();
      expect(commandBlocker('capture', p)).toMatch(/Only an authorized payment can be captured/);
    }
  });

  it('when nothing is left to refund, then refund says so', () => {
    const p = payment({ current_state: 'partially_refunded', refunded_amount_minor: '1234' });
    expect(commandBlocker('refund', p)).toBe('Nothing is left to refund.');
  });

  it('when the payment is in a final state, then every command says why not', () => {
    const p = payment({ current_state: 'voided' });
    for (const kind of ['capture', 'void', 'refund'] as const)
      expect(commandBlocker(kind, p)).toMatch(/voided/);
  });
});

describe('PaymentCommands', { timeout: 30_000 }, () => {
  it('when the user is a viewer, then every command is disabled with the reason', async () => {
    stubApi('viewer');
    renderApp(
      <PaymentCommands payment={payment({ current_state: 'authorized' })} onDone={() => undefined} />,
    );
    const capture = await screen.findByRole('button', { name: 'Capture' });
    for (const name of ['Capture', 'Void', 'Refund']) {
      expect(screen.getByRole('button', { name }).getAttribute('aria-disabled')).toBe('true');
    }
    await userEvent.hover(capture);
    expect((await screen.findByRole('tooltip')).textContent).toMatch(/viewer/);
  });

  it('when the state does not allow a command, then it is disabled with a tooltip saying why', async () => {
    stubApi('operator');
    renderApp(
      <PaymentCommands payment={payment({ current_state: 'authorized' })} onDone={() => undefined} />,
    );
    const refund = await screen.findByRole('button', { name: 'Refund' });
    expect(refund.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByRole('button', { name: 'Capture' }).getAttribute('aria-disabled')).not.toBe('true');
    await userEvent.hover(refund);
    expect((await screen.findByRole('tooltip')).textContent).toMatch(/this one is authorized/);
  });

  it('when the confirm button is clicked twice, then one refund is sent with one Idempotency-Key', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const calls = stubApi('operator', {
      'POST /api/v1/transactions/pay_1/refund': () =>
        gate.then(() => json(payment({ current_state: 'refunded', refunded_amount_minor: '1234' }))),
    });
    const onDone = vi.fn();
    renderApp(<PaymentCommands payment={payment()} onDone={onDone} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Refund' }));
    const confirm = await screen.findByRole('button', { name: 'Refund €12.34' });
    await userEvent.dblClick(confirm);
    await userEvent.click(confirm);
    release();
    await waitFor(() => {
      expect(onDone).toHaveBeenCalledOnce();
    });
    const posts = calls.filter((c) => c.method === 'POST' && c.url.pathname.endsWith('/refund'));
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers.get('Idempotency-Key')).toMatch(/^[0-9a-f-]{36}$/);
    expect(posts[0]?.body).toEqual({ amount: '12.34' });
  });

  it('when the dialog is opened again, then the new intent has a new Idempotency-Key', async () => {
    const calls = stubApi('operator', {
      'POST /api/v1/transactions/pay_1/capture': () => payment({ current_state: 'captured' }),
    });
    renderApp(
      <PaymentCommands payment={payment({ current_state: 'authorized' })} onDone={() => undefined} />,
    );
    for (let i = 0; i < 2; i++) {
      await userEvent.click(await screen.findByRole('button', { name: 'Capture' }));
      await userEvent.click(await screen.findByRole('button', { name: 'Capture €12.34' }));
      await waitFor(() => {
        expect(screen.queryByRole('dialog')).toBeNull();
      });
    }
    const keys = calls
      .filter((c) => c.url.pathname.endsWith('/capture'))
      .map((c) => c.headers.get('Idempotency-Key'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });
});
