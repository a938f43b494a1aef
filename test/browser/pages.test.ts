// Every page of the console, as a person sees it: light and dark, desktop and phone, with
// screenshots into test/screenshots/, an axe-core scan (no serious or critical violations) in
// both themes, and nothing printed to the browser's console.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launch,
  openPage,
  seriousViolations,
  settled,
  shoot,
  signIn,
  type ConsolePage,
  type Scheme,
  type Viewport,
} from './support/browser.ts';
import {
  alertOf,
  authorizedPayment,
  createDemoRules,
  startConsoleStack,
  type ConsoleStack,
} from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;
const ids = { payment: '', alert: '' };

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 400 });
  await createDemoRules(stack);
  // A payment the large-payment rule fires on, so that the alert pages have an alert to show.
  const payment = await authorizedPayment(stack, {
    merchant_id: 'acme-books',
    payer_id: 'payer_0001',
    amount: '2500.00',
    currency: 'USD',
  });
  ids.payment = payment.id;
  ids.alert = (await alertOf(stack, payment.id)).id;
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

const PAGES: { name: string; path: () => string }[] = [
  { name: 'dashboard', path: () => '/dashboard' },
  { name: 'payments', path: () => '/payments' },
  { name: 'payments-empty', path: () => '/payments?merchant_id=no-such-merchant' },
  { name: 'payment', path: () => `/payments/${ids.payment}` },
  { name: 'alerts', path: () => '/alerts' },
  { name: 'alert', path: () => `/alerts/${ids.alert}` },
  { name: 'health', path: () => '/health' },
  { name: 'rules', path: () => '/rules' },
  { name: 'batch-jobs', path: () => '/batch-jobs' },
  { name: 'worker-pools', path: () => '/worker-pools' },
  { name: 'audit', path: () => '/audit' },
  { name: 'profile', path: () => '/profile' },
  { name: 'settings', path: () => '/settings' },
  { name: 'settings-users', path: () => '/settings/users' },
  { name: 'settings-api-keys', path: () => '/settings/api-keys' },
  { name: 'settings-system', path: () => '/settings/system' },
  { name: 'not-found', path: () => '/no-such-page' },
];

const COMBOS: { viewport: Viewport; scheme: Scheme }[] = [
  { viewport: 'desktop', scheme: 'light' },
  { viewport: 'desktop', scheme: 'dark' },
  { viewport: 'phone', scheme: 'light' },
  { viewport: 'phone', scheme: 'dark' },
];

for (const { viewport, scheme } of COMBOS) {
  describe(`every page on a ${viewport} in ${scheme} mode`, () => {
    let cp: ConsolePage;

    beforeAll(async () => {
      cp = await openPage(browser, { viewport, scheme });
    });

    afterAll(async () => {
      await cp.context.close();
    });

    it('when the sign-in page opens, then it renders without errors or serious accessibility violations', async () => {
      await cp.page.goto(`${stack.url}/login`);
      await cp.page.getByRole('button', { name: 'Sign in' }).waitFor();
      await shoot(cp.page, `login-${viewport}-${scheme}`);
      expect(await seriousViolations(cp.page)).toEqual([]);
      await signIn(cp.page, stack, 'admin');
    });

    for (const p of PAGES) {
      it(`when ${p.name} opens, then it shows its data without errors or serious accessibility violations`, async () => {
        const before = cp.problems.length;
        await cp.page.goto(`${stack.url}${p.path()}`);
        await cp.page.locator('main h1').first().waitFor();
        try {
          await settled(cp.page);
        } finally {
          await shoot(cp.page, `${p.name}-${viewport}-${scheme}`);
        }
        // The theme the user sees is the one asked for (the admin's preference follows the system).
        expect(
          await cp.page.evaluate(() => document.documentElement.classList.contains('pf-v6-theme-dark')),
        ).toBe(scheme === 'dark');
        expect(await seriousViolations(cp.page)).toEqual([]);
        expect(cp.problems.slice(before)).toEqual([]);
      });
    }
  });
}
