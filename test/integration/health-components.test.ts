// GET /api/v1/health with the product's real processes on one database: the API (startApi), a
// worker (startWorker, and one as a child process that is killed), and the controller manager
// against the test kube-apiserver; real PostgreSQL, Redis and SQS queues of this file's own.
import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '@payflow/api/store';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { KubeClient } from '../../controller/src/runtime/kube-client.ts';
import { loadWorkerConfig } from '../../worker/src/config.ts';
import { startWorker, type RunningWorker } from '../../worker/src/app.ts';
import { migratedDatabase, testenv, testKube } from '../support/env.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';
import {
  createTestQueues,
  event,
  exited,
  insertPayments,
  sendAll,
  spawnWorker,
  sqs,
  workerEnvVars,
  type TestQueues,
} from './worker-support.ts';

interface Instance {
  instance_id: string;
  hostname: string;
  version: string;
  pid: number | null;
  started_at: string;
  last_seen_at: string;
  status: 'up' | 'down';
  details: Record<string, unknown>;
}
interface QueueReport {
  name: string;
  visible: number;
  in_flight: number;
  delayed: number;
  oldest_age_seconds: number | null;
  oldest_age_source: string | null;
  dead_letter_queue_of?: string;
  discovered?: boolean;
}
interface Component {
  name: string;
  kind: 'service' | 'dependency';
  status: 'up' | 'degraded' | 'down' | 'not_configured';
  latency_ms?: number;
  last_seen_at?: string;
  version?: string;
  instances?: Instance[];
  message?: string;
  queue?: QueueReport;
  throughput?: {
    events_per_second: number;
    events_last_minute: number;
    oldest_message_age_seconds: number | null;
  };
  leader?: { instance_id: string | null; lease: string | null };
}
interface Health {
  status: string;
  components: Component[];
  score: {
    value: number;
    explanation: string;
    inputs: { name: string; weight: number; value: number; why: string }[];
  };
  checks: { workers: { status: string; live: number } };
  services: Record<string, number>;
}

const env = testenv();
const client = sqs(env.sqs.endpoint, env.sqs.region);
const ns = uniqueName('health');
let databaseUrl: string;
let db: pg.Pool;
let queues: TestQueues & { updatesDlq: string };
let api: OpsApi;
let worker: RunningWorker | undefined;
let controller: TestController | undefined;

/** Addresses a queue through the endpoint (the API's configuration wants a URL host it can parse). */
const onEndpoint = (url: string): string =>
  `${env.sqs.endpoint}${url.slice(url.indexOf('/', 'http://'.length))}`;

async function updatesWithDlq(): Promise<{ updates: string; updatesDlq: string }> {
  const tag = randomBytes(4).toString('hex');
  const dlq =
    (await client.send(new CreateQueueCommand({ QueueName: `h-${tag}-updates-dlq` }))).QueueUrl ?? '';
  const arn = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
  );
  const updates =
    (
      await client.send(
        new CreateQueueCommand({
          QueueName: `h-${tag}-updates`,
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: arn.Attributes?.QueueArn,
              maxReceiveCount: 5,
            }),
          },
        }),
      )
    ).QueueUrl ?? '';
  return { updates: onEndpoint(updates), updatesDlq: onEndpoint(dlq) };
}

function workerEnv(instanceId: string): Record<string, string> {
  return workerEnvVars({
    databaseUrl,
    redisUrl: env.redis.url,
    endpoint: env.sqs.endpoint,
    region: env.sqs.region,
    queues,
    extra: { INSTANCE_ID: instanceId, HEARTBEAT_INTERVAL_MS: '500', LOG_LEVEL: 'silent' },
  });
}

async function health(): Promise<Health> {
  const res = await api.call<Health>('GET', '/api/v1/health', { role: 'viewer' });
  expect(res.status).toBe(200);
  return res.body;
}

const component = (h: Health, name: string): Component => {
  const c = h.components.find((x) => x.name === name);
  if (!c) throw new Error(`no component ${name} in ${JSON.stringify(h.components.map((x) => x.name))}`);
  return c;
};

/** Polls health until `ok` holds for it (the processes beat every half second). */
async function healthWhere(what: string, ok: (h: Health) => boolean): Promise<Health> {
  let last: Health | undefined;
  return eventually(
    async () => {
      last = await health();
      return ok(last) ? last : undefined;
    },
    `${what} (last: ${JSON.stringify(last?.components)})`,
    60_000,
    200,
  );
}

const instanceOf = (h: Health, name: string, id: string): Instance | undefined =>
  component(h, name).instances?.find((i) => i.instance_id === id);

