import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import {
  BATCH_JOB_FINALIZER,
  type BatchJobObject,
  type JobObject,
} from '../../controller/src/reconcilers/batchjob.ts';
import { GVR, KubeClient } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { migratedDatabase, testKube } from '../support/env.ts';

const ns = uniqueName('ctl-batch');
let client: KubeClient;
let ctl: TestController;

const kubeconfig = (): string => testKube().kubeconfig;

function batchJob(name: string, spec: Record<string, unknown> = {}): BatchJobObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'BatchJob',
    metadata: { name, namespace: ns },
    spec: {
      type: 'replay',
      parameters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      ...spec,
    },
  } as unknown as BatchJobObject;
}

const getBj = async (name: string) => client.find<BatchJobObject>(GVR.batchJob, { namespace: ns, name });
const getJob = async (name: string) => client.find<JobObject>(GVR.job, { namespace: ns, name });

async function phase(name: string, want: string): Promise<BatchJobObject> {
  return eventually(async () => {
    const bj = await getBj(name);
    return bj?.status?.phase === want ? bj : undefined;
  }, `${name} phase ${want}`);
}

interface Row {
  id: string;
  status: string;
  processed: bigint;
  total: bigint | null;
  source: string;
  type: string;
}

async function row(uid: string): Promise<Row | undefined> {
  const { rows } = await ctl.pool.query<Row>('select * from batch_jobs where external_uid = $1', [uid]);
  return rows[0];
}

/** No controller-manager runs: the test plays the Job controller and writes the Job's status. */
async function writeJobStatus(name: string, status: Record<string, unknown>): Promise<void> {
  await client.mergePatch(GVR.job, { namespace: ns, name, subresource: 'status' }, { status });
}

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

beforeAll(async () => {
  const kc = loadKubeConfig(kubeconfig());
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  ctl = await startTestController({
    kubeconfig: kubeconfig(),
    databaseUrl: await migratedDatabase('ctlbatch'),
    namespace: ns,
    env: { BATCH_PROGRESS_SECONDS: '1', WORKER_IMAGE: 'payflow/worker:test' },
  });
});

afterAll(async () => {
  await ctl.stop();
});

