// The manager wires the runtime together: informers (started by every instance, so that caches
// are warm), one controller per kind whose workers run only while this instance holds the
// Lease, the health and metrics server, and the three reconcilers.
import type { KubeConfig } from '@kubernetes/client-node';
import { startHeartbeat, type Heartbeat } from '@payflow/api/heartbeat';
import type pg from 'pg';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ControllerConfig } from './config.ts';
import { BatchJobReconciler } from './reconcilers/batchjob.ts';
import { RuleReconciler } from './reconcilers/rule.ts';
import { WorkerPoolReconciler } from './reconcilers/workerpool.ts';
import { Controller, type Reconciler } from './runtime/controller.ts';
import { createEventRecorder } from './runtime/events.ts';
import { startHealthServer, type HealthServer } from './runtime/health.ts';
import { Informer, objectKey, type InformerEvent } from './runtime/informer.ts';
import { GVR, KubeClient, type Gvr, type KubeObject } from './runtime/kube-client.ts';
import { LeaderElector } from './runtime/leader.ts';
import { createControllerMetrics, type ControllerMetrics } from './runtime/metrics.ts';
import { controllingOwner } from './runtime/objects.ts';
import { SqsMetricsReader } from './reconcilers/sqs-metrics.ts';
import { CONTROLLER_VERSION, controllerDetails } from './runtime/heartbeat.ts';

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'payflow-controller' } as const;
const MANAGED_SELECTOR = 'app.kubernetes.io/managed-by=payflow-controller';

