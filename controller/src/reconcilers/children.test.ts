import { batchJobSpecSchema, workerPoolSpecSchema } from '@payflow/api/crd';
import { describe, expect, it } from 'vitest';
import { batchJobStatus, desiredJob, type BatchJobObject, type BatchRow } from './batchjob.ts';
import { desiredDeployment, podTemplate, type WorkerPoolObject } from './workerpool.ts';

function pool(template: Record<string, unknown> | undefined): WorkerPoolObject {
  return {
    metadata: { name: 'payments', namespace: 'ops', uid: 'uid-1' },
    spec: workerPoolSpecSchema.parse({
      queue: { name: 'q' },
      maxReplicas: 5,
      concurrencyPerReplica: 7,
      template,
    }),
  };
}

function batch(spec: Record<string, unknown> = {}): BatchJobObject {
  return {
    metadata: { name: 'replay', namespace: 'ops', uid: 'uid-2', generation: 3 },
    spec: batchJobSpecSchema.parse({
      type: 'replay',
      parameters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      ...spec,
    }),
  };
}

describe('children the controller applies', () => {
  it('when the pool template names the worker container, then its fields are kept and the required ones win', () => {
    const t = podTemplate(
      pool({
        metadata: { labels: { team: 'a', 'payflow.dev/worker-pool': 'spoofed' } },
        spec: {
          serviceAccountName: 'workers',
          containers: [
            { name: 'sidecar', image: 'envoy' },
            {
              name: 'worker',
              image: 'custom:1',
              args: ['other'],
              env: [
                { name: 'CONCURRENCY', value: '99' },
                { name: 'EXTRA', value: 'x' },
              ],
            },
          ],
        },
      }),
      { events: 'http://sqs/q', deadLetter: 'http://sqs/q-dlq' },
      { image: 'default:1', secretName: 's' },
    ) as {
      metadata: { labels: Record<string, string> };
      spec: { serviceAccountName: string; containers: Record<string, unknown>[] };
    };
    expect(t.metadata.labels).toEqual({
      team: 'a',
      'payflow.dev/worker-pool': 'payments',
      'app.kubernetes.io/name': 'payflow-worker',
    });
    expect(t.spec.serviceAccountName).toBe('workers');
    expect(t.spec.containers[0]).toEqual({ name: 'sidecar', image: 'envoy' });
    expect(t.spec.containers[1]).toMatchObject({
      name: 'worker',
      image: 'custom:1',
      args: ['run'],
      env: [
        { name: 'EXTRA', value: 'x' },
        { name: 'SQS_EVENTS_QUEUE_URL', value: 'http://sqs/q' },
        { name: 'SQS_EVENTS_DLQ_URL', value: 'http://sqs/q-dlq' },
        { name: 'CONCURRENCY', value: '7' },
      ],
    });
  });

  it('when the pool has no template, then the Deployment runs the default worker and is owned by the pool', () => {
    const p = pool(undefined);
    const d = desiredDeployment(
      p,
      3,
      podTemplate(p, { events: undefined, deadLetter: undefined }, { image: 'default:1', secretName: 's' }),
    );
    expect(d.spec?.replicas).toBe(3);
    expect(d.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'payflow.dev/v1alpha1',
        kind: 'WorkerPool',
        name: 'payments',
        uid: 'uid-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    const template = d.spec?.template as {
      spec: { containers: { image: string }[]; terminationGracePeriodSeconds: number };
    };
    expect(template.spec.containers.map((c) => c.image)).toEqual(['default:1']);
    expect(template.spec.terminationGracePeriodSeconds).toBe(60);
  });

  it('when a BatchJob is built into a Job, then it has the same name, the runner command and the spec limits', () => {
    const job = desiredJob(
      batch({ parallelism: 3, backoffLimit: 2, activeDeadlineSeconds: 600, suspend: true }),
      'job_1',
      'w:1',
      's',
    );
    expect(job.metadata.name).toBe('replay');
    expect(job.spec).toMatchObject({
      parallelism: 3,
      backoffLimit: 2,
      activeDeadlineSeconds: 600,
      suspend: true,
    });
    expect(job.spec?.template?.spec?.containers?.[0]).toMatchObject({
      image: 'w:1',
      command: ['payflow-worker', 'batch', 'run', 'job_1'],
    });
  });

  it('when the runner reports failure but the Job has not, then the BatchJob is Failed with RunnerFailed', () => {
    const row: BatchRow = {
      id: 'job_1',
      status: 'failed',
      processed: 5n,
      total: 10n,
      failed: 5n,
      error: 'too many bad rows',
      started_at: new Date('2026-01-01T00:00:00Z'),
      completed_at: new Date('2026-01-01T00:10:00Z'),
    };
    const s = batchJobStatus({ bj: batch(), job: undefined, row, jobId: 'job_1' });
    expect(s).toMatchObject({
      phase: 'Failed',
      processed: 5,
      total: 10,
      failed: 5,
      completionTime: '2026-01-01T00:10:00Z',
      observedGeneration: 3,
    });
    expect(s.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'RunnerFailed',
      message: 'too many bad rows',
    });
  });
});
