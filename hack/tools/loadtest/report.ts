// The load test's JSON report, the table printed from it (the same figures, rounded as shown),
// and the comparison of two reports: per operation, the change of each figure as a ratio
// (new ÷ old), so that 1.00 is "the same", 2.00 "twice as much".
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../lib/errors.ts';

const latency = z.object({
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});
export type LatencyFigures = z.infer<typeof latency>;

const operation = z.object({
  name: z.string(),
  label: z.string(),
  kind: z.enum(['api', 'queue']),
  connections: z.number(),
  targetRate: z.number().nullable(),
  requests: z.number(),
  durationSeconds: z.number(),
  throughputPerSecond: z.number(),
  latencyMs: latency,
  statusCodes: z.record(z.string(), z.number()),
  non2xx: z.number(),
  errors: z.number(),
  timeouts: z.number(),
  duplicates: z.number(),
  reordered: z.number(),
  applied: z
    .object({
      events: z.number(),
      applied: z.number(),
      rejected: z.number(),
      waitedSeconds: z.number(),
      endToEndMs: z.object({ p50: z.number(), p99: z.number(), max: z.number() }),
    })
    .nullable(),
});
export type OperationResult = z.infer<typeof operation>;

export const reportSchema = z.object({
  tool: z.literal('payflow loadtest'),
  version: z.literal(1),
  runId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  target: z.object({ api: z.string(), queue: z.string().nullable() }),
  profile: z.record(z.string(), z.unknown()),
  setup: z.object({ payments: z.number(), seconds: z.number(), merchantId: z.string() }),
  operations: z.array(operation),
  totals: z.object({
    requests: z.number(),
    throughputPerSecond: z.number(),
    errors: z.number(),
    non2xx: z.number(),
  }),
  notes: z.array(z.string()),
});
export type LoadReport = z.infer<typeof reportSchema>;

/** A file given to --compare that is not a loadtest report (exit 2). */
export class ReportError extends UsageError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'ReportError';
    this.path = path;
  }
}

export function readReport(path: string): LoadReport {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ReportError(path, `not a readable JSON file (${(err as Error).message})`);
  }
  const r = reportSchema.safeParse(data);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ReportError(
      path,
      `not a loadtest report (${i?.path.join('.') ?? ''}: ${i?.message ?? 'invalid'})`,
    );
  }
  return r.data;
}

/** Figures as the table shows them: the test compares the printed text with the JSON this way. */
export const fmt = {
  rate: (n: number): string => n.toFixed(1),
  ms: (n: number): string => n.toFixed(1),
  ratio: (n: number | null): string => (n === null ? 'n/a' : n.toFixed(2)),
};

const HEADER = [
  'operation',
  'requests',
  'per s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'non-2xx',
  'errors',
];

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export function renderReport(r: LoadReport): string {
  const rows = [HEADER];
  for (const o of r.operations)
    rows.push([
      o.label,
      String(o.requests),
      fmt.rate(o.throughputPerSecond),
      fmt.ms(o.latencyMs.p50),
      fmt.ms(o.latencyMs.p90),
      fmt.ms(o.latencyMs.p99),
      fmt.ms(o.latencyMs.max),
      String(o.non2xx),
      String(o.errors + o.timeouts),
    ]);
  rows.push([
    'total',
    String(r.totals.requests),
    fmt.rate(r.totals.throughputPerSecond),
    '',
    '',
    '',
    '',
    String(r.totals.non2xx),
    String(r.totals.errors),
  ]);
  const lines = ['', table(rows)];
  for (const o of r.operations) {
    const codes = Object.entries(o.statusCodes)
      .map(([c, n]) => `${c}×${String(n)}`)
      .join(' ');
    if (o.kind === 'api')
      lines.push(
        `${o.name}: status ${codes || 'none'}${o.duplicates > 0 ? `; ${String(o.duplicates)} repeated Idempotency-Keys` : ''}`,
      );
    else {
      const a = o.applied;
      const applied = a
        ? `; applied ${String(a.applied)}/${String(a.events)} (rejected ${String(a.rejected)}) within ${a.waitedSeconds.toFixed(1)} s, end to end p50 ${fmt.ms(a.endToEndMs.p50)} ms p99 ${fmt.ms(a.endToEndMs.p99)} ms`
        : '';
      lines.push(
        `events: ${String(o.duplicates)} sent twice, ${String(o.reordered)} ahead of their predecessor${applied}`,
      );
    }
  }
  for (const n of r.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}

export interface Change {
  readonly operation: string;
  readonly throughput: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly errors: { readonly before: number; readonly after: number };
}

const ratioOf = (after: number, before: number): number | null => (before > 0 ? after / before : null);

/** Per operation present in both reports: new ÷ old for throughput and latency percentiles. */
export function compareReports(
  before: LoadReport,
  after: LoadReport,
): { changes: Change[]; onlyIn: string[] } {
  const changes: Change[] = [];
  const onlyIn: string[] = [];
  for (const b of after.operations) {
    const a = before.operations.find((x) => x.name === b.name);
    if (!a) {
      onlyIn.push(`${b.name} (only in the second report)`);
      continue;
    }
    changes.push({
      operation: b.name,
      throughput: ratioOf(b.throughputPerSecond, a.throughputPerSecond),
      p50: ratioOf(b.latencyMs.p50, a.latencyMs.p50),
      p90: ratioOf(b.latencyMs.p90, a.latencyMs.p90),
      p99: ratioOf(b.latencyMs.p99, a.latencyMs.p99),
      errors: { before: a.errors + a.timeouts + a.non2xx, after: b.errors + b.timeouts + b.non2xx },
    });
  }
  for (const a of before.operations)
    if (!after.operations.some((x) => x.name === a.name)) onlyIn.push(`${a.name} (only in the first report)`);
  return { changes, onlyIn };
}

export function renderComparison(
  before: LoadReport,
  after: LoadReport,
  c: ReturnType<typeof compareReports>,
): string {
  const rows = [['operation', 'throughput ×', 'p50 ×', 'p90 ×', 'p99 ×', 'errors (before → after)']];
  for (const x of c.changes)
    rows.push([
      x.operation,
      fmt.ratio(x.throughput),
      fmt.ratio(x.p50),
      fmt.ratio(x.p90),
      fmt.ratio(x.p99),
      `${String(x.errors.before)} → ${String(x.errors.after)}`,
    ]);
  const lines = [
    `${before.runId} (${before.startedAt}) → ${after.runId} (${after.startedAt}); ratios are second ÷ first (throughput above 1 is faster, latency above 1 is slower)`,
    table(rows),
  ];
  for (const o of c.onlyIn) lines.push(`not compared: ${o}`);
  return lines.join('\n');
}
