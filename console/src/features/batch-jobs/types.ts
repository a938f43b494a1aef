// The BatchJob as GET /api/v1/batch-jobs answers it (api/src/routes/batch-jobs.ts).
export const BATCH_JOB_TYPES = ['replay', 'backfill', 'reconcile', 'backtest', 'export'] as const;
export const BATCH_JOB_STATUSES = [
  'pending',
  'running',
  'suspended',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type BatchJobStatus = (typeof BATCH_JOB_STATUSES)[number];
/** The API cancels these (ops/batch-jobs.ts CANCELLABLE). */
export const CANCELLABLE: readonly string[] = ['pending', 'running', 'suspended'];

export interface BatchJob {
  id: string;
  name: string;
  type: string;
  parameters: Record<string, unknown>;
  status: string;
  processed: number;
  total: number | null;
  failed: number;
  progress: number | null;
  result: unknown;
  error: string | null;
  source: 'api' | 'kubernetes';
  parallelism: number;
  attempts: number;
  created_by: string | null;
  created_by_name?: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  updated_at: string;
}

/** A failed chunk (the job failed there) or items a chunk could not process. */
export interface BatchJobFailure {
  id: number;
  kind: 'chunk' | 'items';
  attempt: number;
  checkpoint: unknown;
  processed_before: number;
  items: string[];
  error: string;
  occurred_at: string;
  retried_at: string | null;
  retried_by: string | null;
}

/** Who asked for the job: the BatchJob resource that owns it, or the user. */
export function ownerOf(job: Pick<BatchJob, 'source' | 'name' | 'created_by' | 'created_by_name'>): string {
  if (job.source === 'kubernetes') return `BatchJob ${job.name}`;
  return job.created_by_name ?? job.created_by ?? 'unknown';
}
