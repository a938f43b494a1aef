// The local demo as a newcomer meets it: `npm start`'s entry point with none of the services
// configured (embedded PostgreSQL, fauxqs, no Redis; Kubernetes off, which the smoke test
// covers), the console in Chromium with the demo sign-in filled in, payments arriving live, a new
// person signing up, verifying through the demo mailbox and signing in, another signing in with
// "Google" (the demo's stand-in OpenID Connect provider); then Ctrl-C (SIGINT)
// leaves no process, and a second start keeps the data of the first.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, openPage, seriousViolations, shoot } from './support/browser.ts';

const START = join(import.meta.dirname, '..', '..', 'hack', 'demo', 'start.ts');
const DATA = mkdtempSync(join(tmpdir(), 'payflow-demo-browser-'));

interface Demo {
  child: ChildProcess;
  output: () => string;
  api: string;
  mailbox: string;
}

function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|REDIS_URL|KUBECONFIG|SQS_)/.test(k)),
  );
}

/** Starts the demo and waits for its banner (the console is usable then). */
async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, [START], {
    env: { ...bareEnv(), PAYFLOW_DEMO_DATA: DATA, PAYFLOW_DEMO_API_PORT: '0', PAYFLOW_DEMO_KUBE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const deadline = Date.now() + 240_000;
  while (!/\(ready in [\d.]+ s\)/.test(output)) {
    if (child.exitCode !== null)
      throw new Error(`the demo exited with ${String(child.exitCode)}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`the demo was not ready in 240 s:\n${output}`);
    await sleep(200);
  }
  const api = /^API: +(\S+)$/m.exec(output)?.[1] ?? '';
  const mailbox = /^Mailbox: +(\S+)/m.exec(output)?.[1] ?? '';
  return { child, output: () => output, api, mailbox };
}

/** SIGINT, as Ctrl-C; resolves with the exit code once the demo has stopped everything. */
async function interrupt(d: Demo): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => d.child.once('exit', resolve));
  d.child.kill('SIGINT');
  return exited;
}

function leftOver(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(DATA));
}

async function paymentsListed(api: string, token: string): Promise<number> {
  const res = await fetch(`${api}/api/v1/transactions?limit=1`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { pagination: { total?: number } };
  return body.pagination.total ?? 0;
}

describe('the local demo in a browser', () => {
  let browser: Browser;
  let demo: Demo | undefined;

  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    if (demo?.child.exitCode === null) demo.child.kill('SIGKILL');
    await browser.close();
    rmSync(DATA, { recursive: true, force: true });
  });

  it('when a newcomer opens it, then the demo sign-in is filled in, payments arrive live, the fraud pattern raises its alert, and sign-up → mailbox → verify → sign-in and Sign in with Google (the stand-in) work', async () => {
    demo = await startDemo();
    const d = demo;
    expect(d.output()).toContain('no Redis (counters and caches in the processes)');
    const { page, context, problems } = await openPage(browser);
    await page.goto(`${d.api}/login`);
    await page.getByText('This is the local demo').waitFor();
    expect(await page.locator('#login-email').inputValue()).toBe('admin@payflow.local');
    expect(await seriousViolations(page)).toEqual([]);
    await shoot(page, 'demo-login-desktop-light');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/dashboard/);

    // The traffic adds a payment a second: the explorer's total grows while we look.
    const token = /^Token: +export TOKEN=(\S+)$/m.exec(d.output())?.[1] ?? '';
    const before = await paymentsListed(d.api, token);
    await page.goto(`${d.api}/payments`);
    await page.getByRole('grid').or(page.getByRole('table')).first().waitFor();
    let after = before;
    for (let i = 0; i < 60 && after <= before; i++) {
      await sleep(500);
      after = await paymentsListed(d.api, token);
    }
    expect(after).toBeGreaterThan(before);

    // The recurring card-testing run in the traffic trips its rule: a critical alert, in the queue.
    let fraud: { id: string; severity: string } | undefined;
    for (let i = 0; i < 120 && !fraud; i++) {
      const res = await fetch(`${d.api}/api/v1/alerts?limit=50`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const alerts = (await res.json()) as {
        data: { id: string; rule_name: string | null; severity: string }[];
      };
      fraud = alerts.data.find((a) => a.rule_name === 'card-testing');
      if (!fraud) await sleep(500);
    }
    expect(fraud?.severity).toBe('critical');
    await page.goto(`${d.api}/alerts/${fraud?.id ?? ''}`);
    await page.getByText('card-testing').first().waitFor();

    // A newcomer signs up (the demo's sign-up is open), and the mail lands in the demo mailbox.
    const email = `newcomer-${String(Date.now())}@example.com`;
    const signup = await fetch(`${d.api}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'a long newcomer password' }),
    });
    expect(signup.status).toBeLessThan(300);
    // In a browser of their own: this one is signed in as the admin.
    const { page: mail, context: theirs } = await openPage(browser);
    await mail.goto(d.mailbox);
    await mail.getByRole('link', { name: 'Verify your PayFlow email address' }).first().click();
    await mail.getByText(email).waitFor();
    await mail.locator('a[href*="verify-email"]').click();
    await mail.waitForURL(/\/login\?verified=1/);
    // The page fills in the demo administrator's sign-in once it knows it; typing before that
    // lands could be cut into by it, so the newcomer types over it once it is there.
    await mail.getByText("The demo administrator's sign-in is filled in").waitFor();
    await expect.poll(() => mail.locator('#login-email').inputValue()).not.toBe('');
    await mail.locator('#login-email').fill(email);
    await mail.locator('#login-password').fill('a long newcomer password');
    await mail.getByRole('button', { name: 'Sign in' }).click();
    // Signed in: the masthead names them (argon2 makes a sign-in take a moment on a busy machine).
    await mail
      .getByText(email)
      .first()
      .waitFor({ timeout: 60_000 })
      .catch(async (err: unknown) => {
        // What the page showed instead, so that a failure says where the sign-in went.
        const shown = await mail.locator('body').innerText();
        throw new Error(`${String(err)}\nat ${mail.url()}:\n${shown.slice(0, 1500)}`);
      });
    expect(new URL(mail.url()).pathname).not.toBe('/login');
    await theirs.close();

    // "Sign in with Google" goes to the stand-in, which says what it is; a new address signs in.
    const { page: g, context: googler } = await openPage(browser);
    await g.goto(`${d.api}/login`);
    await g
      .getByRole('link', { name: 'Sign in with Google' })
      .or(g.getByRole('button', { name: 'Sign in with Google' }))
      .first()
      .click();
    await g.getByText('This is not Google.').waitFor();
    await shoot(g, 'demo-google-standin-desktop-light');
    const googleEmail = `googler-${String(Date.now())}@example.com`;
    await g.locator('#email').fill(googleEmail);
    await g.getByRole('button', { name: 'Continue' }).click();
    // Signed in: the masthead shows the name the provider gave (the address' local part).
    await g
      .getByText(googleEmail.split('@')[0] ?? '', { exact: true })
      .first()
      .waitFor({ timeout: 60_000 });
    expect(new URL(g.url()).origin).toBe(new URL(d.api).origin);
    await googler.close();
    expect(problems.filter((p) => !p.includes('favicon'))).toEqual([]);
    await context.close();
  }, 300_000);

  it('when stopped with Ctrl-C, then no process is left, and a second start keeps the data', async () => {
    const first = demo;
    if (!first) throw new Error('the first test did not start the demo');
    expect(await interrupt(first)).toBe(0);
    expect(first.output()).toMatch(/PayFlow stopped\.\n$/);
    expect(leftOver()).toEqual([]);

    demo = await startDemo();
    expect(demo.output()).toContain('demo data kept from an earlier start');
    const token = /^Token: +export TOKEN=(\S+)$/m.exec(demo.output())?.[1] ?? '';
    expect(await paymentsListed(demo.api, token)).toBeGreaterThan(3000);
    const mails = (await (await fetch(`${demo.mailbox}/api/messages`)).json()) as {
      data: { subject: string }[];
    };
    expect(mails.data.map((m) => m.subject)).toContain('Verify your PayFlow email address');
    expect(await interrupt(demo)).toBe(0);
    expect(leftOver()).toEqual([]);
  }, 300_000);
});
