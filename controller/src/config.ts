// The controller's configuration, parsed once from the environment.
import { hostname } from 'node:os';
import { parseEnv } from '@payflow/api/config';
import { z } from 'zod';

export const controllerConfigSchema = z.object({
  /** Path to a kubeconfig; unset means in-cluster (service account) or ~/.kube/config. */
  KUBECONFIG: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** Watch one namespace only; unset watches all namespaces. */
  WATCH_NAMESPACE: z.string().min(1).optional(),
  LEADER_ELECTION: z.stringbool().default(true),
  LEADER_ELECTION_NAMESPACE: z.string().min(1).default('default'),
  LEADER_ELECTION_ID: z.string().min(1).default('payflow-controller'),
  /** This instance's identity in the Lease (the pod name in a cluster). */
  POD_NAME: z
    .string()
    .min(1)
    .default(`${hostname()}-${String(process.pid)}`),
  RECONCILE_WORKERS: z.coerce.number().int().min(1).max(64).default(4),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HEALTH_HOST: z.string().default('0.0.0.0'),
  /** The image the owned Jobs and Deployments run. */
  WORKER_IMAGE: z.string().min(1).default('ghcr.io/payflow/worker:latest'),
  /** A Secret with the worker's environment (DATABASE_URL, …), mounted with envFrom. */
  WORKER_SECRET_NAME: z.string().min(1).default('payflow-worker'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  /** An SQS-compatible endpoint (tests, local demo); unset for AWS itself. */
  SQS_ENDPOINT: z.url().optional(),
  RULE_HITS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  BATCH_PROGRESS_SECONDS: z.coerce.number().int().min(1).max(600).default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.stringbool().default(false),
});

export type ControllerConfig = Readonly<z.infer<typeof controllerConfigSchema>>;

export function loadControllerConfig(env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  return parseEnv(controllerConfigSchema, env);
}
