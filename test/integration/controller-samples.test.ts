import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { BatchJobObject } from '../../controller/src/reconcilers/batchjob.ts';
import type { DeploymentObject, WorkerPoolObject } from '../../controller/src/reconcilers/workerpool.ts';
import { GVR, KubeClient, type Gvr, type KubeObject } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { startKubeCluster, type KubeCluster } from '../../hack/testenv/index.ts';
import { migratedDatabase, testenv } from '../support/env.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'manifests', 'samples');
const ns = uniqueName('ctl-samples');
let client: KubeClient;
let ctl: TestController | undefined;
let cluster: KubeCluster | undefined;

const KINDS: Record<string, Gvr> = { Rule: GVR.rule, BatchJob: GVR.batchJob, WorkerPool: GVR.workerPool };

function samples(): KubeObject[] {
  return readdirSync(SAMPLES)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(SAMPLES, f), 'utf8')).map((d) => d.toJS() as KubeObject),
    );
}

type WithConditions = KubeObject & { status?: { conditions?: { type: string; status: string }[] } };
const isTrue = (o: WithConditions | undefined, type: string): boolean =>
  o?.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

beforeAll(async () => {
  // A cluster that schedules pods (controller-manager, scheduler, kwok nodes): the sample
  // WorkerPool's Deployment gets real Ready pods and the BatchJob's Job real pods.
  cluster = await startKubeCluster({ scheduling: true });
  const kube = cluster;
  const kc = loadKubeConfig(kube.kubeconfig);
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  const env = testenv();
  ctl = await startTestController({
    kubeconfig: kube.kubeconfig,
    databaseUrl: await migratedDatabase('ctlsamples'),
    namespace: ns,
    env: { SQS_ENDPOINT: env.sqs.endpoint, AWS_REGION: env.sqs.region },
  });
});

afterAll(async () => {
  await ctl?.stop();
  await cluster?.stop();
});

describe('manifests/samples applied through client-node (kubectl apply -f manifests/samples/)', () => {
  it('when the samples are applied server-side, then the Rules are Ready, the BatchJob runs its Job and the WorkerPool its Deployment', async () => {
    const objects = samples();
    expect(objects.map((o) => o.kind).sort()).toEqual(['BatchJob', 'Rule', 'Rule', 'WorkerPool']);
    for (const obj of objects) {
      const gvr = KINDS[obj.kind ?? ''];
      if (!gvr) throw new Error(`unexpected kind ${String(obj.kind)}`);
      await client.apply(gvr, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
    }

    for (const name of ['high-value', 'payer-velocity']) {
      const rule = await eventually(async () => {
        const r = await client.find<WithConditions>(GVR.rule, { namespace: ns, name });
        return isTrue(r, 'Ready') ? r : undefined;
      }, `Rule ${name} Ready`);
      expect(isTrue(rule, 'Synced')).toBe(true);
    }

    await eventually(async () => {
      const b = await client.find<BatchJobObject>(GVR.batchJob, {
        namespace: ns,
        name: 'backtest-payer-velocity',
      });
      return b?.status?.jobId ? b : undefined;
    }, 'BatchJob linked to its store row');
    const job = await client.get<KubeObject & { spec: { parallelism: number } }>(GVR.job, {
      namespace: ns,
      name: 'backtest-payer-velocity',
    });
    expect(job.spec.parallelism).toBe(4);
    // The Job controller starts the Job's pods (kwok then completes them: no runner runs here, and
    // a Job with no completions count stops creating pods once one has succeeded).
    const runners = await eventually(async () => {
      const pods = await client.list<KubeObject & { metadata: { ownerReferences?: { uid: string }[] } }>(
        { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
        ns,
        { labelSelector: 'batch.kubernetes.io/job-name=backtest-payer-velocity' },
      );
      return pods.items.length >= 1 ? pods.items : undefined;
    }, "the Job's pods");
    expect(runners.every((p) => p.metadata.ownerReferences?.[0]?.uid === job.metadata.uid)).toBe(true);

    // The Deployment controller reports the worker pods kwok made Ready; the pool follows.
    const pool = await eventually(
      async () => {
        const p = await client.find<WorkerPoolObject>(GVR.workerPool, { namespace: ns, name: 'payments' });
        const d = await client.find<DeploymentObject>(GVR.deployment, { namespace: ns, name: 'payments' });
        return isTrue(p, 'Ready') && p?.status?.readyReplicas === d?.spec?.replicas ? p : undefined;
      },
      'WorkerPool Ready',
      60_000,
    );
    expect(pool.status?.readyReplicas).toBeGreaterThanOrEqual(1);
    expect(pool.status?.selector).toBe(
      'app.kubernetes.io/name=payflow-worker,payflow.dev/worker-pool=payments',
    );
  });
});
