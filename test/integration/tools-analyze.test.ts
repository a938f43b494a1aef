// payflow analyze against a real PostgreSQL: a seeded period (and payments outside it), the
// figures compared with SQL and arithmetic written here independently; the HTML report opened in
// Chromium, where it fetches nothing, and a screenshot of it in test/screenshots/.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minIdAt, newId } from '@payflow/api/domain';
import { createPool } from '@payflow/api/store';
import { freePort } from '../../hack/testenv/proc.ts';
import { launch, SCREENSHOTS } from '../browser/support/browser.ts';
import { migratedDatabase } from '../support/env.ts';
import { insertHistory, json, payflow, type HistoryEvent } from './tools-support.ts';

interface AnalyzeReport {
  period: { from: string; to: string };
  volumes: {
    merchant_id: string;
    currency: string;
    payments: string;
    amount_minor: string;
    refunded_minor: string;
  }[];
  totals_by_currency: { currency: string; payments: string; amount_minor: string }[];
  funnel: Record<
    'created' | 'authorized' | 'captured' | 'settled' | 'failed' | 'refunded' | 'disputed',
    string
  >;
  rates: Record<'failure' | 'refund' | 'dispute', { count: string; of: string; ratio: number | null }>;
  time_to_settle_seconds: {
    settled: string;
    p50: number | null;
    p90: number | null;
    p99: number | null;
    max: number | null;
  };
  rules: {
    name: string;
    hit_payments: string;
    alerts: string;
    confirmed_fraud: string;
    false_positive: string;
    hit_rate: number | null;
    precision: number | null;
  }[];
}

const DAY = 86_400_000;
const PATHS: string[][] = [
  [],
  ['authorized'],
  ['authorized', 'captured'],
  ['authorized', 'captured', 'settled'],
  ['failed'],
  ['authorized', 'captured', 'settled', 'refunded'],
  ['authorized', 'captured', 'disputed'],
  ['authorized', 'captured', 'partially_refunded'],
];

