// manifests/: the kustomize base (generated from the chart) and its dev and prod overlays, and the
// Argo CD and Flux examples, each built as their tools build them (kustomize, helm template) and
// applied in their order to the test kube-apiserver: namespaces for real (restricted Pod
// Security), everything else as a server-side dry run, with no rejection and no warning.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderBase } from '../../hack/chart/kustomize-base.ts';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import { loadKubeConfig } from '../../controller/src/testing/harness.ts';
import { BASE_DIR } from '../../hack/chart/kustomize-base.ts';
import { chartTools, kustomize, renderChart, repoRoot, type Obj } from '../support/chart.ts';
import { DryRunner, installThirdPartyCrds } from '../support/dry-run.ts';
import { testKube } from '../support/env.ts';

let runner: DryRunner;

beforeAll(async () => {
  const kc = loadKubeConfig(testKube().kubeconfig);
  runner = new DryRunner(kc);
  await installCrds(kc, readCrds());
  await installThirdPartyCrds(runner);
  await chartTools();
}, 900_000);

/**
 * Applies objects in order as a GitOps tool would: Namespaces for real (the dry runs of what
 * goes into them need them to exist), the rest with dryRun=All. Returns the problems.
 */
async function applyInOrder(objs: Obj[], defaultNamespace: string): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objs) {
    const r = o.kind === 'Namespace' ? await runner.apply(o, '') : await runner.dryRun(o, defaultNamespace);
    const what = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (r.status >= 300) problems.push(`${what}: ${String(r.status)} ${r.message}`);
    for (const w of r.warnings) problems.push(`${what}: warning: ${w}`);
  }
  return problems;
}

/** Namespaces first, then CRDs, then everything else: the order kubectl apply -k users get from kustomize. */
const KIND_ORDER = ['Namespace', 'CustomResourceDefinition'];
const ordered = (objs: Obj[]): Obj[] =>
  [...objs].sort((a, b) => {
    const rank = (o: Obj): number => {
      const i = KIND_ORDER.indexOf(o.kind);
      return i === -1 ? KIND_ORDER.length : i;
    };
    return rank(a) - rank(b);
  });

describe('kustomize base and overlays', () => {
  it('when the base is regenerated from the chart, then it equals the committed files', async () => {
    const { helm } = await chartTools();
    for (const [file, content] of Object.entries(renderBase(helm)))
      expect(
        readFileSync(join(BASE_DIR, file), 'utf8'),
        `stale ${file}: run node hack/chart/kustomize-base.ts`,
      ).toBe(content);
  });

  it('when the base is built, then it holds the CRDs of crds/ and the RBAC of the chart', async () => {
    const base = await kustomize('manifests/base');
    const crds = base
      .filter((o) => o.kind === 'CustomResourceDefinition')
      .map((o) => o.metadata.name)
      .sort();
    expect(crds).toEqual(
      readCrds()
        .map((c) => c.metadata?.name)
        .sort(),
    );
    const chart = await renderChart({
      existingSecret: 'payflow',
      sqs: { eventsQueueUrl: 'https://sqs.x/1/q' },
    });
    for (const kind of ['ClusterRole', 'Role'])
      expect(base.find((o) => o.kind === kind)?.rules, kind).toEqual(
        chart.find((o) => o.kind === kind)?.rules,
      );
  });

  it.each([
    ['dev', 'payflow-dev', 1],
    ['prod', 'payflow', 3],
  ])(
    'when overlay %s is built and applied, then it lands in %s with %i api replicas, nothing rejected, no warning',
    async (overlay, ns, apiReplicas) => {
      const objs = await kustomize(`manifests/overlays/${overlay}`);
      const namespaced = objs.filter(
        (o) =>
          !['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
      );
      for (const o of namespaced) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(ns);
      const nsObj = objs.find((o) => o.kind === 'Namespace');
      expect(nsObj?.metadata).toMatchObject({
        name: ns,
        labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
      });
      const crb = objs.find((o) => o.kind === 'ClusterRoleBinding') as Obj & {
        subjects: { namespace: string }[];
      };
      expect(crb.subjects.map((s) => s.namespace)).toEqual([ns]);
      const api = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'payflow-api') as Obj & {
        spec: { replicas: number };
      };
      expect(api.spec.replicas).toBe(apiReplicas);
      expect(await applyInOrder(ordered(objs), ns)).toEqual([]);
    },
  );
});