beforeAll(async () => {
  databaseUrl = await migratedDatabase('health');
  db = createPool({ url: databaseUrl, max: 2 });
  const own = await createTestQueues(client);
  queues = { ...own, ...(await updatesWithDlq()), events: onEndpoint(own.events), dlq: onEndpoint(own.dlq) };
  api = await startOpsApi({
    DATABASE_URL: databaseUrl,
    SQS_ENDPOINT: env.sqs.endpoint,
    AWS_REGION: env.sqs.region,
    SQS_EVENTS_QUEUE_URL: queues.events,
    SQS_EVENTS_DLQ_URL: queues.dlq,
    SQS_UPDATES_QUEUE_URL: queues.updates,
    // No SQS_UPDATES_DLQ_URL: the health report finds it through the RedrivePolicy.
    HEARTBEAT_INTERVAL_MS: '500',
  });
  worker = await startWorker(loadWorkerConfig(workerEnv('w-health')));
  const kube = testKube();
  await installCrds(loadKubeConfig(kube.kubeconfig), readCrds());
  await ensureNamespace(new KubeClient(loadKubeConfig(kube.kubeconfig)), ns);
  controller = await startTestController({
    kubeconfig: kube.kubeconfig,
    databaseUrl,
    namespace: ns,
    manager: { heartbeatIntervalMs: 500 },
  });
});

afterAll(async () => {
  await worker?.stop();
  await controller?.stop();
  await api.close();
  await db.end();
  client.destroy();
});

