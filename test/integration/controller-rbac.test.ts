import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { BatchJobObject } from '../../controller/src/reconcilers/batchjob.ts';
import type { RuleObject } from '../../controller/src/reconcilers/rule.ts';
import {
  GVR,
  KubeClient,
  KubeError,
  type Gvr,
  type KubeObject,
} from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { migratedDatabase, testKube } from '../support/env.ts';

// The restricted user of the test environment has no rights of its own. Bound (in this file's
// namespace only) to the roles of manifests/base/controller-rbac.yaml, it must be able to run
// the controller: the RBAC shipped is enough, and nothing outside the namespace is granted.
const ns = uniqueName('ctl-rbac');
const RBAC = 'rbac.authorization.k8s.io';
const gvr = (plural: string, kind: string): Gvr => ({ group: RBAC, version: 'v1', plural, kind });
let admin: KubeClient;
let restricted: KubeClient;
let ctl: TestController;

function manifests(): KubeObject[] {
  const file = join(import.meta.dirname, '..', '..', 'manifests', 'base', 'controller-rbac.yaml');
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject);
}

function binding(name: string, roleKind: string, roleName: string): KubeObject {
  return {
    metadata: { name, namespace: ns },
    roleRef: { apiGroup: RBAC, kind: roleKind, name: roleName },
    subjects: [{ kind: 'User', apiGroup: RBAC, name: 'payflow-restricted' }],
  } as KubeObject;
}

beforeAll(async () => {
  const kube = testKube();
  const kc = loadKubeConfig(kube.kubeconfig);
  admin = new KubeClient(kc);
  restricted = new KubeClient(loadKubeConfig(kube.restrictedKubeconfig));
  await installCrds(kc, readCrds());
  await ensureNamespace(admin, ns);
  const docs = manifests();
  const clusterRole = docs.find((d) => d.kind === 'ClusterRole');
  const role = docs.find((d) => d.kind === 'Role');
  if (!clusterRole || !role) throw new Error('controller-rbac.yaml lacks the ClusterRole or the Role');
  await admin.apply(gvr('clusterroles', 'ClusterRole'), clusterRole);
  await admin.apply(gvr('roles', 'Role'), { ...role, metadata: { ...role.metadata, namespace: ns } });
  await admin.apply(
    gvr('rolebindings', 'RoleBinding'),
    binding('controller', 'ClusterRole', clusterRole.metadata.name),
  );
  await admin.apply(gvr('rolebindings', 'RoleBinding'), binding('leader', 'Role', role.metadata.name));
  ctl = await startTestController({
    kubeconfig: kube.restrictedKubeconfig,
    databaseUrl: await migratedDatabase('ctlrbac'),
    namespace: ns,
  });
});

afterAll(async () => {
  await ctl.stop();
});

describe('controller RBAC from manifests/base', () => {
  it('when the controller runs with only the shipped roles, then it leads, reconciles Rules and BatchJobs, and records Events', async () => {
    await eventually(async () => Promise.resolve(ctl.manager.isLeader ? true : undefined), 'leadership');
    await admin.create(GVR.rule, {
      apiVersion: 'payflow.dev/v1alpha1',
      kind: 'Rule',
      metadata: { name: 'rbac-rule', namespace: ns },
      spec: {
        action: 'alert',
        severity: 'low',
        definition: { field: 'amount_minor', op: 'between', value: 1 },
      },
    } as unknown as RuleObject);
    await eventually(async () => {
      const r = await admin.find<RuleObject>(GVR.rule, { namespace: ns, name: 'rbac-rule' });
      return r?.status?.conditions?.find((c) => c.type === 'Ready' && c.reason === 'InvalidDefinition');
    }, 'Rule status written');
    await admin.create(GVR.batchJob, {
      apiVersion: 'payflow.dev/v1alpha1',
      kind: 'BatchJob',
      metadata: { name: 'rbac-job', namespace: ns },
      spec: { type: 'reconcile', parameters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } },
    } as unknown as BatchJobObject);
    await eventually(async () => admin.find(GVR.job, { namespace: ns, name: 'rbac-job' }), 'the owned Job');
    const events = await eventually(async () => {
      const list = await admin.request<{ items: { reason: string }[] }>({
        method: 'GET',
        path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
      });
      return list.items.length > 0 ? list.items : undefined;
    }, 'events');
    expect(events.map((e) => e.reason)).toContain('InvalidDefinition');
  });

  it('when the same user reaches outside the bound namespace, then it is forbidden', async () => {
    const err = await restricted.list(GVR.rule, 'default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).status).toBe(403);
  });
});
