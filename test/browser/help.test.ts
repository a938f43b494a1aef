// The help center in Chromium against the real API: search, an article, the "?" beside a page
// title, with screenshots and axe scans light and dark, desktop and phone.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, seriousViolations, settled, shoot, signIn } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 100, worker: false });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

describe('help center', () => {
  it('when a viewer searches help for "velocity", then the rule language article comes first and opens', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'viewer', '/help');
    await page.getByRole('textbox', { name: 'Search help' }).fill('velocity');
    const results = page.getByRole('list', { name: 'Articles matching velocity' });
    await results.waitFor();
    const first = results.getByRole('link').first();
    expect(await first.textContent()).toBe('The rule language');
    expect(new URL(page.url()).searchParams.get('q')).toBe('velocity');
    await first.click();
    await page.getByRole('heading', { level: 1, name: 'The rule language' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Example: velocity' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/help/rule-language');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when the "?" beside a page title is clicked, then the article for that page opens', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'operator', '/worker-pools');
    await page.getByRole('link', { name: 'Help for this page' }).click();
    await page.getByRole('heading', { level: 1, name: 'Worker pools and scaling' }).waitFor();
    await page.goto(`${stack.url}/payments`);
    await page.getByRole('link', { name: 'Help for this page' }).click();
    await page.getByRole('heading', { level: 1, name: /Payments explorer/ }).waitFor();
    // From the help menu too.
    await page.getByRole('button', { name: 'Help', exact: true }).click();
    await page.getByRole('menuitem', { name: 'Help center' }).click();
    await page.getByRole('textbox', { name: 'Search help' }).waitFor();
    await context.close();
  });

  for (const viewport of ['desktop', 'phone'] as const)
    for (const scheme of ['light', 'dark'] as const)
      it(`when the help pages open on a ${viewport} in ${scheme} mode, then they have no serious accessibility violations`, async () => {
        const { page, context, problems } = await openPage(browser, { viewport, scheme });
        await signIn(page, stack, 'admin', '/help');
        await page.getByRole('textbox', { name: 'Search help' }).fill('refund');
        await page.getByRole('list', { name: 'Articles matching refund' }).waitFor();
        await shoot(page, `help-search-${viewport}-${scheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        for (const slug of ['payment-states', 'custom-resources']) {
          await page.goto(`${stack.url}/help/${slug}`);
          await page.locator('main h1').first().waitFor();
          await settled(page);
          await shoot(page, `help-${slug}-${viewport}-${scheme}`);
          expect(await seriousViolations(page)).toEqual([]);
        }
        expect(problems).toEqual([]);
        await context.close();
      });
});
