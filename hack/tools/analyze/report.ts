// The figures of an analysis shaped for people (terminal tables) and for scripts (JSON): totals
// by currency, rates with their counts, rule hit rates and precision. Money stays bigint minor
// units; amounts are also shown in major units with the currency's exponent (formatMinor).
import { formatMinor, isCurrencyCode } from '@payflow/api/domain';
import { duration, grouped, percent, table } from '../lib/output.ts';
import type { Analysis, Funnel, RuleRow } from './queries.ts';

/** 123456789n USD → "1,234,567.89 USD": exact, from the minor units. */
export function money(minor: bigint, currency: string): string {
  if (!isCurrencyCode(currency)) return `${minor.toString()} minor units ${currency}`;
  const [whole = '0', frac] = formatMinor(minor, currency).split('.');
  return `${grouped(BigInt(whole))}${frac === undefined ? '' : `.${frac}`} ${currency}`;
}

export interface CurrencyTotal {
  readonly currency: string;
  readonly payments: bigint;
  readonly amount_minor: bigint;
  readonly refunded_minor: bigint;
}

export function currencyTotals(a: Analysis): CurrencyTotal[] {
  const by = new Map<string, { payments: bigint; amount_minor: bigint; refunded_minor: bigint }>();
  for (const v of a.volumes) {
    const t = by.get(v.currency) ?? { payments: 0n, amount_minor: 0n, refunded_minor: 0n };
    t.payments += v.payments;
    t.amount_minor += v.amount_minor;
    t.refunded_minor += v.refunded_minor;
    by.set(v.currency, t);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({ currency, ...t }));
}

/** count / of, or null when `of` is 0. */
export function ratio(count: bigint, of: bigint): number | null {
  return of === 0n ? null : Number((count * 1_000_000n) / of) / 1_000_000;
}

export interface Rate {
  readonly count: bigint;
  readonly of: bigint;
  readonly ratio: number | null;
}

const rate = (count: bigint, of: bigint): Rate => ({ count, of, ratio: ratio(count, of) });

export function rates(f: Funnel): { failure: Rate; refund: Rate; dispute: Rate } {
  return {
    failure: rate(f.failed, f.created),
    refund: rate(f.refunded, f.captured),
    dispute: rate(f.disputed, f.captured),
  };
}

export function ruleFigures(
  r: RuleRow,
  created: bigint,
): { hit_rate: number | null; precision: number | null } {
  return {
    hit_rate: ratio(r.hit_payments, created),
    precision: ratio(r.confirmed_fraud, r.confirmed_fraud + r.false_positive),
  };
}

/** A rule's row in the terminal and HTML reports: name, mode, hits, hit rate, alerts, labels, precision. */
export function ruleCells(r: RuleRow, created: bigint): string[] {
  const f = ruleFigures(r, created);
  return [
    r.name,
    r.mode,
    grouped(r.hit_payments),
    pct(f.hit_rate),
    grouped(r.alerts),
    grouped(r.confirmed_fraud),
    grouped(r.false_positive),
    pct(f.precision),
  ];
}

/** The analysis as JSON: counts and amounts as decimal strings (exact), ratios as numbers. */
export function toReport(a: Analysis): Record<string, unknown> {
  return {
    period: {
      from: a.period.from.toISOString(),
      to: a.period.to.toISOString(),
      merchants: a.period.merchants,
    },
    volumes: a.volumes,
    totals_by_currency: currencyTotals(a),
    funnel: a.funnel,
    rates: rates(a.funnel),
    time_to_settle_seconds: a.timeToSettle,
    rules: a.rules.map((r) => ({ ...r, ...ruleFigures(r, a.funnel.created) })),
  };
}

export function pct(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(1)}%`;
}

function funnelTable(f: Funnel): string {
  const steps: [string, bigint][] = [
    ['created', f.created],
    ['authorized', f.authorized],
    ['captured', f.captured],
    ['settled', f.settled],
  ];
  return table(
    [{ title: 'reached' }, { title: 'payments', right: true }, { title: 'of created', right: true }],
    steps.map(([s, n]) => [s, grouped(n), percent(n, f.created)]),
  );
}

function ratesTable(f: Funnel): string {
  const r = rates(f);
  return table(
    [
      { title: 'rate' },
      { title: 'payments', right: true },
      { title: 'of', right: true },
      { title: 'rate', right: true },
    ],
    [
      ['failure (of created)', grouped(r.failure.count), grouped(r.failure.of), pct(r.failure.ratio)],
      ['refund (of captured)', grouped(r.refund.count), grouped(r.refund.of), pct(r.refund.ratio)],
      ['dispute (of captured)', grouped(r.dispute.count), grouped(r.dispute.of), pct(r.dispute.ratio)],
    ],
  );
}

function settleTable(a: Analysis): string {
  const t = a.timeToSettle;
  const d = (s: number | null): string => (s === null ? '—' : duration(s));
  return table(
    [
      { title: 'settled', right: true },
      { title: 'p50', right: true },
      { title: 'p90', right: true },
      { title: 'p99', right: true },
      { title: 'max', right: true },
    ],
    [[grouped(t.settled), d(t.p50), d(t.p90), d(t.p99), d(t.max)]],
  );
}

function rulesTable(a: Analysis): string {
  if (a.rules.length === 0) return '(no rules)';
  return table(
    [
      { title: 'rule' },
      { title: 'mode' },
      { title: 'hit payments', right: true },
      { title: 'hit rate', right: true },
      { title: 'alerts', right: true },
      { title: 'fraud', right: true },
      { title: 'false pos.', right: true },
      { title: 'precision', right: true },
    ],
    a.rules.map((r) => ruleCells(r, a.funnel.created)),
  );
}

export function textReport(a: Analysis, described: string): string {
  const p = a.period;
  const money2 = (v: bigint, c: string): string => money(v, c);
  return [
    `analysis of payments created ${p.from.toISOString()} to ${p.to.toISOString()}${p.merchants.length > 0 ? ` (merchants ${p.merchants.join(', ')})` : ''}`,
    `stack: ${described}`,
    '',
    'Totals by currency',
    table(
      [
        { title: 'currency' },
        { title: 'payments', right: true },
        { title: 'value', right: true },
        { title: 'refunded', right: true },
      ],
      currencyTotals(a).map((t) => [
        t.currency,
        grouped(t.payments),
        money2(t.amount_minor, t.currency),
        money2(t.refunded_minor, t.currency),
      ]),
    ),
    '',
    'By merchant and currency',
    table(
      [
        { title: 'merchant' },
        { title: 'currency' },
        { title: 'payments', right: true },
        { title: 'value', right: true },
        { title: 'refunded', right: true },
      ],
      a.volumes.map((v) => [
        v.merchant_id,
        v.currency,
        grouped(v.payments),
        money2(v.amount_minor, v.currency),
        money2(v.refunded_minor, v.currency),
      ]),
    ),
    '',
    'Funnel',
    funnelTable(a.funnel),
    '',
    'Rates',
    ratesTable(a.funnel),
    '',
    'Time to settle (creation to first settlement)',
    settleTable(a),
    '',
    'Rules (precision: confirmed fraud among alerts resolved as fraud or false positive)',
    rulesTable(a),
  ].join('\n');
}
