// A chaos scenario: how much traffic, which faults, how many of each and for how long. Every
// figure has a ceiling, so a scenario is bounded in count and in time whatever it is given.
import { UsageError } from '../lib/errors.ts';

export const FAULTS = [
  'kill',
  'redis-restart',
  'postgres-restart',
  'latency',
  'drop',
  'poison',
  'replay',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface Scenario {
  /** Payments created through the API for the run. */
  readonly payments: number;
  /** Worker processes the tool starts (and owns). */
  readonly workers: number;
  /** Faults to inject. */
  readonly faults: ReadonlySet<Fault>;
  /** SIGKILLs of workers at random moments (with `kill`). */
  readonly kills: number;
  /** Poison messages sent (with `poison`). */
  readonly poison: number;
  /** Share of events sent twice, 0..1. */
  readonly duplicates: number;
  /** Latency added to the workers' PostgreSQL connections, ms (with `latency`). */
  readonly latencyMs: number;
  /** Times every worker connection to PostgreSQL is dropped at once (with `drop`). */
  readonly drops: number;
  /** How long faults are injected, s. */
  readonly faultWindowSeconds: number;
  /** The whole run's ceiling (faults, then waiting for the queue to drain), s. */
  readonly timeoutSeconds: number;
  /** Seed of every random choice (order, victims, moments): a run can be repeated. */
  readonly seed: number;
}

export const LIMITS = {
  payments: 10_000,
  workers: 8,
  kills: 100,
  poison: 10_000,
  latencyMs: 2000,
  drops: 50,
  faultWindowSeconds: 600,
  timeoutSeconds: 900,
} as const;

export const DEFAULT_SCENARIO: Scenario = {
  payments: 200,
  workers: 2,
  faults: new Set<Fault>(['kill', 'redis-restart', 'latency', 'drop', 'poison', 'replay']),
  kills: 3,
  poison: 20,
  duplicates: 0.1,
  latencyMs: 50,
  drops: 2,
  faultWindowSeconds: 10,
  timeoutSeconds: 120,
  seed: 1,
};

/** A figure of the scenario out of its bounds (exit 2); `field` is the flag. */
export class ScenarioError extends UsageError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
    this.name = 'ScenarioError';
  }
}

function intIn(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new ScenarioError(
      field,
      `must be an integer from ${String(min)} to ${String(max)} (got ${String(v)})`,
    );
  return v;
}

/** Checks every figure against its bounds; throws ScenarioError naming the first one out of range. */
export function checkScenario(s: Scenario): Scenario {
  intIn('--payments', s.payments, 1, LIMITS.payments);
  intIn('--workers', s.workers, 1, LIMITS.workers);
  intIn('--kills', s.kills, 0, LIMITS.kills);
  intIn('--poison', s.poison, 0, LIMITS.poison);
  intIn('--latency', s.latencyMs, 0, LIMITS.latencyMs);
  intIn('--drops', s.drops, 0, LIMITS.drops);
  intIn('--fault-window', s.faultWindowSeconds, 1, LIMITS.faultWindowSeconds);
  intIn('--timeout', s.timeoutSeconds, 5, LIMITS.timeoutSeconds);
  intIn('--seed', s.seed, 0, 2 ** 31 - 1);
  if (!(s.duplicates >= 0 && s.duplicates <= 1))
    throw new ScenarioError('--duplicates', `must be a ratio from 0 to 1 (got ${String(s.duplicates)})`);
  if (s.timeoutSeconds <= s.faultWindowSeconds)
    throw new ScenarioError(
      '--timeout',
      'must be longer than --fault-window (the queue drains after the faults)',
    );
  return s;
}

/** Parses a comma-separated fault list (`all` and `none` allowed). */
export function parseFaults(text: string): Set<Fault> {
  const t = text.trim();
  if (t === 'all') return new Set(FAULTS);
  if (t === 'none' || t === '') return new Set();
  const out = new Set<Fault>();
  for (const part of t.split(',').map((p) => p.trim())) {
    if (!(FAULTS as readonly string[]).includes(part))
      throw new ScenarioError('--faults', `unknown fault "${part}" (known: ${FAULTS.join(', ')}, all, none)`);
    out.add(part as Fault);
  }
  return out;
}

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function shuffled<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
