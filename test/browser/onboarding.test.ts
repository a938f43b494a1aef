// The first-steps checklist in Chromium against the real API: items tick from what the user
// does, and the progress is the server's: it survives a reload and a new browser.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, seriousViolations, settled, shoot, signIn } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 120, worker: false });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

const checklist = (page: Page) => page.getByRole('list', { name: 'First steps' });

describe('onboarding checklist', () => {
  it('when an operator finds a payment, then the item ticks and stays ticked after a reload and in a new browser', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'operator');
    await checklist(page).waitFor();
    expect(await checklist(page).getByRole('listitem').allTextContents()).toEqual([
      'Set your preferences (to do) — Theme, time zone, start page.',
      'Find a payment (to do) — Filter the explorer and open one.',
      'Work an alert (to do) — Acknowledge, assign or resolve one.',
      'Backtest a rule (to do) — Try a condition over stored payments.',
    ]);
    await checklist(page).getByRole('link', { name: 'Find a payment' }).click();
    await page.waitForURL((u) => u.pathname === '/payments');
    await page.locator('main table a[href^="/payments/pay_"]').first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/payments/pay_'));
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.getByRole('link', { name: 'Dashboard' }).first().click();
    await expect
      .poll(async () => checklist(page).getByRole('listitem').allTextContents(), { timeout: 15_000 })
      .toContain('Find a payment (done) — Filter the explorer and open one.');
    await page.reload();
    await checklist(page).waitFor();
    const after = await checklist(page).getByRole('listitem').allTextContents();
    expect(after.filter((t) => t.includes('(done)'))).toEqual([
      'Set your preferences (done) — Theme, time zone, start page.',
      'Find a payment (done) — Filter the explorer and open one.',
    ]);
    await settled(page);
    await shoot(page, 'onboarding-dashboard-desktop-dark');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);

    // Another browser: the same progress, from the server.
    const other = await openPage(browser, { viewport: 'phone', scheme: 'light' });
    await signIn(other.page, stack, 'operator');
    await checklist(other.page).waitFor();
    expect(
      (await checklist(other.page).getByRole('listitem').allTextContents()).filter((t) =>
        t.includes('(done)'),
      ),
    ).toHaveLength(2);
    await settled(other.page);
    await shoot(other.page, 'onboarding-dashboard-phone-light');
    expect(await seriousViolations(other.page)).toEqual([]);

    // Hidden here, hidden there; the help menu brings it back.
    await other.page.getByRole('button', { name: 'Hide the checklist' }).click();
    await checklist(other.page).waitFor({ state: 'detached' });
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await settled(page);
    expect(await checklist(page).count()).toBe(0);
    await page.getByRole('button', { name: 'Help', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Getting-started checklist' }).click();
    await checklist(page).waitFor();
    await other.context.close();
    await context.close();
  });

  it('when a viewer signs in, then the checklist asks only for what a viewer can do', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'viewer');
    await checklist(page).waitFor();
    const items = await checklist(page).getByRole('listitem').allTextContents();
    expect(items.map((t) => t.split(' (')[0])).toEqual([
      'Set your preferences',
      'Find a payment',
      'Read an alert',
    ]);
    await context.close();
  });
});
