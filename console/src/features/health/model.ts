// The health report as the page draws it, read defensively from whatever the API answers: the
// full report (components[], score), the first report (components as a map of checks, services
// as counts) or anything in between. A missing or odd field is left out, never a crash.

export type Kind = 'service' | 'dependency';

export interface Instance {
  id: string;
  hostname?: string;
  version?: string;
  startedAt?: string;
  lastSeenAt?: string;
  status?: string;
  details: Record<string, unknown>;
}

export interface QueueReport {
  name?: string;
  visible?: number;
  inFlight?: number;
  delayed?: number;
  oldestAgeSeconds?: number | null;
  deadLetterQueueOf?: string;
}

export interface Component {
  /** The API's name (api, worker, postgres, events-dlq …). */
  name: string;
  /** The name a person reads (API, Workers, PostgreSQL …). */
  label: string;
  kind: Kind;
  status: string;
  latencyMs?: number;
  lastSeenAt?: string;
  version?: string;
  message?: string;
  instances?: Instance[];
  queue?: QueueReport;
  eventsPerSecond?: number;
  leader?: string | null;
}

export interface ScoreInput {
  name: string;
  weight: number;
  value: number;
  why: string;
}

export interface Score {
  value: number;
  explanation?: string;
  inputs: ScoreInput[];
}

