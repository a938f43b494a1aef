// The Helm chart through helm v4 itself: lint and template with the defaults and with every
// toggle on, the strict values schema, the restricted pod security of every pod it renders, the
// CRDs and RBAC it shares with crds/ and manifests/base, and every process setting wired.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { COMPONENTS, renderValuesSchema, wiringOf, type Component } from '../../hack/chart/values-schema.ts';
import {
  ALL_ON,
  BASE_VALUES,
  chartDir,
  chartTools,
  helm,
  parseObjects,
  renderChart,
  repoRoot,
  valuesFile,
  type Obj,
} from '../support/chart.ts';

interface Container {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: Record<string, unknown>;
  volumes?: { name: string }[];
}

const podSpecOf = (o: Obj): PodSpec | undefined => {
  const spec = o.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
};

const find = (objs: Obj[], kind: string, name?: string): Obj[] =>
  objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = find(objs, kind, name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${name ?? ''}, found ${String(found.length)}`);
  return found[0]!;
}

let defaults: Obj[];
let allOn: Obj[];

beforeAll(async () => {
  await chartTools();
  defaults = await renderChart(BASE_VALUES);
  allOn = await renderChart(ALL_ON);
}, 900_000);

describe('helm lint', () => {
  it('when the chart is linted strictly with the defaults and with every toggle on, then helm finds nothing', async () => {
    for (const values of [BASE_VALUES, ALL_ON]) {
      const r = await helm(['lint', '--strict', chartDir, '-f', valuesFile(values)]);
      expect(r.stdout + r.stderr, 'helm lint output').toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.code).toBe(0);
    }
  });
});

describe('helm template', () => {
  it('when rendered with the defaults, then the api, controller, worker pool, RBAC and CRDs are there and the opt-in parts are not', () => {
    const kinds = new Set(defaults.map((o) => o.kind));
    for (const k of [
      'Deployment',
      'Service',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'PodDisruptionBudget',
      'WorkerPool',
      'CustomResourceDefinition',
    ])
      expect(kinds, k).toContain(k);
    for (const k of [
      'Ingress',
      'HTTPRoute',
      'NetworkPolicy',
      'ServiceMonitor',
      'PrometheusRule',
      'ConfigMap',
    ])
      expect(kinds, k).not.toContain(k);
    expect(find(defaults, 'Deployment').map((d) => d.metadata.name)).toEqual([
      'payflow-api',
      'payflow-controller',
    ]);
    expect(find(defaults, 'CustomResourceDefinition')).toHaveLength(3);
  });

  it('when every toggle is on, then Ingress, HTTPRoute, NetworkPolicies, ServiceMonitors, the PrometheusRule and the dashboards render', () => {
    expect(one(allOn, 'Ingress').spec).toMatchObject({ ingressClassName: 'nginx' });
    expect(one(allOn, 'HTTPRoute').spec).toMatchObject({
      parentRefs: [{ name: 'public', namespace: 'gateway-system' }],
      rules: [{ backendRefs: [{ name: 'payflow-api', port: 8080 }] }],
    });
    expect(
      find(allOn, 'NetworkPolicy')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['payflow-api', 'payflow-controller', 'payflow-worker']);
    expect(find(allOn, 'ServiceMonitor')).toHaveLength(3);
    expect(find(allOn, 'PrometheusRule')).toHaveLength(1);
    const dashboards = find(allOn, 'ConfigMap').filter((c) => c.metadata.labels?.grafana_dashboard === '1');
    expect(dashboards.length).toBeGreaterThanOrEqual(4);
  });

  it('when CRDs are turned off or not kept, then they are left out or lose the keep policy', async () => {
    const none = await renderChart({ ...BASE_VALUES, crds: { enabled: false } });
    expect(find(none, 'CustomResourceDefinition')).toHaveLength(0);
    for (const crd of find(defaults, 'CustomResourceDefinition'))
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const notKept = await renderChart({ ...BASE_VALUES, crds: { keep: false } });
    for (const crd of find(notKept, 'CustomResourceDefinition'))
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
  });

  it('when no Secret is named, then rendering fails and says which value to set', async () => {
    const r = await helm([
      'template',
      'payflow',
      chartDir,
      '-f',
      valuesFile(BASE_VALUES),
      '--set',
      'existingSecret=',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('existingSecret');
  });
});

describe('values.schema.json', () => {
  it('when it is regenerated from the process config schemas, then it equals the committed file', () => {
    expect(
      readFileSync(join(chartDir, 'values.schema.json'), 'utf8'),
      'stale: run node hack/chart/values-schema.ts',
    ).toBe(renderValuesSchema());
  });

  it.each([
    ['api.replica=3', 'replica'],
    ['controller.config.LOG_LEVLE=debug', 'LOG_LEVLE'],
    ['ingres.enabled=true', 'ingres'],
    ['api.config.LOG_LEVEL=loud', 'LOG_LEVEL'],
    ['api.config.PORT=9000', 'PORT'],
  ])(
    'when a misspelled or unknown value is given (%s), then helm refuses it and names it',
    async (set, key) => {
      const r = await helm(['template', 'payflow', chartDir, '-f', valuesFile(BASE_VALUES), '--set', set]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('schema');
      expect(r.stderr).toContain(key);
    },
  );
});

describe('pod security', () => {
  it('when rendered with every toggle on, then every pod template is restricted: non-root, no escalation, RuntimeDefault seccomp, no capabilities, read-only root with a writable /tmp', () => {
    const pods = allOn.flatMap((o) => {
      const spec = podSpecOf(o);
      return spec ? [[o, spec] as const] : [];
    });
    expect(pods.map(([o]) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/payflow-api',
      'Deployment/payflow-controller',
      'WorkerPool/payflow-worker',
    ]);
    for (const [o, spec] of pods) {
      const where = `${o.kind}/${o.metadata.name}`;
      expect(spec.securityContext, where).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(
        spec.volumes?.map((v) => v.name),
        where,
      ).toContain('tmp');
      for (const c of spec.containers)
        expect(c.securityContext, `${where} ${c.name}`).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
        });
    }
  });
});

/** The env names a component's container gets, and from which Secret keys. */
function envOf(
  objs: Obj[],
  component: Component,
): { names: Set<string>; secretKeys: Set<string>; values: Record<string, string> } {
  const owner =
    component === 'worker'
      ? one(objs, 'WorkerPool', 'payflow-worker')
      : one(objs, 'Deployment', `payflow-${component}`);
  const container = podSpecOf(owner)?.containers[0];
  const env = container?.env ?? [];
  return {
    names: new Set(env.map((e) => e.name)),
    values: Object.fromEntries(env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]]))),
    secretKeys: new Set(
      env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.key] : [])),
    ),
  };
}

describe('process settings', () => {
  it.each(['api', 'worker', 'controller'] as const)(
    'when every value is set, then each %s setting reaches the process: from values, the chart, the Secret or the controller',
    async (component) => {
      const wiring = wiringOf(component);
      const configKeys = Object.keys(wiring).filter((k) => wiring[k] === 'config');
      const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
        properties: Record<string, { properties: { config: { properties: Record<string, unknown> } } }>;
      };
      expect(Object.keys(schema.properties[component]?.properties.config.properties ?? {}).sort()).toEqual(
        configKeys.sort(),
      );
      // One representative value per config key is enough to see it rendered into env.
      const config = Object.fromEntries(configKeys.map((k) => [k, sample(component, k)]));
      const objs = await renderChart({
        ...ALL_ON,
        [component]: {
          ...(ALL_ON as Record<string, unknown> as Record<string, object | undefined>)[component],
          config,
        },
      });
      const { names, secretKeys, values } = envOf(objs, component);
      // The rendered environment, with what the Secret and the controller add, is a valid configuration.
      const parsed = COMPONENTS[component].schema.safeParse({ ...OUTSIDE_ENV, ...values });
      expect(parsed.error?.issues ?? []).toEqual([]);
      for (const [key, how] of Object.entries(wiring)) {
        if (how === 'config') expect(names, `${component} ${key} from values`).toContain(key);
        if (how === 'secret' && component !== 'worker')
          expect(secretKeys, `${component} ${key} from the Secret`).toContain(key);
        if (how === 'chart' && key !== 'KUBECONFIG')
          expect(names, `${component} ${key} set by the chart`).toContain(key);
      }
    },
  );

  it('when extra volumes are given (an RDS CA bundle, say), then every component mounts them beside /tmp, the worker through its WorkerPool', async () => {
    const bundle = {
      extraVolumes: [{ name: 'rds-ca', configMap: { name: 'rds-ca-bundle' } }],
      extraVolumeMounts: [{ name: 'rds-ca', mountPath: '/etc/payflow/rds-ca', readOnly: true }],
      extraEnv: [{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/payflow/rds-ca/global-bundle.pem' }],
    };
    const objs = await renderChart({
      ...BASE_VALUES,
      api: bundle,
      worker: bundle,
      controller: bundle,
    });
    const pods: [string, PodSpec | undefined][] = [
      ['api', podSpecOf(one(objs, 'Deployment', 'payflow-api'))],
      ['controller', podSpecOf(one(objs, 'Deployment', 'payflow-controller'))],
      ['worker', podSpecOf(one(objs, 'WorkerPool', 'payflow-worker'))],
    ];
    for (const [component, pod] of pods) {
      const c = pod?.containers[0];
      expect(pod?.volumes, component).toEqual([
        expect.objectContaining({ name: 'tmp' }),
        { name: 'rds-ca', configMap: { name: 'rds-ca-bundle' } },
      ]);
      expect(c?.volumeMounts, component).toEqual([
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'rds-ca', mountPath: '/etc/payflow/rds-ca', readOnly: true },
      ]);
      expect(c?.env, component).toContainEqual({
        name: 'NODE_EXTRA_CA_CERTS',
        value: '/etc/payflow/rds-ca/global-bundle.pem',
      });
    }
    // A mount without a path is refused by the schema, naming it.
    const bad = await helm([
      'template',
      'payflow',
      chartDir,
      '-f',
      valuesFile({ ...BASE_VALUES, api: { extraVolumeMounts: [{ name: 'rds-ca' }] } }),
    ]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/extraVolumeMounts/);
  });

  it('when the controller runs worker pods, then it is told the worker image and the worker Secret', () => {
    const ctl = podSpecOf(one(defaults, 'Deployment', 'payflow-controller'))?.containers[0];
    const env = new Map(ctl?.env?.map((e) => [e.name, e.value]));
    expect(env.get('WORKER_IMAGE')).toBe('ghcr.io/payflow/payflow-worker:0.1.0');
    expect(env.get('WORKER_SECRET_NAME')).toBe('payflow-credentials');
  });
});

/** A value the process accepts for a config key: its default, else a URL or a word. */
function sample(component: Component, key: string): string | number | boolean {
  const field = (COMPONENTS[component].schema.shape as Record<string, z.ZodType>)[key];
  const parsed = field?.safeParse(undefined);
  if (parsed?.success && Array.isArray(parsed.data)) return parsed.data.join(',');
  if (parsed?.success && parsed.data !== undefined) return parsed.data as string | number | boolean;
  for (const candidate of ['https://example.com/x', 'admin@example.com'])
    if (field?.safeParse(candidate).success) return candidate;
  return 'value';
}

/** What the Secret and the controller would add, so that the rendered env can be parsed whole. */
const OUTSIDE_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://payflow@db/payflow',
  REDIS_URL: 'redis://redis:6379',
  JWT_PRIVATE_KEY: 'pem',
  SQS_EVENTS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
  SQS_EVENTS_DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q-dlq',
  CONCURRENCY: '10',
  POD_NAME: 'payflow-controller-0',
  LEADER_ELECTION_NAMESPACE: 'payflow',
  INSTANCE_ID: 'payflow-worker-0',
};

describe('one source for CRDs and RBAC', () => {
  it('when the chart renders its CRDs, then they are those of crds/ with only the chart labels and keep policy added', () => {
    const fromRepo = readdirSync(join(repoRoot, 'crds'))
      .filter((f) => f.endsWith('.yaml') && f.startsWith('payflow.dev_'))
      .map((f) => parseAllDocuments(readFileSync(join(repoRoot, 'crds', f), 'utf8'))[0]?.toJS() as Obj);
    const rendered = find(defaults, 'CustomResourceDefinition');
    expect(rendered.map((c) => c.metadata.name).sort()).toEqual(fromRepo.map((c) => c.metadata.name).sort());
    for (const crd of fromRepo) {
      const r = one(rendered, 'CustomResourceDefinition', crd.metadata.name);
      expect({ ...r, metadata: { name: r.metadata.name } }).toEqual({
        ...crd,
        metadata: { name: crd.metadata.name },
      });
    }
    for (const f of readdirSync(join(repoRoot, 'crds')).filter((x) => x.startsWith('payflow.dev_')))
      expect(
        readFileSync(join(chartDir, 'files', 'crds', f), 'utf8'),
        `${f}: run node api/src/crd/write-crds.ts`,
      ).toBe(readFileSync(join(repoRoot, 'crds', f), 'utf8'));
  });

  it("when the chart's controller roles are compared with manifests/base, then their rules are the same", () => {
    const base = parseObjects(
      readFileSync(join(repoRoot, 'manifests', 'base', 'controller-rbac.yaml'), 'utf8'),
    );
    for (const kind of ['ClusterRole', 'Role']) {
      const chartRules = one(defaults, kind).rules;
      expect(chartRules, kind).toEqual(one(base, kind).rules);
    }
  });
});
