// The health score: a weighted average of a few inputs, each scored 0–1 with the reason in words,
// so that the console can show how the number was made. Inputs that do not apply (nothing
// configured to measure) carry weight 0 and do not count.
export interface ScoreInput {
  name: string;
  weight: number;
  /** 0 (bad) … 1 (good). */
  value: number;
  why: string;
}

export interface HealthScore {
  value: number;
  explanation: string;
  inputs: ScoreInput[];
}

/** What the score reads (already gathered by the health report). */
export interface ScoreFacts {
  /** Dependencies that are configured, and whether each answered. */
  readonly dependencies: readonly { name: string; reachable: boolean }[];
  readonly workers: { live: number; stale: number } | undefined;
  /** Messages in the dead-letter queues that could be read; undefined when none is configured. */
  readonly deadLetters: number | undefined;
  /** Visible messages on the events queue and the live workers' drain rate, events per second. */
  readonly backlog: { visible: number; drainPerSecond: number } | undefined;
  readonly alerts: { critical: number; high: number } | undefined;
  /** Undefined when no controller has reported (nothing runs on Kubernetes). */
  readonly controller: { live: number; leader: boolean } | undefined;
}

export const WEIGHTS = {
  dependencies: 30,
  workers: 25,
  backlog: 20,
  dead_letters: 15,
  alerts: 10,
  controller: 10,
} as const;

/** Draining the backlog within this many seconds counts as keeping up. */
export const DRAIN_TARGET_SECONDS = 60;

/** `1 worker`, `2 workers`. */
export const count = (n: number, noun: string): string => `${String(n)} ${noun}${n === 1 ? '' : 's'}`;

const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;
const clamp = (x: number): number => Math.min(1, Math.max(0, x));

function dependencies(f: ScoreFacts): ScoreInput {
  const deps = f.dependencies;
  const up = deps.filter((d) => d.reachable);
  const down = deps.filter((d) => !d.reachable).map((d) => d.name);
  return {
    name: 'dependencies',
    weight: WEIGHTS.dependencies,
    value: deps.length === 0 ? 1 : round(up.length / deps.length),
    why:
      down.length === 0
        ? `all ${String(deps.length)} configured dependencies answered (${deps.map((d) => d.name).join(', ')})`
        : `${String(up.length)} of ${String(deps.length)} configured dependencies answered; not: ${down.join(', ')}`,
  };
}

function workers(f: ScoreFacts): ScoreInput {
  const w = f.workers;
  const base = { name: 'workers', weight: WEIGHTS.workers };
  if (!w) return { ...base, weight: 0, value: 0, why: 'worker heartbeats could not be read' };
  if (w.live === 0) return { ...base, value: 0, why: 'no live worker: nothing applies payment events' };
  return {
    ...base,
    value: round(w.live / (w.live + w.stale)),
    why:
      w.stale === 0
        ? `${count(w.live, 'live worker')}, none stopped beating`
        : `${count(w.live, 'live worker')} and ${String(w.stale)} that stopped beating without a clean stop (live ÷ all)`,
  };
}

function backlog(f: ScoreFacts): ScoreInput {
  const b = f.backlog;
  const base = { name: 'backlog', weight: WEIGHTS.backlog };
  if (!b)
    return { ...base, weight: 0, value: 0, why: 'the events queue is not configured or did not answer' };
  if (b.visible === 0) return { ...base, value: 1, why: 'no message is waiting on the events queue' };
  if (b.drainPerSecond <= 0)
    return { ...base, value: 0, why: `${count(b.visible, 'message')} waiting and nothing draining them` };
  const seconds = b.visible / b.drainPerSecond;
  return {
    ...base,
    value: round(clamp(DRAIN_TARGET_SECONDS / seconds)),
    why: `${count(b.visible, 'message')} waiting, drained at ${String(b.drainPerSecond)} events/s: about ${String(round(seconds, 1))} s to drain (1 when within ${String(DRAIN_TARGET_SECONDS)} s, else ${String(DRAIN_TARGET_SECONDS)} ÷ that time)`,
  };
}

function deadLetters(f: ScoreFacts): ScoreInput {
  const n = f.deadLetters;
  const base = { name: 'dead_letters', weight: WEIGHTS.dead_letters };
  if (n === undefined)
    return { ...base, weight: 0, value: 0, why: 'no dead-letter queue is configured or readable' };
  if (n === 0) return { ...base, value: 1, why: 'the dead-letter queues are empty' };
  return {
    ...base,
    value: round(clamp(1 - Math.log10(1 + n) / 3)),
    why: `${count(n, 'message')} dead-lettered (1 − log10(1 + messages) ÷ 3: 10 → 0.65, 100 → 0.33, 1000 → 0)`,
  };
}

function alerts(f: ScoreFacts): ScoreInput {
  const a = f.alerts;
  const base = { name: 'alerts', weight: WEIGHTS.alerts };
  if (!a) return { ...base, weight: 0, value: 0, why: 'open alerts could not be counted' };
  return {
    ...base,
    value: round(clamp(1 - 0.2 * a.critical - 0.1 * a.high)),
    why: `${String(a.critical)} critical and ${String(a.high)} high open alerts (1 − 0.2 per critical − 0.1 per high)`,
  };
}

function controller(f: ScoreFacts): ScoreInput {
  const c = f.controller;
  const base = { name: 'controller', weight: WEIGHTS.controller };
  if (!c)
    return { ...base, weight: 0, value: 0, why: 'no controller has reported (not running on Kubernetes)' };
  if (c.live === 0)
    return { ...base, value: 0, why: 'no live controller: custom resources are not reconciled' };
  if (!c.leader)
    return { ...base, value: 0.5, why: `${count(c.live, 'live controller')}, none holds the Lease` };
  return { ...base, value: 1, why: `${count(c.live, 'live controller')}, one leads` };
}

/** Σ weight × value ÷ Σ weight over the inputs that apply, as 0–100. */
export function healthScore(f: ScoreFacts): HealthScore {
  const inputs = [dependencies, workers, backlog, deadLetters, alerts, controller].map((fn) => fn(f));
  const counted = inputs.filter((i) => i.weight > 0);
  const total = counted.reduce((s, i) => s + i.weight, 0);
  const sum = counted.reduce((s, i) => s + i.weight * i.value, 0);
  const value = total === 0 ? 0 : Math.round((100 * sum) / total);
  const terms = counted.map((i) => `${String(i.weight)}×${String(i.value)}`).join(' + ');
  return {
    value,
    explanation:
      `Weighted average of the inputs that apply: each input is scored from 0 (bad) to 1 (good), ` +
      `multiplied by its weight, and the sum divided by the sum of the weights (inputs with weight 0 ` +
      `do not apply here). (${terms}) ÷ ${String(total)} × 100 = ${String(value)}.`,
    inputs,
  };
}
