// The rule language evaluated by PostgreSQL (rules-sql.ts, what a backtest runs) against the
// evaluator the worker runs on live traffic (rules.ts with the worker's per-payment SQL
// aggregates): on random rules over payments with bursts, missing fields and metadata of every
// JSON type, both must hit exactly the same payments, and so must the streamed backtest
// (backtest-stream.ts) for the rules it takes. Then a backtest job over several slices, streamed
// and in SQL: hits, hits per day, examples with the values seen, and precision / recall against
// resolved alerts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateColumns, compileRule, evaluate, newId, validateExpr, type Expr } from '@payflow/api/domain';
import { PAYMENT_COLUMNS, paymentFromRow, type Payment, type PaymentRow } from '@payflow/api/payments';
import { createPool } from '@payflow/api/store';
import { runBatchJob } from '../../worker/src/batch.ts';
import { copyOut } from '../../worker/src/copy-out.ts';
import {
  sliceAt,
  sliceCount,
  streamBounds,
  streamPlan,
  streamLabels,
  streamSlice,
} from '../../worker/src/backtest-stream.ts';
import { NO_LABELS, type PaymentLabel } from '../../worker/src/backtest-labels.ts';
import { aggregatesFor, parseRules, rulePayment } from '../../worker/src/rules.ts';
import { migratedDatabase } from '../support/env.ts';

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PAYERS = ['payer_a', 'payer_b', 'payer_c', 'payer_d', 'payer_e', 'payer_f'];
const MERCHANTS = ['mer_1', 'mer_2', 'mer_3'];
const CARDS = ['card_1', 'card_2', 'card_3', 'card_4', '', null];
const COUNTRIES = ['US', 'GB', 'DE', null];
const STATES = ['pending', 'authorized', 'captured', 'failed', 'refunded'];
const CURRENCIES = ['USD', 'EUR'];
const METADATA: unknown[] = [
  {},
  { channel: 'web', score: 10 },
  { channel: 'app', score: 75.5, vip: true },
  { channel: 'web-mobile', score: '75.5', vip: false },
  { channel: { nested: 1 }, score: 99 },
  { score: 0, vip: 'true' },
];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;

function randomLeaf(r: () => number): Expr {
  const kind = Math.floor(r() * 9);
  const n = () => Math.floor(r() * 6);
  switch (kind) {
    case 0:
      return {
        field: 'amount_minor',
        op: pick(r, ['gt', 'gte', 'lt', 'lte', 'eq', 'ne'] as const),
        value: pick(r, [500, 5000, '20000', 50_000]),
      };
    case 1:
      return { field: 'amount_minor', op: pick(r, ['in', 'not_in'] as const), value: [1000, 2500, '5000'] };
    case 2:
      return r() < 0.5
        ? { field: 'country', op: pick(r, ['eq', 'ne'] as const), value: 'US' }
        : { field: 'country', op: pick(r, ['in', 'not_in'] as const), value: ['US', 'DE'] };
    case 3:
      return {
        field: pick(r, ['payer_id', 'merchant_id', 'card_fingerprint'] as const),
        op: pick(r, ['contains', 'starts_with', 'eq', 'ne'] as const),
        value: pick(r, ['_a', 'payer', 'mer_2', 'card_1', '']),
      };
    case 4:
      return { field: 'state', op: pick(r, ['in', 'not_in'] as const), value: ['captured', 'failed'] };
    case 5:
      return { field: 'currency', op: pick(r, ['eq', 'ne'] as const), value: 'EUR' };
    case 6: {
      const op = pick(r, ['eq', 'ne', 'in', 'not_in', 'contains', 'starts_with', 'gt', 'lte'] as const);
      const key = pick(r, ['channel', 'score', 'vip', 'absent']);
      let value: unknown;
      if (op === 'gt' || op === 'lte') value = pick(r, [0, 10, 75.5, 50]);
      else if (op === 'contains' || op === 'starts_with') value = pick(r, ['web', 'app', 'mobile']);
      else if (op === 'in' || op === 'not_in')
        value = [pick(r, ['web', 10, true, '75.5']), pick(r, [75.5, false, 'app'])];
      else value = pick(r, ['web', 75.5, true, '75.5', 0, 'true']);
      return { field: `metadata.${key}`, op, value } as Expr;
    }
    case 7:
      return {
        aggregate: pick(r, ['count', 'count', 'sum'] as const),
        window: pick(r, ['10m', '1h', '3h', '2d']),
        group_by: pick(r, ['payer_id', 'merchant_id', 'card_fingerprint'] as const),
        op: pick(r, ['gte', 'gt', 'lt', 'eq'] as const),
        value: n() + 1,
      };
    default:
      return {
        aggregate: 'distinct',
        field: pick(r, ['country', 'currency', 'merchant_id'] as const),
        window: pick(r, ['1h', '1d']),
        group_by: pick(r, ['payer_id', 'card_fingerprint'] as const),
        op: pick(r, ['gte', 'lt'] as const),
        value: 1 + Math.floor(r() * 3),
      };
  }
}

