// `payflow backfill`: finds and repairs gaps in the stored history — payments with no
// `payment.created` event, state changes with no audit row, payments missing merchant
// attributes given in a CSV or JSON file (backfill/gaps.ts). A dry run by default: --apply
// writes, chunk by chunk, each chunk one transaction with an audit row per change (actor
// system / payflow-backfill), checkpointed after each commit so that a stopped run resumes.
// Idempotent: a second run finds nothing to do.
import { basename } from 'node:path';
import type pg from 'pg';
import { intOption, listOption, parse, stringOption, timeRange } from './lib/args.ts';
import { openDatabase } from './lib/connect.ts';
import { EXIT, InvalidOption, UsageError } from './lib/errors.ts';
import { grouped, printJson } from './lib/output.ts';
import { Progress } from './lib/progress.ts';
import {
  STACK_HELP,
  STACK_OPTIONS,
  discoverStack,
  redact,
  requireDatabase,
  type Stack,
} from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';
import {
  defaultCheckpointPath,
  readCheckpoint,
  removeCheckpoint,
  runKey,
  writeCheckpoint,
  zeroCounts,
  type Checkpoint,
  type Counts,
} from './backfill/checkpoint.ts';
import {
  ACTOR,
  GAP_KINDS,
  countPayments,
  findGaps,
  nextPayments,
  repairGaps,
  type ChunkGaps,
  type GapKind,
  type PaymentKey,
  type Scope,
} from './backfill/gaps.ts';
import { readMerchantsFile, type MerchantsFile } from './backfill/merchants.ts';

