// Who gets in, in Chromium against the real API: an admin invites someone with a role and
// merchants and limits a user to some merchants on the Users page; the invited person accepts on
// the accept-invitation page and is signed in; a dead link says so; an account without a role
// sees the page that says it waits for approval; the setup page of an install that has an admin.
// Screenshots (light and dark, desktop and phone) and axe scans.
import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../api/src/auth/passwords.ts';
import { newId } from '../../api/src/domain/ids.ts';
import { launch, LOOKS, openPage, scanned, scannedInLooks, signIn } from './support/browser.ts';
import { PASSWORD, startConsoleStack, USERS, type ConsoleStack } from './support/stack.ts';

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

/** An invitation with a token this test knows (the stack sends no mail). */
async function invitation(email: string, role: string, merchants: string[] | null): Promise<string> {
  const token = `inv_${randomBytes(24).toString('base64url')}`;
  await stack.db.query(
    `insert into invitations (id, email, role, merchant_ids, token_hash, expires_at)
     values ($1, $2, $3, $4, $5, now() + interval '7 days')`,
    [newId('inv'), email, role, merchants, createHash('sha256').update(token).digest('hex')],
  );
  return token;
}

describe('sign-up by invitation, merchant scopes and accounts waiting for approval', () => {
  it('when an admin invites someone and limits a user to a merchant, then the API has both, and the page reads well', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'admin', '/settings/users');
    await page.getByRole('heading', { name: 'Invitations', exact: true }).waitFor();
    await page.getByText('No invitations yet').waitFor();
    await page.locator('#invite-email').fill('new.person@example.test');
    await page.locator('#invite-role').selectOption('operator');
    await page.locator('#invite-merchants').fill('acme-books, globex-travel');
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await page.getByText('Invitation sent to new.person@example.test').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'new.person@example.test' });
    await row.getByText('Pending').waitFor();
    await row.getByText('acme-books, globex-travel').waitFor();
    const invs = await stack.call<{ data: { email: string; role: string; merchant_ids: string[] }[] }>(
      'GET',
      '/api/v1/invitations',
    );
    expect(invs.data[0]).toMatchObject({
      email: 'new.person@example.test',
      role: 'operator',
      merchant_ids: ['acme-books', 'globex-travel'],
    });
    // Limit Vera Viewer to one merchant.
    await page.getByRole('button', { name: /^Merchants of Vera Viewer/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Merchant ids, comma-separated').fill('acme-books');
    await scanned(page, 'settings-users-merchants-modal-desktop-light');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Vera Viewer sees acme-books').waitFor();
    const users = await stack.call<{ data: { email: string; merchant_ids: string[] | null }[] }>(
      'GET',
      `/api/v1/users?q=${encodeURIComponent(USERS.viewer)}`,
    );
    expect(users.data.find((u) => u.email === USERS.viewer)?.merchant_ids).toEqual(['acme-books']);
    expect(problems).toEqual([]);
    await context.close();
    await scannedInLooks(browser, stack, {
      role: 'admin',
      path: '/settings/users',
      name: 'settings-users-invitations',
      ready: (p) => p.getByText('new.person@example.test').first().waitFor(),
    });
  });

  it('when an invited person opens the link and accepts, then they are signed in with the invited role; a dead link says so', async () => {
    const email = 'ines.invited@example.test';
    const token = await invitation(email, 'viewer', ['acme-books']);
    for (const [viewport, scheme] of LOOKS) {
      const look = await openPage(browser, { viewport, scheme });
      await look.page.goto(`${stack.url}/accept-invitation?token=${encodeURIComponent(token)}`);
      await look.page.getByText('You are invited as viewer.').waitFor();
      await scanned(look.page, `accept-invitation-${viewport}-${scheme}`);
      await look.context.close();
    }
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${stack.url}/accept-invitation?token=${encodeURIComponent(token)}`);
    await page.getByText('You are invited as viewer.').waitFor();
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.getByText('Enter your name.').waitFor();
    await scanned(page, 'accept-invitation-errors-desktop-light');
    await page.getByLabel('Your name').fill('Ines Invited');
    await page.getByLabel('Choose a password').fill('a long enough password');
    await page.getByRole('button', { name: 'Accept and sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/dashboard');
    const { rows } = await stack.db.query<{ role: string; merchant_ids: string[]; verified: boolean }>(
      'select role, merchant_ids, email_verified_at is not null as verified from users where email = $1',
      [email],
    );
    expect(rows).toEqual([{ role: 'viewer', merchant_ids: ['acme-books'], verified: true }]);
    await context.close();
    // The same link again: it worked once.
    const again = await openPage(browser);
    await again.page.goto(`${stack.url}/accept-invitation?token=${encodeURIComponent(token)}`);
    await again.page.getByText('The link is invalid, already used, revoked or expired').waitFor();
    await scanned(again.page, 'accept-invitation-dead-link-desktop-light');
    const dark = await openPage(browser, { viewport: 'phone', scheme: 'dark' });
    await dark.page.goto(`${stack.url}/accept-invitation?token=${encodeURIComponent(token)}`);
    await dark.page.getByText('The link is invalid, already used, revoked or expired').waitFor();
    await scanned(dark.page, 'accept-invitation-dead-link-phone-dark');
    expect(problems).toEqual([]);
    await again.context.close();
    await dark.context.close();
  });

  it('when an account without a role signs in, then it sees only the page that says it waits for approval', async () => {
    const email = 'pat.pending@example.test';
    await stack.db.query(
      `insert into users (id, email, name, role, password_hash, email_verified_at)
       values ($1, $2, 'Pat Pending', 'none', $3, now())`,
      [newId('usr'), email, await hashPassword(PASSWORD)],
    );
    for (const [viewport, scheme] of LOOKS) {
      const look = await openPage(browser, { viewport, scheme });
      await look.page.goto(`${stack.url}/login?next=%2Fpayments`);
      await look.page.getByLabel('Email').fill(email);
      await look.page.getByLabel('Password').fill(PASSWORD);
      await look.page.getByRole('button', { name: 'Sign in' }).click();
      await look.page.getByText('Your account has no access yet').waitFor();
      await scanned(look.page, `pending-approval-${viewport}-${scheme}`);
      await look.context.close();
    }
  });

  it('when the setup page is used on an install that has an admin, then it says so', async () => {
    for (const [viewport, scheme] of LOOKS.slice(0, 3)) {
      const look = await openPage(browser, { viewport, scheme });
      await look.page.goto(`${stack.url}/setup`);
      await look.page.getByRole('button', { name: 'Make the admin and sign in' }).waitFor();
      await scanned(look.page, `setup-${viewport}-${scheme}`);
      await look.context.close();
    }
    const { page, context } = await openPage(browser);
    await page.goto(`${stack.url}/setup`);
    await page.getByLabel('Setup token').fill(`pfs_${'x'.repeat(40)}`);
    await page.getByLabel('Email').fill('late@example.test');
    await page.getByLabel('Name').fill('Late');
    await page.getByLabel('Password').fill('a long enough password');
    await page.getByRole('button', { name: 'Make the admin and sign in' }).click();
    await page.getByText('This install has an admin already').waitFor();
    await scanned(page, 'setup-admin-exists-desktop-light');
    await context.close();
  });
});
