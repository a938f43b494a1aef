// The endpoints behind the console's Audit, Batch jobs and Worker pools pages, over HTTP against
// real PostgreSQL and the SQS endpoint: audit verification status, batch job retry / failures /
// export download (run by the real batch runner), worker pools mirrored by the controller's own
// mirror function, and the dead-letter queue listed and redriven.
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerPoolSpecSchema, type WorkerPoolStatus } from '@payflow/api/crd';
import { mirrorWorkerPool, type WorkerPoolObject } from '../../controller/src/reconcilers/workerpool.ts';
import { runBatchJob } from '../../worker/src/batch.ts';
import { runBatchPoller } from '../../worker/src/batch-poller.ts';
import { createLogger } from '@payflow/api/observability';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';
import { testenv } from '../support/env.ts';
import { createTestQueues, drain, insertPayments, sqs, type TestQueues } from './worker-support.ts';

interface Job {
  id: string;
  name: string;
  status: string;
  processed: number;
  total: number | null;
  error: string | null;
  created_by: string | null;
  created_by_name: string | null;
}
interface Problem {
  status: number;
  field?: string;
  errors?: { field: string; message: string }[];
  code?: string;
}

const operator = { role: 'operator' as const, user: 'usr_ops_op' };
const viewer = { role: 'viewer' as const, user: 'usr_ops_view' };
const admin = { role: 'admin' as const, user: 'usr_ops_admin' };
const window = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };

let t: OpsApi;
let client: SQSClient;
let queues: TestQueues;
let payments: string[];

const fields = (p: Problem): string[] => [p.field ?? '', ...(p.errors ?? []).map((e) => e.field)];

beforeAll(async () => {
  const env = testenv();
  client = sqs(env.sqs.endpoint, env.sqs.region);
  queues = await createTestQueues(client);
  t = await startOpsApi({
    SQS_ENDPOINT: env.sqs.endpoint,
    AWS_REGION: env.sqs.region,
    SQS_EVENTS_QUEUE_URL: queues.events,
    SQS_EVENTS_DLQ_URL: queues.dlq,
  });
  await t.api.deps.pool.query(
    "insert into users (id, email, name, role) values ('usr_ops_op', 'op@example.test', 'Olga Operator', 'operator')",
  );
  payments = await insertPayments(t.api.deps.pool, 12);
});

afterAll(async () => {
  await t.close();
  client.destroy();
});

describe('audit chain verification status', () => {
  it('when the chains were never verified, then the status says so', async () => {
    const res = await t.call('GET', '/api/v1/audit/verify/status', viewer);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ last: null, last_passed_at: null });
  });

  it('when an admin verifies intact chains, then the status names the time they last held', async () => {
    expect((await t.call('GET', '/api/v1/audit/verify', viewer)).status).toBe(403);
    const run = await t.call<{ valid: boolean }>('GET', '/api/v1/audit/verify', admin);
    expect(run.body.valid).toBe(true);
    const res = await t.call<{ last: { valid: boolean; verified_by: string }; last_passed_at: string }>(
      'GET',
      '/api/v1/audit/verify/status',
      viewer,
    );
    expect(res.body.last).toMatchObject({ valid: true, verified_by: 'usr_ops_admin', first_bad_id: null });
    expect(res.body.last_passed_at).toBe((res.body.last as unknown as { verified_at: string }).verified_at);
  });

  it('when a row was tampered with, then the status names the first bad row and keeps the last pass', async () => {
    const pool = t.api.deps.pool;
    const made = await t.call('POST', '/api/v1/batch-jobs', {
      ...operator,
      body: { type: 'reconcile', parameters: window },
    });
    expect(made.status).toBe(201);
    const { rows } = await pool.query<{ id: string }>(
      'select id from audit_log order by occurred_at limit 1',
    );
    expect(rows).toHaveLength(1);
    const victim = rows[0]?.id ?? '';
    const before = await t.call<{ last_passed_at: string }>('GET', '/api/v1/audit/verify/status', viewer);
    await pool.query('alter table audit_log disable trigger audit_log_no_update');
    try {
      await pool.query("update audit_log set reason = 'edited' where id = $1", [victim]);
      await t.call('GET', '/api/v1/audit/verify', admin);
    } finally {
      await pool.query("update audit_log set reason = null where id = $1 and reason = 'edited'", [victim]);
      await pool.query('alter table audit_log enable trigger audit_log_no_update');
    }
    const res = await t.call<{
      last: { valid: boolean; first_bad_id: string; problem: string };
      last_passed_at: string;
    }>('GET', '/api/v1/audit/verify/status', viewer);
    expect(res.body.last.valid).toBe(false);
    expect(res.body.last.first_bad_id).toBe(victim);
    expect(res.body.last.problem).toBe('content changed');
    expect(res.body.last_passed_at).toBe(before.body.last_passed_at);
  });
});

