// `payflow chaos`: a chaos scenario against a running stack on this machine, then a verdict
// (GREEN or RED) on the invariants with the figures; `--json` for scripts. The work is in
// hack/tools/chaos/ (run.ts tells the story); this module reads the flags and prints.
import { demoDataDir } from '../demo/stack-file.ts';
import { parse } from './lib/args.ts';
import { EXIT, NotConfigured } from './lib/errors.ts';
import { printJson } from './lib/output.ts';
import { Progress } from './lib/progress.ts';
import {
  STACK_HELP,
  STACK_OPTIONS,
  discoverStack,
  requireApi,
  requireDatabase,
  type Stack,
} from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';
import { runChaos, type ChaosStack } from './chaos/run.ts';
import {
  checkScenario,
  DEFAULT_SCENARIO,
  LIMITS,
  parseFaults,
  ScenarioError,
  type Scenario,
} from './chaos/scenario.ts';
import { renderVerdict } from './chaos/verdict.ts';

const d = DEFAULT_SCENARIO;

const HELP = `Usage: payflow chaos [options] [stack options]

Runs a chaos scenario against a running stack on this machine and prints a verdict (GREEN or RED)
with the figures. The tool makes its own queues (an events queue and its DLQ) on the stack's SQS
endpoint, its own payments through the API (merchant chaos_<run>), and starts and owns its own
worker processes: only those are ever killed. While it sends the run's events (shuffled, some
twice) it injects the faults at seeded random moments of the fault window:

  kill              SIGKILL a worker of the run (a new one takes its place)        --kills N
  redis-restart     stop and restart a private Redis the tool starts for its workers (the
                    stack's Redis is never touched; needs Debian's redis-server)
  postgres-restart  crash-restart the stack's PostgreSQL (a server process SIGKILLed; the
                    server drops every connection, recovers and takes connections again).
                    Only a server on loopback whose data directory is in a folder the test
                    environment or the local demo made, with synchronous_commit on (else a
                    crash loses acknowledged commits); anything else is refused (exit 2).
  latency           add latency to the workers' PostgreSQL connections (through the tool's TCP
                    proxy on 127.0.0.1)                                            --latency MS
  drop              reset every worker connection to PostgreSQL at once             --drops N
  poison            poison messages: malformed JSON, unknown type, bad payment id, currency
                    mismatch, missing amount                                       --poison N
  replay            the run's whole history sent again, shuffled

Then it waits for the queue to drain and checks: every event sent applied or dead-lettered
with a reason; no effect doubled; every payment's state (and refunded amount) equal to its
events' outcome; the audit chain verifies; the API answered every probe (reads and writes)
throughout. Every load and fault stays on loopback (any other target is refused) and is
bounded: at most ${String(LIMITS.payments)} payments, ${String(LIMITS.workers)} workers, ${String(LIMITS.kills)} kills, ${String(LIMITS.timeoutSeconds)} s. Everything it started is stopped
and its queues deleted at the end; the workers' logs are kept when the verdict is red.

Options:
  --faults LIST        comma-separated faults, all, or none
                       (default ${[...d.faults].join(',')})
  --payments N         payments of the run (default ${String(d.payments)})
  --workers N          workers the tool runs (default ${String(d.workers)})
  --kills N            SIGKILLs (default ${String(d.kills)})
  --poison N           poison messages (default ${String(d.poison)})
  --duplicates R       share of events sent twice, 0 to 1 (default ${String(d.duplicates)})
  --latency MS         latency added (default ${String(d.latencyMs)})
  --drops N            connection drops (default ${String(d.drops)})
  --fault-window S     seconds in which events are sent and faults fire (default ${String(d.faultWindowSeconds)})
  --timeout S          ceiling of the whole run (default ${String(d.timeoutSeconds)})
  --seed N             seed of every random choice (default ${String(d.seed)}): a run can be repeated
  --token TOKEN        an API key or token with the operator role (else PAYFLOW_API_TOKEN, else
                       the running demo's key)
  --redis-url URL      the Redis the run's workers use without redis-restart (else REDIS_URL)
  --json               the report as JSON on stdout (progress stays on stderr)

${STACK_HELP}

Exit codes: 0 verdict green, 1 verdict red, 2 bad arguments or a refused fault, 3 a service
unreachable (the message names it).

Examples:
  payflow chaos                                   # the default scenario against the local demo
  payflow chaos --faults kill,poison --kills 5 --payments 500
  payflow chaos --faults all --fault-window 20 --json > chaos.json
  DATABASE_URL=postgres://payflow@127.0.0.1:5432/payflow SQS_ENDPOINT=http://127.0.0.1:4566 \\
    PAYFLOW_API_URL=http://127.0.0.1:8080 PAYFLOW_API_TOKEN=pk_… payflow chaos --faults kill,drop`;

const OPTIONS = {
  ...STACK_OPTIONS,
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
  token: { type: 'string' },
  'redis-url': { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function num(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new ScenarioError(`--${flag}`, `must be a number (got "${raw}")`);
  return n;
}

export function scenarioFrom(v: Values): Scenario {
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

const nonEmpty = (s: string | undefined): string | undefined => (s === '' ? undefined : s);

function chaosStack(v: Values, s: Stack, env: NodeJS.ProcessEnv): ChaosStack {
  const token = nonEmpty(v.token) ?? nonEmpty(env.PAYFLOW_API_TOKEN) ?? s.apiToken;
  if (token === undefined)
    throw new NotConfigured(
      'no API token (--token or PAYFLOW_API_TOKEN, an API key with the operator role): the run creates its payments through the API',
    );
  if (s.sqsEndpoint === undefined)
    throw new NotConfigured(
      'no SQS endpoint (SQS_ENDPOINT or --sqs-endpoint): chaos runs against a local stack only',
    );
  return {
    databaseUrl: requireDatabase(s),
    sqs: { endpoint: s.sqsEndpoint, region: s.region },
    apiUrl: requireApi(s),
    apiToken: token,
    redisUrl: nonEmpty(v['redis-url']) ?? s.redisUrl,
    // The demo's folder: a PostgreSQL whose data lies there may be crash-restarted.
    demoDir: demoDataDir(env),
  };
}

export const tool: Tool = {
  name: 'chaos',
  summary:
    'fault injection (kills, restarts, latency, drops, poison, replay) and a verdict on the invariants',
  help: HELP,
  async run(argv: readonly string[], ctx: ToolContext): Promise<number> {
    const { values } = parse(argv, OPTIONS);
    const scenario = scenarioFrom(values);
    const stack = chaosStack(values, discoverStack(values, ctx.env), ctx.env);
    let progress: Progress | undefined;
    const report = await runChaos({
      stack,
      scenario,
      signal: ctx.signal,
      log: (line) => {
        ctx.stderr.write(`${line}\n`);
      },
      onDrain: (processed, total) => {
        progress ??= new Progress({
          label: 'chaos: events processed',
          total,
          out: ctx.stderr,
          intervalMs: 2000,
        });
        progress.update(processed, total);
      },
    });
    progress?.finish(report.drained ? 'drained' : 'not drained');
    if (values.json === true) printJson(ctx.stdout, report);
    else ctx.stdout.write(`${renderVerdict(report, ctx.stdout.isTTY === true)}\n`);
    return report.verdict === 'green' ? EXIT.ok : EXIT.failed;
  },
};
