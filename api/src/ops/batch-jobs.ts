// Batch jobs requested through the API. The worker's batch runner claims pending jobs, runs them
// in checkpointed chunks and records progress; here they are created, listed and cancelled.
import type pg from 'pg';
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
  t.completed_at, t.updated_at`;

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
}

export async function listBatchJobs(pool: pg.Pool, f: JobFilters, page: PageRequest): Promise<Page<unknown>> {
  const filter = new SqlFilter();
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

export async function getBatchJob(pool: pg.Pool, id: string): Promise<BatchJob> {
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
