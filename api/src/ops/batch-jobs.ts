// Batch jobs requested through the API. The worker's batch runner claims pending jobs, runs them
// in checkpointed chunks and records progress; here they are created, listed and cancelled.
import type pg from 'pg';
import { merchantScopeOf, type Principal } from '../http/principal.ts';
import { Conflict, NotFound, ValidationError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { appendAudit } from '../store/tx.ts';
import {
  auditBy,
  likePattern,
  listPage,
  SqlFilter,
  type Actor,
  type Page,
  type PageRequest,
} from './common.ts';

export const BATCH_JOB_TYPES = ['replay', 'backfill', 'reconcile', 'backtest', 'export'] as const;
export type BatchJobType = (typeof BATCH_JOB_TYPES)[number];
export const BATCH_JOB_STATUSES = [
  'pending',
  'running',
  'suspended',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type BatchJobStatus = (typeof BATCH_JOB_STATUSES)[number];
export const BATCH_JOB_SORT_KEYS = ['created_at', 'updated_at'] as const;
const CANCELLABLE: readonly BatchJobStatus[] = ['pending', 'running', 'suspended'];

interface JobRow {
  id: string;
  name: string;
  type: BatchJobType;
  parameters: Record<string, unknown>;
  status: BatchJobStatus;
  processed: bigint;
  total: bigint | null;
  failed: bigint;
  result: unknown;
  error: string | null;
  source: 'api' | 'kubernetes';
  parallelism: number;
  attempts: number;
  created_by: string | null;
  /** The user's name or email when created_by is a user. */
  created_by_name: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  updated_at: Date;
}

export type BatchJob = Omit<JobRow, 'processed' | 'total' | 'failed'> & {
  processed: number;
  total: number | null;
  failed: number;
  /** processed / total, 0..1, or null while the total is unknown. */
  progress: number | null;
};

const COLUMNS = `t.id, t.name, t.type, t.parameters, t.status, t.processed, t.total, t.failed, t.result,
  t.error, t.source, t.parallelism, t.attempts, t.created_by, t.created_at, t.started_at,
  t.completed_at, t.updated_at,
  (select coalesce(nullif(u.name, ''), u.email) from users u where u.id = t.created_by) as created_by_name`;

const SORT_KEYS = {
  created_at: { expr: 't.created_at', type: 'timestamptz' },
  updated_at: { expr: 't.updated_at', type: 'timestamptz' },
} as const;

function toJob(row: JobRow): BatchJob {
  const processed = Number(row.processed);
  const total = row.total === null ? null : Number(row.total);
  const progress = total === null || total === 0 ? null : Math.min(1, processed / total);
  return { ...row, processed, total, failed: Number(row.failed), progress };
}

export interface JobFilters {
  status?: BatchJobStatus[] | undefined;
  type?: BatchJobType[] | undefined;
  from?: string | undefined;
  to?: string | undefined;
  q?: string | undefined;
  /**
   * The caller's merchant scope. Every batch job works over all merchants (scoped callers cannot
   * start one), so a scoped caller's list is empty and a job is not found.
   */
  scope?: readonly string[] | undefined;
}

export async function listBatchJobs(pool: pg.Pool, f: JobFilters, page: PageRequest): Promise<Page<unknown>> {
  const filter = new SqlFilter();
  if (f.scope !== undefined) filter.where('false');
  filter.when(f.status, (p) => `t.status = any(${p}::text[])`);
  filter.when(f.type, (p) => `t.type = any(${p}::text[])`);
  filter.when(f.from, (p) => `t.created_at >= ${p}::timestamptz`);
  filter.when(f.to, (p) => `t.created_at < ${p}::timestamptz`);
  if (f.q !== undefined) {
    filter.where(`(t.id = ${filter.bind(f.q)} or t.name ilike ${filter.bind(likePattern(f.q))})`);
  }
  return listPage<JobRow>(pool, {
    columns: COLUMNS,
    from: 'batch_jobs t',
    filter,
    sortKeys: SORT_KEYS,
    page,
    map: toJob,
  });
}

async function findJob(db: pg.ClientBase | pg.Pool, id: string, lock = false): Promise<BatchJob> {
  const { rows } = await db.query<JobRow>(
    `select ${COLUMNS} from batch_jobs t where t.id = $1${lock ? ' for update' : ''}`,
    [id],
  );
  const row = rows[0];
  if (!row) throw new NotFound('Batch job', id);
  return toJob(row);
}

/** A job as the viewer may see it: no job is visible to a caller limited to some merchants. */
export function assertJobVisible(viewer: Principal | undefined, id: string): void {
  if (merchantScopeOf(viewer) !== undefined) throw new NotFound('Batch job', id);
}

export async function getBatchJob(
  pool: pg.Pool,
  id: string,
  viewer: Principal | undefined,
): Promise<BatchJob> {
  assertJobVisible(viewer, id);
  return findJob(pool, id);
}

export interface NewBatchJob {
  readonly type: BatchJobType;
  readonly name?: string | undefined;
  readonly parallelism: number;
  readonly parameters: Record<string, unknown> & { rule_id?: string };
}

async function assertRuleExists(client: pg.ClientBase, ruleId: string): Promise<void> {
  const { rowCount } = await client.query('select 1 from rules where id = $1 and deleted_at is null', [
    ruleId,
  ]);
  if (rowCount !== 1) throw ValidationError.of('parameters.rule_id', `no rule ${ruleId}`);
}

export async function createBatchJob(tx: pg.ClientBase, input: NewBatchJob, actor: Actor): Promise<BatchJob> {
  const id = newId('job');
  if (input.parameters.rule_id !== undefined) await assertRuleExists(tx, input.parameters.rule_id);
  await tx.query(
    `insert into batch_jobs (id, name, type, parameters, parallelism, created_by)
     values ($1, $2, $3, $4::jsonb, $5, $6)`,
    [
      id,
      input.name ?? `${input.type}-${id.slice(-8).toLowerCase()}`,
      input.type,
      JSON.stringify(input.parameters),
      input.parallelism,
      actor.principal?.id ?? null,
    ],
  );
  const after = await findJob(tx, id);
  await appendAudit(tx, {
    ...auditBy(actor),
    action: 'batch_job.created',
    resourceType: 'batch_job',
    resourceId: id,
    after,
  });
  return after;
}

export async function cancelBatchJob(tx: pg.ClientBase, id: string, actor: Actor): Promise<BatchJob> {
  const before = await findJob(tx, id, true);
  if (!CANCELLABLE.includes(before.status)) {
    throw new Conflict(
      `Batch job ${id} is ${before.status}; only pending, running or suspended jobs can be cancelled.`,
      {
        code: 'invalid_transition',
        title: 'Invalid state transition',
      },
    );
  }
  await tx.query(
    `update batch_jobs set status = 'cancelled', completed_at = now(), updated_at = now(),
       lease_owner = null, lease_expires_at = null
     where id = $1`,
    [id],
  );
  const after = await findJob(tx, id);
  await appendAudit(tx, {
    ...auditBy(actor),
    action: 'batch_job.cancelled',
    resourceType: 'batch_job',
    resourceId: id,
    before,
    after,
  });
  return after;
}

// ---------------------------------------------------------------------------------------------
// Retry, failures and an export's file

export async function retryBatchJob(tx: pg.ClientBase, id: string, actor: Actor): Promise<BatchJob> {
  const before = await findJob(tx, id, true);
  if (before.status !== 'failed') {
    throw new Conflict(`Batch job ${id} is ${before.status}; only a failed job can be retried.`, {
      code: 'invalid_transition',
      title: 'Invalid state transition',
    });
  }
  if (before.source === 'kubernetes') {
    throw new Conflict(
      `Batch job ${id} belongs to the BatchJob resource ${before.name}; its Job retries it (spec.backoffLimit), or re-create the resource.`,
      { code: 'owned_by_resource', title: 'Owned by a Kubernetes resource' },
    );
  }
  await tx.query(
    `update batch_jobs set status = 'pending', error = null, completed_at = null, updated_at = now(),
       lease_owner = null, lease_expires_at = null
     where id = $1`,
    [id],
  );
  const { rowCount } = await tx.query(
    `update batch_job_failures set retried_at = now(), retried_by = $2
      where job_id = $1 and kind = 'chunk' and retried_at is null`,
    [id, actor.principal?.id ?? null],
  );
  const after = await findJob(tx, id);
  await appendAudit(tx, {
    ...auditBy(actor),
    action: 'batch_job.retried',
    resourceType: 'batch_job',
    resourceId: id,
    before,
    after,
    reason: `resumes from the checkpoint of ${String(rowCount ?? 0)} failed chunk(s)`,
  });
  return after;
}

export interface BatchJobFailure {
  id: number;
  kind: 'chunk' | 'items';
  attempt: number;
  checkpoint: unknown;
  processed_before: number;
  items: string[];
  error: string;
  occurred_at: Date;
  retried_at: Date | null;
  retried_by: string | null;
}

export async function listBatchJobFailures(pool: pg.Pool, id: string): Promise<{ data: BatchJobFailure[] }> {
  await findJob(pool, id);
  const { rows } = await pool.query<
    Omit<BatchJobFailure, 'id' | 'processed_before'> & { id: bigint; processed_before: bigint }
  >(
    `select id, kind, attempt, checkpoint, processed_before, items, error, occurred_at, retried_at, retried_by
       from batch_job_failures where job_id = $1 order by occurred_at, id limit 500`,
    [id],
  );
  return {
    data: rows.map((r) => ({ ...r, id: Number(r.id), processed_before: Number(r.processed_before) })),
  };
}

export interface ExportFile {
  readonly name: string;
  readonly contentType: string;
  /** The file's chunks in order. */
  readonly chunks: AsyncIterable<Buffer>;
}

const CHUNKS_PER_READ = 20;

async function* outputChunks(pool: pg.Pool, id: string): AsyncIterable<Buffer> {
  let seq = -1;
  for (;;) {
    const { rows } = await pool.query<{ seq: number; data: Buffer }>(
      'select seq, data from batch_job_output where job_id = $1 and seq > $2 order by seq limit $3',
      [id, seq, CHUNKS_PER_READ],
    );
    for (const r of rows) yield r.data;
    const last = rows.at(-1);
    if (!last || rows.length < CHUNKS_PER_READ) return;
    seq = last.seq;
  }
}

/** A finished export's file, stored in Postgres by the batch runner (batch_job_output). */
export async function exportFile(pool: pg.Pool, id: string): Promise<ExportFile> {
  const job = await findJob(pool, id);
  if (job.type !== 'export') throw new NotFound('Export file of batch job', id);
  if (job.status !== 'succeeded') {
    throw new Conflict(`Export ${id} is ${job.status}; its file can be downloaded once it has succeeded.`, {
      code: 'not_finished',
      title: 'Export not finished',
    });
  }
  if (typeof job.parameters.path === 'string') {
    throw new Conflict(
      `Export ${id} wrote its file to ${job.parameters.path} on the runner, not to the database.`,
      {
        code: 'stored_on_runner',
        title: 'Export file not stored here',
      },
    );
  }
  const jsonl = job.parameters.format === 'jsonl';
  const safe = job.name.replaceAll(/[^A-Za-z0-9._-]+/g, '-');
  return {
    name: `${safe}.${jsonl ? 'jsonl' : 'csv'}`,
    contentType: jsonl ? 'application/x-ndjson; charset=utf-8' : 'text/csv; charset=utf-8',
    chunks: outputChunks(pool, id),
  };
}
