// The console's frame in Chromium against the real API: sign-in, deep links, the theme, sign-out.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, settled, shoot, signIn } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 150, worker: false });
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
  await stack.close();
});

describe('console shell', () => {
  it('when the password is wrong, then the sign-in page says so and stays', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${stack.url}/login`);
    await page.getByLabel('Email').fill('admin@payflow.local');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(async () => page.getByText('The email or password is not right.').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/login');
    await context.close();
  });

  it('when a signed-out person opens a deep link, then they sign in and land on it', async () => {
    const { page, context } = await openPage(browser);
    await page.goto(`${stack.url}/payments?state=settled`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel('Email').fill('operator@payflow.local');
    await page.getByLabel('Password').fill('browser-tests-pass');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/payments');
    expect(new URL(page.url()).searchParams.get('state')).toBe('settled');
    await context.close();
  });

  it('when signed in and the page is reloaded, then the session resumes from the HttpOnly cookie alone', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'viewer');
    const cookies = await context.cookies();
    const refresh = cookies.find((c) => c.name === 'pf_refresh');
    expect(refresh?.httpOnly).toBe(true);
    expect(refresh?.sameSite).toBe('Strict');
    // Page scripts see no token anywhere.
    expect(await page.evaluate(() => document.cookie)).not.toContain('pf_refresh');
    expect(
      await page.evaluate(() =>
        JSON.stringify(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])),
      ),
    ).not.toMatch(/eyJ|refresh/i);
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await context.close();
  });

  it('when the dashboard is reloaded, then the sign-in and each first request are sent once, by the boot script', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'viewer');
    // The page signed into is let finish loading first, and what it sent is forgotten when the
    // reload commits (the first navigation from here on): only the new document's requests count.
    await page.getByRole('heading', { name: 'Success rate' }).waitFor();
    await settled(page);
    let sent: string[] = [];
    let committed = false;
    page.on('framenavigated', (frame) => {
      if (committed || frame !== page.mainFrame()) return;
      committed = true;
      sent = [];
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) sent.push(`${r.method()} ${u.pathname}${u.search}`);
    });
    await page.reload();
    await page.getByRole('heading', { name: 'Success rate' }).waitFor();
    await settled(page);
    // The boot script sent them before the main bundle ran, and the main bundle took them over.
    expect(
      await page.evaluate(
        () =>
          (window as { payflowBoot?: { answers: Map<string, unknown> } | null }).payflowBoot?.answers.size,
      ),
    ).toBe(0);
    // The page only preloads the main bundle; the boot script ran it, once.
    expect(
      await page.evaluate(() => {
        const link = document.querySelector<HTMLLinkElement>('link[rel="modulepreload"][data-payflow-main]');
        const scripts = [...document.querySelectorAll<HTMLScriptElement>('script[type="module"]')];
        return { started: link?.dataset.started, srcs: scripts.map((s) => s.src === link?.href) };
      }),
    ).toEqual({ started: 'true', srcs: [true] });
    const count = (r: string) => sent.filter((s) => s === r).length;
    expect(count('POST /api/v1/auth/refresh')).toBe(1);
    expect(count('GET /api/v1/users/me')).toBe(1);
    expect(count('GET /api/v1/stats/overview?window=1h')).toBe(1);
    expect(count('GET /api/v1/queue/stats')).toBe(1);
    // Nor is anything else asked for twice while the page loads (a query mounting just after its answer came).
    expect(sent.filter((s, i) => sent.indexOf(s) !== i)).toEqual([]);
    await context.close();
  });

  it('when the navigation is toggled, then it folds beside the page on a desktop and is an overlay a page choice closes on a phone', async () => {
    const desk = await openPage(browser);
    await signIn(desk.page, stack, 'viewer');
    const toggle = desk.page.getByRole('button', { name: 'Navigation' });
    const nav = desk.page.getByRole('navigation', { name: 'Console' });
    await nav.getByRole('link', { name: 'Payments' }).waitFor();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    await nav.waitFor({ state: 'hidden' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.click();
    await nav.getByRole('link', { name: 'Payments' }).waitFor();
    // The page beside it keeps its full width: the sidebar is not over it.
    const [sidebar, main] = await Promise.all([
      desk.page.locator('.pf-v6-c-page__sidebar').boundingBox(),
      desk.page.locator('main').boundingBox(),
    ]);
    expect((main?.x ?? 0) >= (sidebar?.x ?? 0) + (sidebar?.width ?? 0) - 1).toBe(true);
    expect(desk.problems).toEqual([]);
    await desk.context.close();

    const phone = await openPage(browser, { viewport: 'phone' });
    await signIn(phone.page, stack, 'viewer');
    const phoneToggle = phone.page.getByRole('button', { name: 'Navigation' });
    const phoneNav = phone.page.getByRole('navigation', { name: 'Console' });
    await phoneToggle.waitFor();
    expect(await phoneToggle.getAttribute('aria-expanded')).toBe('false');
    expect(await phoneNav.isVisible()).toBe(false);
    await phoneToggle.click();
    await phoneNav.getByRole('link', { name: 'Alerts' }).waitFor();
    await shoot(phone.page, 'flow-phone-navigation');
    await phoneNav.getByRole('link', { name: 'Alerts' }).click();
    await phone.page.waitForURL((u) => u.pathname === '/alerts');
    await phoneNav.waitFor({ state: 'hidden' });
    expect(await phoneToggle.getAttribute('aria-expanded')).toBe('false');
    // Opened again, a touch on the page behind it closes it.
    await phoneToggle.click();
    await phoneNav.getByRole('link', { name: 'Alerts' }).waitFor();
    await phone.page.locator('main').click({ position: { x: 350, y: 300 } });
    await phoneNav.waitFor({ state: 'hidden' });
    expect(phone.problems).toEqual([]);
    await phone.context.close();
  });

  it('when the user switches to dark mode and reloads, then the console stays dark and the preference is saved', async () => {
    const { page, context } = await openPage(browser, { scheme: 'light' });
    await signIn(page, stack, 'operator');
    await settled(page);
    expect(await page.evaluate(() => document.documentElement.classList.contains('pf-v6-theme-dark'))).toBe(
      false,
    );
    await page.getByRole('button', { name: 'Dark theme' }).click();
    expect(await page.evaluate(() => document.documentElement.classList.contains('pf-v6-theme-dark'))).toBe(
      true,
    );
    await expect
      .poll(
        async () => {
          const { rows } = await stack.db.query<{ theme: string }>(
            `select p.theme from user_preferences p join users u on u.id = p.user_id where u.email = 'operator@payflow.local'`,
          );
          return rows[0]?.theme;
        },
        { timeout: 20_000 },
      )
      .toBe('dark');
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('pf-v6-theme-dark'))).toBe(
      true,
    );
    // Another browser (no localStorage) gets the theme from the server after sign-in.
    const other = await openPage(browser, { scheme: 'light' });
    await signIn(other.page, stack, 'operator');
    await expect
      .poll(
        async () =>
          other.page.evaluate(() => document.documentElement.classList.contains('pf-v6-theme-dark')),
        { timeout: 20_000 },
      )
      .toBe(true);
    await other.context.close();
    await context.close();
  });

  it('when the user signs out, then the session is gone and pages ask for sign-in again', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, stack, 'admin');
    await page.getByRole('button', { name: /^Account:/ }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${stack.url}/alerts`);
    await page.waitForURL(/\/login\?next=%2Falerts/);
    await context.close();
  });
});
