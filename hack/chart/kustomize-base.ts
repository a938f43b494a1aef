// manifests/base is generated from the Helm chart, so that kustomize users get the same
// objects, the same RBAC and (through ../../crds) the same CRDs as Helm users:
//   node hack/chart/kustomize-base.ts          render the chart and write the base's files
//   node hack/chart/kustomize-base.ts --check  exit 1 when a committed file differs
// The chart is rendered with helm (built from hack/chart-tools) with the values below; the
// Helm-only labels are dropped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { ensureChartTools } from '../testenv/binaries.ts';

const root = join(import.meta.dirname, '..', '..');
export const BASE_DIR = join(root, 'manifests', 'base');

/** The chart values the base is rendered with; overlays patch the rest. */
export const BASE_VALUES = {
  existingSecret: 'payflow',
  // The CRDs come from ../../crds (a kustomization of its own).
  crds: { enabled: false },
  sqs: {
    region: 'us-east-1',
    // Placeholders: each overlay sets its own queue URLs.
    eventsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/payflow-payment-events',
    eventsDlqUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/payflow-payment-events-dlq',
    updatesQueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/payflow-payment-updates',
    updatesDlqUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/payflow-payment-updates-dlq',
  },
  worker: {
    pool: {
      name: 'payflow-worker',
      queue: { name: 'payflow-payment-events', deadLetterQueueName: 'payflow-payment-events-dlq' },
    },
  },
};

const RBAC_KINDS = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

interface Doc {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { template?: { metadata?: { labels?: Record<string, string> } } };
}

function dropHelmLabels(labels: Record<string, string> | undefined): void {
  if (!labels) return;
  delete labels['helm.sh/chart'];
  delete labels['app.kubernetes.io/managed-by'];
}

const HEADER = (what: string): string =>
  `# ${what}\n# Generated from charts/payflow by hack/chart/kustomize-base.ts (helm template with its\n# BASE_VALUES); do not edit: change the chart and run \`node hack/chart/kustomize-base.ts\`.\n`;

/** The base's generated files and their content. */
export function renderBase(helmBin: string): Record<string, string> {
  const valuesFile = join(mkdtempSync(join(tmpdir(), 'payflow-base-')), 'values.yaml');
  writeFileSync(valuesFile, stringify(BASE_VALUES));
  const out = execFileSync(
    helmBin,
    ['template', 'payflow', join(root, 'charts', 'payflow'), '--namespace', 'payflow', '-f', valuesFile],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env.PATH, HOME: tmpdir() } },
  );
  const docs = parseAllDocuments(out)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => d !== null);
  for (const d of docs) {
    dropHelmLabels(d.metadata.labels);
    dropHelmLabels(d.spec?.template?.metadata?.labels);
  }
  const isRbac = (d: Doc): boolean =>
    RBAC_KINDS.has(d.kind) || (d.kind === 'ServiceAccount' && d.metadata.name === 'payflow-controller');
  const yaml = (list: Doc[]): string => list.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
  return {
    'controller-rbac.yaml':
      HEADER(
        "payflow-controller's ServiceAccount and least-privilege RBAC (charts/payflow/files/controller-rbac-rules.yaml).",
      ) + yaml(docs.filter(isRbac)),
    'payflow.yaml':
      HEADER(
        'The api, the controller, the default WorkerPool, their Services, ServiceAccounts and PodDisruptionBudgets.',
      ) + yaml(docs.filter((d) => !isRbac(d))),
  };
}

if (import.meta.main) {
  const { helm } = await ensureChartTools((m) => {
    process.stderr.write(`${m}\n`);
  });
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of Object.entries(renderBase(helm))) {
    const path = join(BASE_DIR, file);
    let committed: string | undefined;
    try {
      committed = readFileSync(path, 'utf8');
    } catch {
      committed = undefined;
    }
    if (committed === content) continue;
    stale += 1;
    if (!check) writeFileSync(path, content);
    process.stdout.write(`${check ? 'stale' : 'wrote'} ${path}\n`);
  }
  if (check && stale > 0) process.exitCode = 1;
}
