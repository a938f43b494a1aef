// The batch runner: `payflow-worker batch run <jobId>` executes one batch_jobs row in resumable
// chunks. A lease (lease_owner, lease_expires_at) keeps two runners off one job; every chunk
// renews it and checkpoints the position with processed / total / failed in Postgres, so a
// restarted runner continues where the last one stopped. Kinds:
//   backtest  evaluate a rule over payments created in [from, to): hits in the result
//   export    CSV or JSON lines of payments created in [from, to): into Postgres
//             (batch_job_output, one row per chunk in the chunk's transaction, which the API
//             streams at GET /api/v1/batch-jobs/{id}/output), or to a file named by
//             `parameters.path` (truncated back to the checkpoint on resume, so the file never
//             holds a row twice)
//   replay    re-send payment_events that occurred in [from, to) to the events queue, with
//             their original event ids (the consumer dedupes what was already applied)
//   reconcile check each payment in range against its history (version and last state)
//   backfill  insert missing processed_events keys for recorded sqs events in range
// A chunk that throws fails the job and is recorded in batch_job_failures with the checkpoint it
// started from; items a chunk could not process are recorded there too. A retry (the API sets
// the job back to pending) resumes from the checkpoint.
import { openSync, closeSync, ftruncateSync, writeSync } from 'node:fs';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import { appendAudit, withTransaction } from '@payflow/api/store';
import {
  aggregateColumns,
  collectAggregates,
  compileRule,
  evaluate,
  replayMessageBody,
  validateExpr,
  type AggregateValue,
  type CompiledRule,
  type Expr,
} from '@payflow/api/domain';
import {
  PAYMENT_COLUMNS,
  countPaymentsCreated,
  paymentFromRow,
  type Payment,
  type PaymentRow,
} from '@payflow/api/payments';
import { rulePayment, type LoadedRule } from './rules.ts';
import { CHARGEBACK_SQL, isPaymentLabel, RESOLVED_SQL, type PaymentLabel } from './backtest-labels.ts';
import {
  isoMicros,
  mergeEarliest,
  sliceAt,
  sliceCount,
  streamBounds,
  streamPlan,
  streamLabels,
  streamSlice,
  type StreamHit,
  type StreamPlan,
  type StreamSliceResult,
} from './backtest-stream.ts';

export interface BatchRunnerOptions {
  readonly pool: pg.Pool;
  readonly owner: string;
  readonly sqs?: SQSClient | undefined;
  readonly eventsQueueUrl?: string | undefined;
  readonly chunkSize?: number;
  readonly leaseSeconds?: number;
  /** Payments per backtest slice (chunk); BACKTEST_SLICE_ROWS (SQL) or STREAM_SLICE_ROWS (streamed) by default. */
  readonly backtestSliceRows?: number;
  /** Stop between chunks: the lease is released and the job stays running for the next runner. */
  readonly signal?: AbortSignal | undefined;
}

interface JobRow {
  id: string;
  type: 'replay' | 'backfill' | 'reconcile' | 'backtest' | 'export';
  parameters: Record<string, unknown>;
  status: string;
  processed: bigint;
  failed: bigint;
  total: bigint | null;
  checkpoint: Checkpoint | null;
  result: Record<string, unknown> | null;
}

interface Checkpoint {
  /** Last key done: (time, id) of the ordering. */
  at?: string;
  id?: string;
  bytes?: number;
  hits?: number;
  sample?: string[];
  mismatches?: string[];
  backtest?: BacktestState;
}

export class LeaseHeld extends Error {}

interface Range {
  from: Date;
  to: Date;
}

function rangeOf(p: Record<string, unknown>): Range {
  const from = new Date(typeof p.from === 'string' ? p.from : 0);
  const to = new Date(typeof p.to === 'string' ? p.to : Date.now() + 86_400_000);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new Error('parameters.from / to must be ISO timestamps');
  return { from, to };
}

/** A chunk: rows done (and failed) and the new checkpoint. */
interface ChunkResult {
  done: number;
  failed: number;
  checkpoint: Checkpoint;
  finished: boolean;
  /** Items that failed in this chunk and why (recorded with the chunk). */
  failures?: { items: string[]; error: string }[];
}

type Kind = (job: JobRow, ctx: RunContext) => Promise<ChunkResult>;

interface RunContext {
  readonly o: BatchRunnerOptions;
  readonly client: pg.ClientBase;
  readonly chunk: number;
}

export async function runBatchJob(o: BatchRunnerOptions, jobId: string): Promise<JobRow> {
  let job = await claim(o, jobId);
  try {
    if (job.total === null) job = await setTotal(o, job);
    for (;;) {
      if (o.signal?.aborted) return await releaseLease(o, job);
      const { job: next, finished } = await runChunk(o, job);
      job = next;
      if (finished) break;
    }
    return await finish(o, job, 'succeeded', null);
  } catch (err) {
    if (err instanceof LeaseHeld) throw err;
    await recordChunkFailure(o, job, (err as Error).message);
    await finish(o, job, 'failed', (err as Error).message);
    throw err;
  }
}

