// How many workers a WorkerPool should run: pure functions over the spec, the queue depth just
// read, and a little memory per pool (previous sample, learned drain rate, recent
// recommendations, consecutive failed reads).
//
//   byBacklog = ceil(backlog / targetBacklogPerReplica)
//   byRate    = ceil(arrivalRate / perReplicaDrainRate)   (a steady load keeps its workers even
//                                                          while the backlog stays flat)
//   desired   = clamp(max(byBacklog, byRate), min, max), 0 below the activation threshold
// then: changes within tolerancePercent are ignored, scale-up is immediate, scale-down takes the
// highest recommendation of the stabilization window, scale to zero waits for the cooldown, and
// after fallback.failureThreshold failed reads the fallback replica count applies.
//
// SQS reports depths, not flows: the net flow is the change of (visible + in flight + delayed)
// between two reads; the per-replica drain rate is learned from intervals in which the queue
// shrank while workers were ready, and the arrival rate is the net flow plus what the busy
// workers (in-flight messages / concurrencyPerReplica) drain.
import type { WorkerPoolSpec } from '@payflow/api/crd';
import type { QueueDepth } from './sqs-metrics.ts';

export interface PoolMemory {
  prev?: { at: number; total: number };
  /** Messages per second one ready replica drains (EWMA), once observed. */
  drainPerReplica?: number;
  /** Messages per second arriving (EWMA). */
  arrival?: number;
  history: { at: number; desired: number }[];
  failures: number;
  lastActiveAt?: number;
}

export const newPoolMemory = (): PoolMemory => ({ history: [], failures: 0 });

export interface ScaleInput {
  spec: WorkerPoolSpec;
  /** Milliseconds (any monotonic clock). */
  now: number;
  /** The depth just read, or undefined when the read failed. */
  depth: QueueDepth | undefined;
  /** Replicas the Deployment runs now (its spec). */
  current: number;
  ready: number;
}

export interface ScaleDecision {
  desired: number;
  reason: string;
  backlog: number | undefined;
  active: boolean;
  fallback: boolean;
  arrivalRate: number | undefined;
  drainRate: number | undefined;
}

const EWMA = 0.5;
const ewma = (old: number | undefined, sample: number): number =>
  old === undefined ? sample : old * (1 - EWMA) + sample * EWMA;
const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

export function backlogOf(spec: WorkerPoolSpec, d: QueueDepth): number {
  return d.visible + (spec.countInFlight ? d.inFlight : 0) + (spec.countDelayed ? d.delayed : 0);
}

/**
 * What the workers drain now: the learned per-replica rate times the replicas that are busy,
 * judged by the in-flight messages (a replica holds up to concurrencyPerReplica at once), so
 * that idle or stuck workers are not taken for a matching arrival rate.
 */
export function drainRate(mem: PoolMemory, input: ScaleInput, d: QueueDepth): number {
  const busy = Math.min(input.ready, d.inFlight / input.spec.concurrencyPerReplica);
  return (mem.drainPerReplica ?? 0) * busy;
}

/** Updates the rate estimates with a new sample (ignored when too close to the previous one). */
export function observeRates(mem: PoolMemory, input: ScaleInput, d: QueueDepth): void {
  const total = d.visible + d.inFlight + d.delayed;
  const minGap = (input.spec.pollingIntervalSeconds * 1000) / 2;
  if (mem.prev && input.now - mem.prev.at < minGap) return;
  if (mem.prev) {
    const net = (total - mem.prev.total) / ((input.now - mem.prev.at) / 1000);
    if (net < 0 && input.ready > 0) mem.drainPerReplica = ewma(mem.drainPerReplica, -net / input.ready);
    mem.arrival = ewma(mem.arrival, Math.max(0, net + drainRate(mem, input, d)));
  }
  mem.prev = { at: input.now, total };
}

