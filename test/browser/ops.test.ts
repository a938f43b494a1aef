// The operations pages as people use them, over the real API, worker, PostgreSQL and SQS:
// the audit log filtered to one payment with each change's diff, an export batch job started
// from its form and watched to the end with its file downloaded, and a dead-lettered event
// redriven from a worker pool's DLQ and applied by the worker. Then the new pages in light and
// dark, desktop and phone, with screenshots and axe scans.
import { readFileSync } from 'node:fs';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerPoolSpecSchema } from '@payflow/api/crd';
import { mirrorWorkerPool, type WorkerPoolObject } from '../../controller/src/reconcilers/workerpool.ts';
import {
  launch,
  openPage,
  seriousViolations,
  settled,
  shoot,
  signIn,
  type Scheme,
  type Viewport,
  VIEWPORTS,
} from './support/browser.ts';
import {
  authorizedPayment,
  eventually,
  sendEvent,
  startConsoleStack,
  type ConsoleStack,
} from './support/stack.ts';

let stack: ConsoleStack;
let browser: Browser;
const ids = { payment: '', job: '', redriven: '' };

interface Payment {
  id: string;
  current_state: string;
}

const queueName = (url: string | undefined): string => (url ?? '').split('/').at(-1) ?? '';

/** The pool as the controller would mirror it, with an hour of samples behind it. */
async function mirroredPool(): Promise<void> {
  const cfg = stack.api.deps.config;
  const wp = {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: 'payments', namespace: 'payflow', uid: 'uid-browser-pool', generation: 1 },
    spec: workerPoolSpecSchema.parse({
      queue: {
        name: queueName(cfg.SQS_EVENTS_QUEUE_URL),
        deadLetterQueue: { name: queueName(cfg.SQS_EVENTS_DLQ_URL) },
      },
      minReplicas: 1,
      maxReplicas: 10,
      targetBacklogPerReplica: 20,
    }),
  } as unknown as WorkerPoolObject;
  const status = {
    observedGeneration: 1,
    desiredReplicas: 2,
    readyReplicas: 2,
    replicas: 2,
    backlog: { visible: 14, inFlight: 3, delayed: 0, deadLetter: 1 },
    arrivalRateMilli: 1500,
    drainRateMilli: 1400,
    lastScaleTime: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    lastScaleReason: 'backlog 38 at 20 per replica needs 2',
    conditions: [
      {
        type: 'Active',
        status: 'True' as const,
        reason: 'BacklogAboveActivation',
        message: 'backlog 17 > 0',
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      {
        type: 'Ready',
        status: 'True' as const,
        reason: 'ReplicasReady',
        message: '2/2 replicas ready',
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      {
        type: 'Fallback',
        status: 'False' as const,
        reason: 'QueueReadable',
        message: '',
        lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    ],
  };
  const queues = { events: cfg.SQS_EVENTS_QUEUE_URL, deadLetter: cfg.SQS_EVENTS_DLQ_URL };
  await mirrorWorkerPool(stack.db, wp, {
    status,
    queues,
    depth: { visible: 14, inFlight: 3, delayed: 0, deadLetter: 1 },
  });
  // An hour of history: a burst twenty minutes ago that the pool scaled out for and drained.
  await stack.db.query(
    `insert into worker_pool_samples (namespace, name, at, backlog, dead_letter, desired, ready)
     select 'payflow', 'payments', now() - make_interval(secs => s * 30),
            greatest(0, round(60 * exp(-power((s - 40) / 8.0, 2)))::int + 5),
            case when s < 10 then 1 else 0 end,
            case when s between 30 and 45 then 3 else 1 end,
            case when s between 31 and 45 then 3 else 1 end
       from generate_series(1, 119) as s`,
  );
}

beforeAll(async () => {
  stack = await startConsoleStack({ payments: 150 });
  const payment = await authorizedPayment(stack, {
    merchant_id: 'acme-books',
    payer_id: 'payer_0042',
    amount: '120.00',
    currency: 'EUR',
  });
  ids.payment = payment.id;
  await eventually('the payment authorized', async () => {
    const p = await stack.call<Payment>('GET', `/api/v1/transactions/${payment.id}`);
    return p.current_state === 'authorized' ? p : undefined;
  });
  await sendEvent(stack, payment.id, 'payment.captured');
  await eventually('the payment captured', async () => {
    const p = await stack.call<Payment>('GET', `/api/v1/transactions/${payment.id}`);
    return p.current_state === 'captured' ? p : undefined;
  });
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser.close();
  await stack.close();
});

describe('operations pages', () => {
  it('when the audit log is filtered to one payment, then each of its changes opens with its diff', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'viewer', '/audit');
    await settled(page);
    // A row's History narrows the log to its resource, in the URL.
    await page
      .getByRole('button', { name: `History of payment ${ids.payment}` })
      .first()
      .click();
    await page.waitForURL((u) => u.searchParams.get('resource_id') === ids.payment);
    await settled(page);
    const table = page.getByRole('grid', { name: 'Audit log' });
    const toggles = table.getByRole('button', { name: 'Details' });
    // The narrowed page replaces the whole log once it arrives (the address changes first).
    await expect
      .poll(async () => table.locator('tbody > tr:first-child td[data-label="Action"]').allTextContents())
      .toEqual(['payment.captured', 'payment.authorized', 'payment.created']);
    // The capture: current_state authorized → captured, field by field.
    await toggles.first().click();
    const changed = page.getByRole('grid', { name: 'Changed fields' }).first();
    const row = changed.getByRole('row').filter({ hasText: 'current_state' });
    await expect.poll(async () => row.textContent()).toMatch(/authorized.*captured/);
    await toggles.nth(1).click();
    await expect.poll(async () => page.getByRole('grid', { name: 'Changed fields' }).count()).toBe(2);
    await expect
      .poll(async () => page.getByRole('grid', { name: 'Changed fields' }).nth(1).textContent())
      .toMatch(/pending.*authorized/);
    await shoot(page, 'flow-audit-filtered');
    expect(await seriousViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when an operator starts an export from its form, then its progress runs to the end and its file downloads', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'operator', '/batch-jobs');
    await settled(page);
    await page.getByRole('button', { name: 'New batch job' }).click();
    const dialog = page.getByRole('dialog', { name: 'New batch job' });
    await dialog.getByLabel('Type').selectOption('export');
    await dialog.getByLabel('Name').fill('browser-export');
    await dialog.getByLabel('Chunk size').fill('20');
    await shoot(page, 'flow-batch-new-export');
    await dialog.getByRole('button', { name: 'Start job' }).click();
    await page.waitForURL((u) => u.pathname.startsWith('/batch-jobs/job_'));
    ids.job = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1) ?? '');
    await page.getByRole('heading', { name: 'browser-export', level: 1 }).waitFor();
    // The worker's batch poller runs it; the page follows through the live stream.
    const bar = page.getByRole('progressbar', { name: 'Progress of browser-export' });
    await expect.poll(async () => bar.getAttribute('aria-valuenow'), { timeout: 30_000 }).toBe('100');
    await page.getByRole('main').getByText('Succeeded').first().waitFor();
    const job = await stack.call<{ total: number; processed: number; status: string }>(
      'GET',
      `/api/v1/batch-jobs/${ids.job}`,
    );
    expect(job).toMatchObject({ status: 'succeeded', processed: job.total });
    await shoot(page, 'flow-batch-export-done');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download file' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('browser-export.csv');
    const lines = readFileSync(await file.path(), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^id,created_at,merchant_id/);
    expect(lines).toHaveLength(job.total + 1);
    expect(lines.some((l) => l.startsWith(`${ids.payment},`))).toBe(true);
    await page.goto(`${stack.url}/batch-jobs`);
    await page.getByRole('link', { name: 'browser-export' }).waitFor();
    await settled(page);
    await shootTall(page, 'flow-batch-jobs-list');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when an operator redrives a dead-lettered event from the pool’s DLQ, then the worker applies it', async () => {
    await mirroredPool();
    const p = await authorizedPayment(stack, {
      merchant_id: 'globex-travel',
      payer_id: 'payer_0077',
      amount: '75.50',
      currency: 'USD',
    });
    await eventually('authorized', async () => {
      const x = await stack.call<Payment>('GET', `/api/v1/transactions/${p.id}`);
      return x.current_state === 'authorized' ? x : undefined;
    });
    ids.redriven = p.id;
    // A capture SQS gave up on while it could not be applied, now in the DLQ with a reason.
    const eventId = `evt-browser-dlq-${p.id}`;
    await stack.api.deps.sqs?.send(
      new SendMessageCommand({
        QueueUrl: stack.api.deps.config.SQS_EVENTS_DLQ_URL,
        MessageBody: JSON.stringify({
          event_id: eventId,
          type: 'payment.captured',
          payment_id: p.id,
          occurred_at: new Date().toISOString(),
        }),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: 'database unavailable after 5 attempts' },
        },
      }),
    );
    const { page, context, problems } = await openPage(browser);
    await signIn(page, stack, 'operator', '/worker-pools');
    await settled(page);
    await page.getByText('payflow/payments').waitFor();
    await page
      .getByRole('figure', { name: 'Backlog against replicas, last hour' })
      .locator('svg')
      .first()
      .waitFor();
    const dlq = page.getByRole('grid', { name: 'Dead letters' });
    await dlq.getByText('database unavailable after 5 attempts').waitFor();
    await shoot(page, 'flow-worker-pools-dlq');
    await dlq.getByRole('checkbox', { name: `Select ${eventId}` }).check();
    await page.getByRole('button', { name: 'Redrive selected (1)' }).click();
    await page.getByText('1 message sent back to the events queue').waitFor();
    await expect
      .poll(async () => (await stack.call<Payment>('GET', `/api/v1/transactions/${p.id}`)).current_state, {
        timeout: 30_000,
      })
      .toBe('captured');
    await page.goto(`${stack.url}/payments/${p.id}`);
    await page.getByRole('main').getByText('Captured').first().waitFor();
    const audit = await stack.call<{ data: { action: string; actor_id: string }[] }>(
      'GET',
      '/api/v1/audit?action=dead_letters.redriven',
    );
    expect(audit.data[0]).toMatchObject({ action: 'dead_letters.redriven' });
    expect(problems).toEqual([]);
    await context.close();
  });
});

