// The Helm chart's values.schema.json, generated: strict objects everywhere (an unknown or
// misspelled key fails), and each component's `config` allowing exactly the environment variables
// of that process's zod schema that the chart does not set itself or read from the Secret.
//   node hack/chart/values-schema.ts          write charts/payflow/values.schema.json
//   node hack/chart/values-schema.ts --check  exit 1 when the committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { apiConfigSchema } from '../../api/src/config.ts';
import { controllerConfigSchema } from '../../controller/src/config.ts';
import { workerConfigSchema } from '../../worker/src/config.ts';

type Json = Record<string, unknown>;

/**
 * How every environment variable of a process reaches it: `config` (values: <component>.config),
 * `chart` (set by the templates from other values or the downward API), `secret` (a key of the
 * component's existingSecret), `controller` (set by the controller on the worker pods it owns) or
 * `tests` (switches for tests and the local demo that the chart never sets).
 */
export type Wiring = 'config' | 'chart' | 'secret' | 'controller' | 'tests';

const API: Record<string, Exclude<Wiring, 'config'>> = {
  PORT: 'chart',
  HOST: 'chart',
  AWS_REGION: 'chart',
  SQS_ENDPOINT: 'chart',
  SQS_EVENTS_QUEUE_URL: 'chart',
  SQS_EVENTS_DLQ_URL: 'chart',
  SQS_UPDATES_QUEUE_URL: 'chart',
  SQS_UPDATES_DLQ_URL: 'chart',
  DATABASE_URL: 'secret',
  REDIS_URL: 'secret',
  JWT_PRIVATE_KEY: 'secret',
  JWT_PREVIOUS_PUBLIC_KEY: 'secret',
  OIDC_CLIENT_SECRET: 'secret',
  SMTP_URL: 'secret',
  ADMIN_PASSWORD: 'secret',
  GEMINI_API_KEY: 'secret',
  OIDC_ALLOW_INSECURE_HTTP: 'tests',
  DEMO_SIGN_IN: 'tests',
  DEMO_MAILBOX_URL: 'tests',
};

const WORKER: Record<string, Exclude<Wiring, 'config'>> = {
  METRICS_PORT: 'chart',
  METRICS_HOST: 'chart',
  INSTANCE_ID: 'chart',
  SQS_ENDPOINT: 'chart',
  SQS_UPDATES_QUEUE_URL: 'chart',
  SQS_EVENTS_QUEUE_URL: 'controller',
  SQS_EVENTS_DLQ_URL: 'controller',
  AWS_REGION: 'controller',
  CONCURRENCY: 'controller',
  DATABASE_URL: 'secret',
  REDIS_URL: 'secret',
  PAYFLOW_WORKER_FAULT: 'tests',
};

const CONTROLLER: Record<string, Exclude<Wiring, 'config'>> = {
  // Unset in a cluster: the in-cluster service account.
  KUBECONFIG: 'chart',
  POD_NAME: 'chart',
  HEALTH_PORT: 'chart',
  HEALTH_HOST: 'chart',
  LEADER_ELECTION_NAMESPACE: 'chart',
  WATCH_NAMESPACE: 'chart',
  WORKER_IMAGE: 'chart',
  WORKER_SECRET_NAME: 'chart',
  AWS_REGION: 'chart',
  SQS_ENDPOINT: 'chart',
  DATABASE_URL: 'secret',
};

export const COMPONENTS = {
  api: { schema: apiConfigSchema, wiring: API },
  worker: { schema: workerConfigSchema, wiring: WORKER },
  controller: { schema: controllerConfigSchema, wiring: CONTROLLER },
} as const;

export type Component = keyof typeof COMPONENTS;

/** Every variable of a component's schema with how the chart wires it. */
export function wiringOf(component: Component): Record<string, Wiring> {
  const { schema, wiring } = COMPONENTS[component];
  return Object.fromEntries(
    Object.keys(schema.shape).map((k) => [k, (wiring as Record<string, Wiring | undefined>)[k] ?? 'config']),
  );
}

