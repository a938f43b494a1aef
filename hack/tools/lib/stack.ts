// Stack discovery: which PayFlow the tools work against, and how it was found.
//
//   1. flags (--database-url, --sqs-endpoint, --events-queue-url, …) win, field by field;
//   2. else a configured stack: the variables the API and the worker read (DATABASE_URL,
//      REDIS_URL, AWS_REGION, SQS_ENDPOINT, SQS_EVENTS_QUEUE_URL, SQS_EVENTS_DLQ_URL,
//      SQS_UPDATES_QUEUE_URL, SQS_UPDATES_DLQ_URL) and PAYFLOW_API_URL;
//   3. else the local demo: while `npm start` runs it keeps `stack.json` in its data folder
//      (PAYFLOW_DEMO_DATA, default .payflow/demo) with the same settings, and removes it on exit.
//      A file whose process is gone is ignored (and said so).
// A configured stack is never mixed with the demo's file: as soon as one of the variables is
// set, the file is not read, so that a tool cannot write to one stack with another's queue.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { demoDataDir, stackFilePath, type StackFile } from '../../demo/stack-file.ts';
import { NotConfigured } from './errors.ts';

type Field =
  | 'databaseUrl'
  | 'redisUrl'
  | 'region'
  | 'sqsEndpoint'
  | 'eventsQueueUrl'
  | 'eventsDlqUrl'
  | 'updatesQueueUrl'
  | 'updatesDlqUrl'
  | 'apiUrl'
  | 'apiToken';

export interface Stack {
  readonly databaseUrl?: string | undefined;
  readonly redisUrl?: string | undefined;
  readonly region: string;
  readonly sqsEndpoint?: string | undefined;
  readonly eventsQueueUrl?: string | undefined;
  readonly eventsDlqUrl?: string | undefined;
  readonly updatesQueueUrl?: string | undefined;
  readonly updatesDlqUrl?: string | undefined;
  readonly apiUrl?: string | undefined;
  /** A bearer credential for the API (PAYFLOW_API_TOKEN, or the demo's operator key); never printed. */
  readonly apiToken?: string | undefined;
  /** Where each known field came from: `--database-url`, `DATABASE_URL`, `demo`. */
  readonly from: Partial<Record<Field, string>>;
  /** One line: "the local demo (.payflow/demo/stack.json, pid 4242)", "the environment (…)". */
  readonly described: string;
  /** Things worth saying about the discovery (a stale demo file). */
  readonly notes: readonly string[];
}

/** The flags every tool that talks to a stack accepts (spread into its parseArgs options). */
export const STACK_OPTIONS = {
  'database-url': { type: 'string' },
  'sqs-endpoint': { type: 'string' },
  region: { type: 'string' },
  'events-queue-url': { type: 'string' },
  'events-dlq-url': { type: 'string' },
  'api-url': { type: 'string' },
} as const;

export const STACK_HELP = `Stack options (override what was found; see "Stack" below):
  --database-url URL       PostgreSQL (else DATABASE_URL, else the running demo's)
  --sqs-endpoint URL       an SQS-compatible endpoint (else SQS_ENDPOINT; unset: AWS itself)
  --region NAME            AWS region (else AWS_REGION, else us-east-1)
  --events-queue-url URL   the events queue (else SQS_EVENTS_QUEUE_URL)
  --events-dlq-url URL     its dead-letter queue (else SQS_EVENTS_DLQ_URL)
  --api-url URL            the API (else PAYFLOW_API_URL)`;

const FLAGS: Partial<Record<Field, string>> = {
  databaseUrl: 'database-url',
  region: 'region',
  sqsEndpoint: 'sqs-endpoint',
  eventsQueueUrl: 'events-queue-url',
  eventsDlqUrl: 'events-dlq-url',
  apiUrl: 'api-url',
};

const ENV: Record<Field, string> = {
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  region: 'AWS_REGION',
  sqsEndpoint: 'SQS_ENDPOINT',
  eventsQueueUrl: 'SQS_EVENTS_QUEUE_URL',
  eventsDlqUrl: 'SQS_EVENTS_DLQ_URL',
  updatesQueueUrl: 'SQS_UPDATES_QUEUE_URL',
  updatesDlqUrl: 'SQS_UPDATES_DLQ_URL',
  apiUrl: 'PAYFLOW_API_URL',
  apiToken: 'PAYFLOW_API_TOKEN',
};

/** The variables that make a configured stack (AWS_REGION alone does not). */
const STACK_VARS: readonly Field[] = [
  'databaseUrl',
  'sqsEndpoint',
  'eventsQueueUrl',
  'eventsDlqUrl',
  'updatesQueueUrl',
  'apiUrl',
];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStackFile(v: unknown): v is StackFile {
  const f = v as Partial<StackFile> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    f.version === 1 &&
    typeof f.pid === 'number' &&
    typeof f.databaseUrl === 'string' &&
    typeof f.sqsEndpoint === 'string' &&
    typeof f.queues?.events === 'string'
  );
}

