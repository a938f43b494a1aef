// The notifications drawer in Chromium against the real API: a new critical alert arrives through
// the event stream, read state is kept on the server across a reload, each links to its object.
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import {
  launch,
  openPage,
  SCREENSHOTS,
  seriousViolations,
  settled,
  shoot,
  signIn,
  streamOpened,
  VIEWPORTS,
  type Scheme,
  type Viewport,
} from './support/browser.ts';
import { startConsoleStack, USERS, type ConsoleStack } from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 60, worker: false });
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
  await stack.close();
});

async function raiseAlert(severity: string, title: string): Promise<string> {
  const id = newId('alt');
  await stack.db.query(
    `insert into alerts (id, payment_id, severity, title, dedupe_key) values ($1, 'pay_browser', $2, $3, $1)`,
    [id, severity, title],
  );
  return id;
}

async function userId(role: keyof typeof USERS): Promise<string> {
  const { rows } = await stack.db.query<{ id: string }>(
    'select id from users where lower(email) = lower($1)',
    [USERS[role]],
  );
  return rows[0]?.id ?? '';
}

describe('notifications drawer', () => {
  it('when a critical alert is raised, then the open drawer shows it; marked read, it stays read after a reload', async () => {
    const { page, context, problems } = await openPage(browser);
    const live = streamOpened(page);
    await signIn(page, stack, 'operator');
    await live;
    await settled(page);
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const drawer = page.getByTestId('notifications-drawer');
    await drawer.getByRole('heading', { name: 'Notifications', exact: true }).waitFor();
    const alertId = await raiseAlert('critical', 'Card testing burst');
    const item = drawer.locator('li', { hasText: 'New critical alert: Card testing burst' });
    // It arrives through the stream, without a reload (the wait is bounded by the timeout only).
    await item.waitFor({ timeout: 15_000 });
    expect(await item.getAttribute('class')).not.toContain('pf-m-read');
    await expect.poll(() => page.getByRole('button', { name: /^Notifications, \d+ unread/ }).count()).toBe(1);
    await item.getByRole('button', { name: 'Mark read' }).click();
    const operator = await userId('operator');
    await expect
      .poll(async () => {
        const { rows } = await stack.db.query(
          `select 1 from notification_reads r join notifications n on n.id = r.notification_id
            where r.user_id = $1 and n.object_id = $2`,
          [operator, alertId],
        );
        return rows.length;
      })
      .toBe(1);
    await page.reload();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('button', { name: /^Notifications/ }).click();
    const after = page.getByTestId('notifications-drawer').locator('li', {
      hasText: 'New critical alert: Card testing burst',
    });
    await after.getByRole('button', { name: 'Mark unread' }).waitFor();
    expect(await after.getAttribute('class')).toContain('pf-m-read');
    // Each links to its object.
    await after.getByRole('link', { name: 'Open the alert' }).click();
    await page.waitForURL((u) => u.pathname === `/alerts/${alertId}`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when the drawer is open, light and dark, desktop and phone, then it has no serious accessibility violations', async () => {
    await raiseAlert('high', 'Refund spike at globex-travel');
    const job = newId('job');
    await stack.db.query(
      "insert into batch_jobs (id, name, type, status) values ($1, 'nightly reconcile', 'reconcile', 'running')",
      [job],
    );
    await stack.db.query(
      "update batch_jobs set status = 'failed', error = 'processor report missing' where id = $1",
      [job],
    );
    for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
      for (const scheme of ['light', 'dark'] as Scheme[]) {
        const { page, context } = await openPage(browser, { viewport, scheme });
        await signIn(page, stack, 'viewer');
        await settled(page);
        await page.getByRole('button', { name: /^Notifications/ }).click();
        const drawer = page.getByTestId('notifications-drawer');
        await drawer.locator('li', { hasText: 'Batch job nightly reconcile failed' }).waitFor();
        await shoot(page, `notifications-drawer-${viewport}-${scheme}`);
        // The drawer covers the viewport: what a person sees without scrolling.
        await page.screenshot({
          path: join(SCREENSHOTS, `notifications-drawer-${viewport}-${scheme}-screen.png`),
        });
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      }
    }
  });
});
