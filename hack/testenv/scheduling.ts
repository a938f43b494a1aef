// The part of a cluster that makes pods happen, for the tests that need it: kube-controller-manager
// (Deployments → ReplicaSets → Pods, Jobs, PodDisruptionBudget status, namespace deletion and the
// garbage collector), kube-scheduler, and the kwok controller with fake nodes, which marks the
// nodes Ready, keeps their leases and moves bound pods to Running and Ready (no container runs).
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureSchedulingBinaries } from './binaries.ts';
import { startProcess, stopChild, waitFor, type Service } from './proc.ts';

export interface FakeNode {
  name: string;
  zone: string;
}

export interface Scheduling {
  /** The fake nodes, one per zone. */
  readonly nodes: readonly FakeNode[];
  /** kwok, kube-scheduler, kube-controller-manager (the order to stop them). */
  readonly services: readonly Service[];
}

export interface SchedulingPlan {
  dir: string;
  kubeconfig: string;
  server: string;
  caFile: string;
  /** The service-account signing key (for the controller-manager's token controller). */
  saKey: string;
  /** A system:masters token. */
  token: string;
  log: (m: string) => void;
  /** Number of fake nodes, spread over as many zones (default 3). */
  nodes?: number;
}

/** Annotation kwok selects its nodes by (as kwokctl's nodes carry). */
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
const ZONES = ['zone-a', 'zone-b', 'zone-c', 'zone-d', 'zone-e'];

async function call(
  p: SchedulingPlan,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${p.server}${path}`,
      {
        method,
        ca: readFileSync(p.caFile),
        headers: {
          authorization: `Bearer ${p.token}`,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text) as unknown;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.end(payload);
  });
}

function fakeNode(n: FakeNode): unknown {
  const resources = { cpu: '8', memory: '32Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': n.zone,
        'topology.kubernetes.io/region': 'test',
        type: 'kwok',
      },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

interface NodeStatus {
  status?: { conditions?: { type: string; status: string }[] };
  spec?: { taints?: { key: string }[] };
}

function isReady(node: unknown): boolean {
  const n = node as NodeStatus;
  const ready = n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  // The node lifecycle controller removes its not-ready taint once it has seen the node Ready.
  const tainted = n.spec?.taints?.some((t) => t.key.startsWith('node.kubernetes.io/')) ?? false;
  return ready && !tainted;
}

/** Starts the controller-manager, the scheduler and kwok, and registers fake nodes that are Ready. */
export async function startScheduling(p: SchedulingPlan): Promise<Scheduling> {
  const bins = await ensureSchedulingBinaries(p.log);
  const services: Service[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of [...services].reverse()) await stopChild(s.child);
  };
  try {
    services.push(
      startProcess({
        name: 'kube-controller-manager',
        command: bins.kubeControllerManager,
        args: [
          ...['--kubeconfig', p.kubeconfig, '--leader-elect=false', '--secure-port=0'],
          ...['--service-account-private-key-file', p.saKey, '--root-ca-file', p.caFile],
          // Tests create and delete at a pace a real cluster's defaults (20/30 QPS) would queue.
          ...['--kube-api-qps=200', '--kube-api-burst=400', '--concurrent-gc-syncs=20'],
          // Node health from kwok's leases; a lost fake node is not a case these tests make.
          '--node-monitor-grace-period=60s',
          '--v=1',
        ],
        logFile: join(p.dir, 'kube-controller-manager.log'),
      }),
    );
    services.push(
      startProcess({
        name: 'kube-scheduler',
        command: bins.kubeScheduler,
        args: [
          ...['--kubeconfig', p.kubeconfig, '--leader-elect=false', '--secure-port=0'],
          ...['--kube-api-qps=200', '--kube-api-burst=400', '--v=1'],
        ],
        logFile: join(p.dir, 'kube-scheduler.log'),
      }),
    );
    const config = join(p.dir, 'kwok.yaml');
    writeFileSync(
      config,
      [
        'apiVersion: config.kwok.x-k8s.io/v1alpha1',
        'kind: KwokConfiguration',
        'options:',
        `  manageNodesWithAnnotationSelector: ${KWOK_ANNOTATION}=fake`,
        '  manageAllNodes: false',
        '  cidr: 10.244.0.0/16',
        '  nodeIP: 10.250.0.1',
        '  nodeLeaseDurationSeconds: 40',
        // kwok's documented defaults, which it does not apply to a configuration file's options.
        '  podPlayStageParallelism: 4',
        '  nodePlayStageParallelism: 4',
        '  nodeLeaseParallelism: 4',
        '  podsOnNodeSyncParallelism: 1',
        '  enablePodsOnNodeSyncListPager: true',
        '  enablePodsOnNodeSyncStreamWatch: false',
        '  enableDebuggingHandlers: false',
        '  enableProfilingHandler: false',
        '  enableContentionProfiling: false',
        '---',
        readFileSync(join(import.meta.dirname, '..', 'kwok', 'stages.yaml'), 'utf8'),
      ].join('\n'),
    );
    services.push(
      startProcess({
        name: 'kwok',
        command: bins.kwok,
        args: ['--kubeconfig', p.kubeconfig, '--config', config, '--server-address', ''],
        // kwok reads ~/.kwok/kwok.yaml unless --config says otherwise; HOME keeps it out of ours.
        env: { ...process.env, HOME: p.dir },
        logFile: join(p.dir, 'kwok.log'),
      }),
    );
    const count = p.nodes ?? 3;
    const nodes = Array.from({ length: count }, (_, i) => ({
      name: `kwok-node-${String(i)}`,
      zone: ZONES[i % ZONES.length] ?? 'zone-a',
    }));
    for (const n of nodes) {
      const r = await call(p, 'POST', '/api/v1/nodes', fakeNode(n));
      if (r.status !== 201)
        throw new Error(`creating node ${n.name}: ${String(r.status)} ${JSON.stringify(r.body)}`);
    }
    for (const n of nodes) {
      const kwok = services[2];
      await waitFor(
        `fake node ${n.name} Ready`,
        async () => isReady((await call(p, 'GET', `/api/v1/nodes/${n.name}`)).body),
        { timeoutMs: 120_000, service: kwok },
      );
    }
    // The controller-manager's service-account controller creates every namespace's `default`.
    await waitFor(
      'kube-controller-manager',
      async () => (await call(p, 'GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      { timeoutMs: 120_000, service: services[0] },
    );
    p.log(`scheduling: ${String(count)} kwok nodes Ready (${nodes.map((n) => n.zone).join(', ')})`);
    return { nodes, services: [...services].reverse() };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
