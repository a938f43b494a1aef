// The controller's metrics, named as controller-runtime and client-go name them so that the
// dashboards and alerts written for Go operators work unchanged.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueMetrics } from './workqueue.ts';

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

export interface ControllerMetrics {
  readonly registry: Registry;
  reconciled(
    controller: string,
    result: 'success' | 'error' | 'requeue' | 'requeue_after',
    seconds: number,
  ): void;
  activeWorkers(controller: string, delta: number): void;
  queue(name: string): QueueMetrics;
  leader(name: string, isLeader: boolean): void;
  /** A WorkerPool's last reading (PayFlow's own series, for the dashboards and alerts). */
  pool(namespace: string, name: string, reading: PoolReading): void;
  forgetPool(namespace: string, name: string): void;
}

export interface PoolReading {
  /** The backlog the scaling decision used; undefined when the queue could not be read. */
  backlog: number | undefined;
  deadLetter: number | undefined;
  desiredReplicas: number;
  maxReplicas: number;
}

export function createControllerMetrics(registry: Registry): ControllerMetrics {
  const reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Total number of reconciliations per controller',
    labelNames: ['controller', 'result'],
    registers: [registry],
  });
  const reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Total number of reconciliation errors per controller',
    labelNames: ['controller'],
    registers: [registry],
  });
  const reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Length of time per reconciliation per controller',
    labelNames: ['controller'],
    buckets: RECONCILE_BUCKETS,
    registers: [registry],
  });
  const active = new Gauge({
    name: 'controller_runtime_active_workers',
    help: 'Number of currently used workers per controller',
    labelNames: ['controller'],
    registers: [registry],
  });
  const depth = new Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of workqueue',
    labelNames: ['name'],
    registers: [registry],
  });
  const adds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Total number of adds handled by workqueue',
    labelNames: ['name'],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Total number of retries handled by workqueue',
    labelNames: ['name'],
    registers: [registry],
  });
  const queueDuration = new Histogram({
    name: 'workqueue_queue_duration_seconds',
    help: 'How long in seconds an item stays in workqueue before being requested',
    labelNames: ['name'],
    buckets: QUEUE_BUCKETS,
    registers: [registry],
  });
  const workDuration = new Histogram({
    name: 'workqueue_work_duration_seconds',
    help: 'How long in seconds processing an item from workqueue takes',
    labelNames: ['name'],
    buckets: QUEUE_BUCKETS,
    registers: [registry],
  });
  const master = new Gauge({
    name: 'leader_election_master_status',
    help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
    labelNames: ['name'],
    registers: [registry],
  });
  const poolGauge = (name: string, help: string): Gauge<'namespace' | 'workerpool'> =>
    new Gauge({ name, help, labelNames: ['namespace', 'workerpool'], registers: [registry] });
  const poolBacklog = poolGauge(
    'payflow_workerpool_backlog_messages',
    "Messages counted as a WorkerPool's backlog at its last poll (visible, plus in flight and delayed as the pool says).",
  );
  const poolDeadLetter = poolGauge(
    'payflow_workerpool_dead_letter_messages',
    "Messages visible on a WorkerPool's dead-letter queue at its last poll.",
  );
  const poolDesired = poolGauge(
    'payflow_workerpool_desired_replicas',
    'Replicas the controller runs for a WorkerPool.',
  );
  const poolMax = poolGauge('payflow_workerpool_max_replicas', "A WorkerPool's spec.maxReplicas.");
  const poolGauges = [poolBacklog, poolDeadLetter, poolDesired, poolMax];
  return {
    registry,
    pool(namespace, workerpool, r) {
      const labels = { namespace, workerpool };
      if (r.backlog === undefined) poolBacklog.remove(labels);
      else poolBacklog.set(labels, r.backlog);
      if (r.deadLetter === undefined) poolDeadLetter.remove(labels);
      else poolDeadLetter.set(labels, r.deadLetter);
      poolDesired.set(labels, r.desiredReplicas);
      poolMax.set(labels, r.maxReplicas);
    },
    forgetPool(namespace, workerpool) {
      for (const g of poolGauges) g.remove({ namespace, workerpool });
    },
    reconciled(controller, result, seconds) {
      reconcileTotal.inc({ controller, result });
      if (result === 'error') reconcileErrors.inc({ controller });
      reconcileTime.observe({ controller }, seconds);
    },
    activeWorkers(controller, delta) {
      active.inc({ controller }, delta);
    },
    queue(name) {
      return {
        add: () => {
          adds.inc({ name });
        },
        retry: () => {
          retries.inc({ name });
        },
        depth: (n) => {
          depth.set({ name }, n);
        },
        queued: (s) => {
          queueDuration.observe({ name }, s);
        },
        worked: (s) => {
          workDuration.observe({ name }, s);
        },
      };
    },
    leader(name, isLeader) {
      master.set({ name }, isLeader ? 1 : 0);
    },
  };
}
