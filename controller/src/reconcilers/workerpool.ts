// WorkerPool: own the worker Deployment (server-side apply of the pod template with the required
// queue and concurrency settings), poll the queue every pollingIntervalSeconds on its own timer,
// set the Deployment's replicas from the scaling decision, and report backlog, rates, replicas
// and the Active / Ready / Fallback conditions, plus replicas and selector for the scale
// subresource. With a database, each pool's spec and status are mirrored into Postgres
// (worker_pools) with a sample of backlog against replicas per poll (worker_pool_samples, two
// hours kept), which the API reads without cluster credentials; a deleted pool is removed there.
import type { Condition, WorkerPool, WorkerPoolStatus } from '@payflow/api/crd';
import { workerPoolSpecSchema } from '@payflow/api/crd';
import type pg from 'pg';
import type { Logger } from 'pino';
import { setCondition, type ConditionInput } from '../runtime/conditions.ts';
import type { Reconciler, Request, Result } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { ControllerMetrics } from '../runtime/metrics.ts';
import { GVR, type KubeClient, type KubeObject } from '../runtime/kube-client.ts';
import { controllerRef, patchStatus } from '../runtime/objects.ts';
import { backlogOf, decide, newPoolMemory, type PoolMemory, type ScaleDecision } from './scaling.ts';
import type { QueueDepth, SqsMetricsReader } from './sqs-metrics.ts';

export type WorkerPoolObject = KubeObject & Pick<WorkerPool, 'spec' | 'status'>;

export interface DeploymentObject extends KubeObject {
  spec?: { replicas?: number; template?: unknown };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

export interface WorkerPoolReconcilerDeps {
  client: KubeClient;
  pool?: pg.Pool;
  events: EventRecorder;
  log: Logger;
  image: string;
  secretName: string;
  sqs: SqsMetricsReader;
  /** Where the pool's backlog, dead letters and replicas are exported (the manager's metrics). */
  metrics?: Pick<ControllerMetrics, 'pool' | 'forgetPool'>;
  /** A monotonic clock in ms (tests may pass their own). */
  now?: () => number;
}

type Json = Record<string, unknown>;
interface Container extends Json {
  name: string;
  env?: { name: string }[];
}

const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'payflow-controller' };

export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'payflow-worker', 'payflow.dev/worker-pool': name };
}

export function selectorString(name: string): string {
  return Object.entries(selectorLabels(name))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

const asObject = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

/** The worker container: the user's container named `worker` (or the first) merged over ours. */
function workerContainer(user: Container | undefined, ours: Container): Container {
  if (!user) return ours;
  const names = new Set((ours.env ?? []).map((e) => e.name));
  return {
    ...ours,
    ...user,
    name: user.name,
    args: ours.args,
    env: [...(user.env ?? []).filter((e) => !names.has(e.name)), ...(ours.env ?? [])],
  };
}

/** The pool's queue and dead-letter queue, resolved to URLs where they were given by name. */
export interface QueueUrls {
  events: string | undefined;
  deadLetter: string | undefined;
}

/** spec.template merged with the required labels, image, args and environment. */
export function podTemplate(
  wp: WorkerPoolObject,
  queues: QueueUrls,
  d: { image: string; secretName: string },
): Json {
  const user = asObject(wp.spec.template);
  const meta = asObject(user.metadata);
  const spec = asObject(user.spec);
  const containers = (Array.isArray(spec.containers) ? spec.containers : []) as Container[];
  const i = Math.max(
    0,
    containers.findIndex((c) => c.name === 'worker'),
  );
  // The worker's own configuration names (worker/src/config.ts); the rest comes from the Secret.
  const env = [
    ...(queues.events === undefined ? [] : [{ name: 'SQS_EVENTS_QUEUE_URL', value: queues.events }]),
    ...(queues.deadLetter === undefined ? [] : [{ name: 'SQS_EVENTS_DLQ_URL', value: queues.deadLetter }]),
    ...(wp.spec.queue.region === undefined ? [] : [{ name: 'AWS_REGION', value: wp.spec.queue.region }]),
    { name: 'CONCURRENCY', value: String(wp.spec.concurrencyPerReplica) },
  ];
  const ours: Container = {
    name: 'worker',
    image: d.image,
    command: ['payflow-worker'],
    args: ['run'],
    env,
    envFrom: [{ secretRef: { name: d.secretName, optional: true } }],
  };
  const merged = [...containers];
  merged[i] = workerContainer(containers[i], ours);
  return {
    metadata: { ...meta, labels: { ...asObject(meta.labels), ...selectorLabels(wp.metadata.name) } },
    spec: { terminationGracePeriodSeconds: 60, ...spec, containers: merged },
  };
}

export function desiredDeployment(wp: WorkerPoolObject, replicas: number, template: Json): DeploymentObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: wp.metadata.name,
      namespace: wp.metadata.namespace,
      labels: { ...MANAGED_BY, ...selectorLabels(wp.metadata.name) },
      ownerReferences: [controllerRef(GVR.workerPool, wp)],
    },
    spec: {
      replicas,
      selector: { matchLabels: selectorLabels(wp.metadata.name) },
      template,
    } as DeploymentObject['spec'],
  };
}

