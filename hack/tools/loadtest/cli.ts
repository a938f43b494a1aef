// `payflow loadtest`: a profile from flags or a file, the load, the table and the JSON report;
// `--compare a.json b.json` prints the change between two reports as ratios.
// Exit codes: 0 done, 2 bad arguments, 3 a service unreachable.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { NotLoopback } from '../chaos/loopback.ts';
import { ApiRefused } from '../chaos/payments.ts';
import pg from 'pg';
import { reasonOf, redact, Unreachable } from '../chaos/run.ts';
import { LIMITS, parseMix, ProfileError, readProfileFile, resolveProfile, type Profile } from './profile.ts';
import {
  compareReports,
  readReport,
  renderComparison,
  renderReport,
  ReportError,
  type LoadReport,
} from './report.ts';
import { MissingSetting, runLoad, type LoadStack } from './run.ts';

export const LOADTEST_SUMMARY =
  'drive the API and the events queue with a profile; report throughput and latency';

export const LOADTEST_HELP = `payflow loadtest [options]
payflow loadtest --compare BEFORE.json AFTER.json

Drives the API (autocannon) and the events queue (SQS SendMessageBatch) at once, with a profile:
open loop (--mode rate: requests per second) or closed loop (--mode concurrency: connections
sending as fast as answers come back), for a bounded duration, over a mix of operations:

  create   POST /api/v1/transactions (an Idempotency-Key each; --duplicates of them repeat one)
  get      GET /api/v1/transactions/:id of the payments made first
  list     GET /api/v1/transactions?merchant_id=… of those payments
  events   payment.authorized/captured/settled on the events queue for the payments made first
           (--duplicates of them sent twice, --reorder of them ahead of their predecessor)

Payments for the reads and the events are made through the API first (merchant loadtest_<run>).
It prints throughput and latency percentiles per operation and, with --out, writes the same
figures as a JSON report. With DATABASE_URL it also reports how many events the workers applied
and their latency from send to commit. Only loopback targets; at most ${String(LIMITS.rate)} per s,
${String(LIMITS.connections)} connections, ${String(LIMITS.durationSeconds)} s.

Options:
  --profile FILE       a JSON or YAML profile: mode, rate, connections, durationSeconds, mix,
                       duplicates, reorder (flags below override it)
  --mode MODE          rate | concurrency (default concurrency)
  --rate N             requests (and events) per second over all operations, in rate mode (100)
  --connections N      connections over the API operations; SQS senders in concurrency mode (10)
  --duration S         seconds of load (10)
  --mix LIST           weights, e.g. create=1,get=2,list=1,events=2 (that is the default)
  --duplicates R       0..1 (0.05)
  --reorder R          0..1 (0.1)
  --payments N         payments made first (default: what the events need; 50 for reads)
  --out FILE           write the JSON report there
  --apply-wait S       how long to wait for the workers to apply the events (default: the
                       duration, 5 to 30 s)
  --compare A B        compare two reports (second ÷ first) instead of running
  --json               print the report (or the comparison) as JSON
  --api-url URL        the API (else PAYFLOW_API_URL, or the local demo's)
  --token TOKEN        an API key or token with the operator role (else PAYFLOW_API_TOKEN)
  --sqs-endpoint URL   the SQS endpoint (else SQS_ENDPOINT); AWS_REGION for its region
  --queue-url URL      the events queue (else SQS_EVENTS_QUEUE_URL)
  --database-url URL   PostgreSQL, for the "applied" figures (else DATABASE_URL; optional)
  -h, --help           this text

Exit codes: 0 done, 2 bad arguments, 3 a service unreachable (the message names it).

Examples:
  payflow loadtest --duration 30 --out before.json
  payflow loadtest --mode rate --rate 200 --mix create=1,events=3 --duration 20 --out after.json
  payflow loadtest --profile hack/tools/loadtest/example-profile.yaml
  payflow loadtest --compare before.json after.json
`;

