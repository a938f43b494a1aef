// PayFlow's Grafana dashboards, written as JSON into charts/payflow/files/dashboards (the chart
// ships them as ConfigMaps labelled grafana_dashboard: "1"; Grafana can import the files too).
//   node hack/chart/dashboards.ts          write the files
//   node hack/chart/dashboards.ts --check  exit 1 when a committed file differs
// Every panel queries ${datasource}; the controller's dashboard uses controller-runtime's and
// client-go's metric names, which the controller exports under the same names.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_DIR = join(
  import.meta.dirname,
  '..',
  '..',
  'charts',
  'payflow',
  'files',
  'dashboards',
);

type Json = Record<string, unknown>;

interface PanelSpec {
  title: string;
  /** PromQL, one per series; `legend` names each. */
  targets: { expr: string; legend: string }[];
  unit?: string;
  kind?: 'timeseries' | 'stat';
  description?: string;
}

const DS = { type: 'prometheus', uid: '${datasource}' };

function panel(p: PanelSpec, id: number, pos: { x: number; y: number; w: number }): Json {
  return {
    id,
    type: p.kind ?? 'timeseries',
    title: p.title,
    ...(p.description ? { description: p.description } : {}),
    datasource: DS,
    gridPos: { h: p.kind === 'stat' ? 4 : 8, ...pos },
    fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
    options:
      p.kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' }
        : {
            legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
            tooltip: { mode: 'multi' },
          },
    targets: p.targets.map((t, i) => ({
      datasource: DS,
      expr: t.expr,
      legendFormat: t.legend,
      refId: String.fromCharCode(65 + i),
    })),
  };
}

function dashboard(uid: string, title: string, description: string, rows: PanelSpec[][]): Json {
  const panels: Json[] = [];
  let y = 0;
  let id = 1;
  for (const row of rows) {
    const w = Math.floor(24 / row.length);
    row.forEach((p, i) => panels.push(panel(p, id++, { x: i * w, y, w })));
    y += row.some((p) => p.kind !== 'stat') ? 8 : 4;
  }
  return {
    uid,
    title,
    description,
    tags: ['payflow'],
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    graphTooltip: 1,
    links: [{ title: 'PayFlow dashboards', type: 'dashboards', tags: ['payflow'], asDropdown: true }],
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
        },
      ],
    },
    annotations: { list: [] },
    panels,
  };
}

const rate = (m: string, by = ''): string => `sum${by ? ` by (${by})` : ''} (rate(${m}[$__rate_interval]))`;
const quantile = (q: number, m: string, by = ''): string =>
  `histogram_quantile(${String(q)}, sum by (le${by ? `, ${by}` : ''}) (rate(${m}_bucket[$__rate_interval])))`;
const HTTP = 'payflow_http_request_duration_seconds';

