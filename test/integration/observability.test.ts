// The Grafana dashboards and the alerting rules against what the processes really export: every
// metric they name is on the api's /metrics (a real api over the test services) or registered by
// the worker's and the controller's metric code, every alert carries its summary, description,
// severity and a runbook_url to a section that exists in docs/runbooks.md, and every panel
// reads the ${datasource} variable.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createControllerMetrics } from '../../controller/src/runtime/metrics.ts';
import { cacheDir } from '../../hack/testenv/binaries.ts';
import { unpackDebianPackage } from '../../hack/testenv/debian.ts';
import { createWorkerMetrics } from '../../worker/src/metrics.ts';
import { DASHBOARD_DIR, renderDashboards } from '../../hack/chart/dashboards.ts';
import { ALL_ON, renderChart, repoRoot } from '../support/chart.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

const rulesFile = join(repoRoot, 'charts', 'payflow', 'files', 'alerts', 'payflow.rules.yaml');
const rules = (parse(readFileSync(rulesFile, 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);
const dashboards = Object.fromEntries(
  Object.keys(renderDashboards()).map((f) => [
    f,
    JSON.parse(readFileSync(join(DASHBOARD_DIR, f), 'utf8')) as {
      templating: { list: { name: string; type: string; query: string }[] };
      panels: {
        title: string;
        datasource: { uid: string };
        targets: { expr: string; datasource: { uid: string } }[];
      }[];
    },
  ]),
);

const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+|\$\{\w+\}/g, ' ');
  const names = [...stripped.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)]
    .filter((m) => m[2] === undefined && !PROMQL_WORDS.has(m[1] ?? ''))
    .map((m) => m[1] ?? '');
  return [...new Set(names)];
}