export interface CommandIO {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  profile: { type: 'string' },
  mode: { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  mix: { type: 'string' },
  duplicates: { type: 'string' },
  reorder: { type: 'string' },
  payments: { type: 'string' },
  out: { type: 'string' },
  'apply-wait': { type: 'string' },
  compare: { type: 'boolean' },
  json: { type: 'boolean' },
  'api-url': { type: 'string' },
  token: { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  'queue-url': { type: 'string' },
  'database-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; strict: true; allowPositionals: true }>
>['values'];

function num(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new ProfileError(`--${flag}`, `must be a number (got "${raw}")`);
  return n;
}

export function profileFrom(v: Values): Profile {
  const file = v.profile === undefined ? {} : readProfileFile(v.profile);
  return resolveProfile(file, {
    mode: v.mode,
    rate: num('rate', v.rate),
    connections: num('connections', v.connections),
    durationSeconds: num('duration', v.duration),
    mix: v.mix === undefined ? undefined : parseMix(v.mix),
    duplicates: num('duplicates', v.duplicates),
    reorder: num('reorder', v.reorder),
  });
}

/** An environment variable set to the empty string counts as unset. */
const nonEmpty = (s: string | undefined): string | undefined => (s === '' ? undefined : s);

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`${what} is not set`);
  return value;
}

export function stackFrom(v: Values, env: NodeJS.ProcessEnv, profile: Profile): LoadStack {
  const endpoint = v['sqs-endpoint'] ?? env.SQS_ENDPOINT;
  const queue = v['queue-url'] ?? env.SQS_EVENTS_QUEUE_URL;
  const needsQueue = profile.mix.events > 0;
  return {
    apiUrl: required(v['api-url'] ?? env.PAYFLOW_API_URL, 'the API: --api-url (or PAYFLOW_API_URL)'),
    apiToken: required(v.token ?? env.PAYFLOW_API_TOKEN, 'an API token: --token (or PAYFLOW_API_TOKEN)'),
    sqs: needsQueue
      ? {
          endpoint: required(endpoint, 'SQS: --sqs-endpoint (or SQS_ENDPOINT), for the events of the mix'),
          region: env.AWS_REGION ?? 'us-east-1',
          eventsQueueUrl: required(queue, 'the events queue: --queue-url (or SQS_EVENTS_QUEUE_URL)'),
        }
      : undefined,
    databaseUrl: v['database-url'] ?? nonEmpty(env.DATABASE_URL),
  };
}

export function exitCodeOf(err: unknown): number | undefined {
  if (err instanceof Unreachable) return 3;
  const usage = [UsageError, ProfileError, ReportError, MissingSetting, NotLoopback];
  if (usage.some((k) => err instanceof k)) return 2;
  if (err instanceof ApiRefused && (err.status === 401 || err.status === 403)) return 2;
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) return 2;
  return undefined;
}

function compare(positionals: readonly string[], v: Values, io: CommandIO): number {
  if (positionals.length !== 2)
    throw new UsageError('--compare takes two report files: BEFORE.json AFTER.json');
  const [a = '', b = ''] = positionals;
  const before = readReport(a);
  const after = readReport(b);
  const c = compareReports(before, after);
  io.out(
    v.json
      ? JSON.stringify({ before: before.runId, after: after.runId, ...c }, null, 2)
      : renderComparison(before, after, c),
  );
  return 0;
}

/** The API and the queue endpoint must answer before any load starts. */
async function reachable(stack: LoadStack): Promise<void> {
  try {
    const res = await fetch(`${stack.apiUrl}/livez`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
  } catch (err) {
    throw new Unreachable(`the API (${stack.apiUrl})`, reasonOf(err));
  }
  if (stack.sqs)
    try {
      const res = await fetch(stack.sqs.endpoint, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
    } catch (err) {
      throw new Unreachable(`SQS (${stack.sqs.endpoint})`, reasonOf(err));
    }
  if (stack.databaseUrl) await databaseAnswers(stack.databaseUrl);
}

async function databaseAnswers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Unreachable(`PostgreSQL (${redact(url)})`, reasonOf(err));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function paymentsOf(raw: string | undefined): number | undefined {
  const n = num('payments', raw);
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > LIMITS.payments))
    throw new ProfileError(
      '--payments',
      `must be an integer from 0 to ${String(LIMITS.payments)} (got ${String(n)})`,
    );
  return n;
}

function secondsOf(raw: string | undefined): number | undefined {
  const n = num('apply-wait', raw);
  if (n !== undefined && !(n >= 0 && n <= 300))
    throw new ProfileError('--apply-wait', 'must be from 0 to 300 s');
  return n;
}

export async function loadtestCommand(
  argv: readonly string[],
  io: CommandIO,
  stack?: (v: Values, p: Profile) => LoadStack,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.out(LOADTEST_HELP);
    return 0;
  }
  if (values.compare) return compare(positionals, values, io);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0] ?? ''}"`);
  const profile = profileFrom(values);
  const target = stack ? stack(values, profile) : stackFrom(values, io.env, profile);
  await reachable(target);
  const log = values.json ? io.err : io.out;
  const report = await runLoad({
    stack: target,
    profile,
    payments: paymentsOf(values.payments),
    applyWaitSeconds: secondsOf(values['apply-wait']),
    log,
    onTick: (elapsed, duration) => {
      io.err(`load: ${elapsed.toFixed(0)}/${String(duration)} s`);
    },
  });
  print(report, values, io);
  return 0;
}

function print(report: LoadReport, v: Values, io: CommandIO): void {
  if (v.out) writeFileSync(v.out, `${JSON.stringify(report, null, 2)}\n`);
  io.out(v.json ? JSON.stringify(report, null, 2) : renderReport(report));
  if (v.out && !v.json) io.out(`report written to ${v.out}`);
}