export function dashboards(): Record<string, Json> {
  return {
    'payflow-overview': dashboard(
      'payflow-overview',
      'PayFlow / Overview',
      'Requests, events, queues and the controller at a glance.',
      [
        [
          {
            kind: 'stat',
            title: 'API requests/s',
            targets: [{ expr: rate(`${HTTP}_count`), legend: 'requests' }],
            unit: 'reqps',
          },
          {
            kind: 'stat',
            title: 'API 5xx ratio',
            unit: 'percentunit',
            targets: [
              {
                expr: `${rate(`${HTTP}_count{status_code=~"5.."}`)} / ${rate(`${HTTP}_count`)}`,
                legend: '5xx',
              },
            ],
          },
          {
            kind: 'stat',
            title: 'Events applied/s',
            unit: 'ops',
            targets: [
              { expr: rate('payflow_worker_events_processed_total{outcome="applied"}'), legend: 'applied' },
            ],
          },
          {
            kind: 'stat',
            title: 'Queue backlog',
            targets: [{ expr: 'sum(payflow_workerpool_backlog_messages)', legend: 'backlog' }],
          },
          {
            kind: 'stat',
            title: 'Dead-letter messages',
            targets: [{ expr: 'sum(payflow_workerpool_dead_letter_messages)', legend: 'DLQ' }],
          },
          {
            kind: 'stat',
            title: 'Controller leader',
            targets: [
              { expr: 'max(leader_election_master_status{name="payflow-controller"})', legend: 'leader' },
            ],
          },
        ],
        [
          {
            title: 'API requests by status',
            unit: 'reqps',
            targets: [{ expr: rate(`${HTTP}_count`, 'status_code'), legend: '{{status_code}}' }],
          },
          {
            title: 'Events by outcome',
            unit: 'ops',
            targets: [
              { expr: rate('payflow_worker_events_processed_total', 'outcome'), legend: '{{outcome}}' },
            ],
          },
        ],
        [
          {
            title: 'Worker replicas: desired and maximum',
            targets: [
              {
                expr: 'sum by (workerpool) (payflow_workerpool_desired_replicas)',
                legend: '{{workerpool}} desired',
              },
              { expr: 'sum by (workerpool) (payflow_workerpool_max_replicas)', legend: '{{workerpool}} max' },
            ],
          },
          {
            title: 'Audit chain valid (last verification)',
            targets: [{ expr: 'min(payflow_audit_chain_valid)', legend: 'valid' }],
          },
        ],
      ],
    ),
    'payflow-api': dashboard(
      'payflow-api',
      'PayFlow / Payments and API',
      'The REST API: traffic, errors, latency by route, caches and exports.',
      [
        [
          {
            title: 'Requests by route',
            unit: 'reqps',
            targets: [{ expr: rate(`${HTTP}_count`, 'route'), legend: '{{route}}' }],
          },
          {
            title: 'Error ratio (5xx) and client errors (4xx)',
            unit: 'percentunit',
            targets: [
              {
                expr: `${rate(`${HTTP}_count{status_code=~"5.."}`)} / ${rate(`${HTTP}_count`)}`,
                legend: '5xx',
              },
              {
                expr: `${rate(`${HTTP}_count{status_code=~"4.."}`)} / ${rate(`${HTTP}_count`)}`,
                legend: '4xx',
              },
            ],
          },
        ],
        [
          {
            title: 'Latency p50 / p95 / p99',
            unit: 's',
            targets: [0.5, 0.95, 0.99].map((q) => ({
              expr: quantile(q, HTTP),
              legend: `p${String(q * 100)}`,
            })),
          },
          {
            title: 'p95 latency by route',
            unit: 's',
            targets: [{ expr: quantile(0.95, HTTP, 'route'), legend: '{{route}}' }],
          },
        ],
        [
          {
            title: 'Requests within 500 ms (latency SLO)',
            unit: 'percentunit',
            targets: [
              {
                expr: `${rate(`${HTTP}_bucket{le="0.5"}`)} / ${rate(`${HTTP}_count`)}`,
                legend: 'within 500 ms',
              },
            ],
          },
          {
            title: 'Payment cache lookups',
            unit: 'short',
            targets: [{ expr: 'sum by (result) (payflow_payment_cache_lookups)', legend: '{{result}}' }],
          },
          {
            title: 'Exports',
            unit: 'short',
            targets: [
              { expr: rate('payflow_payment_exports_total'), legend: 'exports/s' },
              { expr: rate('payflow_payment_export_rows_total'), legend: 'rows/s' },
            ],
          },
        ],
        [
          {
            title: 'Event loop lag p99',
            unit: 's',
            targets: [{ expr: 'max by (service) (nodejs_eventloop_lag_p99_seconds)', legend: '{{service}}' }],
          },
          {
            title: 'Resident memory',
            unit: 'bytes',
            targets: [{ expr: 'sum by (service) (process_resident_memory_bytes)', legend: '{{service}}' }],
          },
        ],
      ],
    ),
    'payflow-workers': dashboard(
      'payflow-workers',
      'PayFlow / Workers and queues',
      'The SQS workers and their pools: throughput, backlog, dead letters, retries and lag.',
      [
        [
          {
            title: 'Events by outcome',
            unit: 'ops',
            targets: [
              { expr: rate('payflow_worker_events_processed_total', 'outcome'), legend: '{{outcome}}' },
            ],
          },
          {
            title: 'Processing time p50 / p99',
            unit: 's',
            targets: [0.5, 0.99].map((q) => ({
              expr: quantile(q, 'payflow_worker_processing_seconds'),
              legend: `p${String(q * 100)}`,
            })),
          },
        ],
        [
          {
            title: 'Backlog by pool (controller) and seen by workers',
            targets: [
              { expr: 'sum by (workerpool) (payflow_workerpool_backlog_messages)', legend: '{{workerpool}}' },
              { expr: 'max(payflow_worker_backlog_messages)', legend: 'workers' },
            ],
          },
          {
            title: 'Dead-letter queue depth',
            targets: [
              {
                expr: 'sum by (workerpool) (payflow_workerpool_dead_letter_messages)',
                legend: '{{workerpool}}',
              },
            ],
          },
          {
            title: 'Oldest message age at receive',
            unit: 's',
            targets: [{ expr: 'max(payflow_worker_oldest_message_age_seconds)', legend: 'oldest' }],
          },
        ],
        [
          {
            title: 'Retries and dead-lettered',
            unit: 'ops',
            targets: [
              { expr: rate('payflow_worker_retries_total'), legend: 'retries' },
              { expr: rate('payflow_worker_dlq_sent_total'), legend: 'sent to DLQ' },
            ],
          },
          {
            title: 'Events per Postgres transaction p50',
            targets: [{ expr: quantile(0.5, 'payflow_worker_batch_events'), legend: 'p50' }],
          },
          {
            title: 'Outbox published',
            unit: 'ops',
            targets: [{ expr: rate('payflow_worker_outbox_published_total'), legend: 'published' }],
          },
        ],
        [
          {
            title: 'Replicas: desired and maximum',
            targets: [
              {
                expr: 'sum by (workerpool) (payflow_workerpool_desired_replicas)',
                legend: '{{workerpool}} desired',
              },
              { expr: 'sum by (workerpool) (payflow_workerpool_max_replicas)', legend: '{{workerpool}} max' },
            ],
          },
          {
            title: 'Parked events (waiting for their payment or state) and the oldest',
            targets: [
              { expr: 'max(payflow_worker_parked_events)', legend: 'parked' },
              { expr: 'max(payflow_worker_parked_oldest_age_seconds)', legend: 'oldest (s)' },
            ],
          },
          {
            title: 'Seconds since the newest worker heartbeat',
            unit: 's',
            targets: [
              { expr: 'time() - max(payflow_worker_heartbeat_timestamp_seconds)', legend: 'since heartbeat' },
            ],
          },
        ],
      ],
    ),
    'payflow-controller': dashboard(
      'payflow-controller',
      'PayFlow / Controller',
      "The controller, in controller-runtime's and client-go's metric names: reconciles, errors, work queues and leadership.",
      [
        [
          {
            title: 'Reconciles by controller and result',
            unit: 'ops',
            targets: [
              {
                expr: rate('controller_runtime_reconcile_total', 'controller, result'),
                legend: '{{controller}} {{result}}',
              },
            ],
          },
          {
            title: 'Reconcile errors',
            unit: 'ops',
            targets: [
              {
                expr: rate('controller_runtime_reconcile_errors_total', 'controller'),
                legend: '{{controller}}',
              },
            ],
          },
        ],
        [
          {
            title: 'Reconcile time p50 / p99',
            unit: 's',
            targets: [
              {
                expr: quantile(0.5, 'controller_runtime_reconcile_time_seconds', 'controller'),
                legend: '{{controller}} p50',
              },
              {
                expr: quantile(0.99, 'controller_runtime_reconcile_time_seconds', 'controller'),
                legend: '{{controller}} p99',
              },
            ],
          },
          {
            title: 'Active workers',
            targets: [
              { expr: 'sum by (controller) (controller_runtime_active_workers)', legend: '{{controller}}' },
            ],
          },
        ],
        [
          {
            title: 'Work queue depth',
            targets: [{ expr: 'sum by (name) (workqueue_depth)', legend: '{{name}}' }],
          },
          {
            title: 'Work queue adds and retries',
            unit: 'ops',
            targets: [
              { expr: rate('workqueue_adds_total', 'name'), legend: '{{name}} adds' },
              { expr: rate('workqueue_retries_total', 'name'), legend: '{{name}} retries' },
            ],
          },
          {
            title: 'Queue wait and work time p99',
            unit: 's',
            targets: [
              { expr: quantile(0.99, 'workqueue_queue_duration_seconds', 'name'), legend: '{{name}} wait' },
              { expr: quantile(0.99, 'workqueue_work_duration_seconds', 'name'), legend: '{{name}} work' },
            ],
          },
        ],
        [
          {
            title: 'Leader (1 = this instance leads)',
            targets: [
              { expr: 'leader_election_master_status{name="payflow-controller"}', legend: '{{instance}}' },
            ],
          },
          {
            title: 'CPU',
            unit: 'percentunit',
            targets: [
              {
                expr: 'rate(process_cpu_seconds_total{job=~".*controller.*"}[$__rate_interval])',
                legend: '{{instance}}',
              },
            ],
          },
        ],
      ],
    ),
  };
}

export function renderDashboards(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(dashboards()).map(([name, d]) => [`${name}.json`, `${JSON.stringify(d, null, 2)}\n`]),
  );
}

if (import.meta.main) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, content] of Object.entries(renderDashboards())) {
    const path = join(DASHBOARD_DIR, file);
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