function conditionInputs(decision: ScaleDecision, ready: number, spec: WorkerPool['spec']): ConditionInput[] {
  const backlog = decision.backlog === undefined ? 'unknown' : String(decision.backlog);
  return [
    decision.active
      ? {
          type: 'Active',
          status: 'True',
          reason: 'BacklogAboveActivation',
          message: `backlog ${backlog} > ${spec.activationBacklog}`,
        }
      : {
          type: 'Active',
          status: 'False',
          reason: 'BacklogBelowActivation',
          message: `backlog ${backlog} ≤ ${spec.activationBacklog}`,
        },
    ready >= decision.desired
      ? {
          type: 'Ready',
          status: 'True',
          reason: 'ReplicasReady',
          message: `${ready}/${decision.desired} replicas ready`,
        }
      : {
          type: 'Ready',
          status: 'False',
          reason: 'ReplicasNotReady',
          message: `${ready}/${decision.desired} replicas ready`,
        },
    decision.fallback
      ? { type: 'Fallback', status: 'True', reason: 'QueueUnreadable', message: decision.reason }
      : {
          type: 'Fallback',
          status: 'False',
          reason: decision.backlog === undefined ? 'ReadFailing' : 'QueueReadable',
          message: '',
        },
  ];
}

const milli = (rate: number | undefined): number | undefined =>
  rate === undefined ? undefined : Math.round(rate * 1000);

function currentReplicas(wp: WorkerPoolObject, deployment: DeploymentObject | undefined): number {
  return deployment?.spec?.replicas ?? wp.status?.desiredReplicas ?? wp.spec.minReplicas;
}

interface Observation {
  decision: ScaleDecision;
  depth: QueueDepth | undefined;
  current: number;
  deployment: DeploymentObject;
}

function rates(decision: ScaleDecision): Pick<WorkerPoolStatus, 'arrivalRateMilli' | 'drainRateMilli'> {
  return {
    ...(decision.arrivalRate === undefined ? {} : { arrivalRateMilli: milli(decision.arrivalRate) }),
    ...(decision.drainRate === undefined ? {} : { drainRateMilli: milli(decision.drainRate) }),
  };
}

/** The status to show: backlog, rates, replicas, the last scale and the conditions. */
export function poolStatus(wp: WorkerPoolObject, o: Observation): WorkerPoolStatus {
  const { decision, depth } = o;
  const ready = o.deployment.status?.readyReplicas ?? 0;
  const gen = wp.metadata.generation;
  const conditions = conditionInputs(decision, ready, wp.spec).reduce<Condition[]>(
    (list, c) => setCondition(list, c, gen),
    wp.status?.conditions ?? [],
  );
  const scale =
    decision.desired !== o.current
      ? {
          lastScaleTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          lastScaleReason: decision.reason.slice(0, 1024),
        }
      : {};
  return {
    ...wp.status,
    observedGeneration: gen,
    conditions,
    replicas: o.deployment.status?.replicas ?? 0,
    selector: selectorString(wp.metadata.name),
    desiredReplicas: decision.desired,
    readyReplicas: ready,
    ...(depth ? { backlog: depth } : {}),
    ...rates(decision),
    ...scale,
  };
}

/** Samples closer together than this are not recorded (a pool may poll every second). */
const SAMPLE_EVERY_SECONDS = 5;

export interface PoolMirror {
  status: WorkerPoolStatus;
  queues: QueueUrls;
  /** The depth just read (undefined when the read failed: the sample has no backlog). */
  depth: QueueDepth | undefined;
}

/** Upserts the pool's spec and status and records a backlog / replicas sample. */
export async function mirrorWorkerPool(db: pg.Pool, wp: WorkerPoolObject, seen: PoolMirror): Promise<void> {
  const { status, queues, depth } = seen;
  const ns = wp.metadata.namespace ?? 'default';
  const name = wp.metadata.name;
  const backlog = depth ? backlogOf(wp.spec, depth) : null;
  const sample = [backlog, depth?.deadLetter ?? null, status.desiredReplicas ?? 0, status.readyReplicas ?? 0];
  await db.query(
    `with up as (
       insert into worker_pools (namespace, name, uid, generation, spec, status, queue_url, dlq_url, observed_at)
       values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, now())
       on conflict (namespace, name) do update set uid = excluded.uid, generation = excluded.generation,
         spec = excluded.spec, status = excluded.status, queue_url = excluded.queue_url,
         dlq_url = excluded.dlq_url, observed_at = now()
       returning namespace, name)
     insert into worker_pool_samples (namespace, name, at, backlog, dead_letter, desired, ready)
     select namespace, name, now(), $9, $10, $11, $12 from up
      where not exists (select 1 from worker_pool_samples s where s.namespace = $1 and s.name = $2
                          and s.at > now() - make_interval(secs => $13))`,
    [
      ns,
      name,
      wp.metadata.uid ?? '',
      wp.metadata.generation ?? null,
      JSON.stringify(wp.spec),
      JSON.stringify(status),
      ...[queues.events, queues.deadLetter].map((u) => u ?? null),
      ...sample,
      SAMPLE_EVERY_SECONDS,
    ],
  );
  await db.query(
    `delete from worker_pool_samples where namespace = $1 and name = $2 and at < now() - interval '2 hours'`,
    [ns, name],
  );
}