function recommend(mem: PoolMemory, input: ScaleInput, backlog: number, active: boolean): [number, string] {
  const s = input.spec;
  if (!active)
    return [s.minReplicas, `backlog ${backlog} is not above the activation threshold ${s.activationBacklog}`];
  const byBacklog = Math.ceil(backlog / s.targetBacklogPerReplica);
  const perReplica = mem.drainPerReplica ?? 0;
  const byRate = perReplica > 0 ? Math.ceil((mem.arrival ?? 0) / perReplica) : 0;
  const raw = clamp(Math.max(byBacklog, byRate), s.minReplicas, s.maxReplicas);
  const why =
    byRate > byBacklog
      ? `arrival ${(mem.arrival ?? 0).toFixed(2)}/s at ${perReplica.toFixed(2)}/s per replica needs ${byRate}`
      : `backlog ${backlog} at ${s.targetBacklogPerReplica} per replica needs ${byBacklog}`;
  return [
    raw,
    raw === Math.max(byBacklog, byRate) ? why : `${why}, clamped to [${s.minReplicas}, ${s.maxReplicas}]`,
  ];
}

function withinTolerance(spec: WorkerPoolSpec, current: number, next: number): boolean {
  if (current <= 0 || next === 0 || current < spec.minReplicas || current > spec.maxReplicas) return false;
  return Math.abs(next - current) / current <= spec.tolerancePercent / 100;
}

/** Scale-up at once; scale-down only to the highest recommendation of the window. */
function stabilize(mem: PoolMemory, input: ScaleInput, next: number): number {
  const windowMs = input.spec.scaleDownStabilizationSeconds * 1000;
  mem.history = mem.history.filter((h) => input.now - h.at < windowMs);
  mem.history.push({ at: input.now, desired: next });
  if (next >= input.current) return next;
  return Math.min(input.current, Math.max(...mem.history.map((h) => h.desired)));
}

function unreadable(mem: PoolMemory, input: ScaleInput): ScaleDecision {
  mem.failures += 1;
  const fb = input.spec.fallback;
  const base = { backlog: undefined, active: false, arrivalRate: undefined, drainRate: undefined };
  if (fb && mem.failures >= fb.failureThreshold)
    return {
      ...base,
      desired: fb.replicas,
      fallback: true,
      reason: `queue unreadable ${mem.failures} times: fallback to ${fb.replicas}`,
    };
  return {
    ...base,
    desired: input.current,
    fallback: false,
    reason: `queue unreadable; keeping ${input.current}`,
  };
}

/** Scale to zero only after cooldownSeconds without backlog. */
function cooldown(mem: PoolMemory, input: ScaleInput, [next, reason]: [number, string]): [number, string] {
  const s = input.spec;
  const cooling = mem.lastActiveAt !== undefined && input.now - mem.lastActiveAt < s.cooldownSeconds * 1000;
  if (next === 0 && input.current > 0 && cooling)
    return [1, `${reason}; holding 1 replica for the ${s.cooldownSeconds} s cooldown`];
  return [next, reason];
}

export function decide(mem: PoolMemory, input: ScaleInput): ScaleDecision {
  const d = input.depth;
  if (d === undefined) return unreadable(mem, input);
  mem.failures = 0;
  observeRates(mem, input, d);
  const s = input.spec;
  const backlog = backlogOf(s, d);
  const active = backlog > s.activationBacklog;
  if (active) mem.lastActiveAt = input.now;
  const rates = { arrivalRate: mem.arrival, drainRate: drainRate(mem, input, d) };
  const base = { backlog, active, fallback: false, ...rates };
  if (s.replicas !== undefined) {
    const n = clamp(s.replicas, s.minReplicas, s.maxReplicas);
    return { ...base, desired: n, reason: `spec.replicas ${s.replicas} (scale subresource)` };
  }
  const [next, reason] = cooldown(mem, input, recommend(mem, input, backlog, active));
  if (withinTolerance(s, input.current, next)) {
    mem.history.push({ at: input.now, desired: input.current });
    return {
      ...base,
      desired: input.current,
      reason: `${reason}; within ${s.tolerancePercent}% of ${input.current}`,
    };
  }
  const desired = stabilize(mem, input, next);
  const held =
    desired !== next ? `; scale-down stabilized at ${desired} for ${s.scaleDownStabilizationSeconds} s` : '';
  return { ...base, desired, reason: `${reason}${held}` };
}
