// `payflow replay`: re-sends stored events (payment_events) to the events queue, or another one,
// with their original ids, at a rate limit, in their original order or shuffled. Before sending
// it reads what the target's worker already processed; afterwards it waits for the worker and
// reports from the database how many events were applied, parked or rejected, and that the ones
// already processed had no effect (their dedup records, event rows and audit rows unchanged).
import { randomBytes } from 'node:crypto';
import { PAYMENT_STATES, TRANSITION_EVENT_TYPES } from '@payflow/api/domain';
import type pg from 'pg';
import {
  choiceOption,
  intOption,
  listOption,
  numberOption,
  parse,
  stringOption,
  timeRange,
} from './lib/args.ts';
import { openDatabase, openQueue, queueDepth, type Queue } from './lib/connect.ts';
import { EXIT, Failed, InvalidOption, UsageError } from './lib/errors.ts';
import { grouped, printJson, table } from './lib/output.ts';
import { Progress } from './lib/progress.ts';
import { STACK_HELP, STACK_OPTIONS, discoverStack, redact, type Stack } from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';
import { sendAll, shuffled } from './replay/send.ts';
import {
  effectsOf,
  outcomesOf,
  priorOf,
  selectEvents,
  type Effects,
  type Outcome,
  type Prior,
  type Selection,
  type StoredEvent,
} from './replay/select.ts';

