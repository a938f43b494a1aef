// The chart and manifest tools for tests: helm v4 and the kustomize CLI built from
// hack/chart-tools (cached like kube-apiserver), and helpers that render the chart or a
// kustomization into parsed objects.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureChartTools, type ChartTools } from '../../hack/testenv/binaries.ts';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const chartDir = join(repoRoot, 'charts', 'payflow');

/** A rendered Kubernetes object, as plain data. */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

let tools: Promise<ChartTools> | undefined;

/** Builds helm and kustomize on first use (minutes on a cold cache), then reuses them. */
export async function chartTools(): Promise<ChartTools> {
  tools ??= ensureChartTools((m) => {
    process.stdout.write(`[chart-tools] ${m}\n`);
  });
  return tools;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const helmHome = mkdtempSync(join(tmpdir(), 'payflow-helm-'));

/** Runs a tool; resolves with its exit code and output (never rejects on a non-zero exit). */
export async function runTool(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          HOME: helmHome,
          HELM_CACHE_HOME: join(helmHome, 'cache'),
          HELM_CONFIG_HOME: join(helmHome, 'config'),
          HELM_DATA_HOME: join(helmHome, 'data'),
          ...env,
        },
      },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          reject(new Error(`${bin} did not run: ${err.message}`));
          return;
        }
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}

export async function helm(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return runTool((await chartTools()).helm, args, env);
}

/** Writes values to a temporary YAML file for `-f`. */
export function valuesFile(values: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'payflow-values-')), 'values.yaml');
  writeFileSync(file, stringify(values));
  return file;
}

export function parseObjects(yamlText: string): Obj[] {
  return parseAllDocuments(yamlText)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null && typeof o === 'object' && typeof o.kind === 'string');
}

/** `helm template` of the chart with these values into a namespace; throws with helm's output on failure. */
export async function renderChart(
  values: unknown,
  opts: { namespace?: string; release?: string; extra?: string[] } = {},
): Promise<Obj[]> {
  const r = await helm([
    'template',
    opts.release ?? 'payflow',
    chartDir,
    '--namespace',
    opts.namespace ?? 'payflow',
    '-f',
    valuesFile(values),
    ...(opts.extra ?? []),
  ]);
  if (r.code !== 0) throw new Error(`helm template failed (${String(r.code)}):\n${r.stderr}`);
  return parseObjects(r.stdout);
}

/** `kustomize build <dir>` (what `kubectl kustomize` runs), parsed. */
export async function kustomize(dir: string): Promise<Obj[]> {
  const r = await runTool((await chartTools()).kustomize, ['build', join(repoRoot, dir)]);
  if (r.code !== 0) throw new Error(`kustomize build ${dir} failed (${String(r.code)}):\n${r.stderr}`);
  return parseObjects(r.stdout);
}

/** Values every test needs: the credentials Secret's name and the events queue. */
export const BASE_VALUES = {
  existingSecret: 'payflow-credentials',
  sqs: {
    region: 'eu-west-1',
    eventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/payflow-payment-events',
    eventsDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/payflow-payment-events-dlq',
  },
} as const;

/** Every optional part switched on. */
export const ALL_ON = {
  ...BASE_VALUES,
  sqs: {
    ...BASE_VALUES.sqs,
    endpoint: 'http://sqs.payflow.svc:4566',
    updatesQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/payflow-payment-updates',
    updatesDlqUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/payflow-payment-updates-dlq',
  },
  ingress: {
    enabled: true,
    className: 'nginx',
    hosts: [{ host: 'payflow.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
    tls: [{ secretName: 'payflow-tls', hosts: ['payflow.example.com'] }],
  },
  httpRoute: {
    enabled: true,
    parentRefs: [{ name: 'public', namespace: 'gateway-system' }],
    hostnames: ['payflow.example.com'],
  },
  networkPolicy: {
    enabled: true,
    apiFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
    metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
  },
  metrics: {
    serviceMonitor: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
    prometheusRule: { enabled: true, labels: { release: 'kube-prometheus-stack' } },
  },
  grafana: { dashboards: { enabled: true } },
  controller: { watchNamespace: 'payflow' },
} as const;
