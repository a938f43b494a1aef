// `payflow loadtest`: drive the API and the events queue with a profile, print throughput and
// latency per operation, write the JSON report; `--compare a.json b.json` prints the change as
// ratios. The work is in hack/tools/loadtest/ (run.ts); this module reads the flags and prints.
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { parse } from './lib/args.ts';
import { EXIT, NotConfigured, ServiceUnreachable, UsageError } from './lib/errors.ts';
import { printJson } from './lib/output.ts';
import { Progress } from './lib/progress.ts';
import { STACK_HELP, STACK_OPTIONS, discoverStack, redact, requireApi, type Stack } from './lib/stack.ts';
import type { Tool, ToolContext } from './lib/tool.ts';
import { reasonOf } from './chaos/run.ts';
import {
  LIMITS,
  parseMix,
  ProfileError,
  readProfileFile,
  resolveProfile,
  type Profile,
} from './loadtest/profile.ts';
import {
  compareReports,
  readReport,
  renderComparison,
  renderReport,
  type LoadReport,
} from './loadtest/report.ts';
import { runLoad, type LoadStack } from './loadtest/run.ts';

const HELP = `Usage: payflow loadtest [options] [stack options]
       payflow loadtest --compare BEFORE.json AFTER.json [--json]

Drives the API (autocannon) and the events queue (SQS SendMessageBatch) at once with a profile:
open loop (--mode rate: requests per second) or closed loop (--mode concurrency: connections
sending as fast as answers come back), for a bounded duration, over a mix of operations:

  create   POST /api/v1/transactions, an Idempotency-Key each (--duplicates of them repeat one)
  get      GET /api/v1/transactions/:id of the payments made first
  list     GET /api/v1/transactions?merchant_id=… of those payments
  events   payment.authorized / captured / settled on the events queue for those payments
           (--duplicates of them sent twice, --reorder of them ahead of their predecessor)

Payments for the reads and the events are made through the API first (merchant loadtest_<run>).
It prints throughput and latency percentiles per operation (for events: per message, and the
latency of each SendMessageBatch call) and, with --out, writes the same figures as a JSON
report. With PostgreSQL known it also reports how many events the workers applied and their
latency from send to commit. Loopback targets only; at most ${String(LIMITS.rate)} per s, ${String(LIMITS.connections)} connections,
${String(LIMITS.durationSeconds)} s. The API's rate limit (RATE_LIMIT_PER_MINUTE, per caller) shows as 429s in the status codes.

Options:
  --profile FILE       a JSON or YAML profile (mode, rate, connections, durationSeconds, mix,
                       duplicates, reorder); the flags below override it
  --mode MODE          rate | concurrency (default concurrency)
  --rate N             requests and events per second over all operations, in rate mode (100)
  --connections N      connections over the API operations; SQS senders in concurrency mode (10)
  --duration S         seconds of load (10)
  --mix LIST           weights, e.g. create=1,get=2,list=1,events=2 (that is the default)
  --duplicates R       0 to 1 (0.05)
  --reorder R          0 to 1 (0.1)
  --payments N         payments made first (default: what the events need; 50 for the reads)
  --apply-wait S       how long to wait for the workers to apply the events (default: the
                       duration, 5 to 30 s)
  --out FILE           write the JSON report there
  --compare            compare two reports (the second ÷ the first) instead of running
  --token TOKEN        an API key or token with the operator role (else PAYFLOW_API_TOKEN, else
                       the running demo's key)
  --json               the report (or the comparison) as JSON on stdout

${STACK_HELP}

Exit codes: 0 done, 2 bad arguments, 3 a service unreachable (the message names it).

Examples:
  payflow loadtest --duration 30 --out before.json
  payflow loadtest --mode rate --rate 200 --mix create=1,events=3 --duration 20 --out after.json
  payflow loadtest --profile hack/tools/loadtest/example-profile.yaml
  payflow loadtest --compare before.json after.json`;

