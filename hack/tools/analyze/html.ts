// The self-contained HTML report of `payflow analyze --html`: one file, inline CSS and SVG charts
// drawn here, no script, and a Content-Security-Policy that forbids fetching anything, so the
// report opens offline and leaks nothing when mailed around.
import { duration, grouped } from '../lib/output.ts';
import type { Analysis } from './queries.ts';
import { currencyTotals, money, pct, rates, ruleCells, ruleFigures } from './report.ts';

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly text: string;
}

const W = 640;
const LABEL = 190;
const ROW = 28;

/**
 * A horizontal bar chart with its values written beside the bars (never colour alone); `max` is
 * the value of a full bar (ratios: 1), else the largest value.
 */
export function barChart(
  title: string,
  bars: readonly Bar[],
  o: { color?: string; max?: number } = {},
): string {
  const color = o.color ?? '#0066cc';
  const max = o.max ?? Math.max(1e-9, ...bars.map((b) => b.value));
  const plot = W - LABEL - 110;
  const h = bars.length * ROW + 8;
  const rows = bars
    .map((b, i) => {
      const y = i * ROW + 4;
      const w = Math.max(b.value > 0 ? 2 : 0, (b.value / max) * plot);
      return `<text x="${LABEL - 8}" y="${y + 18}" text-anchor="end" class="l">${esc(b.label)}</text>
<rect x="${LABEL}" y="${y + 4}" width="${w.toFixed(1)}" height="${ROW - 10}" rx="2" fill="${color}"/>
<text x="${(LABEL + w + 6).toFixed(1)}" y="${y + 18}" class="v">${esc(b.text)}</text>`;
    })
    .join('\n');
  return `<figure><figcaption>${esc(title)}</figcaption>
<svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}">${rows}</svg></figure>`;
}