describe('BatchJob reconciler against a real kube-apiserver', () => {
  it('when a BatchJob is created, then a store row and an owned Job of the same name run the batch runner', async () => {
    const created = await client.create(GVR.batchJob, batchJob('replay-jan'));
    const job = await eventually(async () => getJob('replay-jan'), 'the owned Job');
    const bj = await phase('replay-jan', 'Pending');
    const stored = await row(created.metadata.uid ?? '');
    expect(stored).toMatchObject({ source: 'kubernetes', type: 'replay', status: 'pending' });
    expect(bj.status).toMatchObject({
      jobName: 'replay-jan',
      jobId: stored?.id,
      processed: 0,
      observedGeneration: 1,
    });
    expect(bj.metadata.finalizers).toContain(BATCH_JOB_FINALIZER);
    expect(job.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'BatchJob',
        name: 'replay-jan',
        uid: created.metadata.uid,
        controller: true,
      }),
    ]);
    const container = (job.spec?.template?.spec?.containers ?? [])[0];
    expect(container).toMatchObject({
      image: 'payflow/worker:test',
      command: ['payflow-worker', 'batch', 'run', stored?.id],
    });
    expect(job.spec).toMatchObject({ parallelism: 1, backoffLimit: 6, suspend: false });
    const managed =
      (job.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? [];
    expect(managed).toContainEqual(
      expect.objectContaining({ manager: 'payflow-controller', operation: 'Apply' }),
    );
  });

  it('when the Job runs and the runner checkpoints progress, then status mirrors phase, start time and progress', async () => {
    const bj = await getBj('replay-jan');
    const startTime = now();
    await writeJobStatus('replay-jan', { active: 1, startTime });
    await ctl.pool.query(
      `update batch_jobs set status = 'running', processed = 40, total = 100, failed = 2, started_at = now() where id = $1`,
      [bj?.status?.jobId],
    );
    const running = await eventually(async () => {
      const b = await getBj('replay-jan');
      return b?.status?.phase === 'Running' && b.status.processed === 40 ? b : undefined;
    }, 'Running with progress');
    expect(running.status).toMatchObject({ processed: 40, total: 100, failed: 2, startTime });
    const conditions = Object.fromEntries((running.status?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toEqual({ Running: 'True', Complete: 'False', Failed: 'False', Suspended: 'False' });
  });

  it('when the BatchJob is suspended and resumed, then the Job and the store row follow', async () => {
    await client.mergePatch(GVR.batchJob, { namespace: ns, name: 'replay-jan' }, { spec: { suspend: true } });
    const suspended = await phase('replay-jan', 'Suspended');
    expect((await getJob('replay-jan'))?.spec?.suspend).toBe(true);
    expect(suspended.status?.conditions?.find((c) => c.type === 'Suspended')?.status).toBe('True');
    expect((await row(suspended.metadata.uid ?? ''))?.status).toBe('suspended');
    await client.mergePatch(
      GVR.batchJob,
      { namespace: ns, name: 'replay-jan' },
      { spec: { suspend: false } },
    );
    await eventually(
      async () => ((await getJob('replay-jan'))?.spec?.suspend === false ? true : undefined),
      'Job resumed',
    );
    expect((await row(suspended.metadata.uid ?? ''))?.status).toBe('pending');
  });

  it('when the BatchJob is deleted, then the store row is cancelled, the Job deleted and the resource released', async () => {
    const bj = await getBj('replay-jan');
    await client.delete(GVR.batchJob, { namespace: ns, name: 'replay-jan' });
    await eventually(
      async () => ((await getBj('replay-jan')) === undefined ? true : undefined),
      'BatchJob gone',
    );
    // Deleted explicitly (owner references do not cascade without a garbage collector); with
    // no controller-manager a finalizer may keep it visible, but its deletion is under way.
    const job = await getJob('replay-jan');
    expect(job === undefined || job.metadata.deletionTimestamp !== undefined).toBe(true);
    expect((await row(bj?.metadata.uid ?? ''))?.status).toBe('cancelled');
  });

  it('when the Job fails with BackoffLimitExceeded or DeadlineExceeded, then Failed carries that reason', async () => {
    for (const [name, reason] of [
      ['fails-backoff', 'BackoffLimitExceeded'],
      ['fails-deadline', 'DeadlineExceeded'],
    ] as const) {
      await client.create(GVR.batchJob, batchJob(name, { activeDeadlineSeconds: 60 }));
      await eventually(async () => getJob(name), `${name} Job`);
      const t = now();
      await writeJobStatus(name, {
        startTime: t,
        conditions: [
          {
            type: 'FailureTarget',
            status: 'True',
            reason,
            message: `job ${reason}`,
            lastTransitionTime: t,
            lastProbeTime: t,
          },
          {
            type: 'Failed',
            status: 'True',
            reason,
            message: `job ${reason}`,
            lastTransitionTime: t,
            lastProbeTime: t,
          },
        ],
      });
      const failed = await phase(name, 'Failed');
      expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
        status: 'True',
        reason,
      });
      expect(failed.status?.completionTime).toBe(t);
      expect((await row(failed.metadata.uid ?? ''))?.status).toBe('failed');
    }
  });

  it('when a finished BatchJob has a TTL, then it is deleted once the TTL passes and the finished row is not cancelled', async () => {
    const created = await client.create(
      GVR.batchJob,
      batchJob('short-lived', { ttlSecondsAfterFinished: 1 }),
    );
    await eventually(async () => getJob('short-lived'), 'short-lived Job');
    const t = now();
    await ctl.pool.query(
      `update batch_jobs set status = 'succeeded', processed = 7, total = 7, completed_at = now() where external_uid = $1`,
      [created.metadata.uid],
    );
    await writeJobStatus('short-lived', {
      startTime: t,
      completionTime: t,
      succeeded: 1,
      conditions: [
        {
          type: 'SuccessCriteriaMet',
          status: 'True',
          reason: 'CompletionsReached',
          message: '',
          lastTransitionTime: t,
          lastProbeTime: t,
        },
        {
          type: 'Complete',
          status: 'True',
          reason: 'CompletionsReached',
          message: '',
          lastTransitionTime: t,
          lastProbeTime: t,
        },
      ],
    });
    await eventually(
      async () => ((await getBj('short-lived')) === undefined ? true : undefined),
      'TTL deletion',
    );
    expect(await row(created.metadata.uid ?? '')).toMatchObject({ status: 'succeeded', processed: 7n });
  });

  it('when a BatchJob is invalid, then admission rejects it with the CEL message', async () => {
    await expect(
      client.create(
        GVR.batchJob,
        batchJob('backwards', { parameters: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } }),
      ),
    ).rejects.toThrow(/parameters\.from must be before parameters\.to/);
    await expect(client.create(GVR.batchJob, batchJob('no-rule', { type: 'backtest' }))).rejects.toThrow(
      /parameters\.ruleName is required for backtest jobs/,
    );
    await client.create(GVR.batchJob, batchJob('immutable'));
    await expect(
      client.mergePatch(GVR.batchJob, { namespace: ns, name: 'immutable' }, { spec: { type: 'backfill' } }),
    ).rejects.toThrow(/type is immutable/);
  });
});