/** A variable's values in YAML: its zod output type (numbers may be given as numbers or strings), or its input type when transformed. */
function envValueSchema(field: z.ZodType): Json {
  let out: Json = z.toJSONSchema(field, { io: 'output', unrepresentable: 'any' });
  // A transformed value (a comma-separated list, say) has no output type: take what it reads.
  if (out.type === undefined && out.enum === undefined && out.anyOf === undefined)
    out = z.toJSONSchema(field, { io: 'input', unrepresentable: 'any' });
  delete out.$schema;
  delete out.default;
  if (out.type === 'integer' || out.type === 'number')
    return { anyOf: [out, { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' }] };
  if (out.type === 'boolean') return { anyOf: [out, { type: 'string', enum: ['true', 'false'] }] };
  return out;
}

function configSchema(component: Component): Json {
  const shape = COMPONENTS[component].schema.shape as Record<string, z.ZodType>;
  const wiring = wiringOf(component);
  const properties = Object.fromEntries(
    Object.keys(shape)
      .filter((k) => wiring[k] === 'config')
      .sort()
      .flatMap((k) => {
        const field = shape[k];
        return field ? [[k, envValueSchema(field)]] : [];
      }),
  );
  return {
    type: 'object',
    description: `Environment of the ${component} (${component}/src/config.ts) that the chart does not set itself.`,
    additionalProperties: false,
    properties,
  };
}

const str: Json = { type: 'string' };
const bool: Json = { type: 'boolean' };
const int = (minimum = 0): Json => ({ type: 'integer', minimum });
const anyObject: Json = { type: 'object' };
const stringMap: Json = { type: 'object', additionalProperties: { type: 'string' } };
const list: Json = { type: 'array' };

function obj(properties: Record<string, Json>, required: string[] = []): Json {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length ? { required } : {}),
  };
}

const image = (): Json =>
  obj(
    {
      repository: { type: 'string', minLength: 1 },
      tag: str,
      pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    },
    ['repository'],
  );
const serviceAccount = (): Json => obj({ create: bool, name: str, annotations: stringMap });
/** A list of objects each with a non-empty name, and with these other required string fields. */
function namedList(...required: string[]): Json {
  const properties: Record<string, Json> = {};
  for (const f of ['name', ...required]) properties[f] = { type: 'string', minLength: 1 };
  return { type: 'array', items: { type: 'object', required: ['name', ...required], properties } };
}
const envList = namedList();
/** Pod volumes and container volume mounts, as Kubernetes takes them (each named; a mount has a path). */
const volumeList = namedList();
const mountList = namedList('mountPath');
const resources: Json = obj({ requests: anyObject, limits: anyObject, claims: list });

function podCommon(): Record<string, Json> {
  return {
    podAnnotations: stringMap,
    podLabels: stringMap,
    nodeSelector: stringMap,
    tolerations: list,
    terminationGracePeriodSeconds: int(),
  };
}

export function valuesSchema(): Json {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'PayFlow chart values (generated by hack/chart/values-schema.ts)',
    ...obj({
      nameOverride: str,
      fullnameOverride: str,
      commonLabels: stringMap,
      imagePullSecrets: list,
      existingSecret: str,
      sqs: obj({
        region: { type: 'string', minLength: 1 },
        endpoint: str,
        eventsQueueUrl: str,
        eventsDlqUrl: str,
        updatesQueueUrl: str,
        updatesDlqUrl: str,
      }),
      crds: obj({ enabled: bool, keep: bool }),
      api: obj({
        image: image(),
        replicas: int(),
        existingSecret: str,
        config: configSchema('api'),
        extraEnv: envList,
        extraVolumes: volumeList,
        extraVolumeMounts: mountList,
        resources,
        service: obj({
          type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
          port: int(1),
          annotations: stringMap,
        }),
        serviceAccount: serviceAccount(),
        ...podCommon(),
        affinity: anyObject,
        topologySpreadConstraints: list,
        podDisruptionBudget: obj({ enabled: bool, minAvailable: { type: ['integer', 'string'] } }),
      }),
      worker: obj({
        image: image(),
        existingSecret: str,
        config: configSchema('worker'),
        extraEnv: envList,
        extraVolumes: volumeList,
        extraVolumeMounts: mountList,
        serviceAccount: serviceAccount(),
        pool: obj({
          enabled: bool,
          name: str,
          queue: obj({ name: str, url: str, deadLetterQueueName: str, deadLetterQueueUrl: str }),
          minReplicas: int(),
          maxReplicas: int(1),
          targetBacklogPerReplica: int(1),
          concurrencyPerReplica: int(1),
          pollingIntervalSeconds: int(1),
          scaleDownStabilizationSeconds: int(),
          fallbackReplicas: int(),
        }),
        resources,
        ...podCommon(),
      }),
      controller: obj({
        enabled: bool,
        image: image(),
        replicas: int(),
        existingSecret: str,
        watchNamespace: str,
        config: configSchema('controller'),
        extraEnv: envList,
        extraVolumes: volumeList,
        extraVolumeMounts: mountList,
        resources,
        serviceAccount: serviceAccount(),
        ...podCommon(),
        affinity: anyObject,
        topologySpreadConstraints: list,
        podDisruptionBudget: obj({ enabled: bool, maxUnavailable: { type: ['integer', 'string'] } }),
      }),
      podSecurityContext: anyObject,
      securityContext: anyObject,
      ingress: obj({
        enabled: bool,
        className: str,
        annotations: stringMap,
        hosts: {
          type: 'array',
          items: obj(
            {
              host: str,
              paths: {
                type: 'array',
                items: obj({ path: str, pathType: { enum: ['Prefix', 'Exact', 'ImplementationSpecific'] } }, [
                  'path',
                  'pathType',
                ]),
              },
            },
            ['host', 'paths'],
          ),
        },
        tls: list,
      }),
      httpRoute: obj({ enabled: bool, annotations: stringMap, parentRefs: list, hostnames: list }),
      networkPolicy: obj({ enabled: bool, apiFrom: list, metricsFrom: list }),
      metrics: obj({
        serviceMonitor: obj({ enabled: bool, interval: str, labels: stringMap }),
        prometheusRule: obj({ enabled: bool, labels: stringMap, runbookBaseUrl: str }),
      }),
      grafana: obj({ dashboards: obj({ enabled: bool, labels: stringMap, annotations: stringMap }) }),
    }),
  };
}

export const SCHEMA_PATH = join(import.meta.dirname, '..', '..', 'charts', 'payflow', 'values.schema.json');

export function renderValuesSchema(): string {
  return `${JSON.stringify(valuesSchema(), null, 2)}\n`;
}

if (import.meta.main) {
  const content = renderValuesSchema();
  const check = process.argv.includes('--check');
  let committed: string | undefined;
  try {
    committed = readFileSync(SCHEMA_PATH, 'utf8');
  } catch {
    committed = undefined;
  }
  if (committed !== content) {
    if (check) {
      process.stdout.write(`stale ${SCHEMA_PATH}: run node hack/chart/values-schema.ts\n`);
      process.exitCode = 1;
    } else {
      writeFileSync(SCHEMA_PATH, content);
      process.stdout.write(`wrote ${SCHEMA_PATH}\n`);
    }
  }
}
