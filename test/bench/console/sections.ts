// The console's own sections of `npm run bench -- console`: what a browser downloads per route,
// what a person waits for over 1,000,000 payments, and Lighthouse on the dashboard.
import { join } from 'node:path';
import { ensureConsoleBuilt } from '../../../hack/console-build.ts';
import type { BenchContext, Section } from '../console.bench.ts';
import { chunkSizes, routeSizes } from './bundle.ts';
import { lighthouseRuns, median } from './lighthouse.ts';
import { consoleTimings, EMAIL, PASSWORD, startConsoleApi, stopApi, timingLines } from './timings.ts';

const KIB = 1024;
const INITIAL_TARGET_KIB = 200;
const kib = (n: number): string => (n / KIB).toFixed(1).padStart(7);

/** The routes whose first load counts: the landing page, the sign-in page and the dashboard (where sign-in lands). */
const ROUTES = {
  landing: 'features/landing/LandingPage.tsx',
  'sign-in': 'features/auth/LoginPage.tsx',
  dashboard: 'features/dashboard/DashboardPage.tsx',
  payments: 'features/payments/PaymentsPage.tsx',
  alerts: 'features/alerts/AlertsPage.tsx',
};

async function bundle(): Promise<string[]> {
  await ensureConsoleBuilt((m) => {
    console.log(m);
  });
  const routes = routeSizes(ROUTES);
  const lines = [
    `initial JavaScript per route, gzip (target ≤ ${String(INITIAL_TARGET_KIB)} KiB for landing, sign-in and dashboard; the`,
    'baseline is the shell alone: the entry chunk every route loads). PatternFly CSS separately.',
    'route        JS KiB   × shell  + lazy panels KiB   CSS KiB  target',
  ];
  const shell = Math.min(...routes.map((r) => r.jsGzip));
  for (const r of routes) {
    const counted = r.route === 'landing' || r.route === 'sign-in' || r.route === 'dashboard';
    const verdict = counted ? (r.jsGzip / KIB <= INITIAL_TARGET_KIB ? 'met' : 'MISSED') : '-';
    lines.push(
      `${r.route.padEnd(11)} ${kib(r.jsGzip)}   ${(r.jsGzip / shell).toFixed(2).padStart(6)}  ${kib(r.withLazyGzip).padStart(18)}  ${kib(r.cssGzip)}  ${verdict}`,
    );
  }
  lines.push('', 'every JS chunk, gzip:');
  for (const c of chunkSizes()) lines.push(`  ${kib(c.gzip)} KiB  ${c.name}`);
  return lines;
}

async function screens(ctx: BenchContext): Promise<string[]> {
  const stack = await ctx.stack();
  const { url, service } = await startConsoleApi({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
  });
  try {
    const t = await consoleTimings(url);
    return [
      'Chromium, 1440×900, signed in; each screen beside the API request it waits for, fetched from the same page.',
      'targets: dashboard first data ≤ 300 ms after navigation (a full page load: scripts, session resume, data);',
      'explorer filter change to rows shown p95 ≤ 150 ms (a new page shows its first 20 rows, then the rest:',
      'both are timed).',
      ...timingLines(t),
    ];
  } finally {
    await stopApi(service);
  }
}

async function lighthouse(ctx: BenchContext): Promise<string[]> {
  const stack = await ctx.stack();
  const { url, service } = await startConsoleApi({
    databaseUrl: stack.databaseUrl,
    redisUrl: stack.redisUrl,
  });
  try {
    const outDir = join(import.meta.dirname, '..', '..', '..', '.tmp', 'bench', 'lighthouse');
    const runs = await lighthouseRuns({
      base: url,
      path: '/dashboard',
      email: EMAIL,
      password: PASSWORD,
      runs: 3,
      outDir,
    });
    const m = (f: (r: (typeof runs)[number]) => number) => median(runs.map(f));
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    return [
      `Lighthouse (desktop preset) on /dashboard, median of ${String(runs.length)} runs; reports in ${outDir}`,
      `  LCP ${m((r) => r.lcpMs).toFixed(0)} ms (target ≤ 1000: ${verdict(m((r) => r.lcpMs) <= 1000)})`,
      `  TBT ${m((r) => r.tbtMs).toFixed(0)} ms (target ≤ 100: ${verdict(m((r) => r.tbtMs) <= 100)})`,
      `  CLS ${m((r) => r.cls).toFixed(3)} (target ≤ 0.05: ${verdict(m((r) => r.cls) <= 0.05)})`,
      `  performance score ${m((r) => r.performance).toFixed(2)}; runs: ${runs.map((r) => `LCP ${r.lcpMs.toFixed(0)} / TBT ${r.tbtMs.toFixed(0)} / CLS ${r.cls.toFixed(3)}`).join('; ')}`,
    ];
  } finally {
    await stopApi(service);
  }
}

export const CONSOLE_SECTIONS: readonly Section[] = [
  { name: 'bundle', run: bundle },
  { name: 'screens', run: screens },
  { name: 'lighthouse', run: lighthouse },
];
