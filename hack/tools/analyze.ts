// `payflow analyze`: offline analysis of the payments created in a period — volumes and values
// by merchant and currency (exact bigint sums), the funnel created → authorized → captured →
// settled, failure, refund and dispute rates, time-to-settle percentiles, and each rule's hit
// rate and precision against resolved alerts — as a table, --json, or a self-contained HTML
// report with charts (--html). Read-only: its sessions are read-only transactions.
import { writeFileSync } from 'node:fs';
import { listOption, parse, stringOption, timeRange } from './lib/args.ts';
import { openDatabase } from './lib/connect.ts';
import { EXIT, UsageError } from './lib/errors.ts';
import { printJson } from './lib/output.ts';
import { STACK_HELP, STACK_OPTIONS, discoverStack } from './lib/stack.ts';
import type { Tool } from './lib/tool.ts';
import { htmlReport } from './analyze/html.ts';
import { analyze } from './analyze/queries.ts';
import { textReport, toReport } from './analyze/report.ts';

const OPTIONS = {
  ...STACK_OPTIONS,
  from: { type: 'string' },
  to: { type: 'string' },
  merchant: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  html: { type: 'string' },
} as const;

const DAY = 86_400_000;

const HELP = `Usage: payflow analyze [--from TIME] [--to TIME] [--merchant ID] [--json | --html FILE]

Offline analysis of the payments created in [from, to), read from PostgreSQL (read-only):
  - volumes and values by merchant and currency, and totals per currency (exact sums of minor
    units, shown in major units with the currency's exponent)
  - the funnel: payments that reached authorized, captured, settled (an event led there, or the
    payment is in that state now)
  - failure rate (of created), refund and dispute rates (of captured)
  - time to settle, creation to first settlement: p50, p90, p99, max
  - per rule: payments hit and hit rate (of created), alerts raised, and precision: alerts
    resolved as confirmed fraud among those resolved as confirmed fraud or false positive

Options:
  --from TIME, --to TIME  the period: RFC 3339, now, or 90m / 24h / 7d / 2w ago (default the last 30 days)
  --merchant ID           only these merchants (repeat or separate with commas)
  --json                  the figures as JSON (counts and amounts as decimal strings)
  --html FILE             also write a self-contained HTML report with charts to FILE (no
                          scripts, nothing fetched)

${STACK_HELP}

Examples:
  payflow analyze
  payflow analyze --from 2026-01-01 --to 2026-02-01 --json > january.json
  payflow analyze --from 7d --merchant MERC-001 --html report.html`;

export const tool: Tool = {
  name: 'analyze',
  summary:
    'offline analysis of a period: volumes and values, funnel, rates, time to settle, rule precision; table, JSON or HTML',
  help: HELP,
  async run(argv, ctx) {
    const { values } = parse(argv, OPTIONS);
    const now = ctx.now();
    const { from, to } = timeRange(values, now, { from: new Date(now - 30 * DAY), to: new Date(now) });
    if (!from || !to) throw new UsageError('--from and --to are needed');
    const html = stringOption(values, 'html');
    const stack = discoverStack(values, ctx.env);
    const pool = await openDatabase(stack, 'payflow-analyze', 4, { readOnly: true });
    try {
      const a = await analyze(pool, { from, to, merchants: listOption(values, 'merchant') });
      if (html !== undefined) {
        writeFileSync(html, htmlReport(a, { described: stack.described, generatedAt: new Date(now) }));
        ctx.stderr.write(`payflow analyze: wrote ${html}\n`);
      }
      if (values.json === true) printJson(ctx.stdout, toReport(a));
      else ctx.stdout.write(`${textReport(a, stack.described)}\n`);
      return EXIT.ok;
    } finally {
      await pool.end();
    }
  },
};
