// Working an alert that a rule raised from a real payment: acknowledge, then resolve.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, settled, shoot, signIn, streamOpened } from './support/browser.ts';
import {
  alertOf,
  authorizedPayment,
  createDemoRules,
  startConsoleStack,
  type ConsoleStack,
} from './support/stack.ts';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

let stack: ConsoleStack;
let browser: Browser;

interface Alert {
  id: string;
  title: string;
  status: string;
  resolution: string | null;
  payment_id: string | null;
}

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 100 });
  await createDemoRules(stack);
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
  await stack.close();
});

/**
 * An operator on the alerts page with the live stream open; a large payment then raises a high
 * alert, which is announced while they are there (notifications are on).
 */
async function alertWhileOnAlerts(page: Page, payer: string, amount: string): Promise<{ id: string }> {
  const live = streamOpened(page);
  await signIn(page, stack, 'operator', '/alerts');
  await live;
  await settled(page);
  const payment = await authorizedPayment(stack, {
    merchant_id: 'globex-travel',
    payer_id: payer,
    amount,
    currency: 'GBP',
  });
  await page.getByText(`New high alert on ${payment.id}`).waitFor({ timeout: 15_000 });
  return payment;
}

describe('alerts', () => {
  it('when an operator acknowledges and resolves an alert raised by a rule, then both are recorded and audited', async () => {
    const { page, context, problems } = await openPage(browser);
    const payment = await alertWhileOnAlerts(page, 'payer_0003', '4200.00');
    const alert = await alertOf(stack, payment.id);
    await shoot(page, 'flow-alert-toast');
    // It covers neither the masthead nor the page's commands at the top (on a desktop it rises
    // from the bottom right).
    const toast = await page.locator('.payflow-toasts').boundingBox();
    const covered = await page
      .locator('.pf-v6-c-masthead, main button:visible')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON() as Box));
    expect(toast).not.toBeNull();
    const over = covered.filter((b) => toast && overlaps(toast, b));
    expect(over).toEqual([]);
    const table = page.getByRole('grid', { name: 'Alerts' }).or(page.getByRole('table', { name: 'Alerts' }));
    await table.getByRole('link', { name: payment.id }).first().waitFor();
    await shoot(page, 'flow-alerts-queue');
    await page.goto(`${stack.url}/alerts/${alert.id}`);
    await page.getByRole('heading', { name: alert.title, level: 1 }).waitFor();
    await settled(page);
    // It explains itself: the rule that fired and a link to its payment.
    await page.getByText('large-payment').first().waitFor();
    await page.getByRole('link', { name: payment.id }).first().waitFor();
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect
      .poll(async () => (await stack.call<Alert>('GET', `/api/v1/alerts/${alert.id}`)).status, {
        timeout: 15_000,
      })
      .toBe('acknowledged');
    await page.getByRole('button', { name: 'Resolve' }).click();
    const dialog = page.getByRole('dialog', { name: 'Resolve alert' });
    await dialog.getByRole('radio', { name: 'False positive' }).check();
    await dialog.getByLabel('Notes').fill('Known corporate travel booking.');
    await shoot(page, 'flow-alert-resolve');
    await dialog.getByRole('button', { name: 'Resolve alert' }).click();
    await expect
      .poll(async () => (await stack.call<Alert>('GET', `/api/v1/alerts/${alert.id}`)).status, {
        timeout: 15_000,
      })
      .toBe('resolved');
    expect((await stack.call<Alert>('GET', `/api/v1/alerts/${alert.id}`)).resolution).toBe('false_positive');
    const { rows } = await stack.db.query<{ action: string }>(
      `select action from audit_log where resource_id = $1 order by occurred_at, chain_seq`,
      [alert.id],
    );
    expect(rows.map((r) => r.action).filter((a) => /acknowledge|resolve/.test(a))).toHaveLength(2);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when a new alert is announced on a phone in dark mode, then the toast sits below the masthead and leaves it uncovered', async () => {
    const { page, context, problems } = await openPage(browser, { viewport: 'phone', scheme: 'dark' });
    const payment = await alertWhileOnAlerts(page, 'payer_0004', '4300.00');
    await shoot(page, 'flow-alert-toast-phone-dark');
    const toast = await page.locator('.payflow-toasts').boundingBox();
    const masthead = await page.locator('.pf-v6-c-masthead').boundingBox();
    expect(toast).not.toBeNull();
    expect(masthead).not.toBeNull();
    if (toast && masthead) {
      expect(overlaps(toast, masthead)).toBe(false);
      expect(toast.y).toBeGreaterThanOrEqual(masthead.y + masthead.height);
    }
    // The queue below it takes the new alert in too.
    await page.locator('main').getByRole('link', { name: payment.id }).first().waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await context.close();
  });
});
