// The guided tour in Chromium against the real API and worker: the demo's card-testing run
// trips the card-testing rule, and the 23-step tour follows its alert from the dashboard to the
// payment, the rule, its backtest and the audit trail — with the user's own actions where a step
// asks for them, a reload in the middle, and the steps a viewer cannot do left out.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_TESTING } from '../../hack/demo/fraud.ts';
import { join } from 'node:path';
import { launch, openPage, SCREENSHOTS, seriousViolations, shoot, signIn } from './support/browser.ts';
import { cardTestingAlert, createDemoRules, startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;
let thread: { alertId: string; paymentId: string; ruleId: string };

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 200 });
  await createDemoRules(stack);
  thread = await cardTestingAlert(stack);
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

interface Shown {
  id: string;
  count: string;
}

/** The step the tour shows now (waits for its popover). */
async function shown(page: Page): Promise<Shown> {
  const body = page.locator('[data-tour-step]');
  await body.waitFor();
  return {
    id: (await body.getAttribute('data-tour-step')) ?? '',
    count: (await page.locator('.payflow-tour-count').textContent()) ?? '',
  };
}

async function waitStep(page: Page, id: string): Promise<Shown> {
  try {
    await page.locator(`[data-tour-step="${id}"]`).waitFor({ timeout: 20_000 });
  } catch (err) {
    await shoot(page, `tour-failed-at-${id}`);
    const info = await page.evaluate(() => ({
      url: location.href,
      steps: [...document.querySelectorAll('[data-tour-step]')].map((e) => e.getAttribute('data-tour-step')),
      targets: [...document.querySelectorAll('[data-tour-id]')].map((e) => {
        const r = e.getBoundingClientRect();
        return `${e.getAttribute('data-tour-id') ?? ''} ${String(Math.round(r.x))},${String(Math.round(r.y))} ${String(Math.round(r.width))}x${String(Math.round(r.height))}`;
      }),
    }));
    throw new Error(`step ${id} not shown: ${JSON.stringify(info)}`, { cause: err });
  }
  return shown(page);
}

async function next(page: Page): Promise<void> {
  const before = await shown(page);
  await page
    .getByRole('dialog')
    .getByRole('button', { name: /^(Next|Finish)$/ })
    .click();
  await page.locator(`[data-tour-step="${before.id}"]`).waitFor({ state: 'detached' });
}

async function startTour(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Help', exact: true }).click();
  await page.getByRole('menuitem', { name: 'Take the tour' }).click();
}

async function tourStatus(email: string): Promise<{ tour_status: string; tour_step: number } | undefined> {
  const { rows } = await stack.db.query<{ tour_status: string; tour_step: number }>(
    `select o.tour_status, o.tour_step from user_onboarding o join users u on u.id = o.user_id where u.email = $1`,
    [email],
  );
  return rows[0];
}