export interface HealthView {
  status?: string;
  checkedAt?: string;
  score?: Score;
  services: Component[];
  dependencies: Component[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const LABELS: Record<string, string> = {
  api: 'API',
  worker: 'Workers',
  controller: 'Controller',
  relay: 'Relay',
  postgres: 'PostgreSQL',
  database: 'PostgreSQL',
  redis: 'Redis',
  'events-queue': 'Events queue',
  'events-dlq': 'Events dead-letter queue',
  'updates-queue': 'Updates queue',
  'updates-dlq': 'Updates dead-letter queue',
  kubernetes: 'Kubernetes',
};

const SERVICES = new Set(['api', 'worker', 'controller', 'relay']);

/** "payment-events" → "Payment events"; known components by their product names. */
export function componentLabel(name: string): string {
  const known = LABELS[name];
  if (known) return known;
  const t = name.replaceAll(/[-_]/g, ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function instanceOf(raw: unknown): Instance | undefined {
  if (!isObject(raw)) return undefined;
  const id = str(raw.instance_id) ?? str(raw.id);
  if (!id) return undefined;
  return {
    id,
    hostname: str(raw.hostname),
    version: str(raw.version),
    startedAt: str(raw.started_at),
    lastSeenAt: str(raw.last_seen_at),
    status: str(raw.status),
    details: isObject(raw.details) ? raw.details : {},
  };
}

function instancesOf(raw: unknown): Instance[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map(instanceOf).filter((i): i is Instance => i !== undefined);
}

function queueOf(raw: unknown): QueueReport | undefined {
  if (!isObject(raw)) return undefined;
  return {
    name: str(raw.name),
    visible: num(raw.visible),
    inFlight: num(raw.in_flight),
    delayed: num(raw.delayed),
    oldestAgeSeconds: raw.oldest_age_seconds === null ? null : num(raw.oldest_age_seconds),
    deadLetterQueueOf: str(raw.dead_letter_queue_of),
  };
}

function leaderOf(raw: unknown): string | null | undefined {
  if (!isObject(raw)) return undefined;
  return str(raw.instance_id) ?? null;
}

function componentOf(raw: unknown): Component | undefined {
  if (!isObject(raw)) return undefined;
  const name = str(raw.name);
  if (!name) return undefined;
  const kind: Kind =
    raw.kind === 'service' || raw.kind === 'dependency'
      ? raw.kind
      : SERVICES.has(name)
        ? 'service'
        : 'dependency';
  return {
    name,
    label: componentLabel(name),
    kind,
    status: str(raw.status) ?? 'unknown',
    latencyMs: num(raw.latency_ms),
    lastSeenAt: str(raw.last_seen_at),
    version: str(raw.version),
    message: str(raw.message),
    instances: instancesOf(raw.instances),
    queue: queueOf(raw.queue),
    eventsPerSecond: isObject(raw.throughput) ? num(raw.throughput.events_per_second) : undefined,
    leader: leaderOf(raw.leader),
  };
}

/** The first report: `components` (or `checks`) was a map of database, redis, queue, workers. */
function fromChecks(checks: Json, services: Json): Component[] {
  const list: Component[] = [];
  const check = (key: string, name: string, kind: Kind) => {
    const c = checks[key];
    if (!isObject(c)) return;
    const live = num(c.live);
    list.push({
      name,
      label: componentLabel(name),
      kind,
      status: str(c.status) ?? 'unknown',
      latencyMs: kind === 'dependency' ? num(c.latency_ms) : undefined,
      message: str(c.error) ?? (live === undefined ? undefined : liveWords(live)),
      instances: instancesOf(c.instances),
    });
  };
  const api = num(services.api);
  if (api !== undefined)
    list.push({
      name: 'api',
      label: 'API',
      kind: 'service',
      status: api > 0 ? 'up' : 'unknown',
      message: liveWords(api),
    });
  check('workers', 'worker', 'service');
  check('database', 'postgres', 'dependency');
  check('redis', 'redis', 'dependency');
  check('queue', 'events-queue', 'dependency');
  return list;
}

function liveWords(n: number): string {
  return `${String(n)} live instance${n === 1 ? '' : 's'}`;
}

function scoreOf(raw: unknown): Score | undefined {
  if (!isObject(raw)) return undefined;
  const value = num(raw.value);
  if (value === undefined) return undefined;
  const inputs = Array.isArray(raw.inputs)
    ? raw.inputs.filter(isObject).map((i) => ({
        name: str(i.name) ?? 'input',
        weight: num(i.weight) ?? 0,
        value: num(i.value) ?? 0,
        why: str(i.why) ?? '',
      }))
    : [];
  return { value: Math.max(0, Math.min(100, Math.round(value))), explanation: str(raw.explanation), inputs };
}

export function normalizeHealth(raw: unknown): HealthView {
  const r = isObject(raw) ? raw : {};
  const services = isObject(r.services) ? r.services : {};
  let list: Component[];
  if (Array.isArray(r.components))
    list = r.components.map(componentOf).filter((c): c is Component => c !== undefined);
  else if (isObject(r.components)) list = fromChecks(r.components, services);
  else if (isObject(r.checks)) list = fromChecks(r.checks, services);
  else list = [];
  return {
    status: str(r.status),
    checkedAt: str(r.checked_at),
    score: scoreOf(r.score),
    services: list.filter((c) => c.kind === 'service'),
    dependencies: list.filter((c) => c.kind === 'dependency'),
  };
}

// ——— queues ———

export interface DlqView {
  name?: string;
  depth: number;
  oldestAgeSeconds?: number | null;
}

export interface QueueRow {
  /** The component name (events-queue) or, when only queue stats know it, the SQS name. */
  key: string;
  label: string;
  sqsName?: string;
  status?: string;
  message?: string;
  visible?: number;
  inFlight?: number;
  delayed?: number;
  oldestAgeSeconds?: number | null;
  /** null: no dead-letter queue is configured; undefined: not known. */
  dlq?: DlqView | null;
}

const total = (q: { visible?: number; inFlight?: number; delayed?: number }): number =>
  (q.visible ?? 0) + (q.inFlight ?? 0) + (q.delayed ?? 0);

function dlqFromComponent(c: Component | undefined): DlqView | null | undefined {
  if (!c) return undefined;
  if (c.status === 'not_configured') return null;
  if (!c.queue) return undefined;
  return { name: c.queue.name, depth: total(c.queue), oldestAgeSeconds: c.queue.oldestAgeSeconds };
}

function rowsFromComponents(view: HealthView): QueueRow[] {
  const queues = view.dependencies.filter((c) => c.name.endsWith('-queue'));
  return queues.map((c) => {
    const dlq = view.dependencies.find(
      (d) => d.queue?.deadLetterQueueOf === c.name || d.name === c.name.replace(/-queue$/, '-dlq'),
    );
    return {
      key: c.name,
      label: c.label,
      sqsName: c.queue?.name,
      status: c.status,
      message: c.message,
      visible: c.queue?.visible,
      inFlight: c.queue?.inFlight,
      delayed: c.queue?.delayed,
      oldestAgeSeconds: c.queue?.oldestAgeSeconds,
      dlq: c.status === 'not_configured' ? undefined : dlqFromComponent(dlq),
    };
  });
}

function depthOf(raw: Json) {
  return { visible: num(raw.visible), inFlight: num(raw.in_flight), delayed: num(raw.delayed) };
}

function statsDlq(q: Json): DlqView | null | undefined {
  if (q.dlq === null) return null;
  if (isObject(q.dlq)) {
    const d = depthOf(q.dlq);
    return {
      name: str(q.dlq.name),
      depth: num(q.dlq_depth) ?? total(d),
      oldestAgeSeconds: num(q.dlq.oldest_age_seconds) ?? null,
    };
  }
  const depth = num(q.dlq_depth);
  return depth === undefined ? undefined : { depth };
}

function mergeStats(rows: QueueRow[], q: Json): void {
  const sqsName = str(q.name);
  const fresh = { ...depthOf(q), oldestAgeSeconds: num(q.oldest_age_seconds) ?? null, dlq: statsDlq(q) };
  const only = rows.length === 1 ? rows[0] : undefined;
  // The first report names no SQS queue on its component: the one events queue is this one.
  const existing =
    rows.find((r) => r.sqsName !== undefined && r.sqsName === sqsName) ??
    (only?.sqsName === undefined && only?.key === 'events-queue' ? only : undefined);
  if (existing) {
    Object.assign(existing, fresh, { sqsName: sqsName ?? existing.sqsName, dlq: fresh.dlq ?? existing.dlq });
    return;
  }
  rows.push({ key: sqsName ?? `queue-${String(rows.length)}`, label: sqsName ?? 'Queue', sqsName, ...fresh });
}

/** The queues: the report's queue components, their depths from /queue/stats where it has them. */
export function queueRows(view: HealthView | undefined, stats: unknown): QueueRow[] {
  const rows = view ? rowsFromComponents(view) : [];
  const list = isObject(stats) && Array.isArray(stats.queues) ? stats.queues.filter(isObject) : [];
  for (const q of list) mergeStats(rows, q);
  return rows;
}

/** Messages waiting in dead-letter queues, summed over the rows that know. */
export function deadLettered(rows: readonly QueueRow[]): number {
  return rows.reduce((s, r) => s + (r.dlq?.depth ?? 0), 0);
}

// ——— instance details ———

export interface Detail {
  label: string;
  value: string;
}

const RATE = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const COUNT = new Intl.NumberFormat();

const KNOWN: Record<string, (v: unknown) => string | undefined> = {
  events_per_second: (v) => (num(v) === undefined ? undefined : `${RATE.format(num(v) ?? 0)} events/s`),
  requests_per_second: (v) => (num(v) === undefined ? undefined : `${RATE.format(num(v) ?? 0)} req/s`),
  in_flight: (v) => (num(v) === undefined ? undefined : COUNT.format(num(v) ?? 0)),
  requests_in_flight: (v) => (num(v) === undefined ? undefined : COUNT.format(num(v) ?? 0)),
  requests_served: (v) => (num(v) === undefined ? undefined : COUNT.format(num(v) ?? 0)),
  leader: (v) => (v === true ? 'Leader' : v === false ? 'Standby' : undefined),
};

const LABEL_OF: Record<string, string> = {
  events_per_second: 'Throughput',
  requests_per_second: 'Requests',
  in_flight: 'In flight',
  requests_in_flight: 'In flight',
  requests_served: 'Served',
  leader: 'Role',
  lease_holder: 'Lease holder',
  oldest_message_age_seconds: 'Oldest message',
};

function primitive(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return COUNT.format(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return undefined;
}

function kubernetesDetail(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  if (v.reachable !== true) return `unreachable${str(v.error) ? `: ${str(v.error) ?? ''}` : ''}`;
  const parts = [
    str(v.version),
    num(v.latency_ms) === undefined ? undefined : `${String(num(v.latency_ms))} ms`,
  ];
  return ['reachable', ...parts.filter(Boolean)].join(' · ');
}

const ORDER = [
  'leader',
  'events_per_second',
  'requests_per_second',
  'in_flight',
  'requests_in_flight',
  'oldest_message_age_seconds',
];
const SKIP = new Set([
  'events_last_minute',
  'applied_last_minute',
  'batches_last_minute',
  'requests_last_minute',
]);

/** What an instance says about itself, worded; the most telling first. */
export function instanceDetails(details: Record<string, unknown>): Detail[] {
  const keys = Object.keys(details).filter((k) => !SKIP.has(k));
  keys.sort((a, b) => rank(a) - rank(b));
  const out: Detail[] = [];
  for (const key of keys) {
    const v = details[key];
    let value: string | undefined;
    if (key === 'kubernetes') value = kubernetesDetail(v);
    else if (key === 'oldest_message_age_seconds')
      value = num(v) === undefined ? undefined : `${RATE.format(num(v) ?? 0)} s`;
    else value = KNOWN[key]?.(v) ?? primitive(v);
    if (value !== undefined) out.push({ label: LABEL_OF[key] ?? componentLabel(key), value });
  }
  return out;
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i === -1 ? ORDER.length : i;
}

/** "5.2 ms", "120 ms", "1.4 s". */
export function formatLatency(ms: number | undefined): string {
  if (ms === undefined) return '—';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export type Tier = 'healthy' | 'degraded' | 'unhealthy';

/** The score's word: 90 and above healthy, 70 and above degraded, below unhealthy. */
export function tierOf(view: HealthView): Tier | undefined {
  if (view.score) {
    if (view.score.value >= 90) return 'healthy';
    return view.score.value >= 70 ? 'degraded' : 'unhealthy';
  }
  const s = view.status;
  return s === 'healthy' || s === 'degraded' || s === 'unhealthy' ? s : undefined;
}

export function statusCounts(
  view: HealthView,
): Record<'up' | 'degraded' | 'down' | 'not_configured', number> {
  const counts = { up: 0, degraded: 0, down: 0, not_configured: 0 };
  for (const c of [...view.services, ...view.dependencies]) {
    if (c.status in counts) counts[c.status as keyof typeof counts] += 1;
  }
  return counts;
}
