// Worker pools and dead letters as the API answers them (api/src/routes/worker-pools.ts), and the
// shaping of a pool's samples for its chart.

export interface PoolCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface WorkerPool {
  namespace: string;
  name: string;
  uid: string;
  queue: { name: string | null; url: string | null };
  dead_letter_queue: { name: string | null; url: string | null } | null;
  min_replicas: number | null;
  max_replicas: number | null;
  target_backlog_per_replica: number | null;
  polling_interval_seconds: number | null;
  desired_replicas: number | null;
  ready_replicas: number | null;
  replicas: number | null;
  backlog: { visible: number; in_flight: number; delayed: number } | null;
  dead_letter_depth: number | null;
  arrival_rate: number | null;
  drain_rate: number | null;
  oldest_message_age_seconds: number | null;
  workers_reporting: number;
  last_scale_time: string | null;
  last_scale_reason: string | null;
  conditions: PoolCondition[];
  observed_at: string;
  stale: boolean;
  dlq_browsable: boolean;
}

export interface PoolSample {
  at: string;
  backlog: number | null;
  dead_letter: number | null;
  desired: number;
  ready: number;
}

export interface DeadLetter {
  message_id: string;
  reason: string | null;
  event_id: string | null;
  event_type: string | null;
  payment_id: string | null;
  redrive_count: number;
  receive_count: number;
  sent_at: string | null;
  body: string;
}

export interface DeadLetters {
  queue: string;
  source_queue: string;
  messages: DeadLetter[];
}

export interface RedriveResult {
  queue: string;
  moved: number;
  message_ids: string[];
  event_ids: string[];
  missing: string[];
}

export interface Point {
  x: Date;
  y: number;
}

export interface ChartSeries {
  backlog: Point[];
  desired: Point[];
  ready: Point[];
  maxBacklog: number;
  maxReplicas: number;
}

/** Backlog and replicas over time; samples without a backlog reading leave a gap-free line. */
export function chartSeries(samples: readonly PoolSample[]): ChartSeries {
  const backlog = samples
    .filter((s) => s.backlog !== null)
    .map((s) => ({ x: new Date(s.at), y: s.backlog ?? 0 }));
  const desired = samples.map((s) => ({ x: new Date(s.at), y: s.desired }));
  const ready = samples.map((s) => ({ x: new Date(s.at), y: s.ready }));
  return {
    backlog,
    desired,
    ready,
    maxBacklog: Math.max(1, ...backlog.map((p) => p.y)),
    maxReplicas: Math.max(1, ...desired.map((p) => p.y), ...ready.map((p) => p.y)),
  };
}

/** The condition of a type, or undefined when the controller has not set it. */
export function condition(pool: Pick<WorkerPool, 'conditions'>, type: string): PoolCondition | undefined {
  return pool.conditions.find((c) => c.type === type);
}

/** One sentence for screen readers and the chart's description. */
export function chartSummary(s: ChartSeries): string {
  const last = (xs: Point[]) => xs.at(-1)?.y;
  if (s.desired.length === 0) return 'No samples in the last hour.';
  return `${String(s.desired.length)} samples in the last hour; now backlog ${String(last(s.backlog) ?? 'unknown')}, ${String(last(s.desired) ?? 0)} replicas desired and ${String(last(s.ready) ?? 0)} ready; peak backlog ${String(s.maxBacklog)}.`;
}

/** A round top for a count axis (steps of 1, 2, 2.5 or 5 × 10^n, at least 4) at or above `max`. */
export function niceAxis(max: number): { top: number; ticks: number[] } {
  const raw = Math.max(4, max) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const top = step * Math.ceil(Math.max(4, max) / step);
  const ticks: number[] = [];
  for (let v = 0; v <= top + step / 2; v += step) ticks.push(Math.round(v * 100) / 100);
  return { top, ticks };
}

/** Whole-replica ticks (at most five) up to a top at or above `max`. */
export function replicaAxis(max: number): { top: number; ticks: number[] } {
  const top = Math.max(1, Math.ceil(max));
  const step = Math.max(1, Math.ceil(top / 4));
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const last = ticks.at(-1) ?? 0;
  return { top: last < top ? last + step : top, ticks: last < top ? [...ticks, last + step] : ticks };
}