/** Series names of an exposition: a histogram's _bucket/_sum/_count, a summary's too. */
function exposed(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = '', type] = m;
    out.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${name}${s}`);
    if (type === 'summary') for (const s of ['_sum', '_count']) out.add(`${name}${s}`);
  }
  return out;
}

let api: OpsApi;
const exported = new Map<string, Set<string>>();

beforeAll(async () => {
  api = await startOpsApi();
  // One request and one verification, so that every api series has been touched.
  await api.call('GET', '/api/v1/audit/verify', { role: 'admin' });
  const res = await fetch(`${api.api.url}/metrics`);
  exported.set('api (/metrics)', exposed(await res.text()));
  exported.set('worker (registered)', exposed(await createWorkerMetrics().registry.metrics()));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  createControllerMetrics(registry);
  exported.set('controller (registered)', exposed(await registry.metrics()));
}, 120_000);

afterAll(async () => {
  await api.close();
});

describe('metric names', () => {
  it('when the PromQL of a rule or panel is read, then its metric names are found and nothing else', () => {
    expect(
      metricNames(
        'sum by (le, route) (rate(payflow_http_request_duration_seconds_bucket{le="0.5",route=~"/x"}[$__rate_interval])) / on (a) group_left(b) up',
      ).sort(),
    ).toEqual(['payflow_http_request_duration_seconds_bucket', 'up']);
    expect(
      metricNames('time() - max(payflow_worker_heartbeat_timestamp_seconds) > 60 or absent(x_y)'),
    ).toEqual(['payflow_worker_heartbeat_timestamp_seconds', 'x_y']);
  });

  it('when every alert and dashboard query is read, then each metric it names is exported by a PayFlow process', () => {
    const all = new Set([...exported.values()].flatMap((s) => [...s]));
    const used = new Map<string, string>();
    for (const r of rules) for (const n of metricNames(r.expr)) used.set(n, `alert ${r.alert}`);
    const panels = Object.entries(dashboards).flatMap(([file, d]) => d.panels.map((p) => ({ file, p })));
    for (const { file, p } of panels)
      for (const n of p.targets.flatMap((t) => metricNames(t.expr))) used.set(n, `${file}: ${p.title}`);
    expect(used.size).toBeGreaterThan(20);
    const missing = [...used].filter(([n]) => !all.has(n)).map(([n, where]) => `${n} (${where})`);
    expect(missing).toEqual([]);
  });

  it("when the controller dashboard is read, then it uses controller-runtime's and client-go's names, as the controller exports them", () => {
    const ctl = exported.get('controller (registered)') ?? new Set<string>();
    const names = (dashboards['payflow-controller.json']?.panels ?? []).flatMap((p) =>
      p.targets.flatMap((t) => metricNames(t.expr)),
    );
    for (const n of [
      'controller_runtime_reconcile_total',
      'controller_runtime_reconcile_errors_total',
      'workqueue_depth',
      'leader_election_master_status',
    ])
      expect(names).toContain(n);
    for (const n of names) expect(ctl, n).toContain(n);
  });
});

describe('dashboards', () => {
  it('when regenerated, then they equal the committed JSON', () => {
    for (const [file, content] of Object.entries(renderDashboards()))
      expect(
        readFileSync(join(DASHBOARD_DIR, file), 'utf8'),
        `stale ${file}: run node hack/chart/dashboards.ts`,
      ).toBe(content);
  });

  it('when any panel or query is read, then it uses the ${datasource} variable, which each dashboard declares', () => {
    expect(Object.keys(dashboards).sort()).toEqual([
      'payflow-api.json',
      'payflow-controller.json',
      'payflow-overview.json',
      'payflow-workers.json',
    ]);
    for (const [file, d] of Object.entries(dashboards)) {
      expect(
        d.templating.list.find((v) => v.name === 'datasource'),
        file,
      ).toMatchObject({ type: 'datasource', query: 'prometheus' });
      for (const p of d.panels) {
        expect(p.datasource.uid, `${file}: ${p.title}`).toBe('${datasource}');
        for (const t of p.targets) expect(t.datasource.uid, `${file}: ${p.title}`).toBe('${datasource}');
      }
    }
  });
});

/** GitHub's anchor for a Markdown heading. */
const anchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/ /g, '-');

describe('alerting rules', () => {
  it('when listed, then every alert the operators asked for is there', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'PayFlowAPIErrorBudgetBurn',
      'PayFlowAPILatencyBudgetBurn',
      'PayFlowAuditChainVerificationFailed',
      'PayFlowBacklogGrowingAtMaxReplicas',
      'PayFlowDeadLetterQueueNotEmpty',
      'PayFlowNoControllerLeader',
      'PayFlowNoWorkerHeartbeat',
      'PayFlowOldestMessageTooOld',
      'PayFlowReconcileErrors',
    ]);
  });

  it('when each alert is read, then it has a summary, a description, a severity and a runbook_url to an existing section of docs/runbooks.md', () => {
    const runbook = readFileSync(join(repoRoot, 'docs', 'runbooks.md'), 'utf8');
    const sections = new Set([...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
    for (const r of rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      expect(r.annotations.description, r.alert).toBeTruthy();
      const url = r.annotations.runbook_url ?? '';
      expect(url, r.alert).toMatch(
        /^https:\/\/github\.com\/payflow\/payflow\/blob\/main\/docs\/runbooks\.md#/,
      );
      expect(sections, `${r.alert}: no section #${url.split('#')[1] ?? ''}`).toContain(url.split('#')[1]);
    }
  });

  it('when the chart renders its PrometheusRule with another runbook base, then it carries the same rules pointing there', async () => {
    const base = 'https://docs.example.com/payflow/runbooks';
    const objs = await renderChart({
      ...ALL_ON,
      metrics: { ...ALL_ON.metrics, prometheusRule: { enabled: true, runbookBaseUrl: base } },
    });
    const pr = objs.find((o) => o.kind === 'PrometheusRule') as unknown as { spec: RuleFile };
    const renderedRules = pr.spec.groups.flatMap((g) => g.rules);
    expect(renderedRules.map((r) => r.alert)).toEqual(rules.map((r) => r.alert));
    for (const r of renderedRules) expect(r.annotations.runbook_url).toMatch(new RegExp(`^${base}#`));
    expect(renderedRules.map((r) => r.expr)).toEqual(rules.map((r) => r.expr));
  }, 600_000);
});

describe('promtool (Debian prometheus package, unpacked)', () => {
  let promtool: string;
  const exec = promisify(execFile);
  beforeAll(async () => {
    const dir = await unpackDebianPackage('prometheus', join(cacheDir(), 'debian', 'prometheus'));
    promtool = join(dir, 'usr', 'bin', 'promtool');
  }, 300_000);

  it('when promtool checks the rule file, then every rule is valid', async () => {
    const { stdout } = await exec(promtool, ['check', 'rules', rulesFile]);
    expect(stdout).toContain(`SUCCESS: ${String(rules.length)} rules found`);
  });

  it('when promtool runs the rule unit tests, then each alert fires on its unhealthy series and stays silent on the healthy ones', async () => {
    const tests = join(repoRoot, 'test', 'prometheus', 'payflow.rules.test.yaml');
    const testFile = parse(readFileSync(tests, 'utf8')) as {
      tests: { name: string; alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
    };
    // One firing and one silent case per alert.
    for (const name of ['unhealthy', 'healthy']) {
      const group = testFile.tests.find((t) => t.name === name);
      expect(group?.alert_rule_test.map((a) => a.alertname).sort()).toEqual(rules.map((r) => r.alert).sort());
      for (const a of group?.alert_rule_test ?? [])
        expect(a.exp_alerts.length, `${name} ${a.alertname}`).toBe(name === 'healthy' ? 0 : 1);
    }
    const { stdout } = await exec(promtool, ['test', 'rules', tests]);
    expect(stdout).toContain('SUCCESS');
  });
});
