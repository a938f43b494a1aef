// `helm install --wait`, `helm upgrade --wait` and `helm uninstall` of the chart on a cluster that
// schedules pods: a control plane of its own with kube-controller-manager, kube-scheduler and
// kwok's fake nodes (three, one per zone). No container runs — kwok moves bound pods to Running
// and Ready — so what is proven is the Kubernetes side: the Deployments get ReplicaSets and Pods
// with the images' names, the pods spread over nodes and zones, the PodDisruptionBudgets select
// them and are enforced on eviction, the chart's WorkerPool reaches the PayFlow controller (run
// here in-process, as its pods cannot) whose worker Deployment gets Ready pods, and uninstalling
// lets the garbage collector delete everything the release's objects owned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GVR,
  KubeClient,
  KubeError,
  type Gvr,
  type KubeObject,
} from '../../controller/src/runtime/kube-client.ts';
import type { WorkerPoolObject } from '../../controller/src/reconcilers/workerpool.ts';
import {
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { startKubeCluster, type KubeCluster } from '../../hack/testenv/index.ts';
import { BASE_VALUES, chartDir, chartTools, helm, valuesFile, type RunResult } from '../support/chart.ts';
import { RESTRICTED } from '../support/dry-run.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { createTestQueues } from './worker-support.ts';

const G = {
  namespace: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' },
  secret: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' },
  pod: { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
  node: { group: '', version: 'v1', plural: 'nodes', kind: 'Node' },
  replicaSet: { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet' },
  pdb: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' },
} as const satisfies Record<string, Gvr>;

interface Owned extends KubeObject {
  metadata: KubeObject['metadata'] & {
    uid?: string;
    ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[];
  };
}
interface Pod extends Owned {
  spec: { nodeName?: string; containers: { name: string; image: string }[] };
  status?: { phase?: string; conditions?: { type: string; status: string }[] };
}
interface ReplicaSet extends Owned {
  spec: { replicas: number };
  status?: { replicas?: number; readyReplicas?: number };
}
interface Deployment extends Owned {
  spec: { replicas: number };
  status?: { readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}
interface Pdb extends Owned {
  status?: {
    expectedPods?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptionsAllowed?: number;
  };
}
interface Node extends KubeObject {
  metadata: KubeObject['metadata'] & { labels: Record<string, string> };
}

let cluster: KubeCluster;
let client: KubeClient;
let ctl: TestController | undefined;
let values: Omit<typeof BASE_VALUES, 'sqs'> & { sqs: Record<string, string> };
const ns = uniqueName('helm');
const release = 'payflow';
const zoneOf = new Map<string, string>();

async function helmIn(args: string[]): Promise<RunResult> {
  return helm([...args, '--namespace', ns], { KUBECONFIG: cluster.kubeconfig });
}

function expectOk(r: RunResult, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${String(r.code)}:\n${r.stderr}\n${r.stdout}`);
}

const byLabel = (component: string): string =>
  `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`;

async function list<T extends KubeObject>(gvr: Gvr, selector?: string): Promise<T[]> {
  return (await client.list<T>(gvr, ns, selector ? { labelSelector: selector } : undefined)).items;
}

const ready = (p: Pod): boolean =>
  p.status?.phase === 'Running' &&
  (p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

function ownerOf(o: Owned): { kind: string; name: string; uid: string } | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** Evicts a pod through the eviction API (what `kubectl drain` calls); the HTTP status. */
async function evict(pod: Pod): Promise<number> {
  try {
    await client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/eviction`,
      body: {
        apiVersion: 'policy/v1',
        kind: 'Eviction',
        metadata: { name: pod.metadata.name, namespace: ns },
      },
    });
    return 201;
  } catch (err) {
    if (err instanceof KubeError) return err.status;
    throw err;
  }
}

/** The component's pods once `want` of them are Running and Ready (and no others are left). */
async function readyPods(component: string, want: number): Promise<Pod[]> {
  return eventually(
    async () => {
      const pods = (await list<Pod>(G.pod, byLabel(component))).filter((p) => !p.metadata.deletionTimestamp);
      return pods.length === want && pods.every(ready) ? pods : undefined;
    },
    `${String(want)} ${component} pods Ready`,
    120_000,
  );
}

function expectSpread(pods: Pod[]): void {
  const nodes = pods.map((p) => p.spec.nodeName ?? '');
  expect(nodes.every((n) => zoneOf.has(n))).toBe(true);
  // Soft (ScheduleAnyway) constraints on both keys: with a node per zone free, each pod its own.
  expect(new Set(nodes).size).toBe(pods.length);
  expect(new Set(nodes.map((n) => zoneOf.get(n))).size).toBe(pods.length);
}

beforeAll(async () => {
  const [c] = await Promise.all([
    startKubeCluster({
      scheduling: true,
      log: (m) => {
        process.stdout.write(`[kube] ${m}\n`);
      },
    }),
    chartTools(),
  ]);
  cluster = c;
  client = new KubeClient(loadKubeConfig(cluster.kubeconfig));
  // The WorkerPool's queue on the test environment's SQS endpoint, so that the controller reads
  // a real backlog: a queue of its own, empty, which other files' messages do not scale.
  const sqs = testenv().sqs;
  const sqsClient = createSqsClient({ region: sqs.region, endpoint: sqs.endpoint });
  const queues = await createTestQueues(sqsClient);
  sqsClient.destroy();
  values = {
    ...BASE_VALUES,
    sqs: { region: sqs.region, eventsQueueUrl: queues.events, eventsDlqUrl: queues.dlq },
  };
  for (const n of (await client.list<Node>(G.node)).items)
    zoneOf.set(n.metadata.name, n.metadata.labels['topology.kubernetes.io/zone'] ?? '');
  await client.create(G.namespace, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: RESTRICTED },
  });
  // What the platform team creates before installing: every credential from an existingSecret.
  await client.create(G.secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BASE_VALUES.existingSecret, namespace: ns },
    stringData: {
      DATABASE_URL: 'postgres://payflow@postgres.payflow.svc:5432/payflow',
      REDIS_URL: 'redis://redis.payflow.svc:6379',
    },
  } as KubeObject);
}, 1_800_000);

