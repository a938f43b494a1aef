import { ApiextensionsV1Api, CustomObjectsApi, KubeConfig, VersionApi } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { installCrds, readCrds, serverSideApply } from '../../controller/src/crds.ts';
import { testenv, testKube } from '../support/env.ts';

function kubeConfig(): KubeConfig {
  const kube = testKube();
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  return kc;
}

describe('CRDs against a real kube-apiserver', () => {
  it('when asked its version, then kube-apiserver reports the version it was built as', async () => {
    const info = await kubeConfig().makeApiClient(VersionApi).getCode();
    expect(info.gitVersion).toBe(testenv().kube?.version);
  });

  it('when the CRDs are applied server-side, then they are listed back and established', async () => {
    const kc = kubeConfig();
    const crds = readCrds();
    expect(crds.map((c) => c.spec.names.kind).sort()).toEqual(['BatchJob', 'Rule', 'WorkerPool']);
    await installCrds(kc, crds);
    const listed = await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition();
    const ours = listed.items.filter((c) => c.spec.group === 'payflow.dev').map((c) => c.metadata?.name);
    expect(ours.sort()).toEqual(['batchjobs.payflow.dev', 'rules.payflow.dev', 'workerpools.payflow.dev']);
  });

  it('when a Rule is created, then it is listed back; when it is invalid, then admission rejects it', async () => {
    const kc = kubeConfig();
    await installCrds(kc, readCrds());
    const rule = {
      apiVersion: 'payflow.dev/v1alpha1',
      kind: 'Rule',
      metadata: { name: 'high-value', namespace: 'default' },
      spec: {
        action: 'alert',
        severity: 'high',
        definition: { all: [{ field: 'amount_minor', op: 'gte', value: 1_000_000 }] },
      },
    };
    await serverSideApply(kc, rule);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const list = (await custom.listNamespacedCustomObject({
      group: 'payflow.dev',
      version: 'v1alpha1',
      namespace: 'default',
      plural: 'rules',
    })) as { items: { metadata: { name: string }; spec: Record<string, unknown> }[] };
    expect(list.items.map((r) => r.metadata.name)).toContain('high-value');
    const stored = list.items.find((r) => r.metadata.name === 'high-value');
    // Defaults come from the CRD schema; the expression tree is kept whole.
    expect(stored?.spec).toMatchObject({ mode: 'enforce', enabled: true, definition: rule.spec.definition });
    const bad = {
      ...rule,
      metadata: { name: 'bad', namespace: 'default' },
      spec: { ...rule.spec, action: 'explode' },
    };
    await expect(serverSideApply(kc, bad)).rejects.toThrow(/spec\.action/);
  });
});