/** The running demo's file, or why there is none. */
export function readDemoStack(env: NodeJS.ProcessEnv): { file: string; stack?: StackFile; note?: string } {
  const file = stackFilePath(demoDataDir(env));
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { file };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { file, note: `${file} is not valid JSON; ignored` };
  }
  if (!isStackFile(parsed)) return { file, note: `${file} is not a stack file this version reads; ignored` };
  if (!alive(parsed.pid))
    return {
      file,
      note: `${file} names pid ${parsed.pid}, which is not running (a demo that crashed); ignored`,
    };
  return { file, stack: parsed };
}

function fromDemo(f: StackFile): Partial<Record<Field, string>> {
  return {
    databaseUrl: f.databaseUrl,
    redisUrl: f.redisUrl,
    region: f.region,
    sqsEndpoint: f.sqsEndpoint,
    eventsQueueUrl: f.queues.events,
    eventsDlqUrl: f.queues.eventsDlq,
    updatesQueueUrl: f.queues.updates,
    updatesDlqUrl: f.queues.updatesDlq,
    apiUrl: f.apiUrl,
    apiToken: f.apiToken,
  };
}

function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

interface Base {
  readonly fields: Partial<Record<Field, string>>;
  readonly from: Partial<Record<Field, string>>;
  readonly described: string;
  readonly notes: string[];
}

/** The configured stack (the variables), else the running demo's file, else nothing. */
function baseStack(env: NodeJS.ProcessEnv): Base {
  if (STACK_VARS.some((f) => (env[ENV[f]] ?? '') !== '')) {
    const set = (Object.keys(ENV) as Field[]).filter((f) => (env[ENV[f]] ?? '') !== '');
    return {
      fields: Object.fromEntries(set.map((f) => [f, env[ENV[f]]])),
      from: Object.fromEntries(set.map((f) => [f, ENV[f]])),
      described: `the environment (${set.map((f) => ENV[f]).join(', ')})`,
      notes: [],
    };
  }
  const demo = readDemoStack(env);
  const notes = demo.note ? [demo.note] : [];
  if (!demo.stack)
    return {
      fields: {},
      from: {},
      described: `nothing: no stack variables set and no running demo (${shortPath(demo.file)})`,
      notes,
    };
  const fields = fromDemo(demo.stack);
  return {
    fields,
    from: Object.fromEntries(Object.keys(fields).map((f) => [f, 'demo'])),
    described: `the local demo (${shortPath(demo.file)}, pid ${String(demo.stack.pid)})`,
    notes,
  };
}

/** The stack the flags, the environment or the running demo describe (see the top of this file). */
export function discoverStack(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Stack {
  const base = baseStack(env);
  const fields = { ...base.fields };
  const from = { ...base.from };
  const flagged: string[] = [];
  for (const [f, flag] of Object.entries(FLAGS) as [Field, string][]) {
    const v = values[flag];
    if (typeof v !== 'string' || v === '') continue;
    fields[f] = v;
    from[f] = `--${flag}`;
    flagged.push(`--${flag}`);
  }
  let described = base.described;
  if (flagged.length > 0)
    described =
      Object.keys(base.fields).length === 0
        ? `flags (${flagged.join(', ')})`
        : `${described}, with ${flagged.join(', ')}`;
  return { ...fields, region: fields.region ?? 'us-east-1', from, described, notes: base.notes };
}

/** A URL with its password removed, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  }
}

/** The stack as lines for --help and reports. */
export function describeStack(s: Stack): string {
  const row = (name: string, value: string | undefined, f: Field): string =>
    value === undefined
      ? `  ${name.padEnd(12)} not configured`
      : `  ${name.padEnd(12)} ${value}  (${s.from[f] ?? ''})`;
  return [
    `Stack: ${s.described}`,
    row('PostgreSQL', s.databaseUrl && redact(s.databaseUrl), 'databaseUrl'),
    row('SQS', s.sqsEndpoint ?? (s.eventsQueueUrl ? `AWS SQS (${s.region})` : undefined), 'sqsEndpoint'),
    row('events queue', s.eventsQueueUrl, 'eventsQueueUrl'),
    row('API', s.apiUrl, 'apiUrl'),
    ...s.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

const HOW = 'start the demo (npm start), set the variables the API and worker read, or pass the flag';

export function requireDatabase(s: Stack): string {
  if (!s.databaseUrl)
    throw new NotConfigured(`no PostgreSQL configured (DATABASE_URL or --database-url): ${HOW}`);
  return s.databaseUrl;
}

export function requireEventsQueue(s: Stack): string {
  if (!s.eventsQueueUrl)
    throw new NotConfigured(
      `no events queue configured (SQS_EVENTS_QUEUE_URL or --events-queue-url): ${HOW}`,
    );
  return s.eventsQueueUrl;
}

export function requireApi(s: Stack): string {
  if (!s.apiUrl) throw new NotConfigured(`no API configured (PAYFLOW_API_URL or --api-url): ${HOW}`);
  return s.apiUrl;
}
