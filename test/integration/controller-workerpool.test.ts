import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { DeploymentObject, WorkerPoolObject } from '../../controller/src/reconcilers/workerpool.ts';
import { GVR, KubeClient } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { sqsClient } from '../../hack/testenv/index.ts';
import { migratedDatabase, testenv, testKube } from '../support/env.ts';

const ns = uniqueName('ctl-pool');
const queueName = uniqueName('ctl-pool-queue');
let client: KubeClient;
let ctl: TestController;
let sqs: SQSClient;
let queueUrl: string;

const kubeconfig = (): string => testKube().kubeconfig;

function pool(name: string, spec: Record<string, unknown> = {}): WorkerPoolObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name, namespace: ns },
    spec: {
      queue: { name: queueName },
      minReplicas: 1,
      maxReplicas: 8,
      targetBacklogPerReplica: 5,
      pollingIntervalSeconds: 1,
      scaleDownStabilizationSeconds: 2,
      tolerancePercent: 0,
      template: {
        metadata: { labels: { team: 'payments' } },
        spec: { containers: [{ name: 'worker', resources: { requests: { cpu: '250m' } } }] },
      },
      ...spec,
    },
  } as unknown as WorkerPoolObject;
}

const getPool = async (name: string) =>
  client.find<WorkerPoolObject>(GVR.workerPool, { namespace: ns, name });
const getDeployment = async (name: string) =>
  client.find<DeploymentObject>(GVR.deployment, { namespace: ns, name });

async function replicas(name: string, want: number): Promise<DeploymentObject> {
  return eventually(async () => {
    const d = await getDeployment(name);
    return d?.spec?.replicas === want ? d : undefined;
  }, `${name} at ${want} replicas`);
}

async function send(n: number): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    const batch = Array.from({ length: Math.min(10, n - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: `m${i + j}`,
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
  }
}

async function drain(): Promise<void> {
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) return;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}

beforeAll(async () => {
  const env = testenv();
  sqs = sqsClient(env.sqs.endpoint, env.sqs.region);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl ?? '';
  const kc = loadKubeConfig(kubeconfig());
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  ctl = await startTestController({
    kubeconfig: kubeconfig(),
    databaseUrl: await migratedDatabase('ctlpool'),
    namespace: ns,
    env: { SQS_ENDPOINT: env.sqs.endpoint, AWS_REGION: env.sqs.region, WORKER_IMAGE: 'payflow/worker:test' },
  });
});

afterAll(async () => {
  await ctl.stop();
  sqs.destroy();
});

