// The Payments Explorer and a payment's page in Chromium over the real API and worker.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, settled, shoot, signIn, streamOpened } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

interface Payment {
  id: string;
  current_state: string;
  merchant_id: string;
  refunded_amount_minor: string;
  amount_minor: string;
}

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 300 });
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
  await stack.close();
});

/** A payment in a state, made through the API and moved by the API's own commands. */
async function settledPayment(amount: string): Promise<Payment> {
  const key = () => `t-${String(Date.now())}-${String(Math.random())}`;
  const p = await stack.call<Payment>(
    'POST',
    '/api/v1/transactions',
    { merchant_id: 'wayne-foods', payer_id: 'payer_0042', amount, currency: 'USD' },
    { 'idempotency-key': key() },
  );
  // The processor's events, through the ingest endpoint and the worker, as in production.
  for (const type of ['payment.authorized', 'payment.captured']) {
    await stack.call('POST', '/api/v1/events', {
      event_id: `evt-${key()}`,
      type,
      payment_id: p.id,
      occurred_at: new Date().toISOString(),
    });
    const target = type.split('.')[1];
    await expect
      .poll(async () => (await stack.call<Payment>('GET', `/api/v1/transactions/${p.id}`)).current_state, {
        timeout: 30_000,
      })
      .toBe(target);
  }
  return stack.call<Payment>('GET', `/api/v1/transactions/${p.id}`);
}

async function refundAuditRows(paymentId: string): Promise<number> {
  const { rows } = await stack.db.query<{ n: string }>(
    `select count(*) as n from audit_log where resource_id = $1 and action like '%refund%'`,
    [paymentId],
  );
  return Number(rows[0]?.n ?? 0);
}

