// What a person waits for in the console over a large database, measured in Chromium: the
// dashboard's first data after a navigation, and a Payments Explorer filter change until the
// matching rows are shown. Each beside its baseline from the same page in the same run: the bare
// API request the screen is waiting for, timed with fetch from that page (so the ratio is what
// the console adds on top of the API).
//
// The real API process (`api/src/main.ts`, real sign-in, serving console/dist) runs against the
// database the caller seeded; a bench user signs in through the sign-in page.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { hashPassword } from '../../../api/src/auth/passwords.ts';
import { CONSOLE_DIST, ensureConsoleBuilt } from '../../../hack/console-build.ts';
import { pickPort, startNode, stopNode, waitReady } from '../../../hack/demo/processes.ts';
import type { Service } from '../../../hack/testenv/proc.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
export const EMAIL = 'bench.viewer@payflow.local';
export const PASSWORD = 'bench-viewer-password';

export interface Timing {
  name: string;
  samples: number[];
  baseline: number[];
}

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

export function timingLines(ts: readonly Timing[]): string[] {
  const f = (n: number) => n.toFixed(0).padStart(7);
  return [
    'screen                                        n   p50 ms  p95 ms | API alone p50  p95 | p50×   p95×',
    ...ts.map(
      (t) =>
        `${t.name.padEnd(42)} ${String(t.samples.length).padStart(3)} ${f(pct(t.samples, 50))} ${f(pct(t.samples, 95))} |` +
        `    ${f(pct(t.baseline, 50))} ${f(pct(t.baseline, 95))} | ${(pct(t.samples, 50) / pct(t.baseline, 50)).toFixed(1).padStart(4)}` +
        ` ${(pct(t.samples, 95) / pct(t.baseline, 95)).toFixed(1).padStart(6)}`,
    ),
  ];
}

async function ensureUser(databaseUrl: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const id = `usr_bench_${randomUUID().slice(0, 8)}`;
    await db.query('delete from users where lower(email) = $1', [EMAIL]);
    await db.query(
      `insert into users (id, email, name, role, password_hash, email_verified_at) values ($1, $2, 'Bench Viewer', 'viewer', $3, now())`,
      [id, EMAIL, await hashPassword(PASSWORD)],
    );
  } finally {
    await db.end();
  }
}

/** The real API process over the seeded database, serving the built console. */
export async function startConsoleApi(o: {
  databaseUrl: string;
  redisUrl: string;
}): Promise<{ url: string; service: Service }> {
  await ensureConsoleBuilt((m) => {
    console.log(m);
  });
  await ensureUser(o.databaseUrl);
  const port = await pickPort(0);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const service = startNode({
    name: 'api',
    script: join(ROOT, 'api', 'src', 'main.ts'),
    logFile: join(tmpdir(), `payflow-console-bench-api-${String(process.pid)}.log`),
    env: {
      DATABASE_URL: o.databaseUrl,
      REDIS_URL: o.redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JWT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      CONSOLE_DIST_DIR: CONSOLE_DIST,
      RATE_LIMIT_PER_MINUTE: '0',
    },
  });
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(service, `${url}/readyz`);
  return { url, service };
}

async function signIn(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/dashboard/);
}

/**
 * Watches every dashboard load from inside the page: from its first animation frame on, once per
 * frame (as a person's eye would, before the frame is painted), for the Success rate card showing a
 * percentage, and reports that moment on its console. The page itself does the watching because
 * polling it from Playwright would add Playwright's own injected script to the load being timed
 * (about 15 ms of main-thread work on this machine, during the very frames measured).
 */
async function watchDashboard(page: Page): Promise<() => Promise<number>> {
  let seen: ((ms: number) => void) | undefined;
  page.on('console', (m) => {
    const [tag, ms] = m.text().split(' ');
    if (tag === 'payflow-bench-first-data') seen?.(Number(ms));
  });
  await page.addInitScript(() => {
    if (location.pathname !== '/dashboard') return;
    const check = () => {
      const h = [...document.querySelectorAll('h2, h3, h4')].find(
        (e) => e.textContent.trim() === 'Success rate',
      );
      const card = h?.closest('.pf-v6-c-card');
      if (card && /\d\s?%/.test(card.textContent))
        console.debug(`payflow-bench-first-data ${String(performance.now())}`);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  return () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('the dashboard showed no success rate within 30 s'));
      }, 30_000);
      seen = (ms) => {
        clearTimeout(timer);
        seen = undefined;
        resolve(ms);
      };
    });
}

