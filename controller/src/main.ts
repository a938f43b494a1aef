// payflow-controller: reconciles payflow.dev Rule, BatchJob and WorkerPool resources.
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger } from '@payflow/api/observability';
import { createPool } from '@payflow/api/store';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadControllerConfig } from './config.ts';
import { Manager } from './manager.ts';

const config = loadControllerConfig();
const log = createLogger({ name: 'payflow-controller', level: config.LOG_LEVEL, pretty: config.LOG_PRETTY });
const kc = new KubeConfig();
if (config.KUBECONFIG) kc.loadFromFile(config.KUBECONFIG);
else kc.loadFromDefault();
const pool = createPool({
  url: config.DATABASE_URL,
  max: config.DATABASE_POOL_MAX,
  applicationName: 'payflow-controller',
});
const registry = new Registry();
collectDefaultMetrics({ register: registry });

let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await manager.stop();
  await pool.end();
  process.exit(code);
}

const manager = new Manager({
  config,
  kc,
  pool,
  log,
  registry,
  // As controller-runtime: a controller that lost its lease exits and is restarted.
  onLeadershipLost: () => void shutdown('leadership lost', 1),
});
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
await manager.start();
log.info({ identity: manager.identity, health: manager.healthPort }, 'controller started');
