import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface SseEvent {
  event: string;
  id: string;
  data: Record<string, unknown>;
}

/** An open SSE connection read with fetch; events are parsed as they arrive. */
class Stream {
  readonly events: SseEvent[] = [];
  text = '';
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];
  status = 0;
  contentType = '';

  static async open(url: string, headers: Record<string, string>): Promise<Stream> {
    const s = new Stream();
    const res = await fetch(url, { headers, signal: s.abort.signal });
    s.status = res.status;
    s.contentType = res.headers.get('content-type') ?? '';
    if (res.ok && res.body) void s.pump(res.body.getReader());
    return s;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.text += decoder.decode(value, { stream: true });
        this.parse();
      }
    } catch {
      // aborted
    }
    this.ended = true;
    this.wake();
  }

  ended = false;
  private parsedUpTo = 0;

  private parse(): void {
    for (;;) {
      const end = this.text.indexOf('\n\n', this.parsedUpTo);
      if (end < 0) break;
      const block = this.text.slice(this.parsedUpTo, end);
      this.parsedUpTo = end + 2;
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        if (line.startsWith(':') || !line.includes(':')) continue;
        const at = line.indexOf(':');
        fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
      }
      const data = fields.get('data');
      if (data !== undefined) {
        this.events.push({
          event: fields.get('event') ?? 'message',
          id: fields.get('id') ?? '',
          data: JSON.parse(data) as Record<string, unknown>,
        });
      }
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when the predicate holds on what has arrived (the test timeout bounds the wait). */
  async until(predicate: (s: Stream) => boolean): Promise<void> {
    while (!predicate(this)) {
      if (this.ended) throw new Error(`stream ended; got ${this.text}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.abort.abort();
  }
}

describe('server-sent events stream fed by LISTEN/NOTIFY', () => {
  let t: OpsApi;
  const ruleId = newId('rul');
  const url = (q = ''): string => `${t.api.url}/api/v1/stream${q}`;

  beforeAll(async () => {
    t = await startOpsApi();
    await t.api.deps.pool.query(
      "insert into rules (id, name, action, severity, definition) values ($1, 'live', 'alert', 'high', '{}')",
      [ruleId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when alerts and batch jobs change and a payment notifies, then a viewer receives each as an event', async () => {
    // (A high alert is also a notification: see notifications.test.ts.)
    const s = await Stream.open(url('?kinds=payment,alert,batch_job,rule'), { 'x-test-role': 'viewer' });
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/event-stream/);
    await s.until((x) => x.text.includes(': connected'));
    const alertId = newId('alt');
    const pool = t.api.deps.pool;
    await pool.query(
      `insert into alerts (id, rule_id, payment_id, severity, title, dedupe_key) values ($1, $2, 'pay_1', 'high', 'Velocity', $1)`,
      [alertId, ruleId],
    );
    await pool.query("update alerts set status = 'acknowledged', version = version + 1 where id = $1", [
      alertId,
    ]);
    const jobId = newId('job');
    await pool.query("insert into batch_jobs (id, name, type) values ($1, 'j', 'backfill')", [jobId]);
    await pool.query("update batch_jobs set status = 'running', processed = 10, total = 100 where id = $1", [
      jobId,
    ]);
    await pool.query(
      `select pg_notify('payflow_payments', '{"id":"pay_1","type":"payment.captured","current_state":"captured","version":3}')`,
    );
    await s.until((x) => x.events.length >= 5);
    s.close();
    expect(s.events.map((e) => [e.event, e.data.type])).toEqual([
      ['alert', 'alert.created'],
      ['alert', 'alert.updated'],
      ['batch_job', 'batch_job.created'],
      ['batch_job', 'batch_job.updated'],
      ['payment', 'payment.captured'],
    ]);
    expect(s.events[1]?.data).toMatchObject({
      id: alertId,
      status: 'acknowledged',
      severity: 'high',
      version: 2,
    });
    expect(s.events[3]?.data).toMatchObject({ id: jobId, status: 'running', processed: 10, total: 100 });
    expect(s.events[4]?.data).toEqual({
      id: 'pay_1',
      type: 'payment.captured',
      current_state: 'captured',
      version: 3,
    });
    const ids = s.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('when two clients listen, then both get the change; a rolled-back change reaches nobody', async () => {
    const a = await Stream.open(url('?kinds=alert'), { 'x-test-role': 'viewer' });
    const b = await Stream.open(url('?kinds=alert,batch_job'), { 'x-test-role': 'operator' });
    await a.until((x) => x.text.includes(': connected'));
    await b.until((x) => x.text.includes(': connected'));
    const pool = t.api.deps.pool;
    const client = await pool.connect();
    const ghost = newId('alt');
    await client.query('begin');
    await client.query(
      `insert into alerts (id, severity, title, dedupe_key) values ($1, 'low', 'ghost', $1)`,
      [ghost],
    );
    await client.query('rollback');
    client.release();
    await pool.query("insert into batch_jobs (id, name, type) values ($1, 'k', 'export')", [newId('job')]);
    const real = newId('alt');
    await pool.query(`insert into alerts (id, severity, title, dedupe_key) values ($1, 'low', 'real', $1)`, [
      real,
    ]);
    await a.until((x) => x.events.length >= 1);
    await b.until((x) => x.events.length >= 2);
    a.close();
    b.close();
    // Only the committed alert; client a asked for alerts only, so the batch job is not in its stream.
    expect(a.events.map((e) => e.data.id)).toEqual([real]);
    expect(b.events.map((e) => e.event)).toEqual(['batch_job', 'alert']);
    expect(b.events[1]?.data.id).toBe(real);
  });

  it('when a rule is created through the API, then the stream carries a rule event after the commit', async () => {
    const s = await Stream.open(url('?kinds=rule'), { 'x-test-role': 'viewer' });
    await s.until((x) => x.text.includes(': connected'));
    const res = await t.call<{ id: string }>('POST', '/api/v1/rules', {
      role: 'admin',
      body: {
        name: 'streamed',
        rule_definition: {
          condition: { field: 'currency', op: 'eq', value: 'USD' },
          action: 'alert',
          severity: 'low',
        },
      },
    });
    expect(res.status).toBe(201);
    await s.until((x) => x.events.length >= 1);
    s.close();
    expect(s.events[0]).toMatchObject({
      event: 'rule',
      data: { type: 'rule.created', id: res.body.id, version: 1 },
    });
  });

  it('when anonymous or asking for an unknown kind, then 401 or 400 problem, not a stream', async () => {
    const anon = await Stream.open(url(), {});
    expect(anon.status).toBe(401);
    const bad = await Stream.open(url('?kinds=rumours'), { 'x-test-role': 'viewer' });
    expect(bad.status).toBe(400);
  });

  it('when the API shuts down with a stream open, then the stream ends and close completes', async () => {
    const other = await startOpsApi();
    const s = await Stream.open(`${other.api.url}/api/v1/stream`, { 'x-test-role': 'viewer' });
    await s.until((x) => x.text.includes(': connected'));
    await other.close();
    await s.until((x) => x.ended);
    expect(s.ended).toBe(true);
  });
});