const OPTIONS = {
  ...STACK_OPTIONS,
  apply: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  only: { type: 'string', multiple: true },
  'merchants-file': { type: 'string' },
  merchant: { type: 'string', multiple: true },
  from: { type: 'string' },
  to: { type: 'string' },
  'chunk-size': { type: 'string' },
  'max-chunks': { type: 'string' },
  checkpoint: { type: 'string' },
  restart: { type: 'boolean' },
  'skip-verify': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

const HELP = `Usage: payflow backfill [--apply] [options]

Finds and repairs gaps in the stored history, payment by payment (oldest first):
  created   payments with no payment.created event: the event is recorded as the API records
            it (pending, the payment's amount, at its creation time), source batch
  audit     state changes (payment_events) with no audit row for their event id: an audit row
            payment.audit_backfilled naming the event, its states and its time
  merchant  payments of the merchants in --merchants-file missing some of their attributes in
            metadata.merchant: the missing ones are added; a present value is never overwritten
            (a different one is counted as a conflict and kept)

A DRY RUN unless --apply: it reports what it would repair and writes nothing. With --apply each
chunk of payments is one transaction: the payments locked, the repairs and one audit row per
change (actor system / payflow-backfill, appended to the hash chain, never rewritten), then a
checkpoint. A run that stops (Ctrl-C, --max-chunks, a crash) resumes after the last committed
chunk; a finished run removes its checkpoint. Running it again finds nothing: a no-op. At the end
the audit chain is verified (audit_verify, what GET /api/v1/audit/verify runs).

Options:
  --apply                 repair (default: dry run)
  --dry-run               say it explicitly (the default)
  --only KIND             only these gaps: created, audit, merchant (default: created and audit,
                          and merchant with --merchants-file)
  --merchants-file FILE   merchant attributes: CSV with a merchant_id column and one column per
                          attribute, or JSON {"MERC-001": {"name": "…", "mcc": "5411"}} or
                          [{"merchant_id": "MERC-001", "name": "…"}]
  --merchant ID           only payments of these merchants
  --from TIME, --to TIME  only payments created in [from, to): RFC 3339, now, or 90m / 24h / 7d ago
  --chunk-size N          payments per transaction (default 500, 1 to 10000)
  --max-chunks N          stop after N chunks (the checkpoint keeps the place; run again to go on)
  --checkpoint FILE       where the checkpoint is kept (default .payflow/backfill/<run>.json)
  --restart               ignore an existing checkpoint and start from the oldest payment
  --skip-verify           do not verify the audit chain at the end
  --json                  the report as JSON
  --quiet                 no progress on stderr

${STACK_HELP}

Exit: 0 done (or stopped by --max-chunks: the report says so); 1 the audit chain does not verify;
2 bad arguments, a checkpoint of another run, or another backfill running; 3 PostgreSQL
unreachable; 130 interrupted (the checkpoint keeps the place).

Examples:
  payflow backfill                                   # what is missing, nothing written
  payflow backfill --apply --only audit --from 30d
  payflow backfill --merchants-file merchants.csv --merchant MERC-001
  payflow backfill --apply --merchants-file merchants.json --max-chunks 10`;

interface Options {
  readonly apply: boolean;
  readonly kinds: ReadonlySet<GapKind>;
  readonly file: MerchantsFile | undefined;
  readonly scope: Scope;
  readonly chunk: number;
  readonly maxChunks: number | undefined;
  readonly checkpoint: string | undefined;
  readonly restart: boolean;
  readonly verify: boolean;
  readonly json: boolean;
  readonly quiet: boolean;
}

function kindsOf(values: Record<string, unknown>, file: MerchantsFile | undefined): Set<GapKind> {
  const asked = listOption(values, 'only');
  const bad = asked.filter((k) => !(GAP_KINDS as readonly string[]).includes(k));
  if (bad.length > 0)
    throw new InvalidOption('only', `must be among ${GAP_KINDS.join(', ')} (got ${bad.join(', ')})`);
  const kinds = new Set<GapKind>(
    asked.length > 0 ? (asked as GapKind[]) : file ? GAP_KINDS : ['created', 'audit'],
  );
  if (kinds.has('merchant') && !file) throw new UsageError('--only merchant needs --merchants-file');
  return kinds;
}

function optionsOf(argv: readonly string[], now: number): { o: Options; values: Record<string, unknown> } {
  const { values } = parse(argv, OPTIONS);
  if (values.apply === true && values['dry-run'] === true)
    throw new UsageError('--apply and --dry-run exclude each other');
  const path = stringOption(values, 'merchants-file');
  const file = path === undefined ? undefined : readMerchantsFile(path);
  const { from, to } = timeRange(values, now);
  const max =
    values['max-chunks'] === undefined
      ? undefined
      : intOption(values, 'max-chunks', { min: 1, max: 1e9, fallback: 1 });
  return {
    values,
    o: {
      apply: values.apply === true,
      kinds: kindsOf(values, file),
      file,
      scope: { from, to, merchants: listOption(values, 'merchant') },
      chunk: intOption(values, 'chunk-size', { min: 1, max: 10_000, fallback: 500 }),
      maxChunks: max,
      checkpoint: stringOption(values, 'checkpoint'),
      restart: values.restart === true,
      verify: values['skip-verify'] !== true,
      json: values.json === true,
      quiet: values.quiet === true,
    },
  };
}

type Samples = Record<GapKind, string[]>;
const SAMPLES = 10;

function addCounts(c: Counts, g: ChunkGaps, payments: number): void {
  c.payments += payments;
  c.createdEvents += g.created.length;
  c.auditRows += g.audit.length;
  c.merchantPayments += g.merchant.length;
  c.merchantAttributes += g.merchant.reduce((s, f) => s + Object.keys(f.add).length, 0);
  c.conflicts += g.conflicts;
  c.chunks += 1;
}

function addSamples(s: Samples, g: ChunkGaps): void {
  const push = (k: GapKind, xs: string[]): void => {
    s[k].push(...xs.slice(0, Math.max(0, SAMPLES - s[k].length)));
  };
  push(
    'created',
    g.created.map((p) => p.id),
  );
  push(
    'audit',
    g.audit.map((e) => `${e.payment_id} ${e.type} ${e.event_id}`),
  );
  push(
    'merchant',
    g.merchant.map((f) => `${f.payment.id} ${f.payment.merchant_id} +${Object.keys(f.add).join(',')}`),
  );
}

interface Run {
  readonly counts: Counts;
  readonly samples: Samples;
  readonly complete: boolean;
  readonly interrupted: boolean;
  readonly resumedAfter: { at: string; id: string } | null;
  readonly checkpointPath: string | undefined;
  readonly auditVerified: boolean | null;
}

/** One chunk: found (dry run) or found under lock and repaired in one transaction (apply). */
async function chunk(client: pg.ClientBase, o: Options, keys: PaymentKey[]): Promise<ChunkGaps> {
  const find = { kinds: o.kinds, merchants: o.file?.merchants ?? new Map(), lock: o.apply };
  if (!o.apply) return findGaps(client, keys, find);
  await client.query('begin');
  try {
    const g = await findGaps(client, keys, find);
    await repairGaps(client, g, basename(o.file?.path ?? ''));
    await client.query('commit');
    return g;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  }
}

interface Place {
  after: { at: string; id: string } | null;
  readonly counts: Counts;
  readonly startedAt: string;
}

async function walk(
  ctx: ToolContext,
  client: pg.ClientBase,
  o: Options,
  w: { place: Place; progress: Progress; save: (p: Place) => void },
): Promise<{ complete: boolean; interrupted: boolean; samples: Samples }> {
  const samples: Samples = { created: [], audit: [], merchant: [] };
  let chunks = 0;
  for (;;) {
    if (ctx.signal.aborted) return { complete: false, interrupted: true, samples };
    if (o.maxChunks !== undefined && chunks >= o.maxChunks)
      return { complete: false, interrupted: false, samples };
    const keys = await nextPayments(client, o.scope, w.place.after, o.chunk);
    const last = keys.at(-1);
    if (!last) return { complete: true, interrupted: false, samples };
    const g = await chunk(client, o, keys);
    addCounts(w.place.counts, g, keys.length);
    addSamples(samples, g);
    w.place.after = { at: last.created_at.toISOString(), id: last.id };
    w.save(w.place);
    w.progress.update(w.place.counts.payments);
    chunks += 1;
  }
}

async function verifyAudit(client: pg.ClientBase): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    'select bool_and(first_bad_id is null and problem is null) as ok from audit_verify()',
  );
  return rows[0]?.ok === true;
}

