import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface JobBody {
  id: string;
  name: string;
  type: string;
  status: string;
  parameters: Record<string, unknown>;
  processed: number;
  total: number | null;
  progress: number | null;
  parallelism: number;
}
interface PageBody {
  data: JobBody[];
  pagination: { total: number; next_cursor: string | null };
}

const window = { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' };

describe('batch jobs API against real PostgreSQL', () => {
  let t: OpsApi;
  const operator = { role: 'operator' as const, user: 'usr_op' };
  const ruleId = newId('rul');

  async function auditActions(id: string): Promise<string[]> {
    const { rows } = await t.api.deps.pool.query<{ action: string }>(
      "select action from audit_log where resource_type = 'batch_job' and resource_id = $1 order by occurred_at",
      [id],
    );
    return rows.map((r) => r.action);
  }

  async function create(body: Record<string, unknown>): Promise<JobBody> {
    const res = await t.call<JobBody>('POST', '/api/v1/batch-jobs', { ...operator, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  async function setStatus(id: string, status: string): Promise<void> {
    await t.api.deps.pool.query('update batch_jobs set status = $2 where id = $1', [id, status]);
  }

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      "insert into rules (id, name, action, severity, definition) values ($1, 'bt', 'alert', 'low', '{}')",
      [ruleId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when an operator requests each type of job, then each is pending with validated parameters and audited', async () => {
    const bodies = [
      { type: 'replay', parameters: { ...window, merchant_id: 'MERC-001' } },
      { type: 'backfill', parameters: window },
      { type: 'reconcile', parameters: window, parallelism: 4 },
      { type: 'backtest', name: 'bt january', parameters: { ...window, rule_id: ruleId } },
      { type: 'export', parameters: { ...window, format: 'csv' } },
    ];
    for (const body of bodies) {
      const job = await create(body);
      expect(job).toMatchObject({
        type: body.type,
        status: 'pending',
        processed: 0,
        total: null,
        progress: null,
      });
      expect(job.id).toMatch(/^job_/);
      expect(job.parameters).toMatchObject({ ...body.parameters, chunk_size: 500 });
      expect(await auditActions(job.id)).toEqual(['batch_job.created']);
    }
    const got = await t.call<PageBody>('GET', '/api/v1/batch-jobs?type=backtest', { role: 'viewer' });
    expect(got.body.data.map((j) => j.name)).toEqual(['bt january']);
  });

  it('when a job has progress, then get shows processed, total and the fraction', async () => {
    const job = await create({ type: 'backfill', parameters: window });
    await t.api.deps.pool.query(
      "update batch_jobs set status = 'running', processed = 250, total = 1000 where id = $1",
      [job.id],
    );
    const res = await t.call<JobBody>('GET', `/api/v1/batch-jobs/${job.id}`, { role: 'viewer' });
    expect(res.body).toMatchObject({ status: 'running', processed: 250, total: 1000, progress: 0.25 });
  });

  it('when a pending, running or suspended job is cancelled, then it is cancelled; a finished one is a 409', async () => {
    for (const status of ['pending', 'running', 'suspended']) {
      const job = await create({ type: 'backfill', parameters: window });
      await setStatus(job.id, status);
      const res = await t.call<JobBody>('POST', `/api/v1/batch-jobs/${job.id}/cancel`, operator);
      expect(res.status, status).toBe(200);
      expect(res.body.status).toBe('cancelled');
      expect(await auditActions(job.id)).toEqual(['batch_job.created', 'batch_job.cancelled']);
    }
    for (const status of ['succeeded', 'failed', 'cancelled']) {
      const job = await create({ type: 'backfill', parameters: window });
      await setStatus(job.id, status);
      const res = await t.call('POST', `/api/v1/batch-jobs/${job.id}/cancel`, operator);
      expect(res.status, status).toBe(409);
      expect(res.body.code).toBe('invalid_transition');
      expect(await auditActions(job.id)).toEqual(['batch_job.created']);
    }
  });

  it('when parameters do not fit the type, then the 400 names the parameter and no job is created', async () => {
    const before = await t.call<PageBody>('GET', '/api/v1/batch-jobs', { role: 'viewer' });
    const cases: [unknown, string][] = [
      [{ type: 'replay', parameters: { from: window.to, to: window.from } }, 'parameters.to'],
      [{ type: 'replay', parameters: { from: 'last week', to: window.to } }, 'parameters.from'],
      [{ type: 'backtest', parameters: window }, 'parameters.rule_id'],
      [{ type: 'backtest', parameters: { ...window, rule_id: newId('rul') } }, 'parameters.rule_id'],
      [{ type: 'export', parameters: window }, 'parameters.format'],
      [{ type: 'export', parameters: { ...window, format: 'xlsx' } }, 'parameters.format'],
      [{ type: 'backfill', parameters: { ...window, format: 'csv' } }, 'parameters.format'],
      [{ type: 'backfill', parameters: { ...window, chunk_size: 0 } }, 'parameters.chunk_size'],
      [{ type: 'mine-bitcoin', parameters: window }, 'type'],
      [{ type: 'backfill', parameters: window, parallelism: 64 }, 'parallelism'],
      [{ type: 'backfill', parameters: window, status: 'running' }, 'status'],
      [{ type: 'backfill' }, 'parameters'],
    ];
    for (const [body, field] of cases) {
      const res = await t.call('POST', '/api/v1/batch-jobs', { ...operator, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.field, JSON.stringify(res.body)).toBe(field);
    }
    const after = await t.call<PageBody>('GET', '/api/v1/batch-jobs', { role: 'viewer' });
    expect(after.body.pagination.total).toBe(before.body.pagination.total);
  });

  it('when listing, then filters, cursor paging and bad parameters behave', async () => {
    const all = await t.call<PageBody>('GET', '/api/v1/batch-jobs?limit=200', { role: 'viewer' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const res = await t.call<PageBody>('GET', `/api/v1/batch-jobs?limit=3${q}`, { role: 'viewer' });
      seen.push(...res.body.data.map((j) => j.id));
      cursor = res.body.pagination.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((j) => j.id));
    expect(seen.length).toBe(all.body.pagination.total);
    const cancelled = await t.call<PageBody>('GET', '/api/v1/batch-jobs?status=cancelled', {
      role: 'viewer',
    });
    expect(cancelled.body.data.every((j) => j.status === 'cancelled')).toBe(true);
    expect(cancelled.body.data.length).toBeGreaterThan(0);
    const bad = await t.call('GET', '/api/v1/batch-jobs?status=done', { role: 'viewer' });
    expect(bad.status).toBe(400);
    const mixed = await t.call('GET', `/api/v1/batch-jobs?offset=3&cursor=${encodeURIComponent('x')}`, {
      role: 'viewer',
    });
    expect(mixed.status).toBe(400);
  });

  it('when a job request is retried with the same Idempotency-Key, then one job exists and the reply is replayed', async () => {
    const key = `job-${newId('req')}`;
    const body = { type: 'export', parameters: { ...window, format: 'jsonl' } };
    const first = await t.call<JobBody>('POST', '/api/v1/batch-jobs', {
      ...operator,
      body,
      headers: { 'idempotency-key': key },
    });
    const second = await t.call<JobBody>('POST', '/api/v1/batch-jobs', {
      ...operator,
      body,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await t.call('POST', '/api/v1/batch-jobs', {
      ...operator,
      body: { ...body, parallelism: 2 },
      headers: { 'idempotency-key': key },
    });
    expect(other.status).toBe(422);
    const { rows } = await t.api.deps.pool.query(
      "select count(*)::int as n from batch_jobs where parameters->>'format' = 'jsonl'",
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('when ids are unknown or roles too low, then 404, 401 and 403', async () => {
    const missing = newId('job');
    expect((await t.call('GET', `/api/v1/batch-jobs/${missing}`, { role: 'viewer' })).status).toBe(404);
    expect((await t.call('POST', `/api/v1/batch-jobs/${missing}/cancel`, operator)).status).toBe(404);
    expect((await t.call('GET', '/api/v1/batch-jobs')).status).toBe(401);
    const body = { type: 'backfill', parameters: window };
    expect((await t.call('POST', '/api/v1/batch-jobs', { role: 'viewer', body })).status).toBe(403);
  });
});