export interface ManagerOptions {
  config: ControllerConfig;
  kc: KubeConfig;
  pool: pg.Pool;
  log: Logger;
  registry?: Registry;
  /** Watch silence bound for the informers' watchdog (default five minutes). */
  watchSilenceMs?: number;
  /** Lease timings (defaults 15 s / 10 s / 2 s). */
  lease?: { durationMs?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Called when leadership is lost; a process should exit (as controller-runtime does). */
  onLeadershipLost?: () => void;
  /** How often this instance writes its row in service_heartbeats (default five seconds). */
  heartbeatIntervalMs?: number;
}

interface Wiring {
  controller: Controller;
  primary: Gvr;
  owned: Gvr[];
  informer: Informer<KubeObject>;
}

/**
 * Primary objects: reconcile on create, delete, spec change (generation) or deletion request.
 * Status and metadata-only updates (our own finalizer and status writes) are skipped; periodic
 * requeues and the resync on leadership catch anything else.
 */
function primaryChanged(event: InformerEvent, obj: KubeObject, old: KubeObject | undefined): boolean {
  if (event !== 'update' || !old) return true;
  return (
    obj.metadata.generation !== old.metadata.generation ||
    obj.metadata.deletionTimestamp !== old.metadata.deletionTimestamp
  );
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics: ControllerMetrics;
  readonly registry: Registry;
  readonly identity: string;
  readonly informers: Informer<KubeObject>[] = [];
  readonly controllers: Controller[] = [];
  private readonly wirings: Wiring[] = [];
  private readonly elector: LeaderElector | undefined;
  private health: HealthServer | undefined;
  private readonly o: ManagerOptions;
  private leading = false;
  private readonly sqs: SqsMetricsReader;
  private heartbeat: Heartbeat | undefined;

  constructor(o: ManagerOptions) {
    this.o = o;
    const { config, log } = o;
    this.identity = config.POD_NAME;
    this.client = new KubeClient(o.kc);
    this.registry = o.registry ?? new Registry();
    this.metrics = createControllerMetrics(this.registry);
    const events = createEventRecorder(this.client, this.identity, log);
    this.sqs = new SqsMetricsReader({ endpoint: config.SQS_ENDPOINT, region: config.AWS_REGION });
    const base = { client: this.client, pool: o.pool, events, log };
    const reconcilers: [Reconciler, Gvr, Gvr[]][] = [
      [new RuleReconciler({ ...base, hitsRefreshMs: config.RULE_HITS_REFRESH_SECONDS * 1000 }), GVR.rule, []],
      [
        new BatchJobReconciler({
          ...base,
          image: config.WORKER_IMAGE,
          secretName: config.WORKER_SECRET_NAME,
          progressMs: config.BATCH_PROGRESS_SECONDS * 1000,
        }),
        GVR.batchJob,
        [GVR.job],
      ],
      [
        new WorkerPoolReconciler({
          ...base,
          image: config.WORKER_IMAGE,
          secretName: config.WORKER_SECRET_NAME,
          sqs: this.sqs,
          metrics: this.metrics,
        }),
        GVR.workerPool,
        [GVR.deployment],
      ],
    ];
    for (const [reconciler, primary, owned] of reconcilers) {
      const controller = new Controller({
        reconciler,
        metrics: this.metrics,
        log,
        workers: config.RECONCILE_WORKERS,
      });
      this.controllers.push(controller);
      this.wirings.push({ controller, primary, owned, informer: this.wire(controller, primary, owned) });
    }
    this.metrics.leader(config.LEADER_ELECTION_ID, false);
    this.elector = config.LEADER_ELECTION
      ? new LeaderElector({
          client: this.client,
          log,
          namespace: config.LEADER_ELECTION_NAMESPACE,
          name: config.LEADER_ELECTION_ID,
          identity: this.identity,
          leaseDurationMs: o.lease?.durationMs,
          renewDeadlineMs: o.lease?.renewDeadlineMs,
          retryPeriodMs: o.lease?.retryPeriodMs,
          onStartedLeading: () => {
            this.lead();
          },
          onStoppedLeading: () => {
            this.unlead();
          },
        })
      : undefined;
  }

  private wire(controller: Controller, primary: Gvr, owned: Gvr[]): Informer<KubeObject> {
    const ns = this.o.config.WATCH_NAMESPACE;
    const common = { client: this.client, log: this.o.log, namespace: ns, silenceMs: this.o.watchSilenceMs };
    const informer = new Informer<KubeObject>({
      ...common,
      gvr: primary,
      handler: (event, obj, old) => {
        if (primaryChanged(event, obj, old)) controller.enqueue(objectKey(obj));
      },
    });
    this.informers.push(informer);
    for (const child of owned) {
      this.informers.push(
        new Informer<KubeObject>({
          ...common,
          gvr: child,
          labelSelector: MANAGED_SELECTOR,
          handler: (_event, obj) => {
            const owner = controllingOwner(obj, primary.kind);
            if (owner !== undefined) controller.enqueue(`${obj.metadata.namespace ?? ''}/${owner}`);
          },
        }),
      );
    }
    return informer;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  get healthPort(): number | undefined {
    return this.health?.port;
  }

  /** What keeps /readyz from answering 200. */
  notReady(): string[] {
    const missing = this.informers.filter((i) => !i.synced).map((i) => `cache ${i.constructor.name}`);
    if (missing.length > 0) return ['caches not synced'];
    if (this.elector && !this.elector.leadershipKnown) return ['leadership unknown'];
    return [];
  }

  async start(opts: { health?: boolean } = {}): Promise<void> {
    for (const informer of this.informers) informer.start();
    if (opts.health !== false) {
      this.health = await startHealthServer(
        { registry: this.registry, notReady: () => this.notReady() },
        this.o.config.HEALTH_PORT,
        this.o.config.HEALTH_HOST,
      );
    }
    if (this.elector) this.elector.start();
    else this.lead();
    this.heartbeat = this.startHeartbeat();
  }

  /** This instance's row in service_heartbeats: leadership and the API server's version and latency. */
  private startHeartbeat(): Heartbeat {
    const { config, log } = this.o;
    return startHeartbeat(this.o.pool, {
      component: 'controller',
      instanceId: this.identity,
      version: CONTROLLER_VERSION,
      intervalMs: this.o.heartbeatIntervalMs ?? 5000,
      details: async () =>
        controllerDetails(this.client, {
          leading: this.leading,
          holder: this.elector ? this.elector.currentHolder : this.identity,
          lease: config.LEADER_ELECTION
            ? `${config.LEADER_ELECTION_NAMESPACE}/${config.LEADER_ELECTION_ID}`
            : undefined,
        }),
      onError: (err: unknown) => {
        log.warn({ err: (err as Error).message }, 'could not write the heartbeat');
      },
    });
  }

  private lead(): void {
    this.leading = true;
    this.metrics.leader(this.o.config.LEADER_ELECTION_ID, true);
    for (const c of this.controllers) c.start();
    // Level-triggered: a new leader looks at every object it knows of.
    for (const w of this.wirings) for (const obj of w.informer.list()) w.controller.enqueue(objectKey(obj));
    void this.heartbeat?.beat();
  }

  private unlead(): void {
    this.leading = false;
    this.metrics.leader(this.o.config.LEADER_ELECTION_ID, false);
    for (const c of this.controllers) void c.stop();
    void this.heartbeat?.beat();
    this.o.onLeadershipLost?.();
  }

  /** Graceful stop: stop taking work, finish in-flight reconciles, release the Lease. */
  async stop(): Promise<void> {
    await Promise.all(this.controllers.map(async (c) => c.stop()));
    await this.elector?.stop();
    this.leading = false;
    this.metrics.leader(this.o.config.LEADER_ELECTION_ID, false);
    await Promise.all(this.informers.map(async (i) => i.stop()));
    await this.health?.close();
    this.sqs.close();
    await this.heartbeat?.stop();
  }
}
