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
import { migratedDatabase, testenv, testKube } from '../support/env.ts';

const SAMPLES = join(import.meta.dirname, '..', '..', 'manifests', 'samples');
const ns = uniqueName('ctl-samples');
let client: KubeClient;
let ctl: TestController;

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
  const kube = testKube();
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
  await ctl.stop();
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

    const bj = await eventually(async () => {
      const b = await client.find<BatchJobObject>(GVR.batchJob, {
        namespace: ns,
        name: 'backtest-payer-velocity',
      });
      return b?.status?.jobId ? b : undefined;
    }, 'BatchJob linked to its store row');
    expect(bj.status?.phase).toBe('Pending');
    const job = await client.get<KubeObject & { spec: { parallelism: number } }>(GVR.job, {
      namespace: ns,
      name: 'backtest-payer-velocity',
    });
    expect(job.spec.parallelism).toBe(4);

    // No controller-manager: the test reports the Deployment's pods ready at the desired count.
    const pool = await eventually(async () => {
      const p = await client.find<WorkerPoolObject>(GVR.workerPool, { namespace: ns, name: 'payments' });
      const desired = p?.status?.desiredReplicas;
      if (desired === undefined) return undefined;
      const d = await client.get<DeploymentObject>(GVR.deployment, { namespace: ns, name: 'payments' });
      const want = d.spec?.replicas ?? desired;
      if (d.status?.readyReplicas !== want)
        await client.mergePatch(
          GVR.deployment,
          { namespace: ns, name: 'payments', subresource: 'status' },
          {
            status: { replicas: want, readyReplicas: want, availableReplicas: want, updatedReplicas: want },
          },
        );
      return isTrue(p, 'Ready') ? p : undefined;
    }, 'WorkerPool Ready');
    expect(pool.status?.readyReplicas).toBeGreaterThanOrEqual(1);
    expect(pool.status?.selector).toBe(
      'app.kubernetes.io/name=payflow-worker,payflow.dev/worker-pool=payments',
    );
  });
});
