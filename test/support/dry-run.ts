// Server-side dry runs against the test kube-apiserver: each object is server-side applied with
// dryRun=All, as `kubectl apply --server-side --dry-run=server` does, and the answer's Warning
// headers (PodSecurity's "would violate …" among them) are returned with it.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Obj } from './chart.ts';

interface Answer {
  status: number;
  body: unknown;
  warnings: string[];
}

/** `299 - "text"` entries of Warning headers, as text. */
function parseWarnings(header: string | string[] | undefined): string[] {
  const raw = Array.isArray(header) ? header.join(', ') : (header ?? '');
  return [...raw.matchAll(/\d{3} \S+ "((?:[^"\\]|\\.)*)"/g)].map((m) => (m[1] ?? '').replace(/\\"/g, '"'));
}

export class DryRunner {
  private readonly kc: KubeConfig;
  private readonly server: URL;
  private options: Promise<RequestOptions> | undefined;
  private readonly resources = new Map<string, Promise<Map<string, { name: string; namespaced: boolean }>>>();

  constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private async call(method: string, path: string, body?: unknown, contentType?: string): Promise<Answer> {
    this.options ??= (async () => {
      const o: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(o);
      return o;
    })();
    const base = await this.options;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          ...base,
          method,
          hostname: this.server.hostname,
          port: this.server.port,
          path,
          headers: {
            ...(base.headers as Record<string, string>),
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType ?? 'application/json' }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text) as unknown;
            } catch {
              // not JSON
            }
            resolve({
              status: res.statusCode ?? 0,
              body: parsed,
              warnings: parseWarnings(res.headers.warning),
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The resources of a group/version, by kind (discovery, cached). */
  private async resourceOf(apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean }> {
    let list = this.resources.get(apiVersion);
    if (!list) {
      list = (async () => {
        const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
        const a = await this.call('GET', path);
        if (a.status !== 200) throw new Error(`${apiVersion} is not served (${String(a.status)})`);
        const resources = (a.body as { resources: { name: string; kind: string; namespaced: boolean }[] })
          .resources;
        return new Map(
          resources
            .filter((r) => !r.name.includes('/'))
            .map((r) => [r.kind, { name: r.name, namespaced: r.namespaced }]),
        );
      })();
      this.resources.set(apiVersion, list);
    }
    const found = (await list).get(kind);
    if (!found) throw new Error(`${apiVersion} has no kind ${kind}`);
    return found;
  }

  /** Whether discovery lists the kind now (uncached). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    const a = await this.call('GET', `/apis/${apiVersion}`);
    if (a.status !== 200) return false;
    return (a.body as { resources: { kind: string }[] }).resources.some((r) => r.kind === kind);
  }

  /** Forgets discovery (after installing CRDs). */
  forget(): void {
    this.resources.clear();
  }

  private async pathOf(obj: Obj, namespace: string): Promise<{ path: string; ns?: string }> {
    const r = await this.resourceOf(obj.apiVersion, obj.kind);
    const root = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = r.namespaced ? (obj.metadata.namespace ?? namespace) : undefined;
    const scope = ns ? `/namespaces/${encodeURIComponent(ns)}` : '';
    return { path: `${root}${scope}/${r.name}/${encodeURIComponent(obj.metadata.name)}`, ns };
  }

  /**
   * Server-side applies `obj` (into `namespace` when it is namespaced and names none) with
   * dryRun=All; returns the status, the API server's message and its warnings.
   */
  async dryRun(
    obj: Obj,
    namespace: string,
  ): Promise<{ status: number; message: string; warnings: string[] }> {
    return this.apply(obj, namespace, true);
  }

  /** The same, for real (namespaces and prerequisites of a dry run). */
  async apply(
    obj: Obj,
    namespace: string,
    dryRun = false,
  ): Promise<{ status: number; message: string; warnings: string[] }> {
    const { path, ns } = await this.pathOf(obj, namespace);
    const body = { ...obj, metadata: { ...obj.metadata, ...(ns ? { namespace: ns } : {}) } };
    const query = `?fieldManager=payflow-tests&force=true${dryRun ? '&dryRun=All' : ''}`;
    const a = await this.call('PATCH', `${path}${query}`, body, 'application/apply-patch+yaml');
    const message = (a.body as { message?: string } | undefined)?.message ?? '';
    return { status: a.status, message, warnings: a.warnings };
  }

  async createNamespace(name: string, labels: Record<string, string>): Promise<void> {
    const r = await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }, '');
    if (r.status >= 300) throw new Error(`namespace ${name}: ${String(r.status)} ${r.message}`);
  }
}