/** A session-level advisory lock: one backfill at a time on a database. */
async function lockRun(client: pg.ClientBase): Promise<void> {
  const { rows } = await client.query<{ ok: boolean }>(
    "select pg_try_advisory_lock(hashtext('payflow-backfill')) as ok",
  );
  if (rows[0]?.ok !== true)
    throw new UsageError('another payflow backfill --apply is running against this database; wait for it');
}

function checkpointOf(o: Options, stack: Stack): { path: string; key: string } {
  const key = runKey({
    database: redact(requireDatabase(stack)),
    kinds: [...o.kinds].sort(),
    scope: {
      from: o.scope.from?.toISOString(),
      to: o.scope.to?.toISOString(),
      merchants: [...o.scope.merchants].sort(),
    },
    file: o.file?.sha256 ?? null,
  });
  return { key, path: o.checkpoint ?? defaultCheckpointPath(key) };
}

function startPlace(
  ctx: ToolContext,
  o: Options,
  cp: { path: string; key: string },
): { place: Place; prior?: Checkpoint } {
  if (o.restart) removeCheckpoint(cp.path);
  const prior = readCheckpoint(cp.path, cp.key);
  if (!prior)
    return { place: { after: null, counts: zeroCounts(), startedAt: new Date(ctx.now()).toISOString() } };
  if (!o.quiet)
    ctx.stderr.write(
      `backfill: resuming from ${cp.path}: after payment ${prior.after?.id ?? '(none)'} (${grouped(prior.counts.payments)} payments done)\n`,
    );
  return { place: { after: prior.after, counts: { ...prior.counts }, startedAt: prior.startedAt }, prior };
}

async function applyRun(
  ctx: ToolContext,
  client: pg.ClientBase,
  o: Options,
  run: { stack: Stack; total: number },
): Promise<Run> {
  await lockRun(client);
  const cp = checkpointOf(o, run.stack);
  const { place, prior } = startPlace(ctx, o, cp);
  const progress = new Progress({ label: 'backfill', total: run.total, out: ctx.stderr, silent: o.quiet });
  progress.update(place.counts.payments);
  const save = (p: Place): void => {
    writeCheckpoint(cp.path, {
      version: 1,
      key: cp.key,
      after: p.after,
      counts: p.counts,
      startedAt: p.startedAt,
      updatedAt: new Date().toISOString(),
    });
  };
  const r = await walk(ctx, client, o, { place, progress, save });
  progress.finish(r.complete ? 'done' : 'stopped; run again to resume');
  if (r.complete) removeCheckpoint(cp.path);
  return {
    ...r,
    counts: place.counts,
    resumedAfter: prior?.after ?? null,
    checkpointPath: r.complete ? undefined : cp.path,
    auditVerified: o.verify && r.complete ? await verifyAudit(client) : null,
  };
}

