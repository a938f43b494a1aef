// The chart's controller RBAC derived from what the controller really asks the API server for.
// The controller runs as the test environment's unprivileged user, bound (in this file's
// namespace) to exactly the chart's ClusterRole and Role, through a scenario that takes every
// path it has against the Kubernetes API: Rules created and deleted (finalizers), a BatchJob run
// to completion and removed after its TTL (its Job applied, then deleted), a WorkerPool (its
// Deployment applied), Events, and leader election (acquire, renew, release). The API server's
// audit log of that user's requests then gives the permissions used; they must equal the
// permissions granted, so a rule too many or one missing fails here.
import { readFileSync } from 'node:fs';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import { GVR, KubeClient, type Gvr, type KubeObject } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { sqsClient } from '../../hack/testenv/index.ts';
import { BASE_VALUES, chartTools, renderChart, type Obj } from '../support/chart.ts';
import { migratedDatabase, testenv, testKube } from '../support/env.ts';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

interface AuditEvent {
  user: { username: string };
  verb: string;
  stage: string;
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string };
  responseStatus?: { code?: number };
}

/**
 * Granted, but never a request of the controller: clusters running the
 * OwnerReferencesPermissionEnforcement admission plugin check `update` on the owner's
 * finalizers subresource when an owned object sets blockOwnerDeletion.
 */
const ADMISSION_ONLY = new Set([
  'payflow.dev batchjobs/finalizers update',
  'payflow.dev workerpools/finalizers update',
]);

const ns = uniqueName('ctl-derived');
const RBAC = 'rbac.authorization.k8s.io';
const rbac = (plural: string, kind: string): Gvr => ({ group: RBAC, version: 'v1', plural, kind });
let admin: KubeClient;
let ctl: TestController | undefined;
let granted: Set<string>;

