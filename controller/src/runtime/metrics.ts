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
  return {
    registry,
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
