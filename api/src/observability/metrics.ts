import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

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

export interface CacheGaugeOptions {
  /** Metric prefix without `payflow_`, e.g. `payment_cache`. */
  readonly name: string;
  /** What one lookup is of, and what an entry holds, for the help texts. */
  readonly lookups: string;
  readonly entries: string;
  readonly stats: () => { hits: number; misses: number; size: number };
}

/**
 * `<name>_lookups{result="hit"|"miss"}` (since start) and `<name>_entries`, read from the
 * cache's own counters when scraped. Returns false when they already exist on the registry
 * (a route table built twice on one registry, as tests do, keeps the first cache's gauges).
 */
export function registerCacheGauges(registry: Registry, o: CacheGaugeOptions): boolean {
  if (registry.getSingleMetric(metricName(`${o.name}_lookups`))) return false;
  new Gauge({
    name: metricName(`${o.name}_lookups`),
    help: `${o.lookups} since the process started, by result (hit or miss).`,
    labelNames: ['result'],
    registers: [registry],
    collect() {
      const s = o.stats();
      this.set({ result: 'hit' }, s.hits);
      this.set({ result: 'miss' }, s.misses);
    },
  });
  new Gauge({
    name: metricName(`${o.name}_entries`),
    help: o.entries,
    registers: [registry],
    collect() {
      this.set(o.stats().size);
    },
  });
  return true;
}