const OPTIONS = {
  ...STACK_OPTIONS,
  payment: { type: 'string', multiple: true },
  merchant: { type: 'string', multiple: true },
  state: { type: 'string', multiple: true },
  type: { type: 'string', multiple: true },
  source: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  all: { type: 'boolean' },
  queue: { type: 'string' },
  'from-database': { type: 'string' },
  rate: { type: 'string' },
  order: { type: 'string' },
  seed: { type: 'string' },
  limit: { type: 'string' },
  wait: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'allow-redecide': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const SOURCES = ['sqs', 'api', 'system', 'batch'] as const;

const HELP = `Usage: payflow replay <selection> [options]

Re-sends stored payment events (payment_events: every state change the stack recorded) to the
events queue, with their original event ids, so the worker's dedup records recognise what it
already applied. Then it waits for the worker and reports, from the database, how many events
were applied, parked or rejected, and checks that the already processed ones had no effect.

Selection (at least one, or --all; repeat a flag or separate values with commas):
  --payment ID            events of these payments
  --merchant ID           events of these merchants' payments
  --state STATE           events of payments now in this state (${PAYMENT_STATES.join(', ')})
  --type TYPE             only these event types (payment.captured, …)
  --from TIME, --to TIME  events that occurred in [from, to): RFC 3339, now, or 90m / 24h / 7d ago
  --source SOURCE         who recorded them: sqs (the processor's events, the default), api,
                          system (seeded history), batch; the worker applies only processor events
  --all                   every stored event (still bounded by --limit)

Options:
  --dry-run               list what would be sent and what the worker already processed; send nothing
  --queue URL             send to this queue instead of the events queue (no report: its consumer
                          is not the stack's worker)
  --from-database URL     read the events from another PostgreSQL (a backup restored aside, the
                          old primary); the report still comes from the stack's database
  --rate N                messages per second (default 50, at most 5000)
  --order original|shuffled   original: by occurred_at (default); shuffled: seeded random order
  --seed N                the shuffle's seed (default random; printed, so a run can be repeated)
  --limit N               refuse a selection of more than N events (default 100000)
  --wait SECONDS          how long to wait for the worker after sending (default 120; 0: no report)
  --allow-redecide        send events the stack recorded without a worker dedup record (API
                          commands, seeded history): the worker decides them afresh and rejects
                          them to the dead-letter queue, since their payment is past them
  --json                  the report as JSON
  --quiet                 no progress on stderr

${STACK_HELP}

Exit: 0 the replay was sent and every event is accounted for; 1 a send failed, the worker did not
finish within --wait, or an already processed event took effect again; 2 bad arguments or a
refused selection; 3 PostgreSQL or SQS unreachable.

Examples:
  payflow replay --merchant MERC-001 --dry-run
  payflow replay --merchant MERC-001 --from 7d --order shuffled --rate 20
  payflow replay --payment pay_01JB… --json
  payflow replay --state captured --type payment.captured --from 2026-01-01 --to 2026-02-01
  payflow replay --all --from 24h --from-database postgres://restore@10.0.0.5/payflow`;

interface Options {
  readonly selection: Selection;
  readonly all: boolean;
  readonly queueUrl: string | undefined;
  readonly fromDatabase: string | undefined;
  readonly rate: number;
  readonly order: 'original' | 'shuffled';
  readonly seed: number;
  readonly waitSeconds: number;
  readonly dryRun: boolean;
  readonly allowRedecide: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

function checkValues(name: string, got: readonly string[], allowed: readonly string[]): void {
  const bad = got.filter((v) => !allowed.includes(v));
  if (bad.length > 0)
    throw new InvalidOption(name, `must be one of ${allowed.join(', ')} (got ${bad.join(', ')})`);
}

function selectionOf(values: Record<string, unknown>, now: number): Selection {
  const states = listOption(values, 'state');
  checkValues('state', states, PAYMENT_STATES);
  const types = listOption(values, 'type');
  checkValues('type', types, TRANSITION_EVENT_TYPES);
  const sources = values.source === undefined ? ['sqs'] : listOption(values, 'source');
  checkValues('source', sources, SOURCES);
  const { from, to } = timeRange(values, now);
  return {
    payments: listOption(values, 'payment'),
    merchants: listOption(values, 'merchant'),
    states,
    types,
    sources,
    from,
    to,
    limit: intOption(values, 'limit', { min: 1, max: 10_000_000, fallback: 100_000 }),
  };
}

function optionsOf(argv: readonly string[], now: number): Options {
  const { values } = parse(argv, OPTIONS);
  const selection = selectionOf(values, now);
  const s = selection;
  const narrowed =
    [s.payments, s.merchants, s.states, s.types].some((x) => x.length > 0) ||
    s.from !== undefined ||
    s.to !== undefined;
  if (!narrowed && values.all !== true)
    throw new UsageError('say what to replay: --payment, --merchant, --state, --type, --from/--to, or --all');
  const order = choiceOption(values, 'order', ['original', 'shuffled'] as const, 'original');
  if (values.seed !== undefined && order !== 'shuffled')
    throw new UsageError('--seed goes with --order shuffled');
  return {
    selection,
    all: values.all === true,
    queueUrl: stringOption(values, 'queue'),
    fromDatabase: stringOption(values, 'from-database'),
    rate: numberOption(values, 'rate', { min: 0.1, max: 5000, fallback: 50 }),
    order,
    seed: intOption(values, 'seed', { min: 0, max: 4_294_967_295, fallback: randomBytes(4).readUInt32BE() }),
    waitSeconds: intOption(values, 'wait', { min: 0, max: 86_400, fallback: 120 }),
    dryRun: values['dry-run'] === true,
    allowRedecide: values['allow-redecide'] === true,
    json: values.json === true,
    quiet: values.quiet === true,
  };
}

type PriorCounts = Record<Prior, number>;

function countPriors(events: readonly StoredEvent[], prior: Map<string, Prior>): PriorCounts {
  const c: PriorCounts = { processed: 0, recorded: 0, unknown: 0 };
  for (const e of events) c[prior.get(e.event_id) ?? 'unknown'] += 1;
  return c;
}

interface Plan {
  readonly events: StoredEvent[];
  readonly prior: Map<string, Prior>;
  readonly counts: PriorCounts;
}

async function plan(o: Options, source: pg.Pool, target: pg.Pool): Promise<Plan> {
  const selected = await selectEvents(source, o.selection);
  if (selected.length > o.selection.limit)
    throw new UsageError(
      `the selection holds more than ${grouped(o.selection.limit)} events: narrow it, or raise --limit`,
    );
  const events = o.order === 'shuffled' ? shuffled(selected, o.seed) : selected;
  const prior = await priorOf(target, events);
  return { events, prior, counts: countPriors(events, prior) };
}

function planLines(o: Options, p: Plan, where: { stack: Stack; queue: string }): string {
  const c = p.counts;
  return [
    `stack: ${where.stack.described}`,
    `events from: ${o.fromDatabase ? redact(o.fromDatabase) : "the stack's database"}; to: ${where.queue}`,
    `order: ${o.order}${o.order === 'shuffled' ? ` (seed ${String(o.seed)})` : ''}; rate: ${String(o.rate)}/s`,
    `selected: ${grouped(p.events.length)} events`,
    `  already processed by the worker (dropped as duplicates, no effect): ${grouped(c.processed)}`,
    `  new to the worker (it decides them: applied, parked or rejected):   ${grouped(c.unknown)}`,
    `  recorded without a dedup record (API, seed, batch: would be rejected): ${grouped(c.recorded)}`,
  ].join('\n');
}

function eventRows(p: Plan, max: number): string {
  const rows = p.events
    .slice(0, max)
    .map((e) => [
      e.event_id,
      e.type,
      e.payment_id,
      e.merchant_id,
      e.occurred_at.toISOString(),
      p.prior.get(e.event_id),
    ]);
  const more =
    p.events.length > max ? `\n… and ${grouped(p.events.length - max)} more (--json lists all)` : '';
  return (
    table(
      [
        { title: 'event' },
        { title: 'type' },
        { title: 'payment' },
        { title: 'merchant' },
        { title: 'occurred' },
        { title: 'worker' },
      ],
      rows,
    ) + more
  );
}

const eventJson = (p: Plan) => (e: StoredEvent) => ({
  event_id: e.event_id,
  type: e.type,
  payment_id: e.payment_id,
  merchant_id: e.merchant_id,
  source: e.source,
  occurred_at: e.occurred_at.toISOString(),
  amount_minor: e.amount_minor,
  worker: p.prior.get(e.event_id),
});

function dryRun(ctx: ToolContext, o: Options, p: Plan, where: { stack: Stack; queue: string }): number {
  if (o.json)
    printJson(ctx.stdout, {
      mode: 'dry-run',
      stack: where.stack.described,
      queue: where.queue,
      order: o.order,
      seed: o.order === 'shuffled' ? o.seed : null,
      rate: o.rate,
      selected: p.events.length,
      before: p.counts,
      events: p.events.map(eventJson(p)),
    });
  else ctx.stdout.write(`dry run: nothing sent\n${planLines(o, p, where)}\n\n${eventRows(p, 20)}\n`);
  return EXIT.ok;
}

interface Waited {
  readonly seconds: number;
  readonly complete: boolean;
  readonly queueLeft: number;
}

/** Until the worker decided every new event and the queue is empty, or `seconds` passed. */
async function waitForWorker(
  ctx: ToolContext,
  target: pg.Pool,
  q: Queue,
  w: { ids: string[]; since: Date; seconds: number; quiet: boolean },
): Promise<Waited> {
  const started = ctx.now();
  const progress = new Progress({
    label: 'waiting for the worker',
    total: w.ids.length,
    out: ctx.stderr,
    silent: w.quiet,
  });
  for (;;) {
    const outcomes = await outcomesOf(target, w.ids, w.since);
    const decided = [...outcomes.values()].filter((x) => x.outcome !== 'undecided').length;
    const d = await queueDepth(q);
    const left = d.visible + d.inFlight + d.delayed;
    progress.update(decided);
    const elapsed = (ctx.now() - started) / 1000;
    if ((decided === w.ids.length && left === 0) || elapsed >= w.seconds || ctx.signal.aborted) {
      progress.finish(left === 0 ? 'queue empty' : `${String(left)} messages still on the queue`);
      return { seconds: elapsed, complete: decided === w.ids.length && left === 0, queueLeft: left };
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Report {
  readonly sent: number;
  readonly sendFailures: { event_id: string; error: string }[];
  readonly stopped: boolean;
  readonly waited: Waited | undefined;
  readonly outcomes: Record<Outcome, number>;
  readonly rejected: { event_id: string; reason: string | null }[];
  readonly effects: { before: Effects; after: Effects; unchanged: boolean } | undefined;
}

function sameEffects(a: Effects, b: Effects): boolean {
  return (
    a.paymentEvents === b.paymentEvents &&
    a.auditRows === b.auditRows &&
    a.dedupRecords === b.dedupRecords &&
    a.lastProcessedAt === b.lastProcessedAt
  );
}

async function outcomeCounts(
  target: pg.Pool,
  ids: string[],
  since: Date,
): Promise<Pick<Report, 'outcomes' | 'rejected'>> {
  const outcomes: Record<Outcome, number> = { applied: 0, ignored: 0, parked: 0, rejected: 0, undecided: 0 };
  const rejected: { event_id: string; reason: string | null }[] = [];
  for (const [id, r] of await outcomesOf(target, ids, since)) {
    outcomes[r.outcome] += 1;
    if (r.outcome === 'rejected') rejected.push({ event_id: id, reason: r.reason });
  }
  return { outcomes, rejected };
}

async function send(
  ctx: ToolContext,
  o: Options,
  p: Plan,
  conn: { target: pg.Pool; q: Queue; toEvents: boolean },
): Promise<Report> {
  const processed = p.events.filter((e) => p.prior.get(e.event_id) === 'processed');
  const fresh = p.events.filter((e) => p.prior.get(e.event_id) !== 'processed').map((e) => e.event_id);
  const before = await effectsOf(conn.target, processed);
  const since = (await conn.target.query<{ now: Date }>('select now() as now')).rows[0]?.now ?? new Date();
  const replayId = `payflow-replay ${since.toISOString()}`;
  const progress = new Progress({
    label: 'replay',
    total: p.events.length,
    out: ctx.stderr,
    silent: o.quiet,
  });
  const r = await sendAll(conn.q, p.events, {
    rate: o.rate,
    replayId,
    signal: ctx.signal,
    onSent: (n) => {
      progress.update(n);
    },
  });
  progress.finish(r.stopped ? 'stopped' : undefined);
  const waited =
    conn.toEvents && o.waitSeconds > 0
      ? await waitForWorker(ctx, conn.target, conn.q, {
          ids: fresh,
          since,
          seconds: o.waitSeconds,
          quiet: o.quiet,
        })
      : undefined;
  const after = await effectsOf(conn.target, processed);
  return {
    sent: r.sent.length,
    sendFailures: r.failed,
    stopped: r.stopped,
    waited,
    ...(await outcomeCounts(conn.target, fresh, since)),
    effects: { before, after, unchanged: sameEffects(before, after) },
  };
}

function reportText(o: Options, p: Plan, r: Report, where: { stack: Stack; queue: string }): string {
  const lines = [
    planLines(o, p, where),
    '',
    `sent: ${grouped(r.sent)}${r.stopped ? ' (stopped early)' : ''}`,
  ];
  for (const f of r.sendFailures.slice(0, 10)) lines.push(`  not sent: ${f.event_id}: ${f.error}`);
  if (!r.waited) {
    lines.push(
      'no report from the database: ' + (o.waitSeconds === 0 ? '--wait 0' : "not the stack's events queue"),
    );
    return lines.join('\n');
  }
  const w = r.waited;
  lines.push(
    `worker: ${w.complete ? 'finished' : `NOT finished after ${w.seconds.toFixed(0)}s (${String(w.queueLeft)} messages still on the queue)`}`,
    '',
    'from the database, after the replay:',
    `  already processed before (no effect): ${grouped(p.counts.processed)}`,
    `  applied by this replay:               ${grouped(r.outcomes.applied)}`,
    `  parked (waiting for an earlier event): ${grouped(r.outcomes.parked)}`,
    `  rejected (dead-lettered):             ${grouped(r.outcomes.rejected)}`,
    `  ignored:                              ${grouped(r.outcomes.ignored)}`,
    `  not decided yet:                      ${grouped(r.outcomes.undecided)}`,
  );
  for (const x of r.rejected.slice(0, 10)) lines.push(`    rejected ${x.event_id}: ${x.reason ?? ''}`);
  const e = r.effects;
  if (e)
    lines.push(
      e.unchanged
        ? `  effects of the already processed events: unchanged (${grouped(e.after.paymentEvents)} event rows, ${grouped(e.after.auditRows)} audit rows, ${grouped(e.after.dedupRecords)} dedup records)`
        : `  EFFECTS CHANGED for already processed events: event rows ${grouped(e.before.paymentEvents)} → ${grouped(e.after.paymentEvents)}, audit rows ${grouped(e.before.auditRows)} → ${grouped(e.after.auditRows)}, dedup records ${grouped(e.before.dedupRecords)} → ${grouped(e.after.dedupRecords)}`,
    );
  return lines.join('\n');
}

function exitOf(r: Report): number {
  if (r.sendFailures.length > 0 || r.stopped) return EXIT.failed;
  if (r.effects && !r.effects.unchanged) return EXIT.failed;
  if (r.waited && !r.waited.complete) return EXIT.failed;
  return EXIT.ok;
}

function printReport(
  ctx: ToolContext,
  o: Options,
  p: Plan,
  rw: { r: Report; where: { stack: Stack; queue: string } },
): void {
  const { r, where } = rw;
  if (!o.json) {
    ctx.stdout.write(`${reportText(o, p, r, where)}\n`);
    return;
  }
  printJson(ctx.stdout, {
    mode: 'replay',
    stack: where.stack.described,
    queue: where.queue,
    order: o.order,
    seed: o.order === 'shuffled' ? o.seed : null,
    rate: o.rate,
    selected: p.events.length,
    before: p.counts,
    sent: r.sent,
    send_failures: r.sendFailures,
    stopped: r.stopped,
    wait: r.waited
      ? { seconds: r.waited.seconds, complete: r.waited.complete, queue_left: r.waited.queueLeft }
      : null,
    after: r.waited ? { already_processed: p.counts.processed, ...r.outcomes } : null,
    rejected: r.rejected,
    already_processed_effects: r.effects ?? null,
  });
}

async function replay(
  ctx: ToolContext,
  o: Options,
  stack: Stack,
  pools: { source: pg.Pool; target: pg.Pool },
): Promise<number> {
  const p = await plan(o, pools.source, pools.target);
  const queueName = o.queueUrl ?? stack.eventsQueueUrl ?? '(the events queue, not configured)';
  if (o.dryRun) return dryRun(ctx, o, p, { stack, queue: queueName });
  if (p.counts.recorded > 0 && !o.allowRedecide)
    throw new Failed(
      `${grouped(p.counts.recorded)} of the selected events were recorded by the stack without a worker dedup record (source api, system or batch): the worker would reject them to the dead-letter queue. Narrow the selection (--source sqs), or pass --allow-redecide; --dry-run lists them`,
    );
  if (p.events.length === 0) {
    ctx.stderr.write('payflow replay: no stored events match the selection; nothing sent\n');
    return EXIT.ok;
  }
  const q = await openQueue(stack, o.queueUrl);
  try {
    const toEvents = o.queueUrl === undefined || o.queueUrl === stack.eventsQueueUrl;
    const r = await send(ctx, o, p, { target: pools.target, q, toEvents });
    printReport(ctx, o, p, { r, where: { stack, queue: q.url } });
    return exitOf(r);
  } finally {
    q.client.destroy();
  }
}

export const tool: Tool = {
  name: 'replay',
  summary:
    'send stored events to the events queue again; report from the database what was applied and what was already processed',
  help: HELP,
  async run(argv, ctx) {
    const o = optionsOf(argv, ctx.now());
    const { values } = parse(argv, OPTIONS);
    const stack = discoverStack(values, ctx.env);
    const target = await openDatabase(stack, 'payflow-replay');
    try {
      const source = o.fromDatabase
        ? await openDatabase(
            { ...stack, databaseUrl: o.fromDatabase, from: {}, described: '', notes: [] },
            'payflow-replay',
          )
        : target;
      try {
        return await replay(ctx, o, stack, { source, target });
      } finally {
        if (source !== target) await source.end();
      }
    } finally {
      await target.end();
    }
  },
};
