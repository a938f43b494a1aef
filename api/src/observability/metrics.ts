import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * One private registry per process with the process's default metrics; metric
 * names follow Prometheus conventions (base units, `_total`, `_seconds`).
 */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Prefixes a metric name with the product's namespace: `payflow_<name>`. */
export const metricName = (name: string): string => `payflow_${name}`;