describe('guided tour', () => {
  it('when an admin takes the whole tour, doing what the steps ask and reloading in the middle, then all 23 steps follow the card-testing alert to the end', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin');
    await startTour(page);
    const seen: string[] = [];
    const see = async (id: string) => {
      const s = await waitStep(page, id);
      seen.push(s.id);
      expect(s.count).toBe(`Step ${String(seen.length)} of 23`);
    };

    await see('welcome');
    await shoot(page, 'tour-01-welcome-desktop-light');
    expect(await seriousViolations(page)).toEqual([]);
    await next(page);
    await see('dashboard-window');
    await next(page);
    await see('dashboard-alerts');
    await next(page);
    // The user's own actions move the next three steps on.
    await see('nav-payments');
    await page.locator('[data-tour-id="nav-payments"]').click();
    await see('payments-filter');
    await shoot(page, 'tour-05-filter-desktop-light');
    await page.getByRole('textbox', { name: 'Payer', exact: true }).fill(CARD_TESTING.payer);
    await page.getByRole('textbox', { name: 'Payer', exact: true }).press('Enter');
    await see('payments-open');
    expect(new URL(page.url()).searchParams.get('payer_id')).toBe(CARD_TESTING.payer);
    await page.locator('main table a[href^="/payments/pay_"]').first().click();
    await see('payment-tabs');
    // The tour follows the payment the alert is about.
    await page.waitForURL((u) => u.pathname === `/payments/${thread.paymentId}`);
    await next(page);
    await see('payment-rule-hits');
    expect(new URL(page.url()).searchParams.get('tab')).toBe('rules');
    await next(page);
    await see('payment-commands');
    await next(page);
    await see('alerts-queue');
    await next(page);
    await see('alerts-open');
    await page.locator(`main table a[href^="/alerts/${thread.alertId}"]`).first().click();
    await see('alert-explanation');
    await shoot(page, 'tour-12-explanation-desktop-light');

    // A reload in the middle: the same step, on the same alert.
    await page.reload();
    const again = await waitStep(page, 'alert-explanation');
    expect(again.count).toBe('Step 12 of 23');
    expect(new URL(page.url()).pathname).toBe(`/alerts/${thread.alertId}`);
    expect(await tourStatus('admin@payflow.local')).toEqual({ tour_status: 'running', tour_step: 11 });
    await next(page);

    await see('alert-acknowledge');
    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await see('rule');
    expect(new URL(page.url()).pathname).toBe(`/rules/${thread.ruleId}`);
    const { rows } = await stack.db.query<{ status: string }>('select status from alerts where id = $1', [
      thread.alertId,
    ]);
    expect(rows[0]?.status).toBe('acknowledged');
    await next(page);
    for (const id of [
      'rule-versions',
      'rule-backtest',
      'audit',
      'batch-jobs',
      'worker-pools',
      'health',
      'settings',
      'users',
    ]) {
      await see(id);
      if (id === 'rule-backtest') expect(new URL(page.url()).pathname).toBe(`/rules/${thread.ruleId}/edit`);
      if (id === 'audit') expect(new URL(page.url()).searchParams.get('resource_id')).toBe(thread.paymentId);
      await next(page);
    }
    await see('help');
    await shoot(page, 'tour-23-help-desktop-light');
    expect(seen).toHaveLength(23);
    await page.getByRole('dialog').getByRole('button', { name: 'Finish' }).click();
    await page.locator('[data-tour-step]').waitFor({ state: 'detached' });
    await expect.poll(async () => (await tourStatus('admin@payflow.local'))?.tour_status).toBe('done');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when a viewer takes the tour, then the steps they cannot do (refund, acknowledge, users) are left out', async () => {
    const { page, context } = await openPage(browser, { scheme: 'dark' });
    await signIn(page, stack, 'viewer');
    await startTour(page);
    const seen: string[] = [];
    for (;;) {
      const s = await shown(page);
      seen.push(s.id);
      expect(s.count).toBe(`Step ${String(seen.length)} of 20`);
      if (s.id === 'alert-explanation') {
        await shoot(page, 'tour-viewer-explanation-desktop-dark');
        expect(await seriousViolations(page)).toEqual([]);
      }
      if (s.id === 'help') break;
      await next(page);
    }
    expect(seen).toHaveLength(20);
    expect(seen).not.toContain('payment-commands');
    expect(seen).not.toContain('alert-acknowledge');
    expect(seen).not.toContain('users');
    await context.close();
  });

  it('when the tour runs on a phone, then each step still points at something and can be skipped', async () => {
    const { page, context } = await openPage(browser, { viewport: 'phone', scheme: 'light' });
    await signIn(page, stack, 'operator');
    await page.goto(`${stack.url}/dashboard?tour=start`);
    await waitStep(page, 'welcome');
    await page.screenshot({ path: join(SCREENSHOTS, 'tour-01-welcome-phone-light-viewport.png') });
    await shoot(page, 'tour-01-welcome-phone-light');
    expect(await seriousViolations(page)).toEqual([]);
    await next(page);
    await next(page);
    await next(page);
    // The navigation is folded away on a phone: the step points at the page title instead.
    await waitStep(page, 'nav-payments');
    await shoot(page, 'tour-04-nav-phone-light');
    // What the phone shows (the full-page shot above makes the viewport as tall as the page).
    await page.screenshot({ path: join(SCREENSHOTS, 'tour-04-nav-phone-light-viewport.png') });
    await page.getByRole('dialog').getByRole('button', { name: 'Skip tour' }).click();
    await page.locator('[data-tour-step]').waitFor({ state: 'detached' });
    await expect.poll(async () => (await tourStatus('operator@payflow.local'))?.tour_status).toBe('skipped');
    await context.close();
  });
});