async function dryRun(ctx: ToolContext, client: pg.ClientBase, o: Options, total: number): Promise<Run> {
  const place: Place = { after: null, counts: zeroCounts(), startedAt: new Date(ctx.now()).toISOString() };
  const progress = new Progress({ label: 'backfill (dry run)', total, out: ctx.stderr, silent: o.quiet });
  const r = await walk(
    ctx,
    client,
    { ...o, maxChunks: undefined },
    { place, progress, save: () => undefined },
  );
  progress.finish();
  return { ...r, counts: place.counts, resumedAfter: null, checkpointPath: undefined, auditVerified: null };
}

function scopeText(o: Options): string {
  const s = o.scope;
  const when =
    s.from || s.to
      ? `created ${s.from?.toISOString() ?? 'any time'} to ${s.to?.toISOString() ?? 'now'}`
      : 'all';
  const who = s.merchants.length > 0 ? `, merchants ${s.merchants.join(', ')}` : '';
  const file = o.file ? `; attributes of ${String(o.file.merchants.size)} merchants from ${o.file.path}` : '';
  return `payments: ${when}${who}; gaps: ${[...o.kinds].join(', ')}${file}`;
}

function gapLines(o: Options, c: Counts): string[] {
  const lines: string[] = [];
  if (o.kinds.has('created'))
    lines.push(`  payments without a payment.created event:  ${grouped(c.createdEvents)}`);
  if (o.kinds.has('audit'))
    lines.push(`  state changes without an audit row:        ${grouped(c.auditRows)}`);
  if (o.kinds.has('merchant'))
    lines.push(
      `  payments missing merchant attributes:      ${grouped(c.merchantPayments)} (${grouped(c.merchantAttributes)} attributes; ${grouped(c.conflicts)} different values kept)`,
    );
  return lines;
}

function statusLine(r: Run): string {
  const c = r.counts;
  const where = r.checkpointPath ? `; checkpoint ${r.checkpointPath}` : '';
  const stopped = r.complete ? '' : ` — STOPPED before the end${where}`;
  return `payments scanned: ${grouped(c.payments)} in ${grouped(c.chunks)} chunks${stopped}`;
}

function reportText(o: Options, stack: Stack, r: Run): string {
  const c = r.counts;
  const lines = [`backfill on ${stack.described}`, scopeText(o)];
  if (r.resumedAfter) lines.push(`resumed after payment ${r.resumedAfter.id}`);
  lines.push(statusLine(r), o.apply ? 'repaired:' : 'found (dry run: nothing written; --apply repairs):');
  lines.push(...gapLines(o, c));
  if (o.apply)
    lines.push(
      `audit rows appended, actor ${ACTOR.actorType}/${ACTOR.actorId}: ${grouped(c.createdEvents + c.auditRows + c.merchantPayments)}`,
    );
  if (r.auditVerified !== null)
    lines.push(`audit chain: ${r.auditVerified ? 'verifies' : 'DOES NOT VERIFY'}`);
  for (const k of GAP_KINDS)
    if (r.samples[k].length > 0) lines.push(`examples (${k}):`, ...r.samples[k].map((x) => `  ${x}`));
  return lines.join('\n');
}

function exitOf(r: Run): number {
  if (r.auditVerified === false) return EXIT.failed;
  return r.interrupted ? EXIT.interrupted : EXIT.ok;
}

export const tool: Tool = {
  name: 'backfill',
  summary:
    'find and repair gaps: payments without payment.created, state changes without audit rows, missing merchant attributes',
  help: HELP,
  async run(argv, ctx) {
    const { o, values } = optionsOf(argv, ctx.now());
    const stack = discoverStack(values, ctx.env);
    const pool = await openDatabase(stack, 'payflow-backfill', 1);
    const client = await pool.connect();
    try {
      const total = await countPayments(client, o.scope);
      const r = o.apply
        ? await applyRun(ctx, client, o, { stack, total })
        : await dryRun(ctx, client, o, total);
      if (o.json)
        printJson(ctx.stdout, {
          mode: o.apply ? 'apply' : 'dry-run',
          stack: stack.described,
          kinds: [...o.kinds],
          merchants_file: o.file?.path ?? null,
          complete: r.complete,
          interrupted: r.interrupted,
          resumed_after: r.resumedAfter,
          checkpoint: r.checkpointPath ?? null,
          counts: r.counts,
          samples: r.samples,
          audit_verified: r.auditVerified,
        });
      else ctx.stdout.write(`${reportText(o, stack, r)}\n`);
      return exitOf(r);
    } finally {
      client.release();
      await pool.end();
    }
  },
};
