// Profile and the admin settings in Chromium against the real API: an API key revoked in the
// console is refused by the API; a session signed out from another browser loses it at once; an
// admin changes a user's role; what a non-admin sees of the admin sections. Screenshots and axe
// scans of the states the page tour in pages.test.ts does not reach (empty, the key shown once,
// locked).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, seriousViolations, settled, shoot, signIn } from './support/browser.ts';
import { startConsoleStack, USERS, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 20, worker: false });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

async function scanned(page: Page, name: string): Promise<void> {
  await shoot(page, name);
  expect(await seriousViolations(page)).toEqual([]);
}

/** The status of an API request made with this key, as a machine client makes it. */
async function statusWithKey(key: string): Promise<number> {
  const res = await fetch(`${stack.url}/api/v1/transactions?limit=1`, {
    headers: { authorization: `Bearer ${key}` },
  });
  await res.arrayBuffer();
  return res.status;
}

describe('profile and admin settings', () => {
  it('when an admin creates an API key, copies it and revokes it, then the API takes it and then refuses it', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', '/settings/api-keys');
    await page.getByText('No API keys').waitFor();
    await scanned(page, 'settings-api-keys-empty-desktop-light');

    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('settlement importer');
    await dialog.getByLabel('Role').selectOption('viewer');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByText('This is the only time the key is shown').waitFor();
    const key = await dialog.getByLabel('New API key').inputValue();
    expect(key).toMatch(/^pk_/);
    await scanned(page, 'settings-api-key-created-desktop-light');
    expect(await statusWithKey(key)).toBe(200);
    await dialog.getByRole('button', { name: 'Done' }).click();

    const row = page.getByRole('row').filter({ hasText: 'settlement importer' });
    await row.getByRole('button', { name: 'Revoke settlement importer' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('Revoked').waitFor();
    expect(await statusWithKey(key)).toBe(401);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when another session of the same person is signed out from the profile, then that browser loses its session at once', async () => {
    const other = await openPage(browser);
    await signIn(other.page, stack, 'operator', '/payments');
    const mine = await openPage(browser);
    await signIn(mine.page, stack, 'operator', '/profile');
    const sessions = mine.page.getByRole('table', { name: 'Your sessions' });
    await sessions.getByText('This session').waitFor();
    await expect
      .poll(async () => sessions.getByRole('button', { name: /^Sign out/ }).count(), { timeout: 15_000 })
      .toBe(2);
    await settled(mine.page);
    await scanned(mine.page, 'profile-two-sessions-desktop-light');

    const otherRow = sessions.getByRole('row').filter({ hasNot: mine.page.getByText('This session') });
    await otherRow.getByRole('button', { name: /^Sign out/ }).click();
    await mine.page.getByText(/was signed out$/).waitFor();
    await expect
      .poll(async () => sessions.getByRole('button', { name: /^Sign out/ }).count(), { timeout: 15_000 })
      .toBe(1);

    // The other browser's next request is refused (its access token has not expired, but its
    // session has) and it is sent to sign in, without a reload.
    await other.page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Alerts', exact: true })
      .click();
    await other.page.waitForURL((u) => u.pathname === '/login');
    await other.page.getByRole('button', { name: 'Sign in' }).waitFor();
    // This one still works.
    await mine.page
      .getByRole('navigation', { name: 'Console' })
      .getByRole('link', { name: 'Alerts', exact: true })
      .click();
    await mine.page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    expect(new URL(mine.page.url()).pathname).toBe('/alerts');
    await other.context.close();
    await mine.context.close();
  });

  it("when an admin changes a user's role, then the API applies it and the audit log has it", async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', '/settings/users');
    const role = page.getByRole('combobox', { name: 'Role of Vera Viewer' });
    await role.waitFor();
    expect(await role.inputValue()).toBe('viewer');
    await role.selectOption('operator');
    await page.getByText('Vera Viewer is now operator').waitFor();
    const users = await stack.call<{ data: { id: string; email: string; role: string }[] }>(
      'GET',
      `/api/v1/users?q=${encodeURIComponent(USERS.viewer)}`,
    );
    const vera = users.data.find((u) => u.email === USERS.viewer);
    expect(vera?.role).toBe('operator');
    const { rows } = await stack.db.query<{ before: { role: string }; after: { role: string } }>(
      "select before, after from audit_log where action = 'user.updated' and resource_id = $1",
      [vera?.id],
    );
    expect(rows.map((r) => [r.before.role, r.after.role])).toEqual([['viewer', 'operator']]);
    // After a reload the table shows the stored role.
    await page.reload();
    const reloaded = page.getByRole('combobox', { name: 'Role of Vera Viewer' });
    await reloaded.waitFor();
    expect(await reloaded.inputValue()).toBe('operator');
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`when a non-admin opens an admin section (${scheme}), then it is locked with a reason and the tabs say why`, async () => {
      const { page, context } = await openPage(browser, { viewport: 'phone', scheme });
      await signIn(page, stack, 'viewer', '/settings/system');
      await page.getByRole('heading', { name: 'Only admins manage system settings' }).waitFor();
      expect(await page.getByRole('link', { name: 'Users' }).getAttribute('aria-disabled')).toBe('true');
      await scanned(page, `settings-system-locked-phone-${scheme}`);
      await context.close();
    });
  }
});