describe('GET /api/v1/health with the real API, worker and controller', () => {
  it('when the API, a worker and the controller run, then each reports itself and the dependencies answer with versions', async () => {
    const identity = controller?.manager.identity ?? '';
    const h = await healthWhere(
      'the worker, the leading controller and kubernetes',
      (x) =>
        instanceOf(x, 'worker', 'w-health')?.status === 'up' &&
        component(x, 'controller').leader?.instance_id === identity &&
        component(x, 'kubernetes').status === 'up',
    );

    const apiC = component(h, 'api');
    expect(apiC).toMatchObject({ kind: 'service', status: 'up', version: '0.1.0' });
    const self = instanceOf(h, 'api', api.api.instanceId);
    expect(self).toMatchObject({ status: 'up', pid: process.pid, version: '0.1.0' });
    expect(self?.hostname).not.toBe('');
    expect(self?.details).toHaveProperty('requests_served');
    expect(self?.details).toHaveProperty('requests_in_flight');
    expect(h.services.api).toBeGreaterThanOrEqual(1);

    const w = component(h, 'worker');
    expect(w).toMatchObject({ kind: 'service', status: 'up' });
    const details = instanceOf(h, 'worker', 'w-health')?.details ?? {};
    for (const key of ['in_flight', 'events_last_minute', 'events_per_second', 'batches_last_minute'])
      expect(typeof details[key], key).toBe('number');
    expect(h.services.worker).toBeGreaterThanOrEqual(1);

    const c = component(h, 'controller');
    expect(c).toMatchObject({
      kind: 'service',
      status: 'up',
      leader: { instance_id: identity, lease: `${ns}/payflow-controller` },
    });
    expect(instanceOf(h, 'controller', identity)?.details).toMatchObject({
      leader: true,
      lease_holder: identity,
    });

    expect(component(h, 'postgres')).toMatchObject({ kind: 'dependency', status: 'up' });
    expect(component(h, 'postgres').version).toMatch(/^\d+/);
    expect(component(h, 'postgres').latency_ms).toBeGreaterThanOrEqual(0);
    expect(component(h, 'redis').status).toBe('up');
    expect(component(h, 'redis').version).toMatch(/^\d+\.\d+/);
    expect(component(h, 'redis').latency_ms).toBeGreaterThanOrEqual(0);
    const k = component(h, 'kubernetes');
    expect(k.version).toContain(testKube().version.replace(/^v/, ''));
    expect(k.latency_ms).toBeGreaterThanOrEqual(0);

    for (const name of ['events-queue', 'events-dlq', 'updates-queue', 'updates-dlq']) {
      const q = component(h, name);
      expect(q.status, name).toBe('up');
      expect(q.queue).toMatchObject({ visible: 0, in_flight: 0, delayed: 0 });
    }
    expect(component(h, 'events-dlq').queue?.dead_letter_queue_of).toBe('events-queue');
    expect(component(h, 'updates-dlq').queue).toMatchObject({
      dead_letter_queue_of: 'updates-queue',
      discovered: true,
    });

    const inputs = new Map(h.score.inputs.map((i) => [i.name, i]));
    expect(inputs.get('dependencies')).toMatchObject({ value: 1 });
    expect(inputs.get('workers')).toMatchObject({ value: 1 });
    expect(inputs.get('dead_letters')).toMatchObject({ value: 1 });
    expect(inputs.get('controller')).toMatchObject({ weight: 10, value: 1 });
    expect(h.score.value).toBe(100);
    expect(h.score.explanation).toContain('= 100');
  });

  it('when the worker applies events, then its throughput and the age at receive of the events show', async () => {
    const pays = await insertPayments(db, 20);
    await sendAll(
      client,
      queues.events,
      pays.map((p) => JSON.stringify(event(p, 'payment.authorized'))),
    );
    const h = await healthWhere('20 events in the worker throughput', (x) => {
      const t = component(x, 'worker').throughput;
      return (t?.events_last_minute ?? 0) >= 20;
    });
    const t = component(h, 'worker').throughput;
    expect(t?.events_per_second).toBeGreaterThan(0);
    expect(t?.oldest_message_age_seconds).toBeGreaterThanOrEqual(0);
    const events = component(h, 'events-queue').queue;
    expect(events?.oldest_age_source).toBe('worker_receive');
    expect(events?.oldest_age_seconds).toBe(t?.oldest_message_age_seconds);
    const stats = await api.call<{ queues: { oldest_age_seconds: number | null }[] }>(
      'GET',
      '/api/v1/queue/stats',
      {
        role: 'viewer',
      },
    );
    expect(stats.body.queues[0]?.oldest_age_seconds).toBeGreaterThanOrEqual(0);
  });

  it('when an event is dead-lettered, then the DLQ is degraded with its depth and the age of its oldest message', async () => {
    await client.send(
      new SendMessageCommand({ QueueUrl: queues.events, MessageBody: '{"not": "an event"}' }),
    );
    const h = await healthWhere(
      'a message in the events DLQ',
      (x) => component(x, 'events-dlq').status === 'degraded',
    );
    const dlq = component(h, 'events-dlq');
    const q = dlq.queue;
    expect((q?.visible ?? 0) + (q?.in_flight ?? 0)).toBe(1);
    expect(q?.oldest_age_source).toBe('dlq_peek');
    expect(q?.oldest_age_seconds).toBeGreaterThanOrEqual(0);
    expect(dlq.message).toMatch(/^1 message dead-lettered/);
    const input = h.score.inputs.find((i) => i.name === 'dead_letters');
    expect(input?.value).toBeLessThan(1);
    expect(h.score.value).toBeLessThan(100);
    // Queue stats are cached for a second: the previous read may still be served.
    const age = await eventually(async () => {
      const stats = await api.call<{ queues: { dlq: { oldest_age_seconds: number | null } }[] }>(
        'GET',
        '/api/v1/queue/stats',
        { role: 'viewer' },
      );
      return stats.body.queues[0]?.dlq.oldest_age_seconds ?? undefined;
    }, 'the DLQ age in queue stats');
    expect(age).toBeGreaterThanOrEqual(0);
  });

  it('when a worker stops cleanly, then it leaves the report at once', async () => {
    const second = await startWorker(loadWorkerConfig(workerEnv('w-clean')));
    await healthWhere('w-clean live', (x) => instanceOf(x, 'worker', 'w-clean')?.status === 'up');
    await second.stop();
    const h = await health();
    expect(instanceOf(h, 'worker', 'w-clean')).toBeUndefined();
    expect(component(h, 'worker').status).toBe('up');
  });

  it('when a worker is killed and its heartbeat expires, then it shows down, then leaves the list; with no live worker the component is down', async () => {
    const child = spawnWorker({
      databaseUrl,
      redisUrl: env.redis.url,
      endpoint: env.sqs.endpoint,
      region: env.sqs.region,
      queues,
      extra: { INSTANCE_ID: 'w-killed', HEARTBEAT_INTERVAL_MS: '500' },
    });
    await healthWhere('w-killed live', (x) => instanceOf(x, 'worker', 'w-killed')?.status === 'up');
    child.kill('SIGKILL');
    await exited(child);
    await worker?.stop();
    worker = undefined;
    // Its last beat two minutes ago: past its liveness window (three beats, at least 30 s).
    await db.query(
      "update service_heartbeats set last_seen_at = now() - interval '2 minutes' where instance_id = 'w-killed'",
    );
    let h = await health();
    expect(instanceOf(h, 'worker', 'w-killed')?.status).toBe('down');
    expect(component(h, 'worker').status).toBe('down');
    expect(component(h, 'worker').message).toMatch(
      /no worker heartbeat within its liveness window; last seen/,
    );
    expect(h.checks.workers).toMatchObject({ status: 'down', live: 0 });
    expect(h.services.worker).toBe(0);
    expect(h.score.inputs.find((i) => i.name === 'workers')?.value).toBe(0);

    await db.query(
      "update service_heartbeats set last_seen_at = now() - interval '20 minutes' where instance_id = 'w-killed'",
    );
    h = await health();
    expect(instanceOf(h, 'worker', 'w-killed')).toBeUndefined();
    expect(component(h, 'worker').status).toBe('down');
  });

  it('when the controller stops cleanly, then it leaves the report and Kubernetes is no longer reported', async () => {
    await controller?.stop();
    controller = undefined;
    const h = await health();
    expect(component(h, 'controller')).toMatchObject({ status: 'not_configured', instances: [] });
    expect(component(h, 'kubernetes').status).toBe('not_configured');
    expect(h.score.inputs.find((i) => i.name === 'controller')?.weight).toBe(0);
  });
});