/** Sums are compared in minor units: make their bound sizeable. */
function fixSums(e: Expr): Expr {
  if ('aggregate' in e && e.aggregate === 'sum')
    return { ...e, field: 'amount_minor', value: 20_000 * Number(e.value) };
  if ('all' in e) return { all: e.all.map(fixSums) };
  if ('any' in e) return { any: e.any.map(fixSums) };
  if ('not' in e) return { not: fixSums(e.not) };
  return e;
}

/** Every aggregate grouped by one key, so the streamed backtest takes the rule. */
function oneKey(e: Expr, key: 'payer_id' | 'merchant_id' | 'card_fingerprint'): Expr {
  if ('aggregate' in e) return { ...e, group_by: key };
  if ('all' in e) return { all: e.all.map((c) => oneKey(c, key)) };
  if ('any' in e) return { any: e.any.map((c) => oneKey(c, key)) };
  if ('not' in e) return { not: oneKey(e.not, key) };
  return e;
}

function randomExpr(r: () => number, depth = 0): Expr {
  const roll = r();
  if (depth >= 3 || roll < 0.45) return randomLeaf(r);
  const children = () => Array.from({ length: Math.floor(r() * 3) }, () => randomExpr(r, depth + 1));
  if (roll < 0.7) return { all: children() };
  if (roll < 0.9) return { any: children() };
  return { not: randomExpr(r, depth + 1) };
}