describe('payflow analyze', () => {
  let url: string;
  let db: ReturnType<typeof createPool>;
  let env: Record<string, string>;
  const now = Date.now();
  const from = new Date(now - 10 * DAY).toISOString();
  const to = new Date(now).toISOString();

  /** Pays in the period and a few before it, with their event history and current state. */
  async function seed(): Promise<void> {
    const history: HistoryEvent[] = [];
    for (let i = 0; i < 48; i++) {
      const inPeriod = i < 42;
      const created = inPeriod ? now - 9 * DAY + i * 3_600_000 : now - 40 * DAY + i * 60_000;
      const id = `pay_${minIdAt('pay', created).slice(4, 14)}${newId('pay').slice(-16)}`;
      const path = PATHS[i % PATHS.length]!;
      const currency = i % 3 === 0 ? 'JPY' : 'USD';
      // Two amounts near the maximum: their sum is past 2^53, exact only as integers.
      const amount = i === 5 || i === 13 ? 900_000_000_000_000_000n : BigInt(1000 + i * 37);
      const state = path.at(-1) ?? 'pending';
      const refunded = state === 'refunded' ? amount : state === 'partially_refunded' ? 100n : 0n;
      await db.query(
        `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state, refunded_minor)
         values ($1, $2, $3, 'payer', $4, $5, $6, $7)`,
        [id, new Date(created), `MERC-${String(i % 3)}`, amount, currency, state, refunded],
      );
      let prev = 'pending';
      path.forEach((s, k) => {
        history.push({
          event_id: newId('evt'),
          payment_id: id,
          type: `payment.${s}`,
          from: prev,
          to: s,
          occurredAt: new Date(created + (k + 1) * (600_000 + i * 7_000)),
        });
        prev = s;
      });
    }
    await insertHistory(db, history);
    const rule = newId('rul');
    await db.query(
      `insert into rules (id, name, action, severity, definition) values ($1, 'big-amount', 'alert', 'high', '{}'::jsonb)`,
      [rule],
    );
    const { rows } = await db.query<{ id: string }>('select id from payments order by created_at');
    const hit = rows.filter((_, i) => i % 4 === 0);
    for (const [k, p] of hit.entries()) {
      await db.query(
        `insert into rule_hits (rule_id, payment_id, mode, action, acted) values ($1, $2, 'enforce', 'alert', true)`,
        [rule, p.id],
      );
      const resolution = k % 3 === 0 ? 'confirmed_fraud' : k % 3 === 1 ? 'false_positive' : null;
      await db.query(
        `insert into alerts (id, rule_id, payment_id, severity, status, title, dedupe_key, resolution)
         values ($1, $2, $3, 'high', $4, 'big', $5, $6)`,
        [newId('alt'), rule, p.id, resolution ? 'resolved' : 'open', `${rule}:${p.id}`, resolution],
      );
    }
  }

  beforeAll(async () => {
    url = await migratedDatabase('analyze');
    db = createPool({ url, max: 2 });
    env = { DATABASE_URL: url };
    await seed();
  });

  afterAll(async () => {
    await db.end();
  });

  const scope = 'p.created_at >= $1 and p.created_at < $2';

  it('when the period is analysed, then every figure equals SQL and arithmetic done here', async () => {
    const run = await payflow(['analyze', '--from', from, '--to', to, '--json'], env);
    expect(run.code, run.stderr).toBe(0);
    const r = json<AnalyzeReport>(run);

    const vol = await db.query<{
      merchant_id: string;
      currency: string;
      payments: string;
      amount_minor: string;
      refunded_minor: string;
    }>(
      `select merchant_id, currency, count(*)::text as payments, sum(amount_minor)::text as amount_minor,
              sum(refunded_minor)::text as refunded_minor
         from payments p where ${scope} group by 1, 2 order by 1, 2`,
      [from, to],
    );
    expect(r.volumes).toEqual(vol.rows);
    const usd = vol.rows.filter((v) => v.currency === 'USD').reduce((s, v) => s + BigInt(v.amount_minor), 0n);
    expect(r.totals_by_currency.find((t) => t.currency === 'USD')?.amount_minor).toBe(usd.toString());
    expect(usd > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);

    // Reached a state: an event to it, or in it now (written as a union, not as the tool's exists).
    const reached = async (states: string[]): Promise<string> => {
      const { rows } = await db.query<{ n: string }>(
        `select count(distinct id)::text as n from (
           select p.id from payments p where ${scope} and p.current_state = any($3)
           union select p.id from payments p join payment_events e on e.payment_id = p.id
            where ${scope} and e.to_state = any($3)) x`,
        [from, to, states],
      );
      return rows[0]!.n;
    };
    const created = (
      await db.query<{ n: string }>(`select count(*)::text as n from payments p where ${scope}`, [from, to])
    ).rows[0]!.n;
    expect(created).toBe('42');
    expect(r.funnel).toEqual({
      created,
      authorized: await reached(['authorized']),
      captured: await reached(['captured']),
      settled: await reached(['settled']),
      failed: await reached(['failed']),
      refunded: await reached(['refunded', 'partially_refunded']),
      disputed: await reached(['disputed']),
    });
    expect(r.rates.refund.ratio).toBeCloseTo(Number(r.funnel.refunded) / Number(r.funnel.captured), 5);
    expect(r.rates.failure.ratio).toBeCloseTo(Number(r.funnel.failed) / Number(created), 5);

    const settle = await db.query<{ seconds: number }>(
      `select extract(epoch from e.occurred_at - p.created_at)::float8 as seconds
         from payments p join payment_events e on e.payment_id = p.id and e.to_state = 'settled' where ${scope}`,
      [from, to],
    );
    const s = settle.rows.map((x) => x.seconds).sort((a, b) => a - b);
    const nearestRank = (q: number): number => s[Math.ceil(q * s.length) - 1]!;
    expect(r.time_to_settle_seconds).toEqual({
      settled: String(s.length),
      p50: nearestRank(0.5),
      p90: nearestRank(0.9),
      p99: nearestRank(0.99),
      max: s.at(-1),
    });

    const alerts = await db.query<{ hits: string; cf: string; fp: string }>(
      `select (select count(distinct h.payment_id)::text from rule_hits h join payments p on p.id = h.payment_id where ${scope}) as hits,
              (select count(*)::text from alerts a join payments p on p.id = a.payment_id where ${scope} and a.resolution = 'confirmed_fraud') as cf,
              (select count(*)::text from alerts a join payments p on p.id = a.payment_id where ${scope} and a.resolution = 'false_positive') as fp`,
      [from, to],
    );
    const a = alerts.rows[0]!;
    const rule = r.rules.find((x) => x.name === 'big-amount')!;
    expect(rule).toMatchObject({ hit_payments: a.hits, confirmed_fraud: a.cf, false_positive: a.fp });
    expect(rule.precision).toBeCloseTo(Number(a.cf) / (Number(a.cf) + Number(a.fp)), 5);
    expect(rule.hit_rate).toBeCloseTo(Number(a.hits) / Number(created), 5);
  });

  it('when asked for a table, then the text names each section and shows exact amounts', async () => {
    const run = await payflow(['analyze', '--from', from, '--to', to], env);
    expect(run.code, run.stderr).toBe(0);
    for (const heading of [
      'Totals by currency',
      'By merchant and currency',
      'Funnel',
      'Rates',
      'Time to settle',
      'Rules',
    ])
      expect(run.stdout).toContain(heading);
    const { rows } = await db.query<{ usd: string }>(
      `select sum(amount_minor)::text as usd from payments p where ${scope} and currency = 'USD'`,
      [from, to],
    );
    const usd = BigInt(rows[0]!.usd);
    const exact = `${(usd / 100n).toLocaleString('en-US')}.${String(usd % 100n).padStart(2, '0')} USD`;
    expect(exact).toMatch(/^18,000,000,000,000,\d{3}\.\d\d USD$/);
    expect(run.stdout).toContain(exact);
  });

  it('when an HTML report is written, then it opens in Chromium without fetching anything, and is shot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payflow-analyze-'));
    const file = join(dir, 'report.html');
    const run = await payflow(['analyze', '--from', from, '--to', to, '--html', file], env);
    expect(run.code, run.stderr).toBe(0);
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
      const requests: string[] = [];
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(pathToFileURL(file).href);
      expect(requests).toEqual([pathToFileURL(file).href]);
      await expect(page.getByRole('heading', { name: 'PayFlow analysis' }).count()).resolves.toBe(1);
      expect(await page.locator('svg[role="img"]').count()).toBeGreaterThanOrEqual(5);
      await page.screenshot({ path: join(SCREENSHOTS, 'analyze-report-light.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('when payflow stack is asked for JSON, then it parses and says the database came from DATABASE_URL and answers', async () => {
    const run = await payflow(['stack', '--json'], { ...env, PAYFLOW_API_TOKEN: 'pk_secret_token' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('pk_secret_token');
    const r = json<{
      stack: { described: string; from: Record<string, string> };
      checks: { service: string; status: string }[];
    }>(run);
    expect(r.stack.described).toBe('the environment (DATABASE_URL, PAYFLOW_API_TOKEN)');
    expect(r.stack.from).toEqual({ databaseUrl: 'DATABASE_URL', apiToken: 'PAYFLOW_API_TOKEN' });
    expect(r.checks.map((c) => [c.service, c.status])).toEqual([
      ['PostgreSQL', 'ok'],
      ['SQS', 'not configured'],
      ['API', 'not configured'],
    ]);
  });

  it('when the database is unreachable or the period is backwards, then exit 3 naming PostgreSQL, or 2', async () => {
    const port = await freePort();
    const down = await payflow(['analyze'], {
      DATABASE_URL: `postgres://payflow:secret@127.0.0.1:${String(port)}/payflow`,
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(
      `PostgreSQL at postgres://payflow:***@127.0.0.1:${String(port)}/payflow is unreachable`,
    );
    expect(down.stderr).not.toContain('secret');
    const backwards = await payflow(['analyze', '--from', '1d', '--to', '3d'], env);
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/--from .* must be before --to/);
  });
});
