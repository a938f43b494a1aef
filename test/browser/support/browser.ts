// Chromium from Debian driven by playwright-core: pages signed in as a demo user, screenshots
// into test/screenshots/ (kept by CI, ignored by git), and axe-core scans.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './build.ts';
import { PASSWORD, USERS, type ConsoleStack, type DemoRole } from './stack.ts';

export const SCREENSHOTS = join(import.meta.dirname, '..', '..', 'screenshots');

export const VIEWPORTS = {
  desktop: { width: 1440, height: 900 },
  phone: { width: 360, height: 780 },
} as const;
export type Viewport = keyof typeof VIEWPORTS;
export type Scheme = 'light' | 'dark';

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ConsolePage {
  context: BrowserContext;
  page: Page;
  /** Everything the page printed as console errors or warnings, and uncaught exceptions. */
  problems: string[];
}

/** A new browser context (own cookies) with a page that records console errors. */
export async function openPage(
  browser: Browser,
  opts: { viewport?: Viewport; scheme?: Scheme } = {},
): Promise<ConsolePage> {
  const context = await browser.newContext({
    viewport: VIEWPORTS[opts.viewport ?? 'desktop'],
    colorScheme: opts.scheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return { context, page, problems };
}

/** Resolves when the page's live event stream answers (the API listens before it answers). */
export function streamOpened(page: Page): Promise<unknown> {
  return page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/stream' && r.status() === 200);
}

/** Signs in through the sign-in page as a person does. */
export async function signIn(
  page: Page,
  stack: ConsoleStack,
  role: DemoRole = 'admin',
  next = '/dashboard',
): Promise<void> {
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(USERS[role]);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
}

const LOADING = '.pf-v6-c-skeleton, .pf-v6-c-spinner, [aria-busy="true"]';

/** Waits until no skeleton, spinner or busy region is left on the page (its data has arrived). */
export async function settled(page: Page, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if ((await page.locator(LOADING).count()) === 0) return;
    await page.waitForTimeout(100);
  }
  // Say where the page is still loading: the nearest heading of each loading element.
  const where = await page.locator(LOADING).evaluateAll((els) =>
    els.slice(0, 5).map((el) => {
      let n: Element | null = el;
      while (n && !n.querySelector('h1, h2, h3, h4')) n = n.parentElement;
      return `${el.getAttribute('class') ?? el.tagName} under "${n?.querySelector('h1, h2, h3, h4')?.textContent ?? '?'}"`;
    }),
  );
  throw new Error(`still loading after ${String(timeoutMs)} ms: ${where.join('; ')}`);
}

/**
 * A screenshot of the whole page. PatternFly's page scrolls inside its main region, which a
 * full-page screenshot does not unroll, so the viewport is made as tall as the content for the
 * shot (at most 6,000 px) and put back afterwards.
 */
export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  const size = page.viewportSize();
  // Whichever of PatternFly's main container and main region scrolls (it depends on the layout).
  const overflow = await page.evaluate(() =>
    Math.max(
      0,
      ...['.pf-v6-c-page__main-container', '.pf-v6-c-page__main'].map((sel) => {
        const el = document.querySelector(sel);
        return el ? el.scrollHeight - el.clientHeight : 0;
      }),
    ),
  );
  if (size && overflow > 0)
    await page.setViewportSize({ width: size.width, height: Math.min(6000, size.height + overflow) });
  try {
    await page.screenshot({ path });
  } finally {
    if (size && overflow > 0) await page.setViewportSize(size);
  }
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core over the whole page; answers the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      ...v,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })),
    }));
}

/** Light and dark, desktop and phone: the looks a page is shot in. */
export const LOOKS: readonly (readonly [Viewport, Scheme])[] = [
  ['desktop', 'light'],
  ['desktop', 'dark'],
  ['phone', 'light'],
  ['phone', 'dark'],
];

/** A screenshot of the page, then an axe scan that must find nothing serious or critical. */
export async function scanned(page: Page, name: string): Promise<void> {
  await shoot(page, name);
  const found = await seriousViolations(page);
  if (found.length > 0) throw new Error(`${name}: axe found ${JSON.stringify(found, null, 2)}`);
}

/**
 * Signs in as `role` at `path` in each look, waits for `ready` and for the data, and shoots and
 * scans the page as `<name>-<viewport>-<scheme>`.
 */
export async function scannedInLooks(
  browser: Browser,
  stack: ConsoleStack,
  shot: { role: DemoRole; path: string; name: string; ready: (page: Page) => Promise<unknown> },
): Promise<void> {
  for (const [viewport, scheme] of LOOKS) {
    const look = await openPage(browser, { viewport, scheme });
    await signIn(look.page, stack, shot.role, shot.path);
    await shot.ready(look.page);
    await settled(look.page);
    await scanned(look.page, `${shot.name}-${viewport}-${scheme}`);
    await look.context.close();
  }
}