afterAll(async () => {
  await ctl?.stop();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await cluster?.stop();
});

describe('helm install, upgrade and uninstall on a cluster that schedules pods (kwok nodes)', () => {
  it('when the chart is installed with --wait, then each Deployment has a ReplicaSet of Ready pods with the images, spread over nodes and zones, and its PodDisruptionBudget counts them', async () => {
    const installed = await helmIn([
      'install',
      release,
      chartDir,
      '-f',
      valuesFile(BASE_VALUES),
      '--wait',
      '--timeout',
      '5m',
    ]);
    expectOk(installed, 'helm install');
    // The WorkerPool is a hook on this first install, which an uninstall would leave: the notes say
    // how to delete it.
    expect(installed.stdout).toContain(`kubectl -n ${ns} delete workerpool ${release}-worker`);
    for (const [component, image] of [
      ['api', 'ghcr.io/payflow/payflow-api:0.1.0'],
      ['controller', 'ghcr.io/payflow/payflow-controller:0.1.0'],
    ] as const) {
      // --wait returned: helm saw the Deployments' pods ready, so they are already.
      const deployment = await client.get<Deployment>(GVR.deployment, {
        namespace: ns,
        name: `${release}-${component}`,
      });
      expect(deployment.spec.replicas).toBe(2);
      expect(deployment.status).toMatchObject({ readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 });
      const sets = await list<ReplicaSet>(G.replicaSet, byLabel(component));
      expect(sets).toHaveLength(1);
      expect(ownerOf(sets[0]!)).toMatchObject({ kind: 'Deployment', uid: deployment.metadata.uid });
      const pods = await readyPods(component, 2);
      for (const p of pods) {
        expect(ownerOf(p)).toMatchObject({ kind: 'ReplicaSet', uid: sets[0]!.metadata.uid });
        expect(p.spec.containers.map((c) => c.image)).toEqual([image]);
      }
      expectSpread(pods);
    }

    // The disruption controller's view: api keeps one (minAvailable 1), controller loses one at most.
    const pdb = async (name: string, want: Pdb['status']) =>
      eventually(async () => {
        const p = await client.get<Pdb>(G.pdb, { namespace: ns, name });
        return p.status?.disruptionsAllowed === want?.disruptionsAllowed &&
          p.status?.currentHealthy === want?.currentHealthy
          ? p
          : undefined;
      }, `PodDisruptionBudget ${name}`);
    expect((await pdb(`${release}-api`, { currentHealthy: 2, disruptionsAllowed: 1 })).status).toMatchObject({
      expectedPods: 2,
      desiredHealthy: 1,
    });
    expect(
      (await pdb(`${release}-controller`, { currentHealthy: 2, disruptionsAllowed: 1 })).status,
    ).toMatchObject({ expectedPods: 2, desiredHealthy: 1 });

    // An eviction the budget allows goes through, and the ReplicaSet replaces the pod.
    const [victim] = await readyPods('api', 2);
    expect(await evict(victim!)).toBe(201);
    const after = await eventually(async () => {
      const pods = await readyPods('api', 2);
      return pods.some((p) => p.metadata.name === victim!.metadata.name) ? undefined : pods;
    }, 'a replacement api pod');
    expect(after).toHaveLength(2);
  }, 180_000);

  it("when the PayFlow controller runs against the release's namespace, then the chart's WorkerPool gets a worker Deployment whose pods become Ready, and the pool reports them", async () => {
    // A first install with the CRDs in the release: the pool came right after them, as a hook.
    const wp = await client.get<WorkerPoolObject>(GVR.workerPool, {
      namespace: ns,
      name: `${release}-worker`,
    });
    expect(wp.metadata.annotations?.['helm.sh/hook']).toBe('post-install');
    // The chart's controller pods do not run under kwok: the controller runs here, configured as
    // the chart configures it.
    const rendered = await client.get<
      Deployment & {
        spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } };
      }
    >(GVR.deployment, { namespace: ns, name: `${release}-controller` });
    const env = Object.fromEntries(
      (rendered.spec.template.spec.containers[0]?.env ?? [])
        .filter((e) => e.name.startsWith('WORKER_') && e.value !== undefined)
        .map((e) => [e.name, e.value ?? '']),
    );
    expect(env.WORKER_IMAGE).toBe('ghcr.io/payflow/payflow-worker:0.1.0');
    ctl = await startTestController({
      kubeconfig: cluster.kubeconfig,
      databaseUrl: await migratedDatabase('helmctl'),
      namespace: ns,
      env: { ...env, SQS_ENDPOINT: testenv().sqs.endpoint, AWS_REGION: testenv().sqs.region },
    });
    type Pool = WorkerPoolObject & {
      status?: { readyReplicas?: number; conditions?: { type: string; status: string }[] };
    };
    // Ready at the replicas the controller chose (minReplicas 1 for the empty queue),
    // from the status the Deployment controller wrote from kwok's Ready pods, not this test.
    const { pool, deployment } = await eventually(
      async () => {
        const p = await client.find<Pool>(GVR.workerPool, { namespace: ns, name: `${release}-worker` });
        const d = await client.find<Deployment>(GVR.deployment, { namespace: ns, name: `${release}-worker` });
        const isReady =
          p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
        return p && d && isReady && p.status?.readyReplicas === d.spec.replicas
          ? { pool: p, deployment: d }
          : undefined;
      },
      'WorkerPool Ready at its Deployment replicas',
      90_000,
    );
    expect(ownerOf(deployment)).toMatchObject({ kind: 'WorkerPool', uid: pool.metadata.uid });
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(1);
    // Counted against the Deployment's replicas as they are at each look, should the controller
    // scale again meanwhile.
    const selector = `payflow.dev/worker-pool=${release}-worker`;
    const pods = await eventually(
      async () => {
        const d = await client.find<Deployment>(GVR.deployment, { namespace: ns, name: `${release}-worker` });
        const ps = (await list<Pod>(G.pod, selector)).filter((p) => !p.metadata.deletionTimestamp);
        return d && ps.length > 0 && ps.length === d.spec.replicas && ps.every(ready) ? ps : undefined;
      },
      "the worker pods Ready at the Deployment's replicas",
      120_000,
    );
    expect(pods.every((p) => p.spec.containers[0]?.image === 'ghcr.io/payflow/payflow-worker:0.1.0')).toBe(
      true,
    );
  }, 180_000);

  it('when the release is upgraded to a new image and three api replicas with minAvailable 3, then a new ReplicaSet rolls out over all three zones and the budget refuses an eviction', async () => {
    const upgrade = {
      ...values,
      api: { replicas: 3, image: { tag: '0.1.1' }, podDisruptionBudget: { minAvailable: 3 } },
    };
    expectOk(
      await helmIn(['upgrade', release, chartDir, '-f', valuesFile(upgrade), '--wait', '--timeout', '5m']),
      'helm upgrade',
    );
    const pods = await readyPods('api', 3);
    expect(pods.map((p) => p.spec.containers[0]?.image)).toEqual(
      Array(3).fill('ghcr.io/payflow/payflow-api:0.1.1'),
    );
    expectSpread(pods);
    const sets = await list<ReplicaSet>(G.replicaSet, byLabel('api'));
    expect(sets.map((s) => s.spec.replicas).sort()).toEqual([0, 3]);
    const current = sets.find((s) => s.spec.replicas === 3);
    for (const p of pods) expect(ownerOf(p)?.uid).toBe(current?.metadata.uid);

    await eventually(async () => {
      const p = await client.get<Pdb>(G.pdb, { namespace: ns, name: `${release}-api` });
      return p.status?.currentHealthy === 3 && p.status.disruptionsAllowed === 0 ? p : undefined;
    }, 'api PodDisruptionBudget at 3 healthy, none allowed');
    expect(await evict(pods[0]!)).toBe(429);
    expect((await readyPods('api', 3)).map((p) => p.metadata.name).sort()).toEqual(
      pods.map((p) => p.metadata.name).sort(),
    );

    // The CRD served, the upgrade rendered the pool as an ordinary object and adopted it.
    const manifest = await helmIn(['get', 'manifest', release]);
    expectOk(manifest, 'helm get manifest');
    expect(manifest.stdout).toContain('kind: WorkerPool');
    const adopted = await client.get<WorkerPoolObject>(GVR.workerPool, {
      namespace: ns,
      name: `${release}-worker`,
    });
    expect(adopted.metadata.annotations?.['helm.sh/hook']).toBeUndefined();

    const history = await helmIn(['history', release, '-o', 'json']);
    expectOk(history, 'helm history');
    expect(
      (JSON.parse(history.stdout) as { revision: number; status: string }[]).map((h) => h.status),
    ).toEqual(['superseded', 'deployed']);
  }, 180_000);

  it('when the release is uninstalled, then the garbage collector deletes what its objects owned (the worker Deployment of the WorkerPool, every ReplicaSet and Pod), the CRDs stay, and the namespace can be deleted', async () => {
    const owned = [...(await list<ReplicaSet>(G.replicaSet)), ...(await list<Pod>(G.pod))];
    // api (two ReplicaSets, three pods), controller (one, two), worker (one, one).
    expect(owned.length).toBeGreaterThanOrEqual(10);
    expect(await client.find(GVR.deployment, { namespace: ns, name: `${release}-worker` })).toBeDefined();
    expectOk(await helmIn(['uninstall', release, '--wait', '--timeout', '5m']), 'helm uninstall');
    // helm deletes what it rendered; what those objects owned is the garbage collector's work. It
    // learns of kinds added since it started (the WorkerPool CRD) on its 30 s discovery resync,
    // so the WorkerPool's Deployment can take that long to go.
    const left = await eventually(
      async () => {
        const rest = [...(await list<ReplicaSet>(G.replicaSet)), ...(await list<Pod>(G.pod))];
        return rest.length === 0 ? rest : undefined;
      },
      'ReplicaSets and Pods garbage-collected',
      120_000,
    );
    expect(left).toEqual([]);
    // The worker Deployment was the controller's, owned by the WorkerPool helm deleted.
    expect(await client.find(GVR.workerPool, { namespace: ns, name: `${release}-worker` })).toBeUndefined();
    expect(await client.find(GVR.deployment, { namespace: ns, name: `${release}-worker` })).toBeUndefined();
    // crds.keep: uninstalling keeps the CRDs (and so every Rule, BatchJob and WorkerPool).
    const crd = await client.find(
      {
        group: 'apiextensions.k8s.io',
        version: 'v1',
        plural: 'customresourcedefinitions',
        kind: 'CustomResourceDefinition',
      },
      { name: 'workerpools.payflow.dev' },
    );
    expect(crd).toBeDefined();
    // The namespace controller empties and removes the namespace (without it, it stays Terminating).
    await client.delete(G.namespace, { name: ns });
    await eventually(
      async () => ((await client.find(G.namespace, { name: ns })) ? undefined : true),
      `namespace ${ns} deleted`,
      120_000,
    );
  }, 180_000);
});
