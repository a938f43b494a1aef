// `payflow chaos`: flags → a scenario and a stack, the run, the verdict (text or --json).
// Exit codes: 0 green, 1 red, 2 bad arguments or a refused fault, 3 a service unreachable.
import { parseArgs } from 'node:util';
import { Refused } from './databases.ts';
import { NotLoopback } from './loopback.ts';
import { runChaos, Unreachable, type ChaosStack } from './run.ts';
import {
  checkScenario,
  DEFAULT_SCENARIO,
  LIMITS,
  parseFaults,
  ScenarioError,
  type Scenario,
} from './scenario.ts';
import { renderVerdict } from './verdict.ts';

export const CHAOS_SUMMARY = 'fault injection against a running stack, then a verdict on the invariants';

export const CHAOS_HELP = `payflow chaos [options]

Runs a chaos scenario against a running stack on this machine and prints a verdict (GREEN or RED)
with the figures. The tool creates its own queues (an events queue and its DLQ) on the stack's SQS
endpoint, its own payments through the API (merchant chaos_<run>), and starts and owns its own
worker processes; only those are ever killed. While it sends the run's events (shuffled, with
duplicates) it injects the faults at seeded random moments:

  kill              SIGKILL a worker of the run (a new one takes its place)      --kills N
  redis-restart     stop and restart a private Redis the tool starts for its workers
                    (the stack's Redis is never touched; needs Debian's redis-server)
  postgres-restart  crash-restart the stack's PostgreSQL (a server process SIGKILLed; the server
                    recovers). Only a server on loopback whose data directory is in a folder the
                    test environment or the local demo made; anything else is refused.
  latency           add latency to the workers' PostgreSQL connections            --latency MS
                    (through the tool's TCP proxy on 127.0.0.1)
  drop              reset every worker connection to PostgreSQL at once          --drops N
  poison            send poison messages (malformed, unknown type, bad payment id,
                    currency mismatch, missing amount)                          --poison N
  replay            send the run's whole history again, shuffled

Then it waits for the queue to drain and checks: every event sent applied or dead-lettered with a
reason; no effect doubled; every payment's state equal to its events' outcome; the audit chain
verifies; the API answered throughout. Everything stays on loopback and is bounded: at most
${String(LIMITS.payments)} payments, ${String(LIMITS.workers)} workers, ${String(LIMITS.kills)} kills, ${String(LIMITS.timeoutSeconds)} s.

Options:
  --faults LIST        comma-separated faults, or all, or none
                       (default: kill,redis-restart,latency,drop,poison,replay)
  --payments N         payments of the run (default ${String(DEFAULT_SCENARIO.payments)})
  --workers N          workers the tool runs (default ${String(DEFAULT_SCENARIO.workers)})
  --kills N            SIGKILLs (default ${String(DEFAULT_SCENARIO.kills)})
  --poison N           poison messages (default ${String(DEFAULT_SCENARIO.poison)})
  --duplicates R       share of events sent twice, 0..1 (default ${String(DEFAULT_SCENARIO.duplicates)})
  --latency MS         latency added (default ${String(DEFAULT_SCENARIO.latencyMs)})
  --drops N            connection drops (default ${String(DEFAULT_SCENARIO.drops)})
  --fault-window S     seconds during which events are sent and faults fire (default ${String(DEFAULT_SCENARIO.faultWindowSeconds)})
  --timeout S          ceiling of the whole run (default ${String(DEFAULT_SCENARIO.timeoutSeconds)})
  --seed N             seed of every random choice (default ${String(DEFAULT_SCENARIO.seed)})
  --json               print the report as JSON (progress goes to stderr)
  --api-url URL        the API (else PAYFLOW_API_URL, or the local demo's)
  --token TOKEN        an API key or token with the operator role (else PAYFLOW_API_TOKEN)
  --database-url URL   PostgreSQL (else DATABASE_URL)
  --sqs-endpoint URL   the SQS endpoint (else SQS_ENDPOINT); AWS_REGION for its region
  --redis-url URL      the stack's Redis for the workers (else REDIS_URL; optional)
  -h, --help           this text

Exit codes: 0 verdict green, 1 verdict red, 2 bad arguments or a refused fault, 3 a service
unreachable (the message names it).

Examples:
  payflow chaos                                   # the default scenario against the local demo
  payflow chaos --faults kill,poison --kills 5 --payments 500
  payflow chaos --faults all --fault-window 20 --json > chaos.json
  DATABASE_URL=postgres://127.0.0.1:5432/payflow SQS_ENDPOINT=http://127.0.0.1:4566 \\
    PAYFLOW_API_URL=http://127.0.0.1:8080 PAYFLOW_API_TOKEN=pk_… payflow chaos --faults kill,drop
`;