// Light and dark, desktop and phone, each page in both themes and both sizes (the list pages'
// four combinations are in pages.test.ts).
const COMBOS: { viewport: Viewport; scheme: Scheme }[] = [
  { viewport: 'desktop', scheme: 'light' },
  { viewport: 'phone', scheme: 'dark' },
];

const PAGES: { name: string; path: () => string }[] = [
  { name: 'ops-batch-job', path: () => `/batch-jobs/${ids.job}` },
  { name: 'ops-worker-pools', path: () => '/worker-pools' },
  { name: 'ops-audit-payment', path: () => `/audit?resource_type=payment&resource_id=${ids.payment}` },
];

/** The page's whole height in one shot (the console scrolls inside its main region). */
async function shootTall(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? VIEWPORTS.desktop;
  const height = await page.evaluate(() => {
    const main = document.querySelector('main');
    let h = document.documentElement.scrollHeight;
    for (let el: Element | null = main; el; el = el.parentElement) h = Math.max(h, el.scrollHeight);
    return h + 200;
  });
  await page.setViewportSize({ width: size.width, height: Math.min(6000, Math.max(size.height, height)) });
  try {
    await shoot(page, name);
  } finally {
    await page.setViewportSize(size);
  }
}

describe('the operations pages in every theme and size', () => {
  for (const { viewport, scheme } of COMBOS) {
    it(`when they open on a ${viewport} in ${scheme} mode, then they render without errors or serious violations`, async () => {
      const { page, context, problems } = await openPage(browser, { viewport, scheme });
      await signIn(page, stack, 'admin');
      const pages =
        viewport === 'desktop' && scheme === 'light'
          ? [...PAGES, { name: 'ops-batch-job-missing', path: () => '/batch-jobs/job_none' }]
          : PAGES;
      for (const p of pages) {
        await page.goto(`${stack.url}${p.path()}`);
        await page.locator('main h1').first().waitFor();
        try {
          await settled(page);
        } finally {
          await shootTall(page, `${p.name}-${viewport}-${scheme}`);
        }
        expect(await seriousViolations(page), p.name).toEqual([]);
      }
      // The missing job answers 404 on purpose; nothing else may complain.
      expect(problems.filter((m) => !m.includes('404'))).toEqual([]);
      await context.close();
    }, 150_000);
  }
});