async function releaseLease(o: BatchRunnerOptions, job: JobRow): Promise<JobRow> {
  await o.pool.query(
    `update batch_jobs set lease_owner = null, lease_expires_at = null, updated_at = now()
      where id = $1 and lease_owner = $2`,
    [job.id, o.owner],
  );
  return job;
}

const clip = (text: string): string => (text.length > 4000 ? `${text.slice(0, 3997)}...` : text);

async function recordChunkFailure(o: BatchRunnerOptions, job: JobRow, error: string): Promise<void> {
  await o.pool.query(
    `insert into batch_job_failures (job_id, kind, attempt, checkpoint, processed_before, error)
     select id, 'chunk', attempts, $2::jsonb, $3, $4 from batch_jobs where id = $1 and lease_owner = $5`,
    [job.id, JSON.stringify(job.checkpoint), job.processed, clip(error), o.owner],
  );
}

async function recordItemFailures(client: pg.ClientBase, job: JobRow, r: ChunkResult): Promise<void> {
  for (const f of r.failures ?? []) {
    if (f.items.length === 0) continue;
    await client.query(
      `insert into batch_job_failures (job_id, kind, attempt, checkpoint, processed_before, items, error)
       select id, 'items', attempts, $2::jsonb, $3, $4::jsonb, $5 from batch_jobs where id = $1`,
      [job.id, JSON.stringify(job.checkpoint), job.processed, JSON.stringify(f.items), clip(f.error)],
    );
  }
}

async function claim(o: BatchRunnerOptions, jobId: string): Promise<JobRow> {
  return withTransaction(o.pool, async (client) => claimIn(client, o, jobId));
}

async function claimIn(client: pg.ClientBase, o: BatchRunnerOptions, jobId: string): Promise<JobRow> {
  const { rows } = await client.query<JobRow>(
    `update batch_jobs
        set status = 'running', lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3),
            attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now(), error = null
      where id = $1 and status in ('pending', 'running', 'failed')
        and (lease_owner is null or lease_owner = $2 or lease_expires_at < now())
      returning id, type, parameters, status, processed, failed, total, checkpoint, result`,
    [jobId, o.owner, o.leaseSeconds ?? 60],
  );
  const job = rows[0];
  if (!job)
    throw new LeaseHeld(`batch job ${jobId} does not exist, is finished, or is leased by another runner`);
  await appendAudit(client, {
    actorType: 'worker',
    actorId: o.owner,
    action: 'batch_job.started',
    resourceType: 'batch_job',
    resourceId: jobId,
    after: { status: 'running', processed: job.processed, checkpoint: job.checkpoint },
  });
  return job;
}

// The payments of a range are counted from the write-time statistics (whole minutes and more)
// and the seconds at its edges: a count over every payment of the window cost about as much as a
// backtest's whole read of them (test/bench/rules.bench.ts). Events have no such counts.
const EVENT_COUNTS: Partial<Record<JobRow['type'], string>> = {
  replay: 'select count(*) as n from payment_events where occurred_at >= $1 and occurred_at < $2',
  backfill: `select count(*) as n from payment_events where source = 'sqs' and occurred_at >= $1 and occurred_at < $2`,
};

async function countOf(o: BatchRunnerOptions, job: JobRow): Promise<bigint> {
  const r = rangeOf(job.parameters);
  const events = EVENT_COUNTS[job.type];
  if (events === undefined) return countPaymentsCreated(o.pool, r.from, r.to);
  const { rows } = await o.pool.query<{ n: bigint }>(events, [r.from, r.to]);
  return rows[0]?.n ?? 0n;
}

async function setTotal(o: BatchRunnerOptions, job: JobRow): Promise<JobRow> {
  const total = await countOf(o, job);
  await o.pool.query('update batch_jobs set total = $2, updated_at = now() where id = $1', [job.id, total]);
  return { ...job, total };
}

/** The runner's chunk size, else the job's `chunk_size`, else 500. */
function chunkOf(o: BatchRunnerOptions, job: JobRow): number {
  const asked = job.parameters.chunk_size;
  return o.chunkSize ?? (typeof asked === 'number' && asked >= 1 ? Math.min(asked, 10_000) : 500);
}

const KINDS: Record<JobRow['type'], Kind> = {
  backtest: backtestChunk,
  export: exportChunk,
  replay: replayChunk,
  reconcile: reconcileChunk,
  backfill: backfillChunk,
};