const expand = (rules: PolicyRule[]): string[] =>
  rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g} ${res} ${v}`))),
  );

beforeAll(async () => {
  const kube = testKube();
  if (!kube.auditLog)
    throw new Error('this test environment has no audit log: restart it (npm run env:down; npm run env:up)');
  const kc = loadKubeConfig(kube.kubeconfig);
  admin = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(admin, ns);
  await chartTools();
  const chart = await renderChart(BASE_VALUES);
  const clusterRole = chart.find((o) => o.kind === 'ClusterRole') as Obj & { rules: PolicyRule[] };
  const role = chart.find((o) => o.kind === 'Role') as Obj & { rules: PolicyRule[] };
  granted = new Set([...expand(clusterRole.rules), ...expand(role.rules)]);
  await admin.apply(rbac('clusterroles', 'ClusterRole'), {
    metadata: { name: `${ns}-controller` },
    rules: clusterRole.rules,
  } as KubeObject);
  await admin.apply(rbac('roles', 'Role'), {
    metadata: { name: 'leader', namespace: ns },
    rules: role.rules,
  } as KubeObject);
  for (const [name, kind, roleName] of [
    ['controller', 'ClusterRole', `${ns}-controller`],
    ['leader', 'Role', 'leader'],
  ] as const)
    await admin.apply(rbac('rolebindings', 'RoleBinding'), {
      metadata: { name, namespace: ns },
      roleRef: { apiGroup: RBAC, kind, name: roleName },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: 'payflow-restricted' }],
    } as KubeObject);
  const env = testenv();
  const sqs = sqsClient(env.sqs.endpoint, env.sqs.region);
  const queue = uniqueName('derived-queue');
  await sqs.send(new CreateQueueCommand({ QueueName: queue }));
  sqs.destroy();
  ctl = await startTestController({
    kubeconfig: kube.restrictedKubeconfig,
    databaseUrl: await migratedDatabase('ctlderived'),
    namespace: ns,
    env: { SQS_ENDPOINT: env.sqs.endpoint, AWS_REGION: env.sqs.region, BATCH_PROGRESS_SECONDS: '1' },
    manager: { lease: { durationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 300 } },
  });
  await scenario(queue);
}, 300_000);

afterAll(async () => {
  await ctl?.stop();
});

const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** Every path the controller has against the Kubernetes API, once. */
async function scenario(queue: string): Promise<void> {
  const c = ctl!;
  await eventually(async () => Promise.resolve(c.manager.isLeader ? true : undefined), 'leadership');
  // Rule: finalizer and status, an Event (the definition is invalid), then deletion.
  await admin.create(GVR.rule, {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'Rule',
    metadata: { name: 'derived-rule', namespace: ns },
    spec: {
      action: 'alert',
      severity: 'low',
      definition: { field: 'amount_minor', op: 'between', value: 1 },
    },
  } as KubeObject);
  await eventually(async () => {
    const r = await admin.find<KubeObject & { status?: { conditions?: unknown[] } }>(GVR.rule, {
      namespace: ns,
      name: 'derived-rule',
    });
    return r?.status?.conditions?.length ? r : undefined;
  }, 'Rule status');
  await admin.delete(GVR.rule, { namespace: ns, name: 'derived-rule' });
  await eventually(
    async () => ((await admin.find(GVR.rule, { namespace: ns, name: 'derived-rule' })) ? undefined : true),
    'Rule gone',
  );
  // BatchJob: its Job applied, completed (the test plays the Job controller), the BatchJob
  // deleted after its TTL, which deletes the Job and removes the finalizer.
  await admin.create(GVR.batchJob, {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'BatchJob',
    metadata: { name: 'derived-job', namespace: ns },
    spec: {
      type: 'reconcile',
      parameters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      ttlSecondsAfterFinished: 0,
    },
  } as KubeObject);
  await eventually(async () => admin.find(GVR.job, { namespace: ns, name: 'derived-job' }), 'the owned Job');
  const t = now();
  await admin.mergePatch(
    GVR.job,
    { namespace: ns, name: 'derived-job', subresource: 'status' },
    {
      status: {
        startTime: t,
        completionTime: t,
        succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: t, lastProbeTime: t },
          { type: 'Complete', status: 'True', lastTransitionTime: t, lastProbeTime: t },
        ],
      },
    },
  );
  await eventually(
    async () => ((await admin.find(GVR.batchJob, { namespace: ns, name: 'derived-job' })) ? undefined : true),
    'BatchJob deleted after its TTL',
  );
  await eventually(
    async () => ((await admin.find(GVR.job, { namespace: ns, name: 'derived-job' })) ? undefined : true),
    'Job deleted',
  );
  // WorkerPool: its Deployment applied and status written.
  await admin.create(GVR.workerPool, {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: 'derived-pool', namespace: ns },
    spec: { queue: { name: queue }, minReplicas: 1, maxReplicas: 2, pollingIntervalSeconds: 1 },
  } as KubeObject);
  await eventually(async () => {
    const wp = await admin.find<KubeObject & { status?: { desiredReplicas?: number } }>(GVR.workerPool, {
      namespace: ns,
      name: 'derived-pool',
    });
    return wp?.status?.desiredReplicas === 1 ? wp : undefined;
  }, 'WorkerPool status');
  await eventually(
    async () => admin.find(GVR.deployment, { namespace: ns, name: 'derived-pool' }),
    'the Deployment',
  );
  // Leadership renewed at least once, then released on stop.
  const renewed = async (): Promise<string | undefined> =>
    (
      await admin.find<KubeObject & { spec?: { renewTime?: string } }>(GVR.lease, {
        namespace: ns,
        name: 'payflow-controller',
      })
    )?.spec?.renewTime;
  const first = await eventually(renewed, 'the Lease');
  await eventually(async () => ((await renewed()) !== first ? true : undefined), 'a renewal');
  await c.stop();
}

/** The permissions the audit log shows the controller using in this namespace. */
function used(): { permissions: Set<string>; forbidden: string[] } {
  const lines = readFileSync(testKube().auditLog ?? '', 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const events = lines
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter(
      (e) =>
        e.user.username === 'payflow-restricted' &&
        e.objectRef?.namespace === ns &&
        e.stage === 'ResponseComplete',
    );
  const permissions = new Set<string>();
  const forbidden: string[] = [];
  for (const e of events) {
    const ref = e.objectRef ?? {};
    const resource = `${ref.resource ?? ''}${ref.subresource ? `/${ref.subresource}` : ''}`;
    const key = `${ref.apiGroup ?? ''} ${resource} ${e.verb}`;
    if (e.responseStatus?.code === 403) forbidden.push(key);
    permissions.add(key);
    // A server-side apply that creates its object needs `create` as well as `patch`.
    if (e.verb === 'patch' && e.responseStatus?.code === 201)
      permissions.add(`${ref.apiGroup ?? ''} ${resource} create`);
  }
  return { permissions, forbidden };
}

describe("the controller's RBAC, derived from its requests", () => {
  it('when the controller has taken every path, then it was never refused and used exactly the permissions the chart grants', async () => {
    // A watch is audited when it ends (ResponseComplete), which the API server notices a moment
    // after the controller stopped: read the log until those lines are in (or 20 s passed).
    const expected = [...granted].filter((p) => !ADMISSION_ONLY.has(p)).sort();
    await expect
      .poll(() => [...used().permissions].sort(), { timeout: 20_000, interval: 250 })
      .toEqual(expected);
    expect(used().forbidden).toEqual([]);
  });
});
