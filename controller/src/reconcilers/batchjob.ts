// BatchJob: link a batch_jobs row (keyed by the resource UID), run it in an owned batch/v1 Job
// of the same name (`payflow-worker batch run <jobId>`), mirror progress from Postgres and the
// Job's conditions into status, honour suspend and the TTL after finishing, and cancel on delete.
import type { BatchJob, BatchJobPhase, BatchJobStatus, Condition } from '@payflow/api/crd';
import { newId } from '@payflow/api/domain';
import { appendAudit, withTransaction } from '@payflow/api/store';
import type pg from 'pg';
import type { Logger } from 'pino';
import { findCondition, setCondition, type ConditionInput } from '../runtime/conditions.ts';
import type { Reconciler, Request, Result } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { GVR, type KubeClient, type KubeObject } from '../runtime/kube-client.ts';
import {
  controllerRef,
  ensureFinalizer,
  hasFinalizer,
  patchStatus,
  removeFinalizer,
} from '../runtime/objects.ts';

export const BATCH_JOB_FINALIZER = 'payflow.dev/batch-job';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'payflow-controller' };
const AUDIT_ACTOR = { actorType: 'controller', actorId: 'payflow-controller' } as const;

export type BatchJobObject = KubeObject & Pick<BatchJob, 'spec' | 'status'>;

interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface JobObject extends KubeObject {
  spec?: {
    suspend?: boolean;
    template?: {
      spec?: { containers?: { image?: string; [k: string]: unknown }[]; [k: string]: unknown };
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  status?: {
    active?: number;
    startTime?: string;
    completionTime?: string;
    conditions?: JobCondition[];
  };
}

export interface BatchRow {
  id: string;
  status: 'pending' | 'running' | 'suspended' | 'succeeded' | 'failed' | 'cancelled';
  processed: bigint;
  total: bigint | null;
  failed: bigint;
  error: string | null;
  started_at: Date | null;
  completed_at: Date | null;
}

export interface BatchJobReconcilerDeps {
  client: KubeClient;
  pool: pg.Pool;
  events: EventRecorder;
  log: Logger;
  image: string;
  secretName: string;
  /** How often progress is mirrored while the job runs (default 5 s). */
  progressMs?: number;
}

/** Creates the batch_jobs row for this resource once, and returns its id. */
export async function ensureBatchRow(pool: pg.Pool, bj: BatchJobObject): Promise<string> {
  const uid = bj.metadata.uid ?? '';
  return withTransaction(pool, async (client) => {
    const existing = await client.query<{ id: string }>('select id from batch_jobs where external_uid = $1', [
      uid,
    ]);
    const found = existing.rows[0]?.id;
    if (found !== undefined) return found;
    const id = newId('job');
    const name = `${bj.metadata.namespace ?? 'default'}/${bj.metadata.name}`;
    await client.query(
      `insert into batch_jobs (id, name, type, parameters, status, source, external_uid, parallelism, created_by)
       values ($1, $2, $3, $4::jsonb, $5, 'kubernetes', $6, $7, 'payflow-controller')`,
      [
        id,
        name,
        bj.spec.type,
        JSON.stringify(bj.spec.parameters),
        bj.spec.suspend ? 'suspended' : 'pending',
        uid,
        bj.spec.parallelism,
      ],
    );
    await appendAudit(client, {
      ...AUDIT_ACTOR,
      action: 'batch_job.created',
      resourceType: 'batch_job',
      resourceId: id,
      after: { name, type: bj.spec.type, parameters: bj.spec.parameters },
    });
    return id;
  });
}

async function setRowStatus(
  pool: pg.Pool,
  where: { uid: string; from: readonly BatchRow['status'][] },
  to: { status: BatchRow['status']; error?: string; action: string },
): Promise<string | undefined> {
  return withTransaction(pool, async (client) => {
    const terminal = ['succeeded', 'failed', 'cancelled'].includes(to.status);
    const { rows } = await client.query<{ id: string }>(
      `update batch_jobs set status = $2, error = coalesce($4, error), updated_at = now(),
              completed_at = case when $5 then coalesce(completed_at, now()) else completed_at end
        where external_uid = $1 and status = any($3::text[]) returning id`,
      [where.uid, to.status, where.from, to.error ?? null, terminal],
    );
    const id = rows[0]?.id;
    if (id !== undefined)
      await appendAudit(client, {
        ...AUDIT_ACTOR,
        action: to.action,
        resourceType: 'batch_job',
        resourceId: id,
        after: { status: to.status },
        reason: to.error ?? null,
      });
    return id;
  });
}

async function readRow(pool: pg.Pool, id: string): Promise<BatchRow | undefined> {
  const { rows } = await pool.query<BatchRow>(
    `select id, status, processed, total, failed, error, started_at, completed_at from batch_jobs where id = $1`,
    [id],
  );
  return rows[0];
}

/** The owned Job, as the controller applies it (same name as the BatchJob). */
export function desiredJob(bj: BatchJobObject, jobId: string, image: string, secretName: string): JobObject {
  const labels = { ...MANAGED_BY, 'payflow.dev/batch-job': bj.metadata.name };
  const s = bj.spec;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: bj.metadata.name,
      namespace: bj.metadata.namespace,
      labels,
      ownerReferences: [controllerRef(GVR.batchJob, bj)],
    },
    spec: {
      parallelism: s.parallelism,
      backoffLimit: s.backoffLimit,
      ...(s.activeDeadlineSeconds === undefined ? {} : { activeDeadlineSeconds: s.activeDeadlineSeconds }),
      suspend: s.suspend,
      template: {
        metadata: { labels },
        // The restricted Pod Security Standard, as the chart's pods: namespaces that enforce
        // it would otherwise refuse the Job's pods. The root filesystem is read-only; /tmp is not.
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'batch',
              image,
              command: ['payflow-worker', 'batch', 'run', jobId],
              env: [{ name: 'PAYFLOW_BATCH_JOB_ID', value: jobId }],
              envFrom: [{ secretRef: { name: secretName, optional: true } }],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '256Mi' } }],
        },
      },
    },
  };
}

