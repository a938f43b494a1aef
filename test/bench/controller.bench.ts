// Controller benchmark: hack/with-node node test/bench/controller.bench.ts
//   1. WorkerPool reaction time: from a backlog change on the SQS queue (the send or delete
//      call returning) to the worker Deployment's replicas being patched (seen on a watch),
//      p50/p95 over 20 changes, also as a ratio to the polling interval (target ≤ 2×).
//   2. Time to reconcile 1,000 Rule resources into Postgres (target ≤ 30 s).
// It starts its own test environment (PostgreSQL, SQS endpoint, etcd + kube-apiserver).
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createPool, migrate } from '@payflow/api/store';
import { pino } from 'pino';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import { Informer } from '../../controller/src/runtime/informer.ts';
import { GVR, KubeClient, type KubeObject } from '../../controller/src/runtime/kube-client.ts';
import type { DeploymentObject } from '../../controller/src/reconcilers/workerpool.ts';
import {
  ensureNamespace,
  loadKubeConfig,
  startTestController,
} from '../../controller/src/testing/harness.ts';
import { createDatabase, sqsClient, startTestEnv } from '../../hack/testenv/index.ts';

const POLL_SECONDS = 1;
const CHANGES = 20;
const RULES = 1000;

const sleep = async (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

async function send(sqs: SQSClient, url: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 10) {
    const entries = Array.from({ length: Math.min(10, n - i) }, (_, j) => ({
      Id: String(j),
      MessageBody: 'x',
    }));
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }));
  }
}

async function take(sqs: SQSClient, url: string, n: number): Promise<void> {
  let left = n;
  while (left > 0) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, left),
        WaitTimeSeconds: 0,
      }),
    );
    const msgs = out.Messages ?? [];
    if (msgs.length === 0) continue;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
    left -= msgs.length;
  }
}

interface Ctx {
  client: KubeClient;
  sqs: SQSClient;
  ns: string;
}

async function scalingLatency(ctx: Ctx, queueUrl: string): Promise<number[]> {
  const { client, ns } = ctx;
  const seen = new Map<number, number>();
  const watcher = new Informer<KubeObject>({
    client,
    gvr: GVR.deployment,
    namespace: ns,
    log: pino({ level: 'silent' }),
    handler: (_e, obj) => {
      const n = (obj as DeploymentObject).spec?.replicas;
      if (n !== undefined && !seen.has(n)) seen.set(n, performance.now());
    },
  });
  watcher.start();
  await send(ctx.sqs, queueUrl, 5);
  await client.create(GVR.workerPool, {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name: 'bench', namespace: ns },
    spec: {
      queue: { url: queueUrl },
      minReplicas: 1,
      maxReplicas: 50,
      targetBacklogPerReplica: 10,
      pollingIntervalSeconds: POLL_SECONDS,
      scaleDownStabilizationSeconds: 0,
      tolerancePercent: 0,
      countInFlight: true,
    },
  } as KubeObject);
  while (!seen.has(1)) await sleep(20);
  const latencies: number[] = [];
  // Up by 10 messages (one replica) ten times, then down ten times, at random phases of the poll.
  const steps = Array.from({ length: CHANGES }, (_, i) => (i < CHANGES / 2 ? 1 : -1));
  let replicas = 1;
  // 5 messages wait from the start, so that every step of 10 changes the count by one.
  let backlog = 5;
  for (const step of steps) {
    await sleep(Math.random() * POLL_SECONDS * 1000);
    if (step > 0) await send(ctx.sqs, queueUrl, 10);
    else await take(ctx.sqs, queueUrl, 10);
    backlog += step * 10;
    const target = Math.max(1, Math.ceil(backlog / 10));
    seen.delete(target);
    const t0 = performance.now();
    while (!seen.has(target)) await sleep(5);
    latencies.push((seen.get(target) ?? t0) - t0);
    replicas = target;
  }
  await watcher.stop();
  console.log(`  final replicas ${String(replicas)}`);
  return latencies.sort((a, b) => a - b);
}

