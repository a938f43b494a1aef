// Test support for controller suites against a real kube-apiserver: a manager bound to one
// namespace and one database, and a helper that waits for a condition to hold.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { createPool } from '@payflow/api/store';
import type pg from 'pg';
import { pino, type Logger } from 'pino';
import { controllerConfigSchema, type ControllerConfig } from '../config.ts';
import { Manager, type ManagerOptions } from '../manager.ts';
import { isConflict, type KubeClient } from '../runtime/kube-client.ts';

export function loadKubeConfig(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates the namespace unless it exists. */
export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request({
      method: 'POST',
      path: '/api/v1/namespaces',
      body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

export interface TestControllerOptions {
  kubeconfig: string;
  databaseUrl: string;
  namespace: string;
  env?: Record<string, string>;
  manager?: Partial<Omit<ManagerOptions, 'config' | 'kc' | 'pool' | 'log'>>;
  log?: Logger;
}

export interface TestController {
  manager: Manager;
  pool: pg.Pool;
  config: ControllerConfig;
  stop(): Promise<void>;
}

export async function startTestController(o: TestControllerOptions): Promise<TestController> {
  const config = Object.freeze(
    controllerConfigSchema.parse({
      DATABASE_URL: o.databaseUrl,
      WATCH_NAMESPACE: o.namespace,
      LEADER_ELECTION_NAMESPACE: o.namespace,
      POD_NAME: uniqueName('controller'),
      HEALTH_PORT: '0',
      HEALTH_HOST: '127.0.0.1',
      RECONCILE_WORKERS: '4',
      ...o.env,
    }),
  );
  const pool = createPool({ url: o.databaseUrl, max: 5 });
  const log = o.log ?? pino({ level: process.env.CONTROLLER_TEST_LOG ?? 'silent' });
  const manager = new Manager({ config, kc: loadKubeConfig(o.kubeconfig), pool, log, ...o.manager });
  await manager.start();
  let stopped = false;
  return {
    manager,
    pool,
    config,
    async stop() {
      if (stopped) return;
      stopped = true;
      await manager.stop();
      await pool.end();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; fails with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