describe('batch jobs: export file, failures and retry', () => {
  async function create(body: Record<string, unknown>): Promise<Job> {
    const res = await t.call<Job>('POST', '/api/v1/batch-jobs', { ...operator, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  it('when an export ran, then its file streams from the API with every payment once, named after the job', async () => {
    const job = await create({
      type: 'export',
      name: 'export-all',
      parameters: { ...window, format: 'csv', chunk_size: 5 },
    });
    expect(job.created_by_name).toBe('Olga Operator');
    const early = await t.call<Problem>('GET', `/api/v1/batch-jobs/${job.id}/output`, viewer);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('not_finished');
    await runBatchJob({ pool: t.api.deps.pool, owner: 'test-runner' }, job.id);
    const res = await fetch(`${t.api.url}/api/v1/batch-jobs/${job.id}/output`, {
      headers: { 'x-test-role': 'viewer' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="export-all.csv"');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^id,created_at,merchant_id/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([...payments].sort());
    const chunks = await t.api.deps.pool.query(
      'select count(*)::int as n from batch_job_output where job_id = $1',
      [job.id],
    );
    expect(chunks.rows[0]).toEqual({ n: 3 });
  });

  it('when an export asks for JSON lines, then each line is one payment with exact amounts as strings', async () => {
    const job = await create({ type: 'export', parameters: { ...window, format: 'jsonl' } });
    await runBatchJob({ pool: t.api.deps.pool, owner: 'test-runner' }, job.id);
    const res = await fetch(`${t.api.url}/api/v1/batch-jobs/${job.id}/output`, {
      headers: { 'x-test-role': 'viewer' },
    });
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const rows = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; amount_minor: string });
    expect(rows).toHaveLength(payments.length);
    expect(rows[0]?.amount_minor).toBe('1000');
  });

  it('when a chunk fails, then the job fails, the failure names the error, and a retry resumes it from the checkpoint', async () => {
    const pool = t.api.deps.pool;
    const rule = 'rul_ops_broken';
    await pool.query(
      "insert into rules (id, name, action, severity, definition) values ($1, 'broken', 'alert', 'low', $2::jsonb)",
      [rule, JSON.stringify({ condition: { field: 'amount', op: 'explode', value: 1 } })],
    );
    const job = await create({ type: 'backtest', parameters: { ...window, rule_id: rule } });
    await expect(runBatchJob({ pool, owner: 'test-runner' }, job.id)).rejects.toThrow(/invalid/);
    const failed = await t.call<Job>('GET', `/api/v1/batch-jobs/${job.id}`, viewer);
    expect(failed.body.status).toBe('failed');
    const failures = await t.call<{ data: { kind: string; error: string; retried_at: string | null }[] }>(
      'GET',
      `/api/v1/batch-jobs/${job.id}/failures`,
      viewer,
    );
    expect(failures.body.data).toEqual([
      expect.objectContaining({
        kind: 'chunk',
        error: expect.stringMatching(/backtest rule is invalid/) as unknown,
        retried_at: null,
      }),
    ]);

    expect((await t.call('POST', `/api/v1/batch-jobs/${job.id}/retry`, { ...viewer, body: {} })).status).toBe(
      403,
    );
    const retried = await t.call<Job>('POST', `/api/v1/batch-jobs/${job.id}/retry`, {
      ...operator,
      body: {},
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ status: 'pending', error: null });
    const again = await t.call<Problem>('POST', `/api/v1/batch-jobs/${job.id}/retry`, {
      ...operator,
      body: {},
    });
    expect(again.status).toBe(409);
    const after = await t.call<{ data: { retried_at: string | null; retried_by: string | null }[] }>(
      'GET',
      `/api/v1/batch-jobs/${job.id}/failures`,
      viewer,
    );
    expect(after.body.data[0]?.retried_by).toBe('usr_ops_op');
    const audit = await pool.query<{ action: string }>(
      "select action from audit_log where resource_type = 'batch_job' and resource_id = $1 order by chain_seq",
      [job.id],
    );
    expect(audit.rows.map((r) => r.action)).toContain('batch_job.retried');
  });

  it('when the worker polls for jobs, then it runs a pending API job to the end and skips Kubernetes ones', async () => {
    const pool = t.api.deps.pool;
    await pool.query("update batch_jobs set status = 'cancelled' where status in ('pending', 'running')");
    const job = await create({ type: 'reconcile', parameters: window });
    await pool.query(
      "insert into batch_jobs (id, name, type, parameters, source, external_uid) values ('job_k8s_ops', 'ns/bj', 'reconcile', $1::jsonb, 'kubernetes', 'uid-ops')",
      [JSON.stringify(window)],
    );
    const abort = new AbortController();
    const poller = runBatchPoller({
      pool,
      owner: 'poller-1',
      intervalMs: 50,
      signal: abort.signal,
      types: ['reconcile', 'export'],
      logger: createLogger({ name: 'test-poller', level: 'silent' }),
    });
    try {
      await expect
        .poll(async () => (await t.call<Job>('GET', `/api/v1/batch-jobs/${job.id}`, viewer)).body.status, {
          timeout: 20_000,
        })
        .toBe('succeeded');
    } finally {
      abort.abort();
      await poller;
    }
    const k8s = await t.call<Job>('GET', '/api/v1/batch-jobs/job_k8s_ops', viewer);
    expect(k8s.body.status).toBe('pending');
    const done = await t.call<Job>('GET', `/api/v1/batch-jobs/${job.id}`, viewer);
    expect(done.body.processed).toBe(payments.length);
  });

  it('when the job is not an export, or unknown, then the download is a 404', async () => {
    const job = await create({ type: 'reconcile', parameters: window });
    expect((await t.call('GET', `/api/v1/batch-jobs/${job.id}/output`, viewer)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/batch-jobs/job_nope/failures', viewer)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/batch-jobs/job_nope/output', {})).status).toBe(401);
  });
});

function workerPool(name: string): WorkerPoolObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'WorkerPool',
    metadata: { name, namespace: 'payments', uid: `uid-${name}`, generation: 2 },
    spec: workerPoolSpecSchema.parse({
      queue: {
        name: queues.events.split('/').at(-1),
        deadLetterQueue: { name: queues.dlq.split('/').at(-1) },
      },
      minReplicas: 1,
      maxReplicas: 10,
      targetBacklogPerReplica: 5,
      pollingIntervalSeconds: 5,
    }),
  };
}

describe('worker pools mirrored by the controller', () => {
  it('when the controller mirrored a pool, then the API lists it with status, conditions and its samples', async () => {
    const pool = t.api.deps.pool;
    const wp = workerPool('events');
    const status: WorkerPoolStatus = {
      observedGeneration: 2,
      desiredReplicas: 3,
      readyReplicas: 2,
      replicas: 3,
      backlog: { visible: 12, inFlight: 2, delayed: 0, deadLetter: 4 },
      lastScaleTime: '2026-01-01T00:00:00Z',
      lastScaleReason: 'backlog 14 at 5 per replica needs 3',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ReplicasNotReady',
          message: '2/3 replicas ready',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const depth = { visible: 12, inFlight: 2, delayed: 0, deadLetter: 4 };
    await mirrorWorkerPool(pool, wp, {
      status,
      queues: { events: queues.events, deadLetter: queues.dlq },
      depth,
    });
    // A second poll within the sampling interval updates the status but adds no sample.
    await mirrorWorkerPool(pool, wp, {
      status,
      queues: { events: queues.events, deadLetter: queues.dlq },
      depth,
    });
    await pool.query("update worker_pool_samples set at = at - interval '10 minutes'");
    await mirrorWorkerPool(pool, wp, {
      status: { ...status, desiredReplicas: 1 },
      queues: { events: queues.events, deadLetter: queues.dlq },
      depth: { ...depth, visible: 0, inFlight: 0 },
    });
    const list = await t.call<{ data: Record<string, unknown>[] }>('GET', '/api/v1/worker-pools', viewer);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      expect.objectContaining({
        namespace: 'payments',
        name: 'events',
        desired_replicas: 1,
        ready_replicas: 2,
        dead_letter_depth: 4,
        last_scale_reason: 'backlog 14 at 5 per replica needs 3',
        stale: false,
        dlq_browsable: true,
        conditions: [expect.objectContaining({ type: 'Ready', status: 'False' })],
      }),
    ]);
    const one = await t.call<{ samples: { backlog: number; desired: number }[] }>(
      'GET',
      '/api/v1/worker-pools/payments/events',
      viewer,
    );
    expect(one.body.samples.map((s) => [s.backlog, s.desired])).toEqual([
      [14, 3],
      [0, 1],
    ]);
    expect((await t.call('GET', '/api/v1/worker-pools/payments/nope', viewer)).status).toBe(404);
    const badName = await t.call<Problem>('GET', '/api/v1/worker-pools/Payments/events', viewer);
    expect(badName.status).toBe(400);
    expect(fields(badName.body)).toContain('namespace');
    const badMinutes = await t.call<Problem>('GET', '/api/v1/worker-pools/payments/events?minutes=1', viewer);
    expect(badMinutes.status).toBe(400);
    expect(fields(badMinutes.body)).toContain('minutes');
  });
});

