import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  loadAllYaml,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';

export const FIELD_MANAGER = 'payflow-controller';
export const CRDS_DIR = join(import.meta.dirname, '..', '..', 'crds');

/**
 * Reads every CustomResourceDefinition in a folder of YAML files, into
 * client-node's typed model: its serializer maps `x-kubernetes-*` and
 * `default` from the model's property names, and would drop them from plain
 * parsed YAML.
 */
export function readCrds(dir: string = CRDS_DIR): V1CustomResourceDefinition[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => loadAllYaml(readFileSync(join(dir, f), 'utf8')) as unknown[])
    .filter(
      (o): o is V1CustomResourceDefinition =>
        (o as KubernetesObject | null)?.kind === 'CustomResourceDefinition',
    );
}

/** Server-side applies objects with the controller's field manager. */
export async function serverSideApply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  return client.patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  return (crd.status?.conditions ?? []).some((c) => c.type === 'Established' && c.status === 'True');
}

/** Applies the CRDs and waits until the API server serves them. */
export async function installCrds(
  kc: KubeConfig,
  crds: V1CustomResourceDefinition[],
  timeoutMs = 30_000,
): Promise<void> {
  for (const crd of crds) await serverSideApply(kc, crd);
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    while (!isEstablished(await api.readCustomResourceDefinition({ name }))) {
      if (Date.now() > deadline)
        throw new Error(`CRD ${name} was not established within ${String(timeoutMs)} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