const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d+Z$/, 'Z');
const jobCondition = (job: JobObject | undefined, type: string): JobCondition | undefined =>
  job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');

interface Observed {
  bj: BatchJobObject;
  job: JobObject | undefined;
  row: BatchRow | undefined;
  jobId: string;
}

function failure(o: Observed): { reason: string; message: string } | undefined {
  const failed = jobCondition(o.job, 'Failed');
  if (failed) return { reason: failed.reason ?? 'JobFailed', message: failed.message ?? 'the Job failed' };
  if (o.row?.status === 'failed')
    return { reason: 'RunnerFailed', message: o.row.error ?? 'the batch runner failed' };
  return undefined;
}

function phaseOf(o: Observed, failed: boolean, complete: boolean): BatchJobPhase {
  if (failed) return 'Failed';
  if (complete) return 'Complete';
  if (o.bj.spec.suspend) return 'Suspended';
  if ((o.job?.status?.active ?? 0) > 0 || o.row?.status === 'running') return 'Running';
  return 'Pending';
}

function rowTime(d: Date | null | undefined): string | undefined {
  return d ? isoSeconds(d) : undefined;
}

function completionTime(o: Observed, finished: boolean): string | undefined {
  if (!finished) return undefined;
  return (
    jobFinishedAt(o.job) ??
    rowTime(o.row?.completed_at) ??
    o.bj.status?.completionTime ??
    isoSeconds(new Date())
  );
}

function jobFinishedAt(job: JobObject | undefined): string | undefined {
  return job?.status?.completionTime ?? jobCondition(job, 'Failed')?.lastTransitionTime;
}

function startTime(o: Observed): string | undefined {
  return o.job?.status?.startTime ?? rowTime(o.row?.started_at);
}

function progress(row: BatchRow | undefined): Pick<BatchJobStatus, 'processed' | 'failed' | 'total'> {
  if (!row) return { processed: 0, failed: 0 };
  return {
    processed: Number(row.processed),
    failed: Number(row.failed),
    ...(row.total === null ? {} : { total: Number(row.total) }),
  };
}

function isComplete(o: Observed): boolean {
  return jobCondition(o.job, 'Complete') !== undefined || o.row?.status === 'succeeded';
}

function conditionInputs(
  phase: BatchJobPhase,
  fail: { reason: string; message: string } | undefined,
): ConditionInput[] {
  const is = (p: BatchJobPhase): 'True' | 'False' => (phase === p ? 'True' : 'False');
  return [
    {
      type: 'Running',
      status: is('Running'),
      reason: phase === 'Running' ? 'Running' : phase,
      message: `phase ${phase}`,
    },
    {
      type: 'Complete',
      status: is('Complete'),
      reason: phase === 'Complete' ? 'Completed' : 'NotComplete',
      message: '',
    },
    {
      type: 'Failed',
      status: is('Failed'),
      reason: fail?.reason ?? 'NotFailed',
      message: fail?.message ?? '',
    },
    {
      type: 'Suspended',
      status: is('Suspended'),
      reason: phase === 'Suspended' ? 'Suspended' : 'NotSuspended',
      message: '',
    },
  ];
}

/** The status the resource should show for what was observed. */
export function batchJobStatus(o: Observed): BatchJobStatus {
  const fail = failure(o);
  const phase = phaseOf(o, fail !== undefined, fail === undefined && isComplete(o));
  const gen = o.bj.metadata.generation;
  const conditions = conditionInputs(phase, fail).reduce<Condition[]>(
    (list, c) => setCondition(list, c, gen),
    o.bj.status?.conditions ?? [],
  );
  const started = startTime(o);
  const done = completionTime(o, phase === 'Complete' || phase === 'Failed');
  return {
    ...o.bj.status,
    observedGeneration: gen,
    phase,
    conditions,
    jobName: o.bj.metadata.name,
    jobId: o.jobId,
    ...progress(o.row),
    ...(started === undefined ? {} : { startTime: started }),
    ...(done === undefined ? {} : { completionTime: done }),
  };
}