describe('rules evaluated in PostgreSQL beside the worker evaluator, and backtest jobs', () => {
  let db: ReturnType<typeof createPool>;
  let payments: Payment[];
  const now = Date.now();
  const from = new Date(now - 3 * 86_400_000);
  const to = new Date(now);

  beforeAll(async () => {
    db = createPool({ url: await migratedDatabase('rbt'), max: 4 });
    const r = prng(42);
    const rows: unknown[][] = [];
    // Bursts: a payer pays several times within minutes, around random moments of three days.
    for (let burst = 0; burst < 60; burst++) {
      const base = from.getTime() + Math.floor(r() * (to.getTime() - from.getTime() - 3_600_000));
      const payer = pick(r, PAYERS);
      const size = 1 + Math.floor(r() * 6);
      for (let k = 0; k < size; k++) {
        // Some payments share a timestamp exactly (window ties), most are minutes apart.
        const at = new Date(base + (k === 1 ? 0 : Math.floor(r() * 20 * 60_000)));
        rows.push([
          newId('pay'),
          at,
          pick(r, MERCHANTS),
          r() < 0.8 ? payer : pick(r, PAYERS),
          pick(r, [500, 1000, 2500, 5000, 12_000, 20_000, 60_000]),
          pick(r, CURRENCIES),
          pick(r, STATES),
          pick(r, CARDS),
          pick(r, COUNTRIES),
          JSON.stringify(pick(r, METADATA)),
        ]);
      }
    }
    // On the edges of the windows: a payer, a merchant and a card paying exactly 10 minutes (and
    // one hour) apart, twice at one instant, so a window's bound is checked exactly.
    const edge = from.getTime() + 86_400_000;
    for (const at of [0, 600_000, 600_000, 1_200_000, 1_800_000, 3_600_000, 4_200_000]) {
      rows.push([
        newId('pay'),
        new Date(edge + at),
        'mer_edge',
        'payer_edge',
        12_000,
        'USD',
        'captured',
        'card_edge',
        'US',
        '{}',
      ]);
    }
    for (const row of rows) {
      await db.query(
        `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state,
                               card_fingerprint, country, metadata)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
        row,
      );
    }
    const { rows: stored } = await db.query<PaymentRow>(
      `select ${PAYMENT_COLUMNS} from payments order by created_at, id`,
    );
    payments = stored.map(paymentFromRow);
  });
  afterAll(async () => {
    await db.end();
  });

  /** Hits as the worker decides them: its per-payment SQL aggregates, then the TypeScript evaluator. */
  async function workerHits(expr: Expr): Promise<string[]> {
    const [rule] = parseRules(
      [
        {
          id: 'r',
          name: 'r',
          version: 1,
          mode: 'shadow',
          action: 'alert',
          severity: 'low',
          definition: expr,
        },
      ],
      (id, why) => {
        throw new Error(`${id}: ${why}`);
      },
    );
    if (!rule) throw new Error('no rule');
    const values = await aggregatesFor(db, [rule], payments);
    return payments
      .filter((p) => evaluate(rule.condition, rulePayment(p), values.get(p.id) ?? new Map()).matched)
      .map((p) => p.id)
      .sort();
  }

  async function sqlHits(expr: Expr): Promise<string[]> {
    const c = compileRule(expr, { first: 3 });
    const aggs = aggregateColumns(c.aggregates, 'p');
    const { rows } = await db.query<{ id: string }>(
      `select r.id from (select p.*${aggs.map((a) => `, ${a}`).join('')} from payments p
                          where p.created_at >= $1::timestamptz - make_interval(secs => $2)) r
        where ${c.predicate}`,
      [new Date(0), c.lookbackSeconds, ...c.params],
    );
    return rows.map((x) => x.id).sort();
  }

  /** Hits as the streamed backtest finds them, over four slices of group values; undefined: not streamed. */
  async function streamHits(expr: Expr): Promise<string[] | undefined> {
    const client = await db.connect();
    try {
      const plan = streamPlan(client, expr);
      if (!plan) return undefined;
      const range = { from: new Date(0), to: new Date(now + 86_400_000) };
      const bounds = await streamBounds(client, plan, { ...range, total: payments.length }, 4);
      expect(bounds.length).toBeGreaterThan(0);
      const ids: string[] = [];
      for (let i = 0; i < sliceCount(plan, bounds); i++) {
        const slice = sliceAt(plan, range, bounds, i);
        const r = await streamSlice(client, plan, slice, { labels: NO_LABELS, keep: 5, all: true });
        ids.push(...(r.all ?? []));
      }
      return ids.sort();
    } finally {
      client.release();
    }
  }

  it('when 300 random rules run in PostgreSQL, streamed and in the worker evaluator, then each hits the same payments', async () => {
    const r = prng(7);
    let checked = 0;
    let nonTrivial = 0;
    let streamed = 0;
    for (let i = 0; i < 300; i++) {
      // The second half: the rule and an aggregate condition, every aggregate by one key.
      const drawn = fixSums(randomExpr(r));
      let aggregate = randomLeaf(r);
      while (!('aggregate' in aggregate)) aggregate = randomLeaf(r);
      const both: Expr =
        r() < 0.5 ? { all: [drawn, fixSums(aggregate)] } : { any: [drawn, fixSums(aggregate)] };
      const keyed = oneKey(both, pick(r, ['payer_id', 'merchant_id', 'card_fingerprint'] as const));
      // (A distinct count of the key itself is no rule: that draw stays as it was.)
      const expr = i >= 150 && validateExpr(keyed).ok ? keyed : drawn;
      const v = validateExpr(expr);
      expect(v.ok, JSON.stringify(expr)).toBe(true);
      const [fromSql, fromWorker, fromStream] = [
        await sqlHits(expr),
        await workerHits(expr),
        await streamHits(expr),
      ];
      expect(fromSql, JSON.stringify(expr)).toEqual(fromWorker);
      if (fromStream) {
        expect(fromStream, `streamed: ${JSON.stringify(expr)}`).toEqual(fromWorker);
        streamed++;
      }
      checked++;
      if (fromSql.length > 0 && fromSql.length < payments.length) nonTrivial++;
    }
    expect(checked).toBe(300);
    // The generator must produce rules that split the payments, or the comparison says little.
    expect(nonTrivial).toBeGreaterThan(100);
    // Rules with aggregates by one key are streamed; those without any, or by two keys, are not.
    expect(streamed).toBeGreaterThan(100);
  });

  it('when a COPY fails before or while its rows arrive, then copyOut rejects with the error and the connection goes on', async () => {
    const client = await db.connect();
    try {
      await expect(
        copyOut(client, 'copy (select 1 / 0) to stdout (format binary)', () => undefined),
      ).rejects.toThrow(/division by zero/);
      let messages = 0;
      await expect(
        copyOut(
          client,
          'copy (select 1 / (g - 3000) from generate_series(1, 5000) g) to stdout (format binary)',
          () => {
            messages++;
          },
        ),
      ).rejects.toThrow(/division by zero/);
      expect(messages).toBeGreaterThan(100);
      const { rows } = await client.query<{ n: number }>('select 41 + 1 as n');
      expect(rows[0]?.n).toBe(42);
      let bytes = 0;
      await copyOut(client, 'copy (select g from generate_series(1, 10000) g) to stdout', (_b, s, e) => {
        bytes += e - s;
      });
      // "1\n" … "10000\n": 9 + 180 + 2,700 + 36,000 + 5 × 10,000 … in text, 48,894 bytes.
      expect(bytes).toBe(9 * 2 + 90 * 3 + 900 * 4 + 9000 * 5 + 6);
    } finally {
      client.release();
    }
  });

  it("when a dispute gives a reason code, then its network's grouping says whether it is fraud, and an unknown code says neither", async () => {
    const cases: [string | null, boolean | null][] = [
      ['10.4', true], // Visa: other fraud, card absent
      ['10.1', true],
      ['13.1', false], // Visa: merchandise not received
      ['12.6.1', null],
      ['4837', true], // Mastercard: no cardholder authorisation
      ['4863', true],
      ['4853', false], // Mastercard: cardholder dispute
      ['F29', true], // American Express: card not present
      [' c08 ', false], // American Express: goods not received, as sent with spaces and in lower case
      ['UA02', true], // Discover: fraud, card not present
      ['RG04', false], // Discover: non-receipt
      ['R99X', null],
      ['', null],
      [null, null],
    ];
    const { rows } = await db.query<{ code: string | null; fraud: boolean | null }>(
      'select c.code, dispute_reason_is_fraud(c.code) as fraud from unnest($1::text[]) c(code)',
      [cases.map(([code]) => code)],
    );
    expect(rows.map((r) => [r.code, r.fraud])).toEqual(cases);
  });

  const velocity: Expr = { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 3 };
  it.each([
    ['streamed', velocity],
    // A second key (never true here) keeps the rule off the stream: SQL time slices.
    [
      'in SQL time slices',
      {
        any: [
          velocity,
          { aggregate: 'count', window: '10m', group_by: 'merchant_id', op: 'gte', value: 1000 },
        ],
      },
    ],
  ] as [string, Expr][])(
    'when a velocity rule is backtested over several slices (%s), then hits, days, examples and labels add up',
    async (_how, condition) => {
      const expected = await workerHits(condition);
      expect(expected.length).toBeGreaterThan(5);
      // Labels: two hits confirmed as fraud, one hit a false positive, one missed payment confirmed as fraud.
      const missed = payments.find((p) => !expected.includes(p.id));
      const labelled: [string, string][] = [
        [expected[0] ?? '', 'confirmed_fraud'],
        [expected[1] ?? '', 'confirmed_fraud'],
        [expected[2] ?? '', 'false_positive'],
        [missed?.id ?? '', 'confirmed_fraud'],
      ];
      for (const [paymentId, resolution] of labelled) {
        await db.query(
          `insert into alerts (id, payment_id, severity, status, title, dedupe_key, resolution)
         values ($1, $2, 'high', 'resolved', 't', $1, $3)`,
          [newId('alt'), paymentId, resolution],
        );
      }
      // An open alert is no label.
      await db.query(
        `insert into alerts (id, payment_id, severity, status, title, dedupe_key) values ($1, $2, 'high', 'open', 't', $1)`,
        [newId('alt'), expected[3]],
      );
      // Chargebacks: a hit and a missed payment charged back, with no alert resolved, count as fraud;
      // the hit resolved as a false positive stays one when it is charged back too (the analyst's word).
      const window = new Set<string>(
        payments.filter((p) => p.createdAt >= from && p.createdAt < to).map((p) => p.id),
      );
      const hitCharged = expected.find((pid, k) => k > 3 && window.has(pid)) ?? '';
      const missedCharged =
        payments.find((p) => window.has(p.id) && !expected.includes(p.id) && p.id !== missed?.id)?.id ?? '';
      // A hit charged back for a reason that is not fraud (Visa 13.1, merchandise not received) is no
      // label; the fraud code (Visa 10.4, card absent) of the other hit charged back keeps its label.
      const notFraudCharged = expected.find((pid, k) => k > 3 && window.has(pid) && pid !== hitCharged) ?? '';
      await db.query(`update payments set current_state = 'charged_back' where id = any($1::text[])`, [
        [hitCharged, missedCharged, expected[2], notFraudCharged],
      ]);
      for (const [paymentId, code] of [
        [hitCharged, '10.4'],
        [notFraudCharged, '13.1'],
      ]) {
        await db.query(
          `insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state,
                                       source, occurred_at, data)
           select $1, $1, p.id, p.created_at, 'payment.disputed', 'settled', 'disputed', 'sqs', now(),
                  jsonb_build_object('reason_code', $3::text)
             from payments p where p.id = $2`,
          [newId('evt'), paymentId, code],
        );
      }
      const id = newId('job');
      await db.query(
        `insert into batch_jobs (id, name, type, parameters) values ($1, 'bt', 'backtest', $2::jsonb)`,
        [
          id,
          JSON.stringify({
            from: from.toISOString(),
            to: to.toISOString(),
            definition: { condition, action: 'alert', severity: 'high' },
          }),
        ],
      );
      const job = await runBatchJob({ pool: db, owner: 'test', backtestSliceRows: 40 }, id);
      expect(job.status).toBe('succeeded');
      const inRange = payments.filter((p) => p.createdAt >= from && p.createdAt < to);
      expect(Number(job.processed)).toBe(inRange.length);
      const result = job.result as {
        hits: number;
        hits_by_day: Record<string, number>;
        examples: {
          payment_id: string;
          values: Record<string, string>;
          reasons: string[];
          label: string | null;
        }[];
        labels: {
          confirmed_fraud_hit: number;
          false_positive_hit: number;
          confirmed_fraud_missed: number;
          chargebacks: number;
          precision: number;
          recall: number;
        };
      };
      const expectedInRange = expected.filter((pid) => inRange.some((p) => p.id === pid));
      expect(result.hits).toBe(expectedInRange.length);
      expect(Object.values(result.hits_by_day).reduce((a, b) => a + b, 0)).toBe(expectedInRange.length);
      const byDay = new Map<string, number>();
      for (const pid of expectedInRange) {
        const day =
          payments
            .find((p) => p.id === pid)
            ?.createdAt.toISOString()
            .slice(0, 10) ?? '';
        byDay.set(day, (byDay.get(day) ?? 0) + 1);
      }
      expect(result.hits_by_day).toEqual(Object.fromEntries(byDay));
      expect(result.examples.length).toBe(Math.min(20, expectedInRange.length));
      for (const ex of result.examples) {
        expect(expectedInRange).toContain(ex.payment_id);
        const seen = Number(ex.values['count(*)/payer_id/600s']);
        expect(seen).toBeGreaterThanOrEqual(3);
        expect(ex.reasons).toEqual([`count(*) over 10m by payer_id gte 3 (was ${String(seen)})`]);
      }
      const labels = new Map([...labelled, [hitCharged, 'chargeback']]);
      expect(result.examples.map((ex) => ex.payment_id)).toContain(hitCharged);
      for (const ex of result.examples) expect(ex.label).toBe(labels.get(ex.payment_id) ?? null);
      expect(result.labels).toMatchObject({
        confirmed_fraud_hit: 3,
        false_positive_hit: 1,
        confirmed_fraud_missed: 2,
        chargebacks: 2,
      });
      expect(result.labels.precision).toBeCloseTo(3 / 4, 10);
      expect(result.labels.recall).toBeCloseTo(3 / 5, 10);
    },
  );
});

describe('a streamed backtest names its hits by id after the stream', () => {
  let db: ReturnType<typeof createPool>;
  const at = new Date(Date.now() - 3_600_000);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = createPool({ url: await migratedDatabase('rbt_ties'), max: 2 });
    // One payer: two payments minutes before, then five at one instant, alike but for amount and
    // currency (and id), and one of another payer at that instant.
    const rows: [string, Date, string, number, string][] = [
      ['early1', new Date(at.getTime() - 300_000), 'payer_tie', 500, 'USD'],
      ['early2', new Date(at.getTime() - 200_000), 'payer_tie', 500, 'USD'],
      ['small', at, 'payer_tie', 500, 'USD'],
      ['mid', at, 'payer_tie', 5000, 'USD'],
      ['large1', at, 'payer_tie', 60_000, 'USD'],
      ['large2', at, 'payer_tie', 60_000, 'USD'],
      ['euro', at, 'payer_tie', 60_000, 'EUR'],
      ['other', at, 'payer_other', 60_000, 'USD'],
    ];
    for (const [name, created, payer, amount, currency] of rows) {
      ids[name] = newId('pay');
      await db.query(
        `insert into payments (id, created_at, merchant_id, payer_id, amount_minor, currency, current_state)
         values ($1, $2, 'mer_1', $3, $4, $5, 'captured')`,
        [ids[name], created, payer, amount, currency],
      );
    }
  });
  afterAll(async () => {
    await db.end();
  });

  async function stream(expr: Expr, keep: number): Promise<{ hits: number; first: string[]; all: string[] }> {
    const client = await db.connect();
    try {
      const plan = streamPlan(client, expr);
      if (!plan) throw new Error('not streamed');
      const range = { from: new Date(at.getTime() - 86_400_000), to: new Date() };
      const r = await streamSlice(client, plan, sliceAt(plan, range, [], 0), {
        labels: NO_LABELS,
        keep,
        all: true,
      });
      const kept = await streamSlice(client, plan, sliceAt(plan, range, [], 0), { labels: NO_LABELS, keep });
      expect(kept.hits).toBe(r.hits);
      return { hits: r.hits, first: kept.first.map((h) => h.id), all: [...(r.all ?? [])].sort() };
    } finally {
      client.release();
    }
  }
  const named = (...names: string[]) => names.map((n) => ids[n] ?? '').sort();
  // At least three of the payer's payments in 10 minutes, and more than 10.00.
  const COUNT_AND_AMOUNT: Expr = {
    all: [
      { aggregate: 'count', window: '10m', group_by: 'payer_id', op: 'gte', value: 3 },
      { field: 'amount_minor', op: 'gt', value: 1000 },
    ],
  };
  // More than 1,000.00 in the payment's currency by the payer in 10 minutes, and more than 10.00.
  const SUM_AND_AMOUNT: Expr = {
    all: [
      {
        aggregate: 'sum',
        field: 'amount_minor',
        window: '10m',
        group_by: 'payer_id',
        op: 'gt',
        value: 100_000,
      },
      { field: 'amount_minor', op: 'gt', value: 1000 },
    ],
  };

  it('when payments of one payer at one instant differ in a leaf, then exactly the hits among them are named, the earliest cut by id', async () => {
    const r = await stream(COUNT_AND_AMOUNT, 2);
    expect(r.all).toEqual(named('mid', 'large1', 'large2', 'euro'));
    expect(r.hits).toBe(4);
    // Four hits at one instant: the two with the smallest ids are the earliest.
    expect(r.first).toEqual(named('mid', 'large1', 'large2', 'euro').slice(0, 2));
  });

  it('when a sum tells them apart by amount and currency, then the hits are those in the currency whose sum passed', async () => {
    const r = await stream(SUM_AND_AMOUNT, 20);
    // USD at the instant: 500 + 500 + 500 + 5,000 + 60,000 + 60,000 = 126,500; EUR: 60,000.
    expect(r.all).toEqual(named('mid', 'large1', 'large2'));
    expect(r.first).toEqual(named('mid', 'large1', 'large2'));
  });

  async function tallies(expr: Expr, labels: Record<string, PaymentLabel>) {
    const client = await db.connect();
    try {
      const plan = streamPlan(client, expr);
      if (!plan) throw new Error('not streamed');
      const range = { from: new Date(at.getTime() - 86_400_000), to: new Date() };
      // The labels as the product has them: alerts resolved, payments charged back.
      await client.query(`delete from alerts`);
      await client.query(`update payments set current_state = 'captured'`);
      for (const [name, label] of Object.entries(labels)) {
        if (label === 'chargeback')
          await client.query(`update payments set current_state = 'charged_back' where id = $1`, [ids[name]]);
        else
          await client.query(
            `insert into alerts (id, payment_id, severity, status, title, dedupe_key, resolution)
             values ($1, $2, 'high', 'resolved', 't', $1, $3)`,
            [newId('alt'), ids[name], label],
          );
      }
      const found = await streamLabels(client, plan, range);
      expect(Object.fromEntries(found.byId)).toEqual(
        Object.fromEntries(
          Object.entries(labels).map(([name, l]): [string, PaymentLabel] => [ids[name] ?? '', l]),
        ),
      );
      const r = await streamSlice(client, plan, sliceAt(plan, range, [], 0), { labels: found, keep: 20 });
      const firstLabels = Object.fromEntries(
        r.first.map((h): [string, PaymentLabel | null] => [
          Object.keys(ids).find((n) => ids[n] === h.id) ?? '',
          h.label,
        ]),
      );
      return { tp: r.tp, fp: r.fp, fn: r.fn, cb: r.cb, firstLabels };
    } finally {
      client.release();
    }
  }

  it('when labelled payments of one payer at one instant differ in a leaf, then each label is tallied on the payment alike', async () => {
    // "small" is no hit (its amount fails the leaf), though tied with four hits of its payer.
    const r = await tallies(COUNT_AND_AMOUNT, {
      small: 'confirmed_fraud',
      large1: 'chargeback',
      euro: 'false_positive',
      other: 'chargeback',
    });
    expect(r).toMatchObject({ tp: 1, fp: 1, fn: 2, cb: 2 });
    expect(r.firstLabels).toEqual({ mid: null, large1: 'chargeback', large2: null, euro: 'false_positive' });
  });

  it('when labelled payments tied for a sum differ only in currency, then the labels follow the currency', async () => {
    // large1 (USD) hits; euro (EUR, 60,000 in its currency) does not, though alike in all else.
    const r = await tallies(SUM_AND_AMOUNT, { large1: 'chargeback', euro: 'confirmed_fraud' });
    expect(r).toMatchObject({ tp: 1, fp: 0, fn: 1, cb: 1 });
    expect(r.firstLabels).toEqual({ mid: null, large1: 'chargeback', large2: null });
  });
});
