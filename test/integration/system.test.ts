import { randomBytes } from 'node:crypto';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { testenv } from '../support/env.ts';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface Check {
  status: string;
  latency_ms: number;
  error?: string;
}
interface Component {
  name: string;
  kind: string;
  status: string;
  version?: string;
  latency_ms?: number;
  message?: string;
  instances?: { instance_id: string; status: string }[];
  queue?: { visible: number; oldest_age_seconds: number | null; oldest_age_source: string | null };
}
interface HealthBody {
  status: string;
  services: Record<string, number>;
  components: Component[];
  score: { value: number; inputs: { name: string; weight: number; value: number }[] };
  checks: {
    database: Check;
    redis: Check;
    queue: Check & { depth?: number; dlq_depth?: number };
    workers: Check & { live: number; instances: { instance_id: string }[] };
  };
}
interface QueueBody {
  queues: {
    name: string;
    visible: number;
    in_flight: number;
    delayed: number;
    dlq_depth: number;
    oldest_age_seconds: null;
    dlq: { visible: number; oldest_age_seconds: number | null };
  }[];
}

describe('health and queue stats against real PostgreSQL, Redis and SQS', () => {
  const env = testenv();
  const sqs = createSqsClient({ region: env.sqs.region, endpoint: env.sqs.endpoint });
  let withQueue: OpsApi;
  let noQueue: OpsApi;
  let queueUrl: string;
  let dlqUrl: string;

  beforeAll(async () => {
    // Queues of this file's own, so that other tests' messages do not change the counts.
    const suffix = randomBytes(4).toString('hex');
    // The endpoint names queues on a host like sqs.us-east-1.127.0.0.1, which is no valid URL
    // host for the config; the client talks to the endpoint anyway, so address them through it.
    const onEndpoint = (url: string | undefined): string =>
      `${env.sqs.endpoint}${url!.slice(url!.indexOf('/', 'http://'.length))}`;
    dlqUrl = onEndpoint(
      (await sqs.send(new CreateQueueCommand({ QueueName: `ops-dlq-${suffix}` }))).QueueUrl,
    );
    queueUrl = onEndpoint(
      (await sqs.send(new CreateQueueCommand({ QueueName: `ops-events-${suffix}` }))).QueueUrl,
    );
    withQueue = await startOpsApi({
      SQS_ENDPOINT: env.sqs.endpoint,
      AWS_REGION: env.sqs.region,
      SQS_EVENTS_QUEUE_URL: queueUrl,
      SQS_EVENTS_DLQ_URL: dlqUrl,
    });
    noQueue = await startOpsApi();
  });
  afterAll(async () => {
    await withQueue.close();
    await noQueue.close();
    sqs.destroy();
  });

  it('when messages are visible, in flight, delayed and dead-lettered, then queue stats count each', async () => {
    for (const body of ['a', 'b'])
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later', DelaySeconds: 600 }));
    await sqs.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: 'poison' }));
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, VisibilityTimeout: 600 }),
    );
    expect(got.Messages).toHaveLength(1);
    const res = await withQueue.call<QueueBody>('GET', '/api/v1/queue/stats', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.queues).toHaveLength(1);
    expect(res.body.queues[0]).toMatchObject({
      name: queueUrl.slice(queueUrl.lastIndexOf('/') + 1),
      visible: 1,
      in_flight: 1,
      delayed: 1,
      dlq_depth: 1,
      oldest_age_seconds: null,
      dlq: { visible: 1 },
    });
    // The DLQ is peeked (VisibilityTimeout 0) for the age of its oldest message.
    expect(res.body.queues[0]?.dlq.oldest_age_seconds).toBeGreaterThanOrEqual(0);
  });

  it('when no queue is configured, then queue stats is a 503 problem', async () => {
    const res = await noQueue.call('GET', '/api/v1/queue/stats', { role: 'viewer' });
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('service_unavailable');
  });

  it('when a worker heartbeat is fresh, then health counts it live; a stale one is not counted', async () => {
    const pool = withQueue.api.deps.pool;
    const none = await withQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(none.body.checks.workers).toMatchObject({ status: 'down', live: 0 });
    expect(none.body.status).toBe('degraded');
    await pool.query(
      `insert into service_heartbeats (instance_id, component, version, last_seen_at) values
        ('worker-a', 'worker', '1.0.0', now()), ('worker-old', 'worker', '1.0.0', now() - interval '5 minutes'),
        ('api-a', 'api', '1.0.0', now())`,
    );
    const res = await withQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
    const c = res.body.checks;
    expect(c.database.status).toBe('up');
    expect(c.redis.status).toBe('up');
    expect(c.queue).toMatchObject({ status: 'up', dlq_depth: 1 });
    expect(c.workers.live).toBe(1);
    expect(c.workers.instances.map((i) => i.instance_id)).toEqual(['worker-a']);
    // The API under test reports itself beside the row written here.
    expect(res.body.services).toEqual({ api: 2, worker: 1, controller: 0, relay: 0 });
    for (const check of [c.database, c.redis, c.queue, c.workers])
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('when no queue is configured, then health says so rather than failing', async () => {
    const res = await noQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(res.body.checks.queue.status).toBe('not_configured');
    const queues = res.body.components.filter((q) => q.name.includes('-queue') || q.name.includes('-dlq'));
    expect(queues.map((q) => [q.name, q.status])).toEqual([
      ['events-queue', 'not_configured'],
      ['events-dlq', 'not_configured'],
      ['updates-queue', 'not_configured'],
      ['updates-dlq', 'not_configured'],
    ]);
    expect(res.body.score.inputs.find((i) => i.name === 'backlog')?.weight).toBe(0);
  });

  it('when health is read, then it lists every component in order, each with a kind and a status', async () => {
    const res = await withQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(res.body.components.map((c) => [c.name, c.kind])).toEqual([
      ['api', 'service'],
      ['worker', 'service'],
      ['controller', 'service'],
      ['postgres', 'dependency'],
      ['redis', 'dependency'],
      ['events-queue', 'dependency'],
      ['events-dlq', 'dependency'],
      ['updates-queue', 'dependency'],
      ['updates-dlq', 'dependency'],
      ['kubernetes', 'dependency'],
    ]);
    const by = new Map(res.body.components.map((c) => [c.name, c]));
    expect(by.get('api')?.instances?.map((i) => i.instance_id)).toContain(withQueue.api.instanceId);
    expect(by.get('postgres')?.status).toBe('up');
    expect(by.get('postgres')?.version).toMatch(/^\d+/);
    expect(by.get('redis')?.status).toBe('up');
    expect(by.get('redis')?.version).toMatch(/^\d+\.\d+/);
    expect(by.get('controller')?.status).toBe('not_configured');
    expect(by.get('kubernetes')?.status).toBe('not_configured');
    expect(by.get('updates-queue')?.status).toBe('not_configured');
    expect(res.body.score.value).toBeGreaterThanOrEqual(0);
    expect(res.body.score.value).toBeLessThanOrEqual(100);
  });

  it('when anonymous, then health and queue stats are 401 (internals are for signed-in viewers)', async () => {
    expect((await withQueue.call('GET', '/api/v1/health')).status).toBe(401);
    expect((await withQueue.call('GET', '/api/v1/queue/stats')).status).toBe(401);
  });
});