const OPTIONS = {
  ...STACK_OPTIONS,
  profile: { type: 'string' },
  mode: { type: 'string' },
  rate: { type: 'string' },
  connections: { type: 'string' },
  duration: { type: 'string' },
  mix: { type: 'string' },
  duplicates: { type: 'string' },
  reorder: { type: 'string' },
  payments: { type: 'string' },
  'apply-wait': { type: 'string' },
  out: { type: 'string' },
  compare: { type: 'boolean' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function num(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new ProfileError(`--${flag}`, `must be a number (got "${raw}")`);
  return n;
}

function ranged(flag: string, raw: string | undefined, max: number): number | undefined {
  const n = num(flag, raw);
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > max))
    throw new ProfileError(`--${flag}`, `must be an integer from 0 to ${String(max)} (got ${String(n)})`);
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

const nonEmpty = (s: string | undefined): string | undefined => (s === '' ? undefined : s);

function loadStack(v: Values, s: Stack, env: NodeJS.ProcessEnv, profile: Profile): LoadStack {
  const token = nonEmpty(v.token) ?? nonEmpty(env.PAYFLOW_API_TOKEN) ?? s.apiToken;
  if (token === undefined)
    throw new NotConfigured('no API token (--token or PAYFLOW_API_TOKEN, an API key with the operator role)');
  let sqs: LoadStack['sqs'];
  if (profile.mix.events > 0) {
    if (s.sqsEndpoint === undefined || s.eventsQueueUrl === undefined)
      throw new NotConfigured(
        'the mix has events but no SQS endpoint and events queue are configured (SQS_ENDPOINT, SQS_EVENTS_QUEUE_URL or the flags); or give --mix without events',
      );
    sqs = { endpoint: s.sqsEndpoint, region: s.region, eventsQueueUrl: s.eventsQueueUrl };
  }
  return { apiUrl: requireApi(s), apiToken: token, sqs, databaseUrl: s.databaseUrl };
}

/** The API, the queue endpoint and PostgreSQL (when known) must answer before any load starts. */
async function reachable(stack: LoadStack): Promise<void> {
  const get = async (service: string, url: string, path: string): Promise<void> => {
    try {
      const res = await fetch(new URL(path, url), { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
    } catch (err) {
      throw new ServiceUnreachable(service, url, new Error(reasonOf(err)));
    }
  };
  await get('API', stack.apiUrl, '/livez');
  if (stack.sqs) await get('SQS', stack.sqs.endpoint, '/');
  if (stack.databaseUrl) await databaseAnswers(stack.databaseUrl);
}

async function databaseAnswers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new ServiceUnreachable('PostgreSQL', redact(url), new Error(reasonOf(err)));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function compare(positionals: readonly string[], v: Values, ctx: ToolContext): number {
  if (positionals.length !== 2)
    throw new UsageError('--compare takes two report files: BEFORE.json AFTER.json');
  const [a = '', b = ''] = positionals;
  const before = readReport(a);
  const after = readReport(b);
  const c = compareReports(before, after);
  if (v.json === true) printJson(ctx.stdout, { before: before.runId, after: after.runId, ...c });
  else ctx.stdout.write(`${renderComparison(before, after, c)}\n`);
  return EXIT.ok;
}

function print(report: LoadReport, v: Values, ctx: ToolContext): void {
  if (v.out !== undefined) writeFileSync(v.out, `${JSON.stringify(report, null, 2)}\n`);
  if (v.json === true) printJson(ctx.stdout, report);
  else ctx.stdout.write(`${renderReport(report)}\n`);
  if (v.out !== undefined) ctx.stderr.write(`report written to ${v.out}\n`);
}

export const tool: Tool = {
  name: 'loadtest',
  summary:
    'drive the API and the events queue with a profile; throughput and latency per operation, --compare',
  help: HELP,
  async run(argv: readonly string[], ctx: ToolContext): Promise<number> {
    const { values, positionals } = parse(argv, OPTIONS, { max: 2, name: 'report files' });
    if (values.compare === true) return compare(positionals, values, ctx);
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`);
    const profile = profileFrom(values);
    const stack = loadStack(values, discoverStack(values, ctx.env), ctx.env, profile);
    await reachable(stack);
    const progress = new Progress({
      label: 'load (s)',
      total: profile.durationSeconds,
      out: ctx.stderr,
      intervalMs: 5000,
    });
    const report = await runLoad({
      stack,
      profile,
      payments: ranged('payments', values.payments, LIMITS.payments),
      applyWaitSeconds: ranged('apply-wait', values['apply-wait'], 300),
      signal: ctx.signal,
      log: (line) => {
        ctx.stderr.write(`${line}\n`);
      },
      onTick: (elapsed) => {
        progress.update(Math.floor(elapsed));
      },
    });
    progress.finish();
    print(report, values, ctx);
    return EXIT.ok;
  },
};
