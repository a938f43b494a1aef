// The demo's Kubernetes side: the product's CRDs installed on the kube-apiserver, and manifests
// (such as manifests/samples/) server-side applied the way `kubectl apply --server-side` does.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  KubeConfig,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { loadCrds } from './product.ts';

/** The field manager of what a person applies through the demo (the controller has its own). */
export const DEMO_FIELD_MANAGER = 'payflow-demo';

export function kubeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

/** Applies the CRDs in crds/ and waits until the API server serves them; returns their names. */
export async function installProductCrds(kubeconfig: string): Promise<string[]> {
  const { readCrds, installCrds } = await loadCrds();
  const crds = readCrds();
  await installCrds(kubeConfig(kubeconfig), crds);
  return crds.map((c) => c.metadata?.name ?? '?');
}

/** The YAML files a path names: the file itself, or a folder's *.yaml (a kustomization aside). */
function yamlFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((f) => (f.endsWith('.yaml') || f.endsWith('.yml')) && !f.startsWith('kustomization.'))
    .sort()
    .map((f) => join(path, f));
}

/** Every Kubernetes object in the YAML files (or folders of them) at `paths`. */
export function readManifests(paths: string[]): KubernetesObject[] {
  return paths
    .flatMap(yamlFiles)
    .flatMap((f) => loadAllYaml(readFileSync(f, 'utf8')) as (KubernetesObject | null)[])
    .filter((o): o is KubernetesObject => o?.kind !== undefined && o.kind !== 'Kustomization');
}

/** Server-side applies objects; namespaced ones without a namespace go to the kubeconfig's (`default`). */
export async function applyManifests(
  kubeconfig: string,
  objects: KubernetesObject[],
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(kubeConfig(kubeconfig));
  const applied: KubernetesObject[] = [];
  for (const obj of objects) {
    applied.push(
      await client.patch(obj, undefined, undefined, DEMO_FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
  }
  return applied;
}
