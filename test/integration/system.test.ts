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
interface HealthBody {
  status: string;
  services: Record<string, number>;
  components: {
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
    dlq: { visible: number };
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
    expect(none.body.components.workers).toMatchObject({ status: 'down', live: 0 });
    expect(none.body.status).toBe('degraded');
    await pool.query(
      `insert into service_heartbeats (instance_id, component, version, last_seen_at) values
        ('worker-a', 'worker', '1.0.0', now()), ('worker-old', 'worker', '1.0.0', now() - interval '5 minutes'),
        ('api-a', 'api', '1.0.0', now())`,
    );
    const res = await withQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('healthy');
    const c = res.body.components;
    expect(c.database.status).toBe('up');
    expect(c.redis.status).toBe('up');
    expect(c.queue).toMatchObject({ status: 'up', dlq_depth: 1 });
    expect(c.workers.live).toBe(1);
    expect(c.workers.instances.map((i) => i.instance_id)).toEqual(['worker-a']);
    expect(res.body.services).toEqual({ api: 1, worker: 1, controller: 0, relay: 0 });
    for (const check of [c.database, c.redis, c.queue, c.workers])
      expect(check.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('when no queue is configured, then health says so rather than failing', async () => {
    const res = await noQueue.call<HealthBody>('GET', '/api/v1/health', { role: 'viewer' });
    expect(res.body.components.queue.status).toBe('not_configured');
  });

  it('when anonymous, then health and queue stats are 401 (internals are for signed-in viewers)', async () => {
    expect((await withQueue.call('GET', '/api/v1/health')).status).toBe(401);
    expect((await withQueue.call('GET', '/api/v1/queue/stats')).status).toBe(401);
  });
});
