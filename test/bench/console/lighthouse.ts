// Lighthouse (desktop preset) on a signed-in console page, with Debian's Chromium through
// chrome-launcher (nothing is downloaded) and reports written to files only. The browser signs in
// first through the console's own sign-in page (playwright-core over the same DevTools port), so
// Lighthouse loads the page as a returning user: the session resumes from the HttpOnly cookie.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import { chromium } from 'playwright-core';

export interface LighthouseRun {
  lcpMs: number;
  tbtMs: number;
  cls: number;
  performance: number;
  report: string;
}

const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function signIn(port: number, base: string, email: string, password: string): Promise<void> {
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${String(port)}`);
  const context = browser.contexts()[0] ?? (await browser.newContext());
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dashboard/);
  await page.close();
  await browser.close();
}

function numeric(lhr: { audits: Record<string, { numericValue?: number }> }, id: string): number {
  return lhr.audits[id]?.numericValue ?? Number.NaN;
}

/** Runs Lighthouse `runs` times on `path`; every report lands in `outDir`. */
export async function lighthouseRuns(opts: {
  base: string;
  path: string;
  email: string;
  password: string;
  runs: number;
  outDir: string;
}): Promise<LighthouseRun[]> {
  mkdirSync(opts.outDir, { recursive: true });
  const chrome = await chromeLauncher.launch({ chromePath: '/usr/bin/chromium', chromeFlags: FLAGS });
  try {
    await signIn(chrome.port, opts.base, opts.email, opts.password);
    const out: LighthouseRun[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const result = await lighthouse(
        `${opts.base}${opts.path}`,
        { port: chrome.port, output: 'json', logLevel: 'error', disableStorageReset: true },
        desktopConfig,
      );
      if (!result) throw new Error('lighthouse returned no result');
      const report = join(opts.outDir, `lighthouse-${String(i + 1)}.json`);
      writeFileSync(report, typeof result.report === 'string' ? result.report : JSON.stringify(result.lhr));
      const lhr = result.lhr as unknown as {
        audits: Record<string, { numericValue?: number }>;
        categories: { performance?: { score: number | null } };
      };
      out.push({
        lcpMs: numeric(lhr, 'largest-contentful-paint'),
        tbtMs: numeric(lhr, 'total-blocking-time'),
        cls: numeric(lhr, 'cumulative-layout-shift'),
        performance: lhr.categories.performance?.score ?? Number.NaN,
        report,
      });
    }
    return out;
  } finally {
    chrome.kill();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