describe('payments explorer', () => {
  it('when filtering by merchant and state, then the URL holds the filter and only matching rows show', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'operator', '/payments');
    await settled(page);
    await page.getByRole('textbox', { name: 'Merchant', exact: true }).fill('acme-books');
    await page.getByRole('textbox', { name: 'Merchant', exact: true }).press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('merchant_id')).toBe('acme-books');
    await page.getByRole('button', { name: 'State' }).click();
    // A checkbox menu: each state is a menu item with a checkbox.
    await page
      .getByRole('menuitemcheckbox', { name: 'Settled' })
      .or(page.getByRole('option', { name: 'Settled' }))
      .or(page.getByRole('checkbox', { name: 'Settled' }))
      .first()
      .click();
    await shoot(page, 'flow-payments-state-menu');
    await page.keyboard.press('Escape');
    await expect.poll(() => new URL(page.url()).searchParams.get('state')).toBe('settled');
    await settled(page);
    const table = page
      .getByRole('grid', { name: 'Payments' })
      .or(page.getByRole('table', { name: 'Payments' }));
    const rows = table.locator('tbody tr');
    // The previous rows stay while the filtered page loads; then every row matches the filter.
    const matching = async () => {
      const texts = await rows.allInnerTexts();
      return texts.length > 0 && texts.every((t) => t.includes('acme-books') && t.includes('Settled'));
    };
    await expect.poll(matching, { timeout: 15_000 }).toBe(true);
    // The default columns fit a 1440 px screen beside the navigation: the table does not scroll sideways.
    expect(
      await page.locator('.payflow-table-scroll').evaluate((e) => e.scrollWidth - e.clientWidth),
    ).toBeLessThanOrEqual(0);
    // The same URL opened elsewhere shows the same view.
    const shared = await openPage(browser);
    await signIn(shared.page, stack, 'viewer', `/payments?${new URL(page.url()).searchParams.toString()}`);
    await settled(shared.page);
    expect(await shared.page.getByRole('textbox', { name: 'Merchant', exact: true }).inputValue()).toBe(
      'acme-books',
    );
    await shared.context.close();
    await shoot(page, 'flow-payments-filtered');
    await context.close();
  });

  it('when a payment is refunded in part from its page, then its state, the audit trail and the amounts change once', async () => {
    const payment = await settledPayment('80.00');
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'operator', `/payments/${payment.id}`);
    await page.getByRole('heading', { name: payment.id, level: 1 }).waitFor();
    await settled(page);
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Refund payment/ });
    await dialog.getByLabel('Refund amount').fill('12.34');
    const confirm = dialog.getByRole('button', { name: /^Refund \$12\.34/ });
    await shoot(page, 'flow-refund-modal');
    // A double click is one intent: one Idempotency-Key, one refund.
    await confirm.dblclick();
    await expect
      .poll(
        async () =>
          (await stack.call<Payment>('GET', `/api/v1/transactions/${payment.id}`)).refunded_amount_minor,
        {
          timeout: 15_000,
        },
      )
      .toBe('1234');
    expect((await stack.call<Payment>('GET', `/api/v1/transactions/${payment.id}`)).current_state).toBe(
      'partially_refunded',
    );
    expect(await refundAuditRows(payment.id)).toBe(1);
    // The page shows the new state and the audit row without a reload.
    await expect
      .poll(async () => page.getByText('Partially refunded').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    await page.getByRole('tab', { name: 'Audit trail' }).click();
    const audit = page
      .getByRole('grid', { name: 'Audit trail' })
      .or(page.getByRole('table', { name: 'Audit trail' }));
    await expect.poll(async () => audit.getByText(/refund/i).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    await shoot(page, 'flow-refund-audit');
    // A second, separate refund is a new intent and goes through.
    await page.getByRole('tab', { name: 'Details' }).click();
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await page
      .getByRole('dialog', { name: /Refund payment/ })
      .getByLabel('Refund amount')
      .fill('1.00');
    await page
      .getByRole('dialog', { name: /Refund payment/ })
      .getByRole('button', { name: /^Refund \$1\.00/ })
      .click();
    await expect
      .poll(
        async () =>
          (await stack.call<Payment>('GET', `/api/v1/transactions/${payment.id}`)).refunded_amount_minor,
        {
          timeout: 15_000,
        },
      )
      .toBe('1334');
    expect(await refundAuditRows(payment.id)).toBe(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when a viewer opens a payment, then the commands are disabled and say why', async () => {
    const payment = await settledPayment('10.00');
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'viewer', `/payments/${payment.id}`);
    await page.getByRole('heading', { name: payment.id, level: 1 }).waitFor();
    const refund = page.getByRole('button', { name: 'Refund', exact: true });
    expect(await refund.getAttribute('aria-disabled')).toBe('true');
    await refund.hover();
    await page
      .getByRole('tooltip')
      .filter({ hasText: /viewer/i })
      .waitFor();
    await shoot(page, 'flow-viewer-disabled');
    await refund.click({ force: true });
    expect(await page.getByRole('dialog').count()).toBe(0);
    await context.close();
  });

  it('when a new payment is created elsewhere, then the explorer and the dashboard show it without a reload', async () => {
    const explorer = await openPage(browser);
    const explorerLive = streamOpened(explorer.page);
    await signIn(explorer.page, stack, 'viewer', '/payments');
    await explorerLive;
    await settled(explorer.page);
    const dashboard = await openPage(browser);
    const dashboardLive = streamOpened(dashboard.page);
    await signIn(dashboard.page, stack, 'viewer', '/dashboard');
    await dashboardLive;
    await settled(dashboard.page);
    const created = await stack.call<Payment>(
      'POST',
      '/api/v1/transactions',
      { merchant_id: 'stark-hardware', payer_id: 'payer_0007', amount: '19.99', currency: 'EUR' },
      { 'idempotency-key': `live-${String(Date.now())}` },
    );
    await explorer.page.getByRole('link', { name: created.id }).first().waitFor({ timeout: 20_000 });
    await shoot(explorer.page, 'flow-explorer-live');
    await dashboard.page.getByRole('link', { name: created.id }).first().waitFor({ timeout: 20_000 });
    await shoot(dashboard.page, 'flow-dashboard-live');
    await explorer.context.close();
    await dashboard.context.close();
  });
});