function tableHtml(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): string {
  const cls = (i: number): string => (numeric.includes(i) ? ' class="n"' : '');
  return `<table><thead><tr>${head.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const share = (n: bigint, of: bigint): number => (of === 0n ? 0 : Number(n) / Number(of));

function funnelChart(a: Analysis): string {
  const f = a.funnel;
  const steps: [string, bigint][] = [
    ['created', f.created],
    ['authorized', f.authorized],
    ['captured', f.captured],
    ['settled', f.settled],
  ];
  return barChart(
    'Funnel: payments that reached each state',
    steps.map(([label, n]) => ({
      label,
      value: Number(n),
      text: `${grouped(n)} (${pct(share(n, f.created))})`,
    })),
    { color: '#3e8635' },
  );
}

function merchantChart(a: Analysis): string {
  const by = new Map<string, bigint>();
  for (const v of a.volumes) by.set(v.merchant_id, (by.get(v.merchant_id) ?? 0n) + v.payments);
  const top = [...by.entries()].sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0)).slice(0, 15);
  return barChart(
    'Payments by merchant',
    top.map(([label, n]) => ({ label, value: Number(n), text: grouped(n) })),
  );
}

function ratesChart(a: Analysis): string {
  const r = rates(a.funnel);
  return barChart(
    'Failure, refund and dispute rates',
    [
      {
        label: 'failure (of created)',
        value: r.failure.ratio ?? 0,
        text: `${pct(r.failure.ratio)} (${grouped(r.failure.count)})`,
      },
      {
        label: 'refund (of captured)',
        value: r.refund.ratio ?? 0,
        text: `${pct(r.refund.ratio)} (${grouped(r.refund.count)})`,
      },
      {
        label: 'dispute (of captured)',
        value: r.dispute.ratio ?? 0,
        text: `${pct(r.dispute.ratio)} (${grouped(r.dispute.count)})`,
      },
    ],
    { color: '#c9190b' },
  );
}

function settleChart(a: Analysis): string {
  const t = a.timeToSettle;
  const items: [string, number | null][] = [
    ['p50', t.p50],
    ['p90', t.p90],
    ['p99', t.p99],
    ['max', t.max],
  ];
  if (t.settled === 0n) return '<p class="empty">No payment of the period settled.</p>';
  return barChart(
    `Time to settle, ${grouped(t.settled)} settled payments`,
    items.map(([label, s]) => ({ label, value: s ?? 0, text: s === null ? '—' : duration(s) })),
    { color: '#8476d1' },
  );
}

function rulesSection(a: Analysis): string {
  if (a.rules.length === 0) return '<p class="empty">No rules.</p>';
  const figures = a.rules.map((r) => ({ r, f: ruleFigures(r, a.funnel.created) }));
  const chart = barChart(
    'Rule precision (confirmed fraud among resolved alerts)',
    figures.map(({ r, f }) => ({
      label: r.name,
      value: f.precision ?? 0,
      text: f.precision === null ? 'no resolved alerts' : pct(f.precision),
    })),
    { color: '#f0ab00', max: 1 },
  );
  const rows = a.rules.map((r) => ruleCells(r, a.funnel.created));
  return (
    chart +
    tableHtml(
      [
        'rule',
        'mode',
        'hit payments',
        'hit rate',
        'alerts',
        'confirmed fraud',
        'false positive',
        'precision',
      ],
      rows,
      [2, 3, 4, 5, 6, 7],
    )
  );
}

const STYLE = `
:root{color-scheme:light;--fg:#151515;--muted:#6a6e73;--line:#d2d2d2;--bg:#fff;--panel:#f5f5f5}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:24px 32px;border-bottom:1px solid var(--line);background:var(--panel)}h1{margin:0 0 4px;font-size:22px}
header p{margin:0;color:var(--muted)}main{padding:8px 32px 32px;max-width:1440px}
section{margin-top:24px}h2{font-size:17px;margin:0 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(600px,1fr));gap:8px 32px}
svg{max-width:100%;height:auto}
figure{margin:8px 0}figcaption{font-weight:600;margin-bottom:4px}svg .l{font-size:12px;fill:var(--fg)}svg .v{font-size:12px;fill:var(--muted)}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{padding:4px 12px 4px 0;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{font-weight:600}.n{text-align:right}.empty{color:var(--muted)}footer{padding:16px 32px;color:var(--muted);border-top:1px solid var(--line)}`;

/** The whole report as one HTML document. */
export function htmlReport(a: Analysis, o: { described: string; generatedAt: Date }): string {
  const p = a.period;
  const totals = currencyTotals(a);
  const scope = p.merchants.length > 0 ? ` · merchants ${p.merchants.join(', ')}` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PayFlow analysis ${esc(p.from.toISOString().slice(0, 10))} to ${esc(p.to.toISOString().slice(0, 10))}</title>
<style>${STYLE}</style></head><body>
<header><h1>PayFlow analysis</h1><p>Payments created ${esc(p.from.toISOString())} to ${esc(p.to.toISOString())}${esc(scope)} · ${esc(grouped(a.funnel.created))} payments</p></header>
<main>
<section><h2>Volume and value</h2>
${tableHtml(
  ['currency', 'payments', 'value', 'refunded'],
  totals.map((t) => [
    t.currency,
    grouped(t.payments),
    money(t.amount_minor, t.currency),
    money(t.refunded_minor, t.currency),
  ]),
  [1, 2, 3],
)}
<div class="grid">${merchantChart(a)}${funnelChart(a)}</div>
<details><summary>By merchant and currency (${String(a.volumes.length)} rows)</summary>
${tableHtml(
  ['merchant', 'currency', 'payments', 'value', 'refunded'],
  a.volumes.map((v) => [
    v.merchant_id,
    v.currency,
    grouped(v.payments),
    money(v.amount_minor, v.currency),
    money(v.refunded_minor, v.currency),
  ]),
  [2, 3, 4],
)}
</details></section>
<section><h2>Rates and settlement</h2><div class="grid">${ratesChart(a)}${settleChart(a)}</div></section>
<section><h2>Rules</h2>${rulesSection(a)}</section>
</main>
<footer>Made by payflow analyze on ${esc(o.generatedAt.toISOString())} from ${esc(o.described)}. Amounts are exact sums of minor units. A payment reached a state when an event led there or it is in it now.</footer>
</body></html>
`;
}
