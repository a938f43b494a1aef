import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '@payflow/api/store';
import { newId } from '@payflow/api/domain';
import { LeaseHeld, runBatchJob } from '../../worker/src/batch.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import {
  createTestQueues,
  drain,
  event,
  insertPayments,
  sendAll,
  sqs,
  workerEnvVars,
  type TestQueues,
} from './worker-support.ts';

const CLI = join(import.meta.dirname, '..', '..', 'worker', 'src', 'cli.ts');

describe('worker: batch runner and redrive', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  let url: string;
  let db: ReturnType<typeof createPool>;
  let queues: TestQueues;
  let payments: string[];

  const cli = async (args: string[]): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        {
          env: {
            ...process.env,
            ...workerEnvVars({
              databaseUrl: url,
              endpoint: env.sqs.endpoint,
              region: env.sqs.region,
              queues,
            }),
          },
        },
        (err, _stdout, stderr) => {
          resolve({ code: err ? Number(err.code ?? 1) : 0, stderr });
        },
      );
    });
  const job = async (type: string, parameters: Record<string, unknown>): Promise<string> => {
    const id = newId('job');
    await db.query('insert into batch_jobs (id, name, type, parameters) values ($1, $2, $3, $4::jsonb)', [
      id,
      `${type}-${id}`,
      type,
      JSON.stringify(parameters),
    ]);
    return id;
  };
  const jobRow = async (id: string): Promise<Record<string, unknown>> =>
    (
      await db.query(
        'select status, processed, failed, total, result, lease_owner from batch_jobs where id = $1',
        [id],
      )
    ).rows[0] as Record<string, unknown>;

  beforeAll(async () => {
    url = await migratedDatabase('wbatch');
    db = createPool({ url, max: 4 });
    queues = await createTestQueues(client);
    // 23 payments: payer_0 has 5 of them, the rest one each.
    payments = await insertPayments(db, 23, { payer: (i) => (i < 5 ? 'payer_0' : `payer_${String(i)}`) });
  });
  afterAll(async () => {
    await db.end();
    client.destroy();
  });

  it('when a backtest job runs from the CLI, then it evaluates the rule over the range and reports the hits', async () => {
    const id = await job('backtest', {
      definition: {
        // Deterministic whatever milliseconds the ids fall in: every payment counts itself.
        condition: {
          all: [
            { aggregate: 'count', window: '1h', group_by: 'payer_id', op: 'gte', value: 1 },
            { field: 'payer_id', op: 'eq', value: 'payer_0' },
          ],
        },
      },
    });
    const r = await cli(['batch', 'run', id]);
    expect(r.code).toBe(0);
    const row = await jobRow(id);
    expect(row.status).toBe('succeeded');
    expect(row.processed).toBe(23n);
    expect(row.total).toBe(23n);
    const result = row.result as { hits: number; sample_payment_ids: string[] };
    expect(result.hits).toBe(5);
    expect([...result.sample_payment_ids].sort()).toEqual(payments.slice(0, 5).sort());
    expect(row.lease_owner).toBeNull();
    const audit = await db.query('select action from audit_log where resource_id = $1 order by chain_seq', [
      id,
    ]);
    expect(audit.rows.map((a: { action: string }) => a.action).sort()).toEqual([
      'batch_job.started',
      'batch_job.succeeded',
    ]);
  });

  it('when an export resumes after a crash mid-file, then the CSV holds every payment once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'payflow-export-'));
    const path = join(dir, 'payments.csv');
    const id = await job('export', { path });
    await runBatchJob({ pool: db, owner: 'runner-1', chunkSize: 7 }, id);
    const full = readFileSync(path, 'utf8');
    const lines = full.trim().split('\n');
    expect(lines[0]).toBe(
      'id,created_at,merchant_id,payer_id,amount_minor,currency,current_state,refunded_minor,country,flagged,held',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([...payments].sort());
    // Pretend the runner died after its second chunk had been checkpointed but after it had
    // written part of a third: the file has garbage beyond the checkpoint.
    const header = `${lines[0] ?? ''}\n`;
    const twoChunks = header + lines.slice(1, 15).join('\n') + '\n';
    const last = lines[14]?.split(',') ?? [];
    writeFileSync(path, `${twoChunks}half-written-row,`);
    await db.query(
      `update batch_jobs set status = 'running', processed = 14, lease_owner = 'runner-dead', lease_expires_at = now() - interval '1 s',
         checkpoint = $2::jsonb where id = $1`,
      [id, JSON.stringify({ at: last[1], id: last[0], bytes: Buffer.byteLength(twoChunks) })],
    );
    const done = await runBatchJob({ pool: db, owner: 'runner-2', chunkSize: 7 }, id);
    expect(done.status).toBe('succeeded');
    expect(done.processed).toBe(23n);
    expect(readFileSync(path, 'utf8')).toBe(full);
  });

  it('when another runner holds the lease, then a second runner refuses the job (exit 3 from the CLI)', async () => {
    const id = await job('reconcile', {});
    await db.query(
      `update batch_jobs set status = 'running', lease_owner = 'someone-else', lease_expires_at = now() + interval '5 min' where id = $1`,
      [id],
    );
    await expect(runBatchJob({ pool: db, owner: 'me' }, id)).rejects.toBeInstanceOf(LeaseHeld);
    expect((await cli(['batch', 'run', id])).code).toBe(3);
    expect((await jobRow(id)).lease_owner).toBe('someone-else');
  });

  it('when a reconcile job finds a payment whose state disagrees with its history, then it counts it as failed and names it', async () => {
    await db.query("update payments set current_state = 'captured', version = 3 where id = $1", [
      payments[20],
    ]);
    const id = await job('reconcile', {});
    const done = await runBatchJob({ pool: db, owner: 'r', chunkSize: 10 }, id);
    expect(done.failed).toBe(1n);
    expect(done.processed).toBe(22n);
    expect((done.result as { mismatched_payment_ids: string[] }).mismatched_payment_ids).toEqual([
      payments[20],
    ]);
  });

  it('when a replay job runs, then recorded events are re-sent to the events queue with their own event ids', async () => {
    const eventIds = payments.slice(0, 4).map(() => newId('evt'));
    for (const [i, p] of payments.slice(0, 4).entries()) {
      await db.query(
        `insert into payment_events (id, event_id, payment_id, payment_created_at, type, from_state, to_state, source, occurred_at)
         select $1, $2, id, created_at, 'payment.authorized', 'pending', 'authorized', 'sqs', now() from payments where id = $3`,
        [newId('evt'), eventIds[i], p],
      );
    }
    const id = await job('replay', {});
    const done = await runBatchJob({ pool: db, owner: 'r', sqs: client, eventsQueueUrl: queues.events }, id);
    expect(done.processed).toBe(4n);
    const sent = await drain(client, queues.events);
    expect(sent.map((m) => (JSON.parse(m.Body ?? '{}') as { event_id: string }).event_id).sort()).toEqual(
      [...eventIds].sort(),
    );
    expect(JSON.parse(sent[0]?.Body ?? '{}')).toMatchObject({
      type: 'payment.authorized',
      data: { replayed_by: id },
    });
  });

  it('when redrive runs, then dead-lettered messages go back to the events queue with their bodies intact', async () => {
    const bodies = payments.slice(0, 3).map((p) => JSON.stringify(event(p, 'payment.captured')));
    await sendAll(client, queues.dlq, bodies);
    const r = await cli(['redrive']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('moved 3 messages');
    const back = await drain(client, queues.events);
    expect(back.map((m) => m.Body).sort()).toEqual([...bodies].sort());
    expect(back.map((m) => m.MessageAttributes?.redrive_count?.StringValue)).toEqual(['1', '1', '1']);
    expect(await drain(client, queues.dlq)).toEqual([]);
  });

  it('when the CLI gets an unknown command, then it prints the usage and exits 2', async () => {
    const r = await cli(['dance']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: payflow-worker');
  });
});
