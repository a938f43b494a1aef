import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { startOpsApi, type OpsApi } from '../support/ops-api.ts';

interface Item {
  id: string;
  kind: string;
  severity: string;
  title: string;
  body: string;
  object_type: string;
  object_id: string;
  link: string;
  read: boolean;
}
interface List {
  items: Item[];
  unread_count: number;
  enabled: boolean;
}

describe('notifications: written by triggers, read and unread per user', () => {
  let t: OpsApi;
  const ruleId = newId('rul');
  const ana = 'usr_ntf_ana';
  const ben = 'usr_ntf_ben';
  const list = async (user: string, q = ''): Promise<List> => {
    const r = await t.call<List>('GET', `/api/v1/notifications${q}`, { role: 'viewer', user });
    expect(r.status).toBe(200);
    return r.body;
  };
  const alert = async (severity: string): Promise<string> => {
    const id = newId('alt');
    await t.api.deps.pool.query(
      `insert into alerts (id, rule_id, payment_id, severity, title, dedupe_key)
       values ($1, $2, 'pay_ntf', $3, 'Velocity', $1)`,
      [id, ruleId, severity],
    );
    return id;
  };

  beforeAll(async () => {
    t = await startOpsApi();
    const pool = t.api.deps.pool;
    await pool.query(
      `insert into users (id, email, role) values ($1, 'ana@example.test', 'viewer'), ($2, 'ben@example.test', 'operator')`,
      [ana, ben],
    );
    await pool.query(
      "insert into rules (id, name, action, severity, definition) values ($1, 'live', 'alert', 'high', '{}')",
      [ruleId],
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('when a critical and a low alert are raised, then only the critical one is a notification, unread, linking to the alert', async () => {
    const critical = await alert('critical');
    await alert('low');
    const l = await list(ana);
    expect(l.enabled).toBe(true);
    expect(l.items).toHaveLength(1);
    expect(l.items[0]).toMatchObject({
      kind: 'alert',
      severity: 'critical',
      title: 'New critical alert: Velocity',
      body: 'Payment pay_ntf',
      object_type: 'alert',
      object_id: critical,
      link: `/alerts/${critical}`,
      read: false,
    });
    expect(l.unread_count).toBe(1);
  });

  it('when one user marks a notification read, then it is read for that user only, and can be unread again', async () => {
    const id = (await list(ana)).items[0]?.id ?? '';
    const r = await t.call<Item>('PATCH', `/api/v1/notifications/${id}`, {
      role: 'viewer',
      user: ana,
      body: { read: true },
    });
    expect(r.status).toBe(200);
    expect(r.body.read).toBe(true);
    expect((await list(ana)).unread_count).toBe(0);
    expect((await list(ben)).unread_count).toBe(1);
    expect((await list(ana, '?unread=true')).items).toEqual([]);
    const again = await t.call<Item>('PATCH', `/api/v1/notifications/${id}`, {
      role: 'viewer',
      user: ana,
      body: { read: false },
    });
    expect(again.body.read).toBe(false);
    expect((await list(ana)).unread_count).toBe(1);
  });

  it('when a user marks all read and then one unread, then only that one is unread', async () => {
    await alert('high');
    await alert('high');
    expect((await list(ben)).unread_count).toBe(3);
    const all = await t.call<{ unread_count: number }>('POST', '/api/v1/notifications/read', {
      role: 'operator',
      user: ben,
      body: {},
    });
    expect(all.body).toEqual({ unread_count: 0 });
    const items = (await list(ben)).items;
    expect(items.every((i) => i.read)).toBe(true);
    const middle = items[1]?.id ?? '';
    await t.call('PATCH', `/api/v1/notifications/${middle}`, {
      role: 'operator',
      user: ben,
      body: { read: false },
    });
    const after = await list(ben);
    expect(after.items.map((i) => i.read)).toEqual([true, false, true]);
    expect(after.unread_count).toBe(1);
    // A notification raised after "mark all read" is unread.
    await alert('critical');
    expect((await list(ben)).unread_count).toBe(2);
  });

  it('when a batch job fails and another succeeds, then each is a notification linking to its job', async () => {
    const pool = t.api.deps.pool;
    const failed = newId('job');
    const done = newId('job');
    await pool.query(
      `insert into batch_jobs (id, name, type) values ($1, 'nightly replay', 'replay'), ($2, 'march export', 'export')`,
      [failed, done],
    );
    await pool.query("update batch_jobs set status = 'running' where id in ($1, $2)", [failed, done]);
    await pool.query("update batch_jobs set status = 'failed', error = 'queue unreachable' where id = $1", [
      failed,
    ]);
    await pool.query("update batch_jobs set status = 'succeeded', processed = 12 where id = $1", [done]);
    const jobs = (await list(ana)).items.filter((i) => i.kind === 'batch_job');
    expect(jobs).toEqual([
      expect.objectContaining({
        severity: 'success',
        title: 'Batch job march export finished',
        body: '12 processed, 0 failed',
        link: `/batch-jobs/${done}`,
      }),
      expect.objectContaining({
        severity: 'high',
        title: 'Batch job nightly replay failed',
        body: 'queue unreachable',
        link: `/batch-jobs/${failed}`,
      }),
    ]);
  });

  it('when a pool’s dead-letter queue grows and it scales to its maximum, then each is told once', async () => {
    const pool = t.api.deps.pool;
    await pool.query(
      `insert into worker_pools (namespace, name, uid, spec) values ('payflow', 'events', 'u1', '{"maxReplicas": 3}')`,
    );
    const sample = (secondsAgo: number, dlq: number, desired: number) =>
      pool.query(
        `insert into worker_pool_samples (namespace, name, at, backlog, dead_letter, desired, ready)
         values ('payflow', 'events', now() - make_interval(secs => $1), 40, $2, $3, $3)`,
        [secondsAgo, dlq, desired],
      );
    await sample(30, 0, 1);
    await sample(20, 5, 3);
    await sample(10, 9, 3);
    const ops = (await list(ana)).items.filter((i) => i.object_type === 'worker_pool');
    expect(ops.map((i) => [i.kind, i.title, i.body])).toEqual([
      ['worker_pool', 'Worker pool events is at its maximum', '3 of 3 replicas; backlog 40'],
      ['dlq', 'Dead-letter queue of events is growing', '5 messages, up from 0'],
    ]);
  });

  it('when the user turned notifications off, then the list says so', async () => {
    await t.api.deps.pool.query(
      'insert into user_preferences (user_id, notifications_enabled) values ($1, false)',
      [ana],
    );
    expect((await list(ana)).enabled).toBe(false);
  });

  it('when the input is bad or the caller is no user, then 4xx problems name the field', async () => {
    const bad = await t.call<{ errors: { field: string }[] }>('PATCH', '/api/v1/notifications/abc', {
      role: 'viewer',
      user: ana,
      body: { read: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]?.field).toBe('notificationId');
    const body = await t.call<{ errors: { field: string }[] }>('PATCH', '/api/v1/notifications/1', {
      role: 'viewer',
      user: ana,
      body: { read: 'yes' },
    });
    expect(body.status).toBe(400);
    expect(body.body.errors[0]?.field).toBe('read');
    const q = await t.call<{ errors: { field: string }[] }>('GET', '/api/v1/notifications?unread=maybe', {
      role: 'viewer',
      user: ana,
    });
    expect(q.status).toBe(400);
    expect(q.body.errors[0]?.field).toBe('unread');
    const missing = await t.call('PATCH', '/api/v1/notifications/999999', {
      role: 'viewer',
      user: ana,
      body: { read: true },
    });
    expect(missing.status).toBe(404);
    const key = await t.call('GET', '/api/v1/notifications', {
      role: 'viewer',
      headers: { 'x-test-kind': 'api_key' },
    });
    expect(key.status).toBe(403);
    expect((await t.call('GET', '/api/v1/notifications')).status).toBe(401);
  });

  it('when a notification is written, then the stream carries it', async () => {
    const res = await fetch(`${t.api.url}/api/v1/stream?kinds=notification`, {
      headers: { 'x-test-role': 'viewer' },
    });
    const reader = res.body?.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const read = async (until: string): Promise<void> => {
      while (!text.includes(until)) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) throw new Error(`stream ended: ${text}`);
        text += chunk.value;
      }
    };
    await read(': connected');
    const id = await alert('critical');
    await read('event: notification');
    await reader?.cancel();
    expect(text).toContain('"type":"notification.created"');
    expect(text).toContain(`"link":"/alerts/${id}"`);
  });
});