describe('WorkerPool reconciler against a real kube-apiserver and SQS endpoint', () => {
  it('when a WorkerPool is created, then it owns a worker Deployment applied server-side with the required settings', async () => {
    const created = await client.create(GVR.workerPool, pool('payments'));
    const d = await replicas('payments', 1);
    expect(d.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'WorkerPool',
        name: 'payments',
        uid: created.metadata.uid,
        controller: true,
      }),
    ]);
    const template = d.spec?.template as {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: {
          name: string;
          image: string;
          env: { name: string; value: string }[];
          resources: unknown;
        }[];
      };
    };
    expect(template.metadata.labels).toMatchObject({
      team: 'payments',
      'payflow.dev/worker-pool': 'payments',
    });
    const [worker] = template.spec.containers;
    expect(worker).toMatchObject({
      name: 'worker',
      image: 'payflow/worker:test',
      command: ['payflow-worker'],
      args: ['run'],
      resources: { requests: { cpu: '250m' } },
    });
    expect(worker?.env).toEqual(
      expect.arrayContaining([
        { name: 'SQS_EVENTS_QUEUE_URL', value: queueUrl },
        { name: 'CONCURRENCY', value: '10' },
      ]),
    );
    const status = await eventually(async () => {
      const p = await getPool('payments');
      return p?.status?.backlog ? p.status : undefined;
    }, 'status with backlog');
    expect(status).toMatchObject({
      desiredReplicas: 1,
      selector: 'app.kubernetes.io/name=payflow-worker,payflow.dev/worker-pool=payments',
      backlog: { visible: 0, inFlight: 0, delayed: 0 },
      observedGeneration: 1,
    });
    expect(status.conditions?.find((c) => c.type === 'Active')).toMatchObject({ status: 'False' });
  });

  it('when a pool is reconciled, then its spec and status are mirrored into Postgres with a backlog sample', async () => {
    const row = await eventually(async () => {
      const { rows } = await ctl.pool.query<{
        spec: { minReplicas: number };
        status: { desiredReplicas: number };
        queue_url: string;
      }>("select spec, status, queue_url from worker_pools where namespace = $1 and name = 'payments'", [ns]);
      return rows[0];
    }, 'mirrored pool');
    expect(row).toMatchObject({
      spec: { minReplicas: 1 },
      status: { desiredReplicas: 1 },
      queue_url: queueUrl,
    });
    const samples = await ctl.pool.query<{ backlog: number; desired: number }>(
      "select backlog, desired from worker_pool_samples where namespace = $1 and name = 'payments'",
      [ns],
    );
    expect(samples.rows[0]).toEqual({ backlog: 0, desired: 1 });
  });

  it('when the backlog grows, then the Deployment scales up at once and status says why', async () => {
    await send(23);
    await replicas('payments', 5);
    const p = await eventually(async () => {
      const x = await getPool('payments');
      return x?.status?.desiredReplicas === 5 ? x : undefined;
    }, 'status desiredReplicas 5');
    expect(p.status?.backlog?.visible).toBe(23);
    expect(p.status?.lastScaleReason).toMatch(/backlog 23 at 5 per replica needs 5/);
    expect(p.status?.conditions?.find((c) => c.type === 'Active')).toMatchObject({ status: 'True' });
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReplicasNotReady',
    });
  });

  it('when the Deployment reports its pods ready, then the pool is Ready with readyReplicas', async () => {
    // No controller-manager runs: the test writes the Deployment's status.
    await client.mergePatch(
      GVR.deployment,
      { namespace: ns, name: 'payments', subresource: 'status' },
      {
        status: { replicas: 5, readyReplicas: 5, availableReplicas: 5, updatedReplicas: 5 },
      },
    );
    const p = await eventually(async () => {
      const x = await getPool('payments');
      return x?.status?.readyReplicas === 5 ? x : undefined;
    }, 'readyReplicas 5');
    expect(p.status?.replicas).toBe(5);
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
  });

  it('when the queue drains, then the Deployment scales down to minReplicas after the stabilization window', async () => {
    await drain();
    await replicas('payments', 1);
    // The status and the Event are written after the Deployment patch: wait for them too.
    const p = await eventually(async () => {
      const x = await getPool('payments');
      return x?.status?.desiredReplicas === 1 ? x : undefined;
    }, 'status desiredReplicas 1');
    expect(p.status?.backlog).toMatchObject({ visible: 0, inFlight: 0 });
    const notes = await eventually(async () => {
      const events = await client.request<{
        items: { reason: string; note: string; regarding: { name: string } }[];
      }>({
        method: 'GET',
        path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      });
      const scaled = events.items.filter((e) => e.reason === 'Scaled').map((e) => e.note);
      return scaled.some((n) => n.startsWith('scaled from 5 to 1')) ? scaled : undefined;
    }, 'Scaled events');
    // Up to 5 in one step or more: the controller may poll while the 23 messages are still being
    // sent (in batches of 10).
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scaled from [1-4] to 5: backlog 23 /),
        expect.stringMatching(/^scaled from 5 to 1/),
      ]),
    );
  });

  it('when in-flight messages remain, then they count as backlog', async () => {
    await send(12);
    await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
      }),
    );
    const p = await eventually(async () => {
      const x = await getPool('payments');
      return x?.status?.backlog?.inFlight ? x : undefined;
    }, 'in-flight messages in status');
    expect((p.status?.backlog?.visible ?? 0) + (p.status?.backlog?.inFlight ?? 0)).toBe(12);
    // 12 messages at 5 per replica need at least 3 (the arrival-rate term may ask for more).
    const d = await eventually(async () => {
      const x = await getDeployment('payments');
      return (x?.spec?.replicas ?? 0) >= 3 ? x : undefined;
    }, 'at least 3 replicas');
    expect(d.spec?.replicas).toBeLessThanOrEqual(8);
  });

  it('when spec.replicas is set, then it overrides the backlog-derived count and the scale subresource serves it', async () => {
    // This kube-apiserver's /scale for custom resources needs spec.replicas to exist; once it is
    // set, `kubectl scale` (PATCH /scale) works as for a Deployment.
    await client.mergePatch(GVR.workerPool, { namespace: ns, name: 'payments' }, { spec: { replicas: 7 } });
    await replicas('payments', 7);
    const scalePath = `/apis/payflow.dev/v1alpha1/namespaces/${ns}/workerpools/payments/scale`;
    await client.request({
      method: 'PATCH',
      path: scalePath,
      body: { spec: { replicas: 6 } },
      contentType: 'application/merge-patch+json',
    });
    await replicas('payments', 6);
    await client.mergePatch(
      GVR.deployment,
      { namespace: ns, name: 'payments', subresource: 'status' },
      {
        status: { replicas: 6, readyReplicas: 6, availableReplicas: 6, updatedReplicas: 6 },
      },
    );
    const scale = await eventually(async () => {
      const s = await client.request<{
        spec: { replicas: number };
        status: { replicas: number; selector: string };
      }>({ method: 'GET', path: scalePath });
      return s.status.replicas === 6 ? s : undefined;
    }, 'scale status replicas 6');
    expect(scale).toMatchObject({
      spec: { replicas: 6 },
      status: {
        replicas: 6,
        selector: 'app.kubernetes.io/name=payflow-worker,payflow.dev/worker-pool=payments',
      },
    });
    expect((await getPool('payments'))?.status?.lastScaleReason).toMatch(/scale subresource/);
    await client.mergePatch(
      GVR.workerPool,
      { namespace: ns, name: 'payments' },
      { spec: { replicas: null } },
    );
    const back = await eventually(async () => {
      const x = await getPool('payments');
      return x?.status?.observedGeneration === x?.metadata.generation &&
        !(x?.status?.lastScaleReason ?? '').includes('scale subresource')
        ? x
        : undefined;
    }, 'back to backlog-driven scaling');
    expect(back.spec.replicas).toBeUndefined();
  });

  it('when the queue cannot be read, then after the failure threshold the fallback replicas run and Fallback=True', async () => {
    const missing = `${testenv().sqs.endpoint}/000000000000/${uniqueName('missing')}`;
    await client.create(
      GVR.workerPool,
      pool('blind', {
        queue: { url: missing },
        minReplicas: 1,
        fallback: { failureThreshold: 2, replicas: 4 },
      }),
    );
    await replicas('blind', 4);
    const p = await eventually(async () => {
      const x = await getPool('blind');
      return x?.status?.conditions?.find((c) => c.type === 'Fallback' && c.status === 'True') ? x : undefined;
    }, 'Fallback=True');
    expect(p.status?.conditions?.find((c) => c.type === 'Fallback')?.reason).toBe('QueueUnreadable');
  });

  it('when a WorkerPool is invalid, then admission rejects it with the CEL message', async () => {
    await expect(
      client.create(GVR.workerPool, pool('inverted', { minReplicas: 5, maxReplicas: 2 })),
    ).rejects.toThrow(/minReplicas must be less than or equal to maxReplicas/);
    await expect(
      client.create(GVR.workerPool, pool('both', { queue: { name: queueName, url: queueUrl } })),
    ).rejects.toThrow(/exactly one of url or name must be set/);
    await expect(
      client.create(GVR.workerPool, pool('fallback-out', { fallback: { replicas: 50 } })),
    ).rejects.toThrow(/fallback\.replicas must be within \[minReplicas, maxReplicas\]/);
  });

  it('when the WorkerPool is deleted, then the controller stops polling it (the Deployment is left to the garbage collector)', async () => {
    await client.delete(GVR.workerPool, { namespace: ns, name: 'blind' });
    await eventually(async () => ((await getPool('blind')) === undefined ? true : undefined), 'pool gone');
    const d = await getDeployment('blind');
    expect(d?.metadata.ownerReferences?.[0]?.kind).toBe('WorkerPool');
    const mirrored = await eventually(async () => {
      const { rowCount } = await ctl.pool.query(
        "select 1 from worker_pools where namespace = $1 and name = 'blind'",
        [ns],
      );
      return rowCount === 0 ? true : undefined;
    }, 'mirror removed');
    expect(mirrored).toBe(true);
  });
});