export class BatchJobReconciler implements Reconciler {
  readonly name = 'batchjob';
  private readonly d: BatchJobReconcilerDeps;

  constructor(deps: BatchJobReconcilerDeps) {
    this.d = deps;
  }

  async reconcile(req: Request): Promise<Result | undefined> {
    const bj = await this.d.client.find<BatchJobObject>(GVR.batchJob, req);
    if (!bj) return undefined;
    if (bj.metadata.deletionTimestamp !== undefined) {
      await this.cancel(bj);
      return undefined;
    }
    const current = await ensureFinalizer(this.d.client, GVR.batchJob, bj, BATCH_JOB_FINALIZER);
    const jobId = await ensureBatchRow(this.d.pool, current);
    await this.syncSuspend(current);
    const job = await this.ensureJob(current, jobId);
    const observed: Observed = { bj: current, job, row: await readRow(this.d.pool, jobId), jobId };
    const fail = jobCondition(job, 'Failed');
    if (fail && observed.row && !['succeeded', 'failed', 'cancelled'].includes(observed.row.status)) {
      await setRowStatus(
        this.d.pool,
        { uid: current.metadata.uid ?? '', from: ['pending', 'running', 'suspended'] },
        {
          status: 'failed',
          error: `${fail.reason ?? 'JobFailed'}: ${fail.message ?? ''}`,
          action: 'batch_job.failed',
        },
      );
      observed.row = await readRow(this.d.pool, jobId);
    }
    const status = batchJobStatus(observed);
    await this.writeStatus(current, status);
    return this.next(current, status);
  }

  private async ensureJob(bj: BatchJobObject, jobId: string): Promise<JobObject> {
    const ref = { namespace: bj.metadata.namespace, name: bj.metadata.name };
    const existing = await this.d.client.find<JobObject>(GVR.job, ref);
    const image = existing?.spec?.template?.spec?.containers?.[0]?.image ?? bj.spec.image ?? this.d.image;
    return this.d.client.apply<JobObject>(GVR.job, desiredJob(bj, jobId, image, this.d.secretName));
  }

  private async syncSuspend(bj: BatchJobObject): Promise<void> {
    const uid = bj.metadata.uid ?? '';
    if (bj.spec.suspend)
      await setRowStatus(
        this.d.pool,
        { uid, from: ['pending', 'running'] },
        { status: 'suspended', action: 'batch_job.suspended' },
      );
    else
      await setRowStatus(
        this.d.pool,
        { uid, from: ['suspended'] },
        { status: 'pending', action: 'batch_job.resumed' },
      );
  }

  private async writeStatus(bj: BatchJobObject, status: BatchJobStatus): Promise<void> {
    const written = await patchStatus(this.d.client, GVR.batchJob, bj, status);
    if (!written || bj.status?.phase === status.phase || status.phase === undefined) return;
    const failed = findCondition(status.conditions, 'Failed');
    if (status.phase === 'Failed')
      this.d.events.record(bj, 'Warning', failed?.reason ?? 'Failed', failed?.message ?? 'the job failed');
    else this.d.events.record(bj, 'Normal', status.phase, `the job is ${status.phase.toLowerCase()}`);
  }

  /** While running, mirror progress again soon; once finished, wait for the TTL and delete. */
  private async next(bj: BatchJobObject, status: BatchJobStatus): Promise<Result | undefined> {
    const finished = status.phase === 'Complete' || status.phase === 'Failed';
    if (!finished) return { requeueAfterMs: this.d.progressMs ?? 5000 };
    const ttl = bj.spec.ttlSecondsAfterFinished;
    if (ttl === undefined) return undefined;
    const remaining = Date.parse(status.completionTime ?? '') + ttl * 1000 - Date.now();
    if (Number.isNaN(remaining) || remaining > 0) return { requeueAfterMs: Math.max(remaining || 1000, 100) };
    const { namespace, name } = bj.metadata;
    this.d.log.info({ namespace, name, ttl }, 'deleting a finished BatchJob after its TTL');
    await this.d.client.delete(GVR.batchJob, { namespace, name }, 'Background');
    return undefined;
  }

  /** Cancel by delete: mark the row cancelled (unless finished) and delete the Job explicitly. */
  private async cancel(bj: BatchJobObject): Promise<void> {
    if (!hasFinalizer(bj, BATCH_JOB_FINALIZER)) return;
    const id = await setRowStatus(
      this.d.pool,
      { uid: bj.metadata.uid ?? '', from: ['pending', 'running', 'suspended'] },
      { status: 'cancelled', action: 'batch_job.cancelled' },
    );
    if (id !== undefined) this.d.events.record(bj, 'Normal', 'Cancelled', `batch job ${id} cancelled`);
    await this.d.client.delete(
      GVR.job,
      { namespace: bj.metadata.namespace, name: bj.metadata.name },
      'Background',
    );
    await removeFinalizer(this.d.client, GVR.batchJob, bj, BATCH_JOB_FINALIZER);
  }
}
