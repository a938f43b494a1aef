// The assistant's chat panel in Chromium against the real API, in both modes: the built-in one
// (no key; a real rule raised the alert through the worker) and Gemini through the SDK against a
// local server speaking Gemini's streaming protocol. The panel's code is fetched only when opened.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionResponses, startGeminiStub, type GeminiStub } from '../support/gemini.ts';
import {
  launch,
  openPage,
  SCREENSHOTS,
  seriousViolations,
  settled,
  shoot,
  signIn,
  VIEWPORTS,
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

let builtin: ConsoleStack;
let gemini: ConsoleStack;
let stub: GeminiStub;
let browser: Browser;
let flagged: string;
let flaggedViaGemini: string;

async function flag(stack: ConsoleStack): Promise<string> {
  const payment = await authorizedPayment(stack, {
    merchant_id: 'globex-travel',
    payer_id: 'payer_0003',
    amount: '4200.00',
    currency: 'GBP',
  });
  await alertOf(stack, payment.id);
  return payment.id;
}

beforeAll(async () => {
  stub = await startGeminiStub((req) => {
    const explained = functionResponses(req).get('explain_payment_flag');
    if (explained) {
      const out = explained.output as { alerts: { rule: { name: string; version: number } }[] };
      const rule = out.alerts[0]?.rule;
      return {
        text: [
          `It was flagged by rule **${rule?.name ?? '?'}** `,
          `(version ${String(rule?.version ?? '?')}) because its amount was 1,000.00 or more.`,
        ],
      };
    }
    const question = req.body.contents.at(-1)?.parts[0]?.text ?? '';
    const payment = /pay_[0-9A-Z]+/.exec(question)?.[0];
    return payment
      ? { calls: [{ name: 'explain_payment_flag', args: { payment_id: payment } }] }
      : { text: ['Ask me about a payment.'] };
  });
  builtin = await startConsoleStack({ payments: 60 });
  gemini = await startConsoleStack({
    payments: 60,
    env: { GEMINI_API_KEY: 'browser-test-key', GEMINI_BASE_URL: stub.url },
  });
  await createDemoRules(builtin);
  await createDemoRules(gemini);
  flagged = await flag(builtin);
  flaggedViaGemini = await flag(gemini);
  browser = await launch();
});

afterAll(async () => {
  await browser.close();
  await builtin.close();
  await gemini.close();
  await stub.close();
});

/** Opens the panel; answers the JavaScript files fetched for it. */
async function openAssistant(page: Page): Promise<string[]> {
  const fetched: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') fetched.push(new URL(r.url()).pathname);
  });
  await page.getByRole('button', { name: 'Assistant' }).click();
  await page.getByRole('dialog', { name: /Assistant/ }).waitFor();
  return fetched;
}

async function ask(page: Page, question: string): Promise<void> {
  const panel = page.getByRole('dialog', { name: /Assistant/ });
  await panel.getByLabel('Ask the assistant').fill(question);
  await panel.getByRole('button', { name: 'Ask' }).click();
}

describe('assistant panel', () => {
  it('when a viewer asks the built-in assistant why a payment was flagged, then it names the rule and its version; the panel loads only when opened', async () => {
    const { page, context, problems } = await openPage(browser);
    await signIn(page, builtin, 'viewer');
    await settled(page);
    const before = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname),
    );
    expect(before.some((p) => p.includes('AssistantPanel'))).toBe(false);
    const fetched = await openAssistant(page);
    expect(fetched.some((p) => p.includes('AssistantPanel'))).toBe(true);
    const panel = page.getByRole('dialog', { name: /Assistant/ });
    await panel.getByText('Built-in').waitFor();
    await ask(page, `Why was payment ${flagged} flagged?`);
    await panel
      .getByText(/large-payment/)
      .first()
      .waitFor();
    await expect.poll(() => panel.textContent()).toMatch(/rule large-payment \(version 1\)/);
    await panel.getByRole('link', { name: 'Rule large-payment' }).waitFor();
    await shoot(page, 'assistant-builtin-answer');
    // A viewer asking to refund is refused.
    await ask(page, `Refund ${flagged}`);
    await panel.getByText(/neither can your role: you are a viewer/).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('when the Gemini assistant is asked, then the streamed answer names the rule and its version', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, gemini, 'operator');
    await settled(page);
    await openAssistant(page);
    const panel = page.getByRole('dialog', { name: /Assistant/ });
    await panel.getByText(/^Gemini/).waitFor();
    await ask(page, `Why was payment ${flaggedViaGemini} flagged?`);
    await panel.getByText('read the payment, its alerts and audit trail').waitFor();
    await expect.poll(() => panel.textContent()).toMatch(/flagged by rule large-payment \(version 1\)/);
    await shoot(page, 'assistant-gemini-answer');
    await context.close();
  });

  it('when a rule is drafted, then it opens in the rule builder unsaved', async () => {
    const { page, context } = await openPage(browser);
    await signIn(page, builtin, 'admin');
    await settled(page);
    await openAssistant(page);
    await ask(page, 'Draft a rule for payments over 5,000 USD, hold them');
    const panel = page.getByRole('dialog', { name: /Assistant/ });
    await panel.getByRole('button', { name: 'Open in the rule builder' }).click();
    await page.waitForURL((u) => u.pathname === '/rules/new');
    await page.locator('.pf-v6-c-alert__title', { hasText: 'Drafted by the assistant' }).waitFor();
    await expect.poll(() => page.getByLabel('Name').first().inputValue()).toBe('threshold-draft');
    await context.close();
  });

  for (const viewport of Object.keys(VIEWPORTS) as Viewport[]) {
    for (const scheme of ['light', 'dark'] as Scheme[]) {
      it(`when the panel is open (${viewport}, ${scheme}), then it has no serious accessibility violations`, async () => {
        const { page, context } = await openPage(browser, { viewport, scheme });
        await signIn(page, builtin, 'operator');
        await settled(page);
        await openAssistant(page);
        await shoot(page, `assistant-empty-${viewport}-${scheme}`);
        await ask(page, 'open high alerts');
        const panel = page.getByRole('dialog', { name: /Assistant/ });
        await panel.getByText(/Open alerts:/).waitFor();
        await shoot(page, `assistant-answer-${viewport}-${scheme}`);
        // The panel floats over the viewport: what a person sees without scrolling.
        await page.screenshot({
          path: join(SCREENSHOTS, `assistant-answer-${viewport}-${scheme}-screen.png`),
        });
        expect(await seriousViolations(page)).toEqual([]);
        await context.close();
      });
    }
  }
});