export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly color: boolean;
}

/** A bad argument or a refusal: exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  faults: { type: 'string' },
  payments: { type: 'string' },
  workers: { type: 'string' },
  kills: { type: 'string' },
  poison: { type: 'string' },
  duplicates: { type: 'string' },
  latency: { type: 'string' },
  drops: { type: 'string' },
  'fault-window': { type: 'string' },
  timeout: { type: 'string' },
  seed: { type: 'string' },
  json: { type: 'boolean' },
  'api-url': { type: 'string' },
  token: { type: 'string' },
  'database-url': { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  'redis-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>['values'];

function num(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new ScenarioError(`--${flag}`, `must be a number (got "${raw}")`);
  return n;
}

export function scenarioFrom(v: Values): Scenario {
  const d = DEFAULT_SCENARIO;
  return checkScenario({
    payments: num('payments', v.payments, d.payments),
    workers: num('workers', v.workers, d.workers),
    faults: v.faults === undefined ? d.faults : parseFaults(v.faults),
    kills: num('kills', v.kills, d.kills),
    poison: num('poison', v.poison, d.poison),
    duplicates: num('duplicates', v.duplicates, d.duplicates),
    latencyMs: num('latency', v.latency, d.latencyMs),
    drops: num('drops', v.drops, d.drops),
    faultWindowSeconds: num('fault-window', v['fault-window'], d.faultWindowSeconds),
    timeoutSeconds: num('timeout', v.timeout, d.timeoutSeconds),
    seed: num('seed', v.seed, d.seed),
  });
}

/** An environment variable set to the empty string counts as unset. */
const nonEmpty = (s: string | undefined): string | undefined => (s === '' ? undefined : s);

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${what} is not set`);
  return value;
}

/** The stack from flags, then the environment. */
export function stackFrom(v: Values, env: NodeJS.ProcessEnv): ChaosStack {
  return {
    databaseUrl: required(
      v['database-url'] ?? env.DATABASE_URL,
      'PostgreSQL: --database-url (or DATABASE_URL)',
    ),
    sqs: {
      endpoint: required(v['sqs-endpoint'] ?? env.SQS_ENDPOINT, 'SQS: --sqs-endpoint (or SQS_ENDPOINT)'),
      region: env.AWS_REGION ?? 'us-east-1',
    },
    apiUrl: required(v['api-url'] ?? env.PAYFLOW_API_URL, 'the API: --api-url (or PAYFLOW_API_URL)'),
    apiToken: required(v.token ?? env.PAYFLOW_API_TOKEN, 'an API token: --token (or PAYFLOW_API_TOKEN)'),
    redisUrl: v['redis-url'] ?? nonEmpty(env.REDIS_URL),
    demoDir: env.PAYFLOW_DEMO_DATA,
  };
}

export function exitCodeOf(err: unknown): number | undefined {
  if (err instanceof Unreachable) return 3;
  const usage = [UsageError, ScenarioError, NotLoopback, Refused];
  if (usage.some((k) => err instanceof k)) return 2;
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return 2;
  return undefined;
}

export async function chaosCommand(
  argv: readonly string[],
  io: CommandIO,
  stack?: (v: Values) => ChaosStack,
): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    io.out(CHAOS_HELP);
    return 0;
  }
  const scenario = scenarioFrom(values);
  const target = stack ? stack(values) : stackFrom(values, io.env);
  const log = values.json ? io.err : io.out;
  const report = await runChaos({ stack: target, scenario, log });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(renderVerdict(report, io.color));
  return report.verdict === 'green' ? 0 : 1;
}
