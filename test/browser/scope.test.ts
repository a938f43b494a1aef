// Merchant scopes changed in the console, in Chromium against the real API: an admin changes an
// API key's merchants on Settings → API keys (the API has them, audited); a user limited to a
// merchant sees it in the masthead's badge, and when an admin changes the user's merchants the
// badge and the payments shown follow without a reload (the live stream's access event), as do
// the commands when the user's role changes.
// Screenshots (light and dark, desktop and phone) and axe scans.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launch,
  openPage,
  scanned,
  scannedInLooks,
  settled,
  signIn,
  streamOpened,
} from './support/browser.ts';
import { startConsoleStack, USERS, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;
let viewerId = '';

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 40, worker: false });
  browser = await launch();
  const users = await stack.call<{ data: { id: string; email: string }[] }>(
    'GET',
    `/api/v1/users?q=${encodeURIComponent(USERS.viewer)}`,
  );
  viewerId = users.data.find((u) => u.email === USERS.viewer)?.id ?? '';
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

async function scopeViewer(merchants: string[] | null): Promise<void> {
  await stack.call('PATCH', `/api/v1/users/${viewerId}`, { merchant_ids: merchants });
}

/** The merchants of the payments the page's table shows. */
async function merchantsShown(page: Page): Promise<string[]> {
  const cells = await page.getByRole('table').locator('td[data-label="Merchant"]').allTextContents();
  return [...new Set(cells.map((c) => c.trim()))].sort();
}

describe('merchant scopes changed in the console', () => {
  it('when an admin changes an API key’s merchants, then the API has them, audited, and the page reads well', async () => {
    const key = await stack.call<{ id: string; name: string }>('POST', '/api/v1/api-keys', {
      name: 'settlement importer',
      role: 'viewer',
      merchant_ids: ['acme-books'],
    });
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', '/settings/api-keys');
    await page.getByRole('button', { name: 'Merchants of settlement importer: acme-books; change' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merchants of settlement importer' });
    const field = dialog.getByLabel('Merchant ids, comma-separated');
    expect(await field.inputValue()).toBe('acme-books');
    await field.fill('globex-travel, acme-books');
    await scanned(page, 'settings-api-keys-merchants-modal-desktop-light');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('settlement importer reads acme-books, globex-travel').waitFor();
    await page
      .getByRole('button', { name: 'Merchants of settlement importer: acme-books, globex-travel; change' })
      .waitFor();
    const keys = await stack.call<{ data: { id: string; merchant_ids: string[] | null }[] }>(
      'GET',
      '/api/v1/api-keys',
    );
    expect(keys.data.find((k) => k.id === key.id)?.merchant_ids).toEqual(['acme-books', 'globex-travel']);
    const { rows } = await stack.db.query<{ actor_id: string; before: unknown; after: unknown }>(
      `select actor_id, before, after from audit_log where action = 'auth.api_key_scoped' and resource_id = $1`,
      [key.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      before: { merchant_ids: ['acme-books'] },
      after: { merchant_ids: ['acme-books', 'globex-travel'] },
    });
    // Emptied: every merchant again.
    await page
      .getByRole('button', { name: 'Merchants of settlement importer: acme-books, globex-travel; change' })
      .click();
    await dialog.getByLabel('Merchant ids, comma-separated').fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('settlement importer reads all merchants').waitFor();
    await stack.call('PATCH', `/api/v1/api-keys/${key.id}`, { merchant_ids: ['acme-books'] });
    expect(problems).toEqual([]);
    await context.close();
    await scannedInLooks(browser, stack, {
      role: 'admin',
      path: '/settings/api-keys',
      name: 'settings-api-keys',
      ready: (p) => p.getByText('settlement importer').first().waitFor(),
    });
  });

  it('when an admin changes a signed-in user’s merchants, then the badge and the payments follow without a reload', async () => {
    await scopeViewer(['acme-books']);
    const { page, context, problems } = await openPage(browser);
    const opened = streamOpened(page);
    await signIn(page, stack, 'viewer', '/payments');
    await opened;
    const badge = page.getByRole('status').filter({ hasText: 'Limited to' });
    await badge.getByText('acme-books').waitFor();
    await settled(page);
    expect(await merchantsShown(page)).toEqual(['acme-books']);
    // A mark on the window: a reload would lose it.
    await page.evaluate(() => {
      (window as unknown as { scopeMark: number }).scopeMark = 1;
    });
    // Widened by an admin elsewhere: the badge counts two, and globex-travel's payments appear.
    const reopened = streamOpened(page);
    await scopeViewer(['acme-books', 'globex-travel']);
    await badge.getByText('2 merchants').waitFor();
    await reopened;
    await page
      .getByRole('table')
      .locator('td[data-label="Merchant"]', { hasText: 'globex-travel' })
      .first()
      .waitFor();
    await settled(page);
    expect(await merchantsShown(page)).toEqual(['acme-books', 'globex-travel']);
    // Narrowed to another merchant: the API enforces it at once, and the page follows.
    await scopeViewer(['globex-travel']);
    await badge.getByText('globex-travel').waitFor();
    await page
      .getByRole('table')
      .locator('td[data-label="Merchant"]', { hasText: 'acme-books' })
      .first()
      .waitFor({ state: 'detached' });
    expect(await merchantsShown(page)).toEqual(['globex-travel']);
    expect(await page.evaluate(() => (window as unknown as { scopeMark?: number }).scopeMark)).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
    await scannedInLooks(browser, stack, {
      role: 'viewer',
      path: '/payments',
      name: 'scope-badge-payments',
      ready: (p) => p.getByRole('status').filter({ hasText: 'Limited to' }).waitFor(),
    });
    // Every merchant again: no badge.
    const all = await openPage(browser);
    const allOpened = streamOpened(all.page);
    await signIn(all.page, stack, 'viewer', '/payments');
    await allOpened;
    await scopeViewer(null);
    await all.page.getByRole('status').filter({ hasText: 'Limited to' }).waitFor({ state: 'detached' });
    await all.context.close();
  });

  it('when an admin changes a signed-in user’s role, then the commands follow without a reload', async () => {
    const { page, context, problems } = await openPage(browser);
    const opened = streamOpened(page);
    await signIn(page, stack, 'viewer', '/batch-jobs');
    await opened;
    const command = page.getByRole('button', { name: 'New batch job' });
    await expect.poll(() => command.getAttribute('aria-disabled')).toBe('true');
    await page.evaluate(() => {
      (window as unknown as { roleMark: number }).roleMark = 1;
    });
    // Raised to operator elsewhere: the session is renewed at the access event, and the command
    // the viewer could not take is there.
    const reopened = streamOpened(page);
    await stack.call('PATCH', `/api/v1/users/${viewerId}`, { role: 'operator' });
    await reopened;
    await expect.poll(() => command.getAttribute('aria-disabled'), { timeout: 15_000 }).toBeNull();
    // And back: the command is disabled again, with its reason.
    await stack.call('PATCH', `/api/v1/users/${viewerId}`, { role: 'viewer' });
    await expect.poll(() => command.getAttribute('aria-disabled'), { timeout: 15_000 }).toBe('true');
    expect(await page.evaluate(() => (window as unknown as { roleMark?: number }).roleMark)).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