async function ruleThroughput(
  ctx: Ctx,
  pool: ReturnType<typeof createPool>,
): Promise<{ db: number; ready: number }> {
  const { client, ns } = ctx;
  const started = performance.now();
  const names = Array.from({ length: RULES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const creators = Array.from({ length: 16 }, async (_, w) => {
    for (let i = w; i < names.length; i += 16) {
      await client.create(GVR.rule, {
        apiVersion: 'payflow.dev/v1alpha1',
        kind: 'Rule',
        metadata: { name: names[i] ?? '', namespace: ns },
        spec: {
          action: 'alert',
          severity: 'medium',
          definition: {
            all: [
              { field: 'amount_minor', op: 'gte', value: i },
              { field: 'currency', op: 'eq', value: 'EUR' },
            ],
          },
        },
      } as KubeObject);
    }
  });
  await Promise.all(creators);
  const created = performance.now();
  for (;;) {
    const { rows } = await pool.query<{ n: bigint }>(
      `select count(*)::bigint as n from rules where source = 'kubernetes' and deleted_at is null and name like $1`,
      [`${ns}/bench-%`],
    );
    if (Number(rows[0]?.n ?? 0n) >= RULES) break;
    await sleep(50);
  }
  const db = performance.now() - started;
  for (;;) {
    const list = await client.list<
      KubeObject & { status?: { conditions?: { type: string; status: string }[] } }
    >(GVR.rule, ns);
    const ready = list.items.filter((r) =>
      r.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    if (ready.length >= RULES) break;
    await sleep(200);
  }
  const ready = performance.now() - started;
  console.log(
    `  creating ${String(RULES)} Rules through the API took ${((created - started) / 1000).toFixed(1)} s`,
  );
  return { db, ready };
}

async function main(): Promise<void> {
  const env = await startTestEnv({
    log: (m) => {
      console.log(`[testenv] ${m}`);
    },
  });
  const kubeInfo = env.info.kube;
  if (!kubeInfo) throw new Error('kube-apiserver did not start');
  try {
    const dbUrl = await createDatabase(env.info.postgres.url, 'controller_bench');
    const pool = createPool({ url: dbUrl, max: 2 });
    await migrate(pool);
    const kc = loadKubeConfig(kubeInfo.kubeconfig);
    const client = new KubeClient(kc);
    await installCrds(kc, readCrds());
    const ns = 'bench';
    await ensureNamespace(client, ns);
    const sqs = sqsClient(env.info.sqs.endpoint, env.info.sqs.region);
    const queueUrl =
      (await sqs.send(new CreateQueueCommand({ QueueName: 'controller-bench' }))).QueueUrl ?? '';
    const ctl = await startTestController({
      kubeconfig: kubeInfo.kubeconfig,
      databaseUrl: dbUrl,
      namespace: ns,
      env: { SQS_ENDPOINT: env.info.sqs.endpoint, AWS_REGION: env.info.sqs.region },
    });
    const ctx = { client, sqs, ns };
    console.log(
      `WorkerPool: backlog change → Deployment replicas patched (${String(CHANGES)} changes, poll ${String(POLL_SECONDS)} s)`,
    );
    const lat = await scalingLatency(ctx, queueUrl);
    const [p50, p95, max] = [percentile(lat, 50), percentile(lat, 95), lat[lat.length - 1] ?? NaN];
    const poll = POLL_SECONDS * 1000;
    console.log(`  p50 ${p50.toFixed(0)} ms (${(p50 / poll).toFixed(2)}× poll)`);
    console.log(
      `  p95 ${p95.toFixed(0)} ms (${(p95 / poll).toFixed(2)}× poll; target ≤ 2×: ${p95 / poll <= 2 ? 'met' : 'MISSED'})`,
    );
    console.log(`  max ${max.toFixed(0)} ms (${(max / poll).toFixed(2)}× poll)`);
    console.log(
      `Rules: ${String(RULES)} Rule resources reconciled (workers ${ctl.config.RECONCILE_WORKERS})`,
    );
    const r = await ruleThroughput(ctx, pool);
    console.log(
      `  all ${String(RULES)} in Postgres after ${(r.db / 1000).toFixed(1)} s (target ≤ 30 s: ${r.db <= 30_000 ? 'met' : 'MISSED'})`,
    );
    console.log(`  all ${String(RULES)} Ready=True in status after ${(r.ready / 1000).toFixed(1)} s`);
    await ctl.stop();
    sqs.destroy();
    await pool.end();
  } finally {
    await env.stop();
  }
}

await main();
