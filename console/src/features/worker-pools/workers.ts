// The worker instances in a health report, whatever its shape: the current report lists them in
// `components` (an entry named like "worker" with `instances`, hostnames and throughput details);
// the first report had them under `components.workers` or `checks.workers` with id, version and
// last heartbeat only. Unknown fields are left undefined, never guessed.

export interface WorkerInstance {
  id: string;
  hostname?: string;
  version?: string;
  pid?: number;
  startedAt?: string;
  lastSeenAt?: string;
  /** up / down as the API judged it; undefined when the report does not say. */
  status?: string;
  eventsPerSecond?: number;
  eventsLastMinute?: number;
  appliedLastMinute?: number;
  batchesLastMinute?: number;
  inFlight?: number;
  oldestMessageAgeSeconds?: number | null;
}

export interface WorkersView {
  instances: WorkerInstance[];
  /** The workers component's status (up, degraded, down) when the report has one. */
  status?: string;
  message?: string;
  /** Live workers as the report counts them. */
  live?: number;
}

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

function instanceOf(raw: unknown): WorkerInstance | undefined {
  if (!isRec(raw)) return undefined;
  const id = str(raw.instance_id) ?? str(raw.id);
  if (!id) return undefined;
  const d = isRec(raw.details) ? raw.details : {};
  const age = d.oldest_message_age_seconds;
  return {
    id,
    hostname: str(raw.hostname),
    version: str(raw.version),
    pid: num(raw.pid),
    startedAt: str(raw.started_at),
    lastSeenAt: str(raw.last_seen_at),
    status: str(raw.status),
    eventsPerSecond: num(d.events_per_second),
    eventsLastMinute: num(d.events_last_minute),
    appliedLastMinute: num(d.applied_last_minute),
    batchesLastMinute: num(d.batches_last_minute),
    inFlight: num(d.in_flight),
    oldestMessageAgeSeconds: age === null ? null : num(age),
  };
}

function instancesOf(list: unknown): WorkerInstance[] {
  return Array.isArray(list) ? list.map(instanceOf).filter((i): i is WorkerInstance => i !== undefined) : [];
}

/** Current shape: an array of components; the worker entries are those named like "worker". */
function fromComponentList(list: unknown[]): WorkersView | undefined {
  const workers = list.filter(
    (c): c is Rec =>
      isRec(c) && typeof c.name === 'string' && /worker/i.test(c.name) && Array.isArray(c.instances),
  );
  if (workers.length === 0) return undefined;
  const first = workers[0];
  return {
    instances: workers.flatMap((c) => instancesOf(c.instances)),
    status: str(first?.status),
    message: str(first?.message),
  };
}

/** First shape: `{ components: { workers: { status, live, instances } } }` or `checks.workers`. */
function fromCheck(check: unknown): WorkersView | undefined {
  if (!isRec(check)) return undefined;
  return {
    instances: instancesOf(check.instances),
    status: str(check.status),
    live: num(check.live),
    message: str(check.error),
  };
}

export function workersFromHealth(report: unknown): WorkersView {
  if (!isRec(report)) return { instances: [] };
  const c = report.components;
  const listed = Array.isArray(c) ? fromComponentList(c) : undefined;
  const checks = isRec(report.checks) ? fromCheck(report.checks.workers) : undefined;
  const old = isRec(c) ? fromCheck(c.workers) : undefined;
  const view = listed ?? old ?? checks ?? { instances: [] };
  const live = view.live ?? checks?.live ?? view.instances.filter((i) => i.status !== 'down').length;
  return { ...view, live };
}

export interface QueueView {
  name: string;
  visible: number;
  inFlight: number;
  delayed: number;
  dlqDepth: number | null;
  oldestAgeSeconds: number | null;
}

/** The events queue from GET /api/v1/queue/stats (the first queue when none is named "events"). */
export function eventsQueue(stats: unknown): QueueView | undefined {
  if (!isRec(stats) || !Array.isArray(stats.queues)) return undefined;
  const queues = stats.queues.filter(isRec);
  const q = queues.find((x) => /event/i.test(str(x.name) ?? '')) ?? queues[0];
  if (!q) return undefined;
  return {
    name: str(q.name) ?? 'events',
    visible: num(q.visible) ?? 0,
    inFlight: num(q.in_flight) ?? 0,
    delayed: num(q.delayed) ?? 0,
    dlqDepth: num(q.dlq_depth) ?? null,
    oldestAgeSeconds: num(q.oldest_age_seconds) ?? null,
  };
}