interface Application extends Obj {
  metadata: Obj['metadata'] & { annotations: Record<string, string> };
  spec: {
    source: { path: string; helm?: { skipCrds?: boolean; releaseName?: string; valuesObject?: unknown } };
    destination: { namespace?: string };
    syncPolicy: { syncOptions: string[]; managedNamespaceMetadata?: { labels: Record<string, string> } };
  };
}

const readApplication = (path: string): Application =>
  parse(readFileSync(join(repoRoot, path), 'utf8')) as Application;

describe('Argo CD example', () => {
  it('when the Applications are synced in wave order, then the CRDs (wave -1, server-side) come before the chart (skipCrds), and every synced object is accepted', async () => {
    const apps = ['manifests/gitops/argocd/payflow-crds.yaml', 'manifests/gitops/argocd/payflow.yaml']
      .map((f) => readApplication(f))
      .sort(
        (a, b) =>
          Number(a.metadata.annotations['argocd.argoproj.io/sync-wave']) -
          Number(b.metadata.annotations['argocd.argoproj.io/sync-wave']),
      );
    const [crdsApp, chartApp] = apps as [Application, Application];
    expect(crdsApp.metadata.name).toBe('payflow-crds');
    expect(crdsApp.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    expect(crdsApp.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(chartApp.spec.source.helm?.skipCrds).toBe(true);

    await runner.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }, '');
    const problems: string[] = [];
    for (const app of apps) {
      problems.push(...(await applyInOrder([app], 'argocd')));
      // What Argo CD syncs for it: kustomize for the CRDs' folder, helm template for the chart.
      if (app.spec.source.helm) {
        const ns = app.spec.destination.namespace ?? 'default';
        const labels = app.spec.syncPolicy.managedNamespaceMetadata?.labels ?? {};
        const objs = await renderChart(app.spec.source.helm.valuesObject, {
          namespace: ns,
          release: app.spec.source.helm.releaseName,
          extra: ['--skip-crds'],
        });
        expect(objs.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
        problems.push(
          ...(await applyInOrder(
            [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }, ...objs],
            ns,
          )),
        );
      } else {
        const objs = await kustomize(app.spec.source.path);
        expect(objs.map((o) => o.kind)).toEqual([
          'CustomResourceDefinition',
          'CustomResourceDefinition',
          'CustomResourceDefinition',
        ]);
        problems.push(...(await applyInOrder(objs, 'default')));
      }
    }
    expect(problems).toEqual([]);
  });
});

interface FluxKustomization extends Obj {
  spec: { path: string; dependsOn?: { name: string }[]; sourceRef: { kind: string; name: string } };
}
interface HelmRelease extends Obj {
  spec: {
    releaseName: string;
    chart: { spec: { chart: string } };
    install: { crds: string };
    upgrade: { crds: string };
    values: unknown;
  };
}

describe('Flux example', () => {
  it('when GitRepository, the CRDs Kustomization and the release Kustomization are applied, then what each reconciles is accepted in dependsOn order', async () => {
    const top = await kustomize('manifests/gitops/flux');
    expect(top.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'GitRepository/payflow',
      'Kustomization/payflow-crds',
      'Kustomization/payflow',
    ]);
    const [, crdsKs, releaseKs] = top as [Obj, FluxKustomization, FluxKustomization];
    expect(releaseKs.spec.dependsOn).toEqual([{ name: 'payflow-crds' }]);
    await runner.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } }, '');
    const problems = await applyInOrder(top, 'flux-system');

    // payflow-crds first: the CRDs folder, as kustomize-controller builds it.
    const crds = await kustomize(crdsKs.spec.path);
    expect(crds.every((o) => o.kind === 'CustomResourceDefinition')).toBe(true);
    problems.push(...(await applyInOrder(crds, 'default')));

    // Then payflow: the namespace and the HelmRelease; then helm-controller's release of the chart.
    const release = await kustomize(releaseKs.spec.path);
    problems.push(...(await applyInOrder(ordered(release), 'payflow')));
    const hr = release.find((o) => o.kind === 'HelmRelease') as HelmRelease;
    expect(hr.spec.install.crds).toBe('CreateReplace');
    expect(hr.spec.upgrade.crds).toBe('CreateReplace');
    expect(hr.spec.chart.spec.chart).toBe('./charts/payflow');
    const ns = hr.metadata.namespace ?? 'payflow';
    const objs = await renderChart(hr.spec.values, { namespace: ns, release: hr.spec.releaseName });
    problems.push(...(await applyInOrder(objs, ns)));
    expect(problems).toEqual([]);
  });
});
