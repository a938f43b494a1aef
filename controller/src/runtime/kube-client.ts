// A thin JSON client for the Kubernetes REST API. The generated client-node models re-serialize
// objects (dropping unknown keys, reformatting MicroTime); the controller speaks plain JSON so
// that what it sends is exactly what it means: server-side apply bodies, merge patches on
// /status, Lease records with microsecond times.
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export const FIELD_MANAGER = 'payflow-controller';

/** A group/version/resource, plus the kind for building objects. */
export interface Gvr {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const GVR = {
  rule: { group: 'payflow.dev', version: 'v1alpha1', plural: 'rules', kind: 'Rule' },
  batchJob: { group: 'payflow.dev', version: 'v1alpha1', plural: 'batchjobs', kind: 'BatchJob' },
  workerPool: { group: 'payflow.dev', version: 'v1alpha1', plural: 'workerpools', kind: 'WorkerPool' },
  job: { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job' },
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment' },
  lease: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease' },
  event: { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event' },
} as const satisfies Record<string, Gvr>;

export function apiVersionOf(gvr: Gvr): string {
  return gvr.group === '' ? gvr.version : `${gvr.group}/${gvr.version}`;
}

export interface ObjectRef {
  namespace?: string | undefined;
  name?: string | undefined;
  subresource?: string | undefined;
}

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]`. */
export function resourcePath(gvr: Gvr, ref: ObjectRef = {}): string {
  const base = gvr.group === '' ? `/api/${gvr.version}` : `/apis/${gvr.group}/${gvr.version}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = ref.name ? `/${encodeURIComponent(ref.name)}` : '';
  const sub = ref.name && ref.subresource ? `/${ref.subresource}` : '';
  return `${base}${ns}/${gvr.plural}${name}${sub}`;
}

/** A non-2xx answer from the API server, with its metav1.Status reason and message. */
export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly body: unknown;
  constructor(status: number, reason: string, message: string, body: unknown) {
    super(`${String(status)} ${reason}: ${message}`);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
    this.body = body;
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeError && err.status === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeError && err.status === 409;

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    ownerReferences?: OwnerReference[];
  };
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeList<T> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

type Query = Record<string, string | number | boolean | undefined>;

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorOf(status: number, body: unknown): KubeError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as { reason?: string; message?: string };
  return new KubeError(status, s.reason ?? 'Unknown', s.message ?? String(body), body);
}

export class KubeClient {
  readonly kc: KubeConfig;
  readonly server: URL;
  private options: Promise<RequestOptions> | undefined;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  private async baseOptions(): Promise<RequestOptions> {
    this.options ??= (async () => {
      const opts: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      return opts;
    })();
    return this.options;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const base = await this.baseOptions();
    const payload = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = {
      ...(base.headers as Record<string, string>),
      accept: 'application/json',
    };
    if (payload !== undefined) headers['content-type'] = spec.contentType ?? 'application/json';
    return new Promise<T>((resolve, reject) => {
      const req = httpsRequest(
        {
          ...base,
          headers,
          method: spec.method,
          hostname: this.server.hostname,
          port: this.server.port,
          path: `${this.server.pathname.replace(/\/$/, '')}${spec.path}${queryString(spec.query)}`,
          timeout: spec.timeoutMs ?? 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const body = parseBody(Buffer.concat(chunks).toString('utf8'));
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve(body as T);
            else reject(errorOf(status, body));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request to ${spec.path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async get<T extends KubeObject>(gvr: Gvr, ref: ObjectRef): Promise<T> {
    return this.request<T>({ method: 'GET', path: resourcePath(gvr, ref) });
  }

  /** GET, or undefined when the object does not exist. */
  async find<T extends KubeObject>(gvr: Gvr, ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(gvr, ref);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(gvr: Gvr, namespace?: string, query?: Query): Promise<KubeList<T>> {
    return this.request<KubeList<T>>({ method: 'GET', path: resourcePath(gvr, { namespace }), query });
  }

  async create<T extends KubeObject>(gvr: Gvr, obj: T): Promise<T> {
    return this.request<T>({
      method: 'POST',
      path: resourcePath(gvr, { namespace: obj.metadata.namespace }),
      body: obj,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  async replace<T extends KubeObject>(gvr: Gvr, obj: T): Promise<T> {
    const { namespace, name } = obj.metadata;
    return this.request<T>({
      method: 'PUT',
      path: resourcePath(gvr, { namespace, name }),
      body: obj,
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** JSON merge patch (RFC 7386), of the object or of a subresource such as `status`. */
  async mergePatch<T extends KubeObject>(gvr: Gvr, ref: ObjectRef, patch: unknown): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(gvr, ref),
      body: patch,
      contentType: 'application/merge-patch+json',
      query: { fieldManager: FIELD_MANAGER },
    });
  }

  /** Server-side apply with the controller's one field manager, taking over conflicting fields. */
  async apply<T extends KubeObject>(gvr: Gvr, obj: T, subresource?: string): Promise<T> {
    const { namespace, name } = obj.metadata;
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(gvr, { namespace, name, subresource }),
      body: { apiVersion: apiVersionOf(gvr), kind: gvr.kind, ...obj },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: FIELD_MANAGER, force: true },
    });
  }

  /** DELETE; a missing object counts as deleted. */
  async delete(
    gvr: Gvr,
    ref: ObjectRef,
    propagationPolicy?: 'Background' | 'Foreground' | 'Orphan',
  ): Promise<void> {
    try {
      // As a query parameter: a DeleteOptions body sent by this client was not applied by the
      // API server (seen on kube-apiserver 1.36), so a Job fell back to its default policy,
      // orphan, and would have kept its pods.
      await this.request({
        method: 'DELETE',
        path: resourcePath(gvr, ref),
        query: propagationPolicy ? { propagationPolicy } : undefined,
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