export class WorkerPoolReconciler implements Reconciler {
  readonly name = 'workerpool';
  private readonly d: WorkerPoolReconcilerDeps;
  private readonly memory = new Map<string, PoolMemory>();

  constructor(deps: WorkerPoolReconcilerDeps) {
    this.d = deps;
  }

  private now(): number {
    return this.d.now?.() ?? performance.now();
  }

  async reconcile(req: Request): Promise<Result | undefined> {
    const key = `${req.namespace}/${req.name}`;
    const wp = await this.d.client.find<WorkerPoolObject>(GVR.workerPool, req);
    if (!wp || wp.metadata.deletionTimestamp !== undefined) {
      // The Deployment is owned: the garbage collector removes it with the pool.
      this.memory.delete(key);
      await this.forget(req);
      this.d.metrics?.forgetPool(req.namespace, req.name);
      return undefined;
    }
    const spec = workerPoolSpecSchema.parse(wp.spec);
    const typed: WorkerPoolObject = { ...wp, spec };
    const [depth, queues] = await this.readQueue(typed);
    const deployment = await this.d.client.find<DeploymentObject>(GVR.deployment, req);
    const current = currentReplicas(typed, deployment);
    const ready = deployment?.status?.readyReplicas ?? 0;
    const decision = decide(this.memoryOf(key), { spec, now: this.now(), depth, current, ready });
    const applied = await this.d.client.apply<DeploymentObject>(
      GVR.deployment,
      desiredDeployment(typed, decision.desired, podTemplate(typed, queues, this.d)),
    );
    const observation = { decision, depth, current, deployment: applied };
    await this.writeStatus(typed, observation);
    await this.mirror(typed, { status: poolStatus(typed, observation), queues, depth });
    this.d.metrics?.pool(req.namespace, req.name, {
      backlog: decision.backlog,
      deadLetter: depth?.deadLetter,
      desiredReplicas: decision.desired,
      maxReplicas: spec.maxReplicas,
    });
    return { requeueAfterMs: spec.pollingIntervalSeconds * 1000 };
  }

  /** Mirrors the pool into Postgres; a failure is logged, never fails the reconcile. */
  private async mirror(wp: WorkerPoolObject, seen: PoolMirror): Promise<void> {
    const db = this.d.pool;
    if (!db) return;
    try {
      await mirrorWorkerPool(db, wp, seen);
    } catch (err) {
      this.d.log.warn({ err, pool: wp.metadata.name }, 'could not mirror the worker pool into Postgres');
    }
  }

  private async forget(req: Request): Promise<void> {
    await this.d.pool
      ?.query('delete from worker_pools where namespace = $1 and name = $2', [req.namespace, req.name])
      .catch((err: unknown) => {
        this.d.log.warn({ err, pool: req.name }, 'could not remove the worker pool from Postgres');
      });
  }

  private memoryOf(key: string): PoolMemory {
    const mem = this.memory.get(key) ?? newPoolMemory();
    this.memory.set(key, mem);
    return mem;
  }

  private async readQueue(wp: WorkerPoolObject): Promise<[QueueDepth | undefined, QueueUrls]> {
    const { queue } = wp.spec;
    try {
      const events = await this.d.sqs.url(queue, queue.region);
      const deadLetter = queue.deadLetterQueue
        ? await this.d.sqs.url(queue.deadLetterQueue, queue.region)
        : undefined;
      return [await this.d.sqs.read(queue), { events, deadLetter }];
    } catch (err) {
      this.d.log.warn({ err, pool: wp.metadata.name }, 'could not read the queue depth');
      return [undefined, { events: queue.url, deadLetter: queue.deadLetterQueue?.url }];
    }
  }

  private async writeStatus(wp: WorkerPoolObject, o: Observation): Promise<void> {
    const { decision } = o;
    const old = wp.status;
    const scaled = decision.desired !== o.current;
    await patchStatus(this.d.client, GVR.workerPool, wp, poolStatus(wp, o));
    if (scaled)
      this.d.events.record(
        wp,
        'Normal',
        'Scaled',
        `scaled from ${o.current} to ${decision.desired}: ${decision.reason}`,
      );
    const wasFallback = old?.conditions?.find((c) => c.type === 'Fallback')?.status === 'True';
    if (decision.fallback && !wasFallback) this.d.events.record(wp, 'Warning', 'Fallback', decision.reason);
  }
}