/** The restricted Pod Security Standard, enforced, warned and audited. */
export const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
} as const;

/**
 * MINIMAL STRUCTURAL SCHEMAS WRITTEN FOR THESE TESTS, not the projects' real CRDs: just enough
 * for the API server to serve the kinds the chart and the GitOps examples use (ServiceMonitor,
 * PrometheusRule, HTTPRoute, Argo CD Application, Flux GitRepository, Kustomization and
 * HelmRelease). Each keeps unknown fields under spec and requires only the fields those projects
 * require, so a dry run checks that the objects reach the API server whole, not that every field
 * is valid to the real controller.
 */
const THIRD_PARTY: {
  group: string;
  version: string;
  kind: string;
  plural: string;
  required: string[];
}[] = [
  {
    group: 'monitoring.coreos.com',
    version: 'v1',
    kind: 'ServiceMonitor',
    plural: 'servicemonitors',
    required: ['endpoints', 'selector'],
  },
  {
    group: 'monitoring.coreos.com',
    version: 'v1',
    kind: 'PrometheusRule',
    plural: 'prometheusrules',
    required: ['groups'],
  },
  {
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    required: [],
  },
  {
    group: 'argoproj.io',
    version: 'v1alpha1',
    kind: 'Application',
    plural: 'applications',
    required: ['destination', 'project'],
  },
  {
    group: 'source.toolkit.fluxcd.io',
    version: 'v1',
    kind: 'GitRepository',
    plural: 'gitrepositories',
    required: ['interval', 'url'],
  },
  {
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    kind: 'Kustomization',
    plural: 'kustomizations',
    required: ['interval', 'prune', 'sourceRef'],
  },
  {
    group: 'helm.toolkit.fluxcd.io',
    version: 'v2',
    kind: 'HelmRelease',
    plural: 'helmreleases',
    required: ['interval'],
  },
];

export function thirdPartyCrds(): Obj[] {
  return THIRD_PARTY.map((t) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${t.plural}.${t.group}`,
      annotations: {
        'payflow.dev/test-fixture': 'minimal structural schema written for the PayFlow tests',
        // Groups under k8s.io must name their API review; Gateway API's CRDs carry this one.
        ...(t.group.endsWith('.k8s.io')
          ? { 'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/2466' }
          : {}),
      },
    },
    spec: {
      group: t.group,
      scope: 'Namespaced',
      names: { kind: t.kind, plural: t.plural, singular: t.kind.toLowerCase(), listKind: `${t.kind}List` },
      versions: [
        {
          name: t.version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                spec: {
                  type: 'object',
                  required: t.required,
                  'x-kubernetes-preserve-unknown-fields': true,
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  }));
}

/** Applies the minimal CRDs (plain JSON: client-node's model would drop x-kubernetes-* keys) and waits until served. */
export async function installThirdPartyCrds(runner: DryRunner): Promise<void> {
  for (const crd of thirdPartyCrds()) {
    const r = await runner.apply(crd, '');
    if (r.status >= 300) throw new Error(`${crd.metadata.name}: ${String(r.status)} ${r.message}`);
  }
  const deadline = Date.now() + 30_000;
  for (const t of THIRD_PARTY) {
    while (!(await runner.serves(`${t.group}/${t.version}`, t.kind))) {
      if (Date.now() > deadline) throw new Error(`${t.kind} is not served`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  runner.forget();
}
