// What the controller says about itself in its heartbeat (service_heartbeats, written by the
// shared writer of @payflow/api/heartbeat): whether it leads, who holds the Lease as it last saw
// it, and whether it reaches the Kubernetes API server (its version and the latency of GET /version).
import { packageVersion } from '@payflow/api/heartbeat';
import type { KubeClient } from './kube-client.ts';

export const CONTROLLER_VERSION = packageVersion(new URL('../../package.json', import.meta.url));

const PROBE_TIMEOUT_MS = 2000;

export interface KubernetesReport {
  reachable: boolean;
  latency_ms: number;
  version?: string;
  error?: string;
}

/** GET /version: the API server's gitVersion and how long it took to answer. */
export async function probeKubernetes(client: KubeClient): Promise<KubernetesReport> {
  const started = performance.now();
  const latency = (): number => Math.round((performance.now() - started) * 100) / 100;
  try {
    const v = await client.request<{ gitVersion?: string }>({
      method: 'GET',
      path: '/version',
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    return { reachable: true, latency_ms: latency(), version: v.gitVersion ?? 'unknown' };
  } catch (err) {
    return { reachable: false, latency_ms: latency(), error: (err as Error).message };
  }
}

export interface Leadership {
  leading: boolean;
  /** The Lease's holder identity as last seen (this instance's own when election is off). */
  holder: string | undefined;
  /** `namespace/name` of the Lease; undefined when leader election is off. */
  lease: string | undefined;
}

export async function controllerDetails(client: KubeClient, l: Leadership): Promise<Record<string, unknown>> {
  return {
    leader: l.leading,
    lease_holder: l.holder ?? null,
    lease: l.lease ?? null,
    kubernetes: await probeKubernetes(client),
  };
}