describe('the dead-letter queue', () => {
  async function deadLetter(n: number): Promise<string[]> {
    const ids = payments.slice(0, n).map((_, i) => `evt_dlq_${String(Date.now())}_${String(i)}`);
    await client.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.dlq,
        Entries: ids.map((id, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({ event_id: id, type: 'payment.captured', payment_id: payments[i] }),
          MessageAttributes: {
            reason: { DataType: 'String', StringValue: `invalid transition ${String(i)}` },
          },
        })),
      }),
    );
    return ids;
  }

  it('when messages are dead-lettered, then the API lists them with their reasons and leaves them there', async () => {
    const events = await deadLetter(3);
    const res = await t.call<{
      queue: string;
      messages: { event_id: string; reason: string; payment_id: string }[];
    }>('GET', '/api/v1/dead-letters', viewer);
    expect(res.status).toBe(200);
    expect(res.body.queue).toBe(queues.dlq.split('/').at(-1));
    expect(res.body.messages.map((m) => m.event_id).sort()).toEqual([...events].sort());
    expect(res.body.messages.find((m) => m.event_id === events[1])?.reason).toBe('invalid transition 1');
    const again = await t.call<{ messages: unknown[] }>('GET', '/api/v1/dead-letters', viewer);
    expect(again.body.messages).toHaveLength(3);
  });

  it('when an operator redrives selected messages, then only those go back to the events queue, audited', async () => {
    const listed = await t.call<{ messages: { message_id: string; event_id: string }[] }>(
      'GET',
      '/api/v1/dead-letters',
      viewer,
    );
    const pick = listed.body.messages[0];
    expect(
      (await t.call('POST', '/api/v1/dead-letters/redrive', { ...viewer, body: { all: true } })).status,
    ).toBe(403);
    const res = await t.call<{ moved: number; event_ids: string[]; missing: string[] }>(
      'POST',
      '/api/v1/dead-letters/redrive',
      { ...operator, body: { message_ids: [pick?.message_id, 'not-there'] } },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ moved: 1, event_ids: [pick?.event_id], missing: ['not-there'] });
    const back = await drain(client, queues.events);
    expect(back.map((m) => (JSON.parse(m.Body ?? '{}') as { event_id: string }).event_id)).toEqual([
      pick?.event_id,
    ]);
    expect(back[0]?.MessageAttributes?.redrive_count?.StringValue).toBe('1');
    const left = await t.call<{ messages: unknown[] }>('GET', '/api/v1/dead-letters', viewer);
    expect(left.body.messages).toHaveLength(2);
    const audit = await t.api.deps.pool.query<{ actor_id: string; after: { moved: number } }>(
      "select actor_id, after from audit_log where action = 'dead_letters.redriven'",
    );
    expect(audit.rows).toEqual([
      expect.objectContaining({
        actor_id: 'usr_ops_op',
        after: expect.objectContaining({ moved: 1 }) as unknown,
      }),
    ]);
  });

  it('when an operator redrives all, then the DLQ is empty and every event is back', async () => {
    const res = await t.call<{ moved: number }>('POST', '/api/v1/dead-letters/redrive', {
      ...operator,
      body: { all: true },
    });
    expect(res.body.moved).toBe(2);
    expect(await drain(client, queues.events)).toHaveLength(2);
    expect(
      (await t.call<{ messages: unknown[] }>('GET', '/api/v1/dead-letters', viewer)).body.messages,
    ).toEqual([]);
  });

  it('when the redrive body is wrong, then a 400 names the field', async () => {
    for (const body of [
      {},
      { all: true, message_ids: ['a'] },
      { message_ids: [] },
      { message_ids: ['a', 'a'] },
      { all: false },
    ]) {
      const res = await t.call<Problem>('POST', '/api/v1/dead-letters/redrive', { ...operator, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(
        fields(res.body).some((f) => f === 'message_ids' || f === 'all'),
        JSON.stringify(res.body),
      ).toBe(true);
    }
    expect((await t.call<Problem>('GET', '/api/v1/dead-letters?limit=0', viewer)).body.field).toBe('limit');
  });
});