/** ms from the navigation's start until the Success rate card shows a percentage. */
async function dashboardFirstData(page: Page, base: string, next: () => Promise<number>): Promise<number> {
  const shown = next();
  await page.goto(`${base}/dashboard`, { waitUntil: 'commit' });
  return shown;
}

/** The same data from the same page with fetch: the API's share of the wait. */
async function apiFromPage(page: Page, path: string): Promise<number> {
  return page.evaluate(async (p) => {
    const token = (await (
      await fetch('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-payflow-session': 'cookie' },
        body: '{}',
      })
    ).json()) as { accessToken: string };
    const t0 = performance.now();
    const res = await fetch(p, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    await res.json();
    return performance.now() - t0;
  }, path);
}

/**
 * ms from typing the filter's Enter until every row shown is of that merchant (or none match),
 * and until the whole page of `pageSize` rows is (the table shows a screenful of a new page
 * first and the rest right after).
 */
async function filterChange(
  page: Page,
  merchant: string,
  pageSize: number,
): Promise<{ shown: number; all: number }> {
  const box = page.getByRole('textbox', { name: 'Merchant', exact: true });
  await box.fill(merchant);
  const t0 = await page.evaluate(() => performance.now());
  await box.press('Enter');
  const handle = await page.waitForFunction(
    ({ m, size }) => {
      const w = window as { filterShownAt?: number };
      const rows = [...document.querySelectorAll('table[aria-label="Payments"] tbody tr')];
      const none = document.body.textContent.includes('No results');
      const matching = rows.length > 0 && (rows.every((r) => r.textContent.includes(m)) || none);
      if (matching) w.filterShownAt ??= performance.now();
      const shown = w.filterShownAt;
      if (shown === undefined || !(none || rows.length === size)) return undefined;
      w.filterShownAt = undefined;
      return { shown, all: performance.now() };
    },
    { m: merchant, size: pageSize },
    { polling: 'raf', timeout: 30_000 },
  );
  const at = (await handle.jsonValue()) ?? { shown: Number.NaN, all: Number.NaN };
  return { shown: at.shown - t0, all: at.all - t0 };
}

export async function consoleTimings(base: string, runs = { dashboard: 7, filters: 20 }): Promise<Timing[]> {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    await signIn(page, base);
    const nextFirstData = await watchDashboard(page);
    const dash: Timing = { name: 'dashboard: navigation → first data', samples: [], baseline: [] };
    for (let i = 0; i < runs.dashboard; i++) {
      dash.samples.push(await dashboardFirstData(page, base, nextFirstData));
      dash.baseline.push(await apiFromPage(page, '/api/v1/stats/overview?window=1h'));
    }
    await page.goto(`${base}/payments`);
    await page.getByRole('textbox', { name: 'Merchant', exact: true }).waitFor();
    const filter: Timing = { name: 'explorer: merchant filter → rows shown', samples: [], baseline: [] };
    const whole: Timing = { name: 'explorer: … → all 50 rows of the page', samples: [], baseline: [] };
    for (let i = 0; i < runs.filters; i++) {
      const merchant = `merchant_${String((i * 7) % 50).padStart(4, '0')}`;
      const t = await filterChange(page, merchant, 50);
      filter.samples.push(t.shown);
      whole.samples.push(t.all);
      const api = await apiFromPage(
        page,
        `/api/v1/transactions?merchant_id=${merchant}&sort=-created_at&limit=50&include_total=true`,
      );
      filter.baseline.push(api);
      whole.baseline.push(api);
    }
    return [dash, filter, whole];
  } finally {
    await browser.close();
  }
}

export async function stopApi(service: Service): Promise<void> {
  await stopNode(service);
}
