// Small helpers every reconciler uses: finalizers (added and removed with optimistic locking,
// so that a concurrent writer makes the patch fail with 409 and the key is retried), owner
// references, canonical comparison of status objects, and status writes through /status.
import {
  apiVersionOf,
  type Gvr,
  type KubeClient,
  type KubeObject,
  type OwnerReference,
} from './kube-client.ts';

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Adds `finalizer` (a no-op when present) and returns the object as the server now has it. */
export async function ensureFinalizer<T extends KubeObject>(
  client: KubeClient,
  gvr: Gvr,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const { namespace, name, resourceVersion } = obj.metadata;
  return client.mergePatch<T>(
    gvr,
    { namespace, name },
    {
      metadata: { finalizers: [...(obj.metadata.finalizers ?? []), finalizer], resourceVersion },
    },
  );
}

export async function removeFinalizer(
  client: KubeClient,
  gvr: Gvr,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  const { namespace, name, resourceVersion } = obj.metadata;
  await client.mergePatch(
    gvr,
    { namespace, name },
    {
      metadata: {
        finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer),
        resourceVersion,
      },
    },
  );
}

/** The controller owner reference to put on a child. */
export function controllerRef(gvr: Gvr, owner: KubeObject): OwnerReference {
  return {
    apiVersion: apiVersionOf(gvr),
    kind: gvr.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The name of the controlling owner of `obj` if it is of `kind`. */
export function controllingOwner(obj: KubeObject, kind: string): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true && r.kind === kind)?.name;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Deep equality of JSON values, ignoring key order and undefined members. */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Writes `status` through the status subresource (JSON merge patch), unless it is unchanged. */
export async function patchStatus<S>(
  client: KubeClient,
  gvr: Gvr,
  obj: KubeObject & { status?: S },
  status: S,
): Promise<boolean> {
  if (sameJson(obj.status, status)) return false;
  const { namespace, name } = obj.metadata;
  await client.mergePatch(gvr, { namespace, name, subresource: 'status' }, { status });
  return true;
}