/** One chunk and its checkpoint in one transaction; the lease is checked and renewed there. */
async function runChunk(o: BatchRunnerOptions, job: JobRow): Promise<{ job: JobRow; finished: boolean }> {
  const client = await o.pool.connect();
  try {
    await client.query('begin');
    const r = await KINDS[job.type](job, { o, client, chunk: chunkOf(o, job) });
    await recordItemFailures(client, job, r);
    const { rows } = await client.query<JobRow>(
      `update batch_jobs
          set processed = processed + $3, failed = failed + $4, checkpoint = $5::jsonb,
              lease_expires_at = now() + make_interval(secs => $6), updated_at = now()
        where id = $1 and lease_owner = $2
        returning id, type, parameters, status, processed, failed, total, checkpoint, result`,
      [job.id, o.owner, r.done, r.failed, JSON.stringify(r.checkpoint), o.leaseSeconds ?? 60],
    );
    const next = rows[0];
    if (!next) throw new LeaseHeld(`lost the lease on batch job ${job.id}`);
    await client.query('commit');
    return { job: next, finished: r.finished };
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function finish(
  o: BatchRunnerOptions,
  job: JobRow,
  status: 'succeeded' | 'failed',
  error: string | null,
): Promise<JobRow> {
  return withTransaction(o.pool, async (client) => finishIn(client, o, job, { status, error }));
}

async function finishIn(
  client: pg.ClientBase,
  o: BatchRunnerOptions,
  job: JobRow,
  end: { status: 'succeeded' | 'failed'; error: string | null },
): Promise<JobRow> {
  const { status, error } = end;
  const result = resultOf(job);
  const { rows } = await client.query<JobRow>(
    `update batch_jobs
        set status = $3, error = $4, result = $5::jsonb, completed_at = now(), updated_at = now(),
            lease_owner = null, lease_expires_at = null
      where id = $1 and lease_owner = $2
      returning id, type, parameters, status, processed, failed, total, checkpoint, result`,
    [job.id, o.owner, status, error, JSON.stringify(result)],
  );
  await appendAudit(client, {
    actorType: 'worker',
    actorId: o.owner,
    action: `batch_job.${status}`,
    resourceType: 'batch_job',
    resourceId: job.id,
    after: { status, processed: job.processed, failed: job.failed, result },
    reason: error,
  });
  return rows[0] ?? job;
}

function resultOf(job: JobRow): Record<string, unknown> {
  const c = job.checkpoint ?? {};
  const base = {
    processed: Number(job.processed),
    failed: Number(job.failed),
    total: Number(job.total ?? 0),
  };
  return { ...base, ...RESULTS[job.type](c, job.parameters) };
}

const RESULTS: Record<
  JobRow['type'],
  (c: Checkpoint, p: Record<string, unknown>) => Record<string, unknown>
> = {
  backtest: (c) => backtestResult(c),
  reconcile: (c) => ({ mismatched_payment_ids: c.mismatches ?? [] }),
  export: (c, p) => ({
    bytes: c.bytes ?? 0,
    format: formatOf(p),
    path: p.path ?? null,
    storage: typeof p.path === 'string' ? 'file' : 'database',
  }),
  replay: () => ({}),
  backfill: () => ({}),
};

// ---------------------------------------------------------------------------------------------
// Payments in key order (created_at, id) after the checkpoint

async function nextPayments(ctx: RunContext, job: JobRow): Promise<Payment[]> {
  const r = rangeOf(job.parameters);
  const c = job.checkpoint ?? {};
  const { rows } = await ctx.client.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from payments
      where created_at >= $1 and created_at < $2 and (created_at, id) > ($3::timestamptz, $4)
      order by created_at, id limit $5`,
    [r.from, r.to, c.at ?? new Date(0).toISOString(), c.id ?? '', ctx.chunk],
  );
  return rows.map(paymentFromRow);
}

function keyOf(p: Payment | undefined, c: Checkpoint): Checkpoint {
  return p ? { ...c, at: p.createdAt.toISOString(), id: p.id } : c;
}

async function backtestRule(ctx: RunContext, job: JobRow): Promise<LoadedRule> {
  const p = job.parameters;
  let definition: unknown = p.definition;
  if (definition === undefined && typeof p.rule_id === 'string') {
    const { rows } = await ctx.client.query<{ definition: unknown }>(
      'select definition from rules where id = $1',
      [p.rule_id],
    );
    definition = rows[0]?.definition;
  }
  const raw =
    definition !== null && typeof definition === 'object' && 'condition' in definition
      ? definition.condition
      : definition;
  const v = validateExpr(raw);
  if (!v.ok)
    throw new Error(`backtest rule is invalid: ${v.issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
  const condition: Expr = v.value;
  return {
    id: 'backtest',
    name: 'backtest',
    // A draft being backtested has no stored version.
    version: 0,
    mode: 'shadow',
    action: 'alert',
    severity: 'low',
    condition,
    specs: collectAggregates(condition),
  };
}

// ---------------------------------------------------------------------------------------------
// Backtest. A rule whose aggregates group by one key is streamed (backtest-stream.ts, streamChunk
// below). Any other: the rule compiled to one SQL predicate (rules-sql.ts) and evaluated by PostgreSQL over
// the window in time slices of about BACKTEST_SLICE_ROWS payments, each slice read with the
// aggregates' lookback before it. A slice is a chunk: its counts, hits per day, label tallies and
// the first examples are checkpointed with it. Examples are re-evaluated in TypeScript with the
// aggregate values PostgreSQL computed, which gives the reasons (the values the rule saw).

export const BACKTEST_SLICE_ROWS = 100_000;
const BACKTEST_EXAMPLES = 20;
const BACKTEST_SAMPLE = 100;

export interface BacktestExample {
  payment_id: string;
  created_at: string;
  merchant_id: string;
  payer_id: string;
  amount_minor: string;
  currency: string;
  state: string;
  country: string | null;
  card_fingerprint: string | null;
  /**
   * What is known of the payment's outcome, the label precision and recall use: how an alert on it
   * was resolved, else a dispute it lost.
   */
  label: PaymentLabel | null;
  /** Aggregate values the rule saw, by aggregate key (`count(*)/payer_id/600s`). */
  values: Record<string, string>;
  reasons: string[];
}

interface BacktestState {
  slices: number;
  done_slices: number;
  days: Record<string, number>;
  examples: BacktestExample[];
  tp: number;
  fp: number;
  fn: number;
  /** Of the fraud (hit or missed), the payments known to be fraud by a chargeback alone. */
  cb?: number;
  /** Streamed backtests (backtest-stream.ts): the slices' group-value bounds, chosen once. */
  bounds?: string[];
  /** Streamed backtests: the earliest hits so far, for the sample and the examples. */
  first?: StreamHit[];
}

interface SliceRow {
  processed: bigint;
  hits: bigint;
  days: Record<string, number | string>;
  tp: bigint;
  fp: bigint;
  fn: bigint;
  cb: bigint;
  hit_rows: { id: string; created_at: string; label: string | null; aggs: Record<string, string | null> }[];
}

/** The payment columns the predicate reads (`r.payer_id`, …), besides id and created_at. */
function columnsRead(compiled: CompiledRule): string[] {
  const aggs = new Set(compiled.aggregates.map((a) => a.column));
  const cols = new Set<string>();
  for (const m of compiled.predicate.matchAll(/\br\.([a-z_0-9]+)/g)) {
    const col = m[1] ?? '';
    if (col !== 'id' && col !== 'created_at' && !aggs.has(col)) cols.add(col);
  }
  return [...cols].sort();
}

// The slice's payments read once (only the columns the rule needs, with the aggregates' lookback
// before it) with the predicate; then the counts, the hits per day and the label tallies (labelled
// payments only) from that, and the first hits as examples.
function sliceSql(compiled: CompiledRule): string {
  const cols = [
    'p.id',
    'p.created_at',
    ...columnsRead(compiled).map((c) => `p.${c}`),
    ...aggregateColumns(compiled.aggregates, 'p'),
  ];
  const aggCols = compiled.aggregates.map((a) => `r.${a.column}, `).join('');
  const aggJson =
    compiled.aggregates.length === 0
      ? "'{}'::jsonb"
      : `jsonb_build_object(${compiled.aggregates.map((a) => `'${a.column}', s.${a.column}::text`).join(', ')})`;
  return `
    with s as (
      select r.id, r.created_at, ${aggCols}${compiled.predicate} as hit
        from (select ${cols.join(', ')}
                from payments p
               where p.created_at >= $1::timestamptz - make_interval(secs => $3) and p.created_at < $2) r
       where r.created_at >= $1
    ), ${RESOLVED_SQL}, labels as (
      select id as payment_id, fraud, false as chargeback from resolved
      union all
      select p.id, true, true from payments p where ${CHARGEBACK_SQL}
    )
    select (select count(*) from s) as processed,
           (select count(*) from s where hit) as hits,
           (select coalesce(json_object_agg(d, n), '{}'::json)
              from (select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as d, count(*) as n
                      from s where hit group by 1) x) as days,
           l.tp, l.fp, l.fn, l.cb,
           (select coalesce(json_agg(e order by e.created_at, e.id), '[]'::json)
              from (select s.id, s.created_at,
                           case when lb.chargeback then 'chargeback' when lb.fraud then 'confirmed_fraud'
                                when not lb.fraud then 'false_positive' end as label,
                           ${aggJson} as aggs
                      from s left join labels lb on lb.payment_id = s.id
                     where s.hit order by s.created_at, s.id limit $4) e) as hit_rows
      from (select count(*) filter (where s.hit and lb.fraud) as tp,
                   count(*) filter (where s.hit and not lb.fraud) as fp,
                   count(*) filter (where not s.hit and lb.fraud) as fn,
                   count(*) filter (where lb.chargeback) as cb
              from s join labels lb on lb.payment_id = s.id) l`;
}

function sliceBounds(r: Range, slices: number, i: number): Range {
  const span = r.to.getTime() - r.from.getTime();
  const at = (k: number) => new Date(r.from.getTime() + Math.floor((span * k) / slices));
  return { from: at(i), to: i + 1 >= slices ? r.to : at(i + 1) };
}

async function examplesOf(
  ctx: RunContext,
  rule: LoadedRule,
  compiled: CompiledRule,
  rows: SliceRow['hit_rows'],
): Promise<BacktestExample[]> {
  if (rows.length === 0) return [];
  const { rows: found } = await ctx.client.query<PaymentRow>(
    `select ${PAYMENT_COLUMNS} from payments where id = any($1::text[]) and created_at = any($2::timestamptz[])`,
    [rows.map((r) => r.id), rows.map((r) => r.created_at)],
  );
  const byId = new Map(found.map((f) => [f.id, paymentFromRow(f)]));
  const out: BacktestExample[] = [];
  for (const row of rows) {
    const p = byId.get(row.id);
    if (!p) continue;
    const values = new Map<string, AggregateValue>();
    const shown: Record<string, string> = {};
    for (const a of compiled.aggregates) {
      const v = row.aggs[a.column];
      if (v === null || v === undefined) continue;
      values.set(a.spec.key, BigInt(v));
      shown[a.spec.key] = v;
    }
    const result = evaluate(rule.condition, rulePayment(p), values);
    out.push({
      payment_id: p.id,
      created_at: p.createdAt.toISOString(),
      merchant_id: p.merchantId,
      payer_id: p.payerId,
      amount_minor: p.amountMinor.toString(),
      currency: p.currency,
      state: p.state,
      country: p.country,
      card_fingerprint: p.cardFingerprint,
      label: isPaymentLabel(row.label) ? row.label : null,
      values: shown,
      reasons: [...result.reasons],
    });
  }
  return out;
}

function addSlice(bt: BacktestState, row: SliceRow, examples: BacktestExample[]): BacktestState {
  const days = { ...bt.days };
  for (const [d, n] of Object.entries(row.days)) days[d] = (days[d] ?? 0) + Number(n);
  return {
    slices: bt.slices,
    done_slices: bt.done_slices + 1,
    days,
    examples: [...bt.examples, ...examples],
    tp: bt.tp + Number(row.tp),
    fp: bt.fp + Number(row.fp),
    fn: bt.fn + Number(row.fn),
    cb: (bt.cb ?? 0) + Number(row.cb),
  };
}

function freshBacktest(slices: number): BacktestState {
  return { slices, done_slices: 0, days: {}, examples: [], tp: 0, fp: 0, fn: 0, cb: 0 };
}

async function backtestChunk(job: JobRow, ctx: RunContext): Promise<ChunkResult> {
  const rule = await backtestRule(ctx, job);
  // A rule whose aggregates group by one key is streamed; the others (and a job a runner started
  // in time slices) run in SQL time slices.
  const plan = streamPlan(ctx.client, rule.condition);
  const started = job.checkpoint?.backtest;
  if (plan && (started === undefined || started.bounds !== undefined))
    return streamChunk(job, ctx, rule, plan);
  return sqlSliceChunk(job, ctx, rule);
}

/** One time slice of a backtest evaluated by PostgreSQL (sliceSql). */
async function sqlSliceChunk(job: JobRow, ctx: RunContext, rule: LoadedRule): Promise<ChunkResult> {
  const compiled = compileRule(rule.condition, { first: 5, row: 'r' });
  const c = { ...(job.checkpoint ?? {}) };
  const sliceRows = ctx.o.backtestSliceRows ?? BACKTEST_SLICE_ROWS;
  const bt: BacktestState =
    c.backtest ?? freshBacktest(Math.max(1, Math.ceil(Number(job.total) / sliceRows)));
  const slice = sliceBounds(rangeOf(job.parameters), bt.slices, bt.done_slices);
  const sample = [...(c.sample ?? [])];
  const want = Math.max(BACKTEST_SAMPLE - sample.length, BACKTEST_EXAMPLES - bt.examples.length, 0);
  // Sorts for the window functions in memory rather than in temporary files (this transaction only).
  await ctx.client.query("set local work_mem = '64MB'");
  const { rows } = await ctx.client.query<SliceRow>(sliceSql(compiled), [
    slice.from,
    slice.to,
    compiled.lookbackSeconds,
    want,
    ...compiled.params,
  ]);
  const row = rows[0];
  if (!row) throw new Error('backtest slice returned no row');
  for (const h of row.hit_rows) if (sample.length < BACKTEST_SAMPLE) sample.push(h.id);
  const room = BACKTEST_EXAMPLES - bt.examples.length;
  const examples = await examplesOf(ctx, rule, compiled, row.hit_rows.slice(0, room));
  const next = addSlice(bt, row, examples);
  const checkpoint: Checkpoint = {
    ...c,
    at: slice.to.toISOString(),
    hits: (c.hits ?? 0) + Number(row.hits),
    sample,
    backtest: next,
  };
  return {
    done: Number(row.processed),
    failed: 0,
    checkpoint,
    finished: next.done_slices >= next.slices,
  };
}

// A streamed backtest: one slice of group values per chunk (backtest-stream.ts), and the next one
// beside it when the pool has a connection to spare. The earliest hits of every slice so far are
// checkpointed; the last chunk turns the first of them into the examples, with the values the
// rule saw and its reasons.
async function streamChunk(
  job: JobRow,
  ctx: RunContext,
  rule: LoadedRule,
  plan: StreamPlan,
): Promise<ChunkResult> {
  const c = { ...(job.checkpoint ?? {}) };
  const range = rangeOf(job.parameters);
  const bt = c.backtest ?? (await streamStart(ctx, plan, { ...range, total: Number(job.total) }));
  const parts = await streamSlices(ctx, plan, bt, range);
  const next = withSlices(bt, parts);
  const finished = next.done_slices >= next.slices;
  if (finished) next.examples = await streamExamples(ctx, rule, next.first ?? []);
  return {
    done: parts.reduce((n, r) => n + r.processed, 0),
    failed: 0,
    checkpoint: {
      ...c,
      hits: parts.reduce((n, r) => n + r.hits, c.hits ?? 0),
      sample: (next.first ?? []).map((h) => h.id),
      backtest: next,
    },
    finished,
  };
}

/** A streamed backtest's state before its first slice: the slices' bounds, chosen once. */
async function streamStart(
  ctx: RunContext,
  plan: StreamPlan,
  window: Range & { total: number },
): Promise<BacktestState> {
  const sliceRows = ctx.o.backtestSliceRows ?? STREAM_SLICE_ROWS;
  // An even number of slices: a chunk streams two side by side, and an odd one out would stream alone.
  const bounds = await streamBounds(ctx.client, plan, window, 2 * Math.ceil(window.total / (2 * sliceRows)));
  return { ...freshBacktest(sliceCount(plan, bounds)), bounds, first: [] };
}

/** The next slice, and the one after it on a second connection when the pool has one to spare. */
async function streamSlices(
  ctx: RunContext,
  plan: StreamPlan,
  bt: BacktestState,
  range: Range,
): Promise<StreamSliceResult[]> {
  const labels = await streamLabels(ctx.client, plan, range);
  const bounds = bt.bounds ?? [];
  const i = bt.done_slices;
  const one = (client: pg.ClientBase, k: number) =>
    streamSlice(client, plan, sliceAt(plan, range, bounds, k), { labels, keep: STREAM_KEEP });
  const spare = i + 1 < bt.slices ? await spareClient(ctx.o.pool) : undefined;
  try {
    return await Promise.all(spare ? [one(ctx.client, i), one(spare, i + 1)] : [one(ctx.client, i)]);
  } finally {
    spare?.release();
  }
}

const STREAM_KEEP = Math.max(BACKTEST_SAMPLE, BACKTEST_EXAMPLES);
/**
 * Payments per streamed slice at most: larger than a SQL slice, as a stream's cost does not grow
 * faster than its rows, and each chunk (two slices) costs a commit of its checkpoint and a wait
 * for the slower of its two (a million payments: 210-225 ms in one chunk, 236-240 in two).
 */
export const STREAM_SLICE_ROWS = 500_000;

function withSlices(bt: BacktestState, parts: readonly StreamSliceResult[]): BacktestState {
  const days = { ...bt.days };
  const next: BacktestState = { ...bt, done_slices: bt.done_slices + parts.length, days };
  let first = bt.first ?? [];
  for (const r of parts) {
    for (const [d, n] of Object.entries(r.days)) days[d] = (days[d] ?? 0) + n;
    first = mergeEarliest(first, r.first, STREAM_KEEP);
    next.tp += r.tp;
    next.fp += r.fp;
    next.fn += r.fn;
    next.cb = (next.cb ?? 0) + r.cb;
  }
  next.first = first;
  return next;
}

/** The first hits as examples: the payments, the values the rule saw and its reasons. */
async function streamExamples(ctx: RunContext, rule: LoadedRule, first: readonly StreamHit[]) {
  const compiled = compileRule(rule.condition, { first: 1, row: 'r' });
  const shown = first.slice(0, BACKTEST_EXAMPLES).map((h) => ({
    id: h.id,
    created_at: isoMicros(h.us),
    label: h.label,
    aggs: h.aggs,
  }));
  return examplesOf(ctx, rule, compiled, shown);
}

/** A connection the pool has idle or room for, without waiting for one; undefined otherwise. */
async function spareClient(pool: pg.Pool): Promise<pg.PoolClient | undefined> {
  const busy = pool.idleCount === 0 && pool.totalCount >= pool.options.max;
  if (busy || pool.waitingCount > 0) return undefined;
  return pool.connect();
}

function backtestResult(c: Checkpoint): Record<string, unknown> {
  const bt = c.backtest ?? freshBacktest(0);
  const { tp, fp, fn } = bt;
  const cb = bt.cb ?? 0;
  return {
    hits: c.hits ?? 0,
    sample_payment_ids: c.sample ?? [],
    hits_by_day: bt.days,
    examples: bt.examples,
    labels: {
      confirmed_fraud_hit: tp,
      false_positive_hit: fp,
      confirmed_fraud_missed: fn,
      chargebacks: cb,
      precision: tp + fp > 0 ? tp / (tp + fp) : null,
      recall: tp + fn > 0 ? tp / (tp + fn) : null,
    },
  };
}

const CSV_COLUMNS = [
  'id',
  'created_at',
  'merchant_id',
  'payer_id',
  'amount_minor',
  'currency',
  'current_state',
  'refunded_minor',
  'country',
  'flagged',
  'held',
] as const;

function csvField(v: string | bigint | boolean | Date | null): string {
  const s = v instanceof Date ? v.toISOString() : String(v ?? '');
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function csvRow(p: Payment): string {
  const cells = [
    p.id,
    p.createdAt,
    p.merchantId,
    p.payerId,
    p.amountMinor,
    p.currency,
    p.state,
    p.refundedMinor,
    p.country,
    p.flagged,
    p.held,
  ];
  return `${cells.map(csvField).join(',')}\n`;
}

function formatOf(p: Record<string, unknown>): 'csv' | 'jsonl' {
  return p.format === 'jsonl' ? 'jsonl' : 'csv';
}

function jsonRow(p: Payment): string {
  const row = {
    id: p.id,
    created_at: p.createdAt.toISOString(),
    merchant_id: p.merchantId,
    payer_id: p.payerId,
    amount_minor: p.amountMinor.toString(),
    currency: p.currency,
    current_state: p.state,
    refunded_minor: p.refundedMinor.toString(),
    country: p.country,
    flagged: p.flagged,
    held: p.held,
  };
  return `${JSON.stringify(row)}\n`;
}

function writeFile(path: string, text: string, at: number | undefined): void {
  const fd = openSync(path, at === undefined ? 'w' : 'r+');
  try {
    // Resume: drop whatever a crashed run wrote after the last checkpoint.
    ftruncateSync(fd, at ?? 0);
    writeSync(fd, text, at ?? 0);
  } finally {
    closeSync(fd);
  }
}

/** One chunk of the file in Postgres, committed with the checkpoint (never twice, never lost). */
async function storeChunk(client: pg.ClientBase, jobId: string, text: string): Promise<void> {
  await client.query(
    `insert into batch_job_output (job_id, seq, data)
     select $1, coalesce(max(seq) + 1, 0), $2 from batch_job_output where job_id = $1`,
    [jobId, Buffer.from(text)],
  );
}

async function exportChunk(job: JobRow, ctx: RunContext): Promise<ChunkResult> {
  const c = { ...(job.checkpoint ?? {}) };
  const payments = await nextPayments(ctx, job);
  const csv = formatOf(job.parameters) === 'csv';
  const header = csv && c.bytes === undefined ? `${CSV_COLUMNS.join(',')}\n` : '';
  const text = header + payments.map(csv ? csvRow : jsonRow).join('');
  const path = job.parameters.path;
  if (typeof path === 'string') writeFile(path, text, c.bytes);
  else if (text !== '') await storeChunk(ctx.client, job.id, text);
  const checkpoint = keyOf(payments.at(-1), { ...c, bytes: (c.bytes ?? 0) + Buffer.byteLength(text) });
  return { done: payments.length, failed: 0, checkpoint, finished: payments.length < ctx.chunk };
}

interface EventRow {
  id: string;
  event_id: string;
  payment_id: string;
  type: string;
  occurred_at: Date;
  amount_minor: bigint | null;
  data: Record<string, unknown>;
}

async function nextEvents(ctx: RunContext, job: JobRow, extra = ''): Promise<EventRow[]> {
  const r = rangeOf(job.parameters);
  const c = job.checkpoint ?? {};
  const { rows } = await ctx.client.query<EventRow>(
    `select id, event_id, payment_id, type, occurred_at, amount_minor, data from payment_events
      where occurred_at >= $1 and occurred_at < $2 and (occurred_at, id) > ($3::timestamptz, $4) ${extra}
      order by occurred_at, id limit $5`,
    [r.from, r.to, c.at ?? new Date(0).toISOString(), c.id ?? '', ctx.chunk],
  );
  return rows;
}

function eventKey(e: EventRow | undefined, c: Checkpoint): Checkpoint {
  return e ? { ...c, at: e.occurred_at.toISOString(), id: e.id } : c;
}

interface Sent {
  failed: number;
  failures: { items: string[]; error: string }[];
}

/** Sends the events ten at a time; the ones SQS refused are named with its error. */
async function sendEvents(
  sqs: SQSClient,
  queueUrl: string,
  events: EventRow[],
  jobId: string,
): Promise<Sent> {
  const out: Sent = { failed: 0, failures: [] };
  for (let i = 0; i < events.length; i += 10) {
    const part = events.slice(i, i + 10);
    const res = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: part.map((e, j) => ({ Id: String(j), MessageBody: replayMessageBody(e, jobId) })),
      }),
    );
    for (const f of res.Failed ?? []) {
      const e = part[Number(f.Id)];
      out.failures.push({ items: e ? [e.event_id] : [], error: `${f.Code ?? 'Failed'}: ${f.Message ?? ''}` });
    }
    out.failed += res.Failed?.length ?? 0;
  }
  return out;
}

async function replayChunk(job: JobRow, ctx: RunContext): Promise<ChunkResult> {
  const { sqs, eventsQueueUrl } = ctx.o;
  const queueUrl = typeof job.parameters.queue_url === 'string' ? job.parameters.queue_url : eventsQueueUrl;
  const dryRun = job.parameters.dry_run === true;
  if (!dryRun && (!sqs || !queueUrl)) throw new Error('replay needs SQS_EVENTS_QUEUE_URL');
  const events = await nextEvents(ctx, job);
  // A dry run counts what it would send and sends nothing.
  const { failed, failures } =
    dryRun || !sqs || !queueUrl
      ? { failed: 0, failures: [] }
      : await sendEvents(sqs, queueUrl, events, job.id);
  const checkpoint = eventKey(events.at(-1), { ...(job.checkpoint ?? {}) });
  return {
    done: events.length - failed,
    failed,
    checkpoint,
    finished: events.length < ctx.chunk,
    failures,
  };
}

async function reconcileChunk(job: JobRow, ctx: RunContext): Promise<ChunkResult> {
  const c = { ...(job.checkpoint ?? {}) };
  const payments = await nextPayments(ctx, job);
  const { rows } = await ctx.client.query<{ payment_id: string; n: bigint; last_state: string | null }>(
    `select p.id as payment_id,
            (select count(*) from payment_events e where e.payment_id = p.id and e.type <> 'payment.created') as n,
            (select e.to_state from payment_events e where e.payment_id = p.id and e.type <> 'payment.created'
              order by e.recorded_at desc, e.id desc limit 1) as last_state
       from unnest($1::text[]) as p(id)`,
    [payments.map((p) => p.id)],
  );
  const history = new Map(rows.map((r) => [r.payment_id, r]));
  const mismatches = [...(c.mismatches ?? [])];
  const bad: string[] = [];
  for (const p of payments) {
    const h = history.get(p.id);
    const ok = h?.n === BigInt(p.version - 1) && (h.last_state ?? 'pending') === p.state;
    if (ok) continue;
    bad.push(p.id);
    if (mismatches.length < 100) mismatches.push(p.id);
  }
  const checkpoint = keyOf(payments.at(-1), { ...c, mismatches });
  return {
    done: payments.length - bad.length,
    failed: bad.length,
    checkpoint,
    finished: payments.length < ctx.chunk,
    failures: [{ items: bad, error: 'state or version disagrees with the recorded history' }],
  };
}

async function backfillChunk(job: JobRow, ctx: RunContext): Promise<ChunkResult> {
  const events = await nextEvents(ctx, job, "and source = 'sqs'");
  await ctx.client.query(
    `insert into processed_events (event_id, payment_id, outcome, processed_at)
     select e.event_id, e.payment_id, 'applied', e.recorded_at from payment_events e
      where e.id = any($1::text[])
     on conflict (event_id) do nothing`,
    [events.map((e) => e.id)],
  );
  const checkpoint = eventKey(events.at(-1), { ...(job.checkpoint ?? {}) });
  return { done: events.length, failed: 0, checkpoint, finished: events.length < ctx.chunk };
}
