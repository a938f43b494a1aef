// The landing page a signed-out visitor sees at `/`, in Chromium against the real API: what
// PayFlow does, the features, the tour and sign-in; light and dark, desktop and phone, axe-clean.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, seriousViolations, shoot, signIn } from './support/browser.ts';
import { PASSWORD, USERS, startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 50, worker: false });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

describe('landing page', () => {
  for (const viewport of ['desktop', 'phone'] as const)
    for (const scheme of ['light', 'dark'] as const)
      it(`when a signed-out visitor opens / on a ${viewport} in ${scheme} mode, then it says what PayFlow does, with no serious accessibility violations`, async () => {
        const { page, context, problems } = await openPage(browser, { viewport, scheme });
        await page.goto(`${stack.url}/`);
        await page.getByRole('heading', { level: 1, name: 'The control plane for your payments' }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/');
        expect(await page.getByRole('heading', { level: 3 }).count()).toBe(6);
        await page.getByRole('link', { name: 'Take the tour' }).waitFor();
        await shoot(page, `landing-${viewport}-${scheme}`);
        expect(await seriousViolations(page)).toEqual([]);
        expect(problems).toEqual([]);
        await context.close();
      });

  it('when the visitor takes the tour, then they sign in and land on the dashboard with the tour asked for', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${stack.url}/`);
    await page.getByRole('link', { name: 'Take the tour' }).click();
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill(USERS.viewer);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');
    await context.close();
  });

  it('when a signed-in user opens /, then they go to their start page, not the landing page', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'operator');
    await page.goto(`${stack.url}/`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await context.close();
  });
});
