// payflow backfill against a real PostgreSQL: seeded gaps of each kind (payments without
// payment.created, state changes without audit rows, payments missing merchant attributes);
// the dry run changes nothing, a run stopped after one chunk resumes from its checkpoint and
// fixes exactly the seeded gaps, a second run is a no-op, the audit chain verifies throughout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { insertPayment as storePayment } from '@payflow/api/payments';
import { createPool, withTransaction } from '@payflow/api/store';
import { migratedDatabase } from '../support/env.ts';
import { insertHistory, insertPayment, json, payflow } from './tools-support.ts';

interface BackfillReport {
  mode: string;
  complete: boolean;
  interrupted: boolean;
  resumed_after: { at: string; id: string } | null;
  checkpoint: string | null;
  counts: {
    payments: number;
    createdEvents: number;
    auditRows: number;
    merchantPayments: number;
    merchantAttributes: number;
    conflicts: number;
  };
  audit_verified: boolean | null;
}

describe('payflow backfill', () => {
  let url: string;
  let db: ReturnType<typeof createPool>;
  let stackEnv: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'payflow-backfill-'));
  const file = join(dir, 'merchants.csv');
  const checkpoint = join(dir, 'checkpoint.json');
  const ids = { a1: '', a2: '', a3: '', a4: '', b1: '', b2: '' };

  const viaApi = async (merchant: string, metadata: Record<string, unknown> = {}): Promise<string> =>
    withTransaction(db, async (tx) => {
      const p = await storePayment(
        tx,
        { merchantId: merchant, payerId: 'payer_1', amountMinor: 2500n, currency: 'USD', metadata },
        { source: 'api', actor: { actorType: 'user', actorId: 'usr_test' } },
      );
      return p.id;
    });

  const snapshot = async (): Promise<unknown> => {
    const { rows } = await db.query(
      `select (select count(*)::int from payment_events) as events, (select count(*)::int from audit_log) as audit,
              (select md5(string_agg(id || metadata::text, ',' order by id)) from payments) as metadata`,
    );
    return rows[0];
  };

  beforeAll(async () => {
    url = await migratedDatabase('backfill');
    db = createPool({ url, max: 2 });
    stackEnv = { DATABASE_URL: url };
    ids.a1 = await viaApi('MERC-A');
    ids.a2 = await viaApi('MERC-A', { merchant: { name: 'Acme' } });
    ids.a3 = newId('pay');
    await insertPayment(db, { id: ids.a3, merchant: 'MERC-A', amountMinor: 700n, currency: 'USD' });
    await db.query(`update payments set metadata = '{"merchant":{"name":"Other"}}' where id = $1`, [ids.a3]);
    ids.a4 = newId('pay');
    await insertPayment(db, {
      id: ids.a4,
      merchant: 'MERC-A',
      amountMinor: 900n,
      currency: 'USD',
      state: 'captured',
    });
    ids.b1 = await viaApi('MERC-B');
    ids.b2 = newId('pay');
    await insertPayment(db, { id: ids.b2, merchant: 'MERC-B', amountMinor: 100n, currency: 'EUR' });
    const at = new Date(Date.now() - 60_000);
    await db.query("update payments set current_state = 'authorized' where id = $1", [ids.a1]);
    await insertHistory(db, [
      {
        event_id: newId('evt'),
        payment_id: ids.a1,
        type: 'payment.authorized',
        from: 'pending',
        to: 'authorized',
        occurredAt: at,
      },
      {
        event_id: newId('evt'),
        payment_id: ids.a4,
        type: 'payment.authorized',
        from: 'pending',
        to: 'authorized',
        occurredAt: at,
      },
      {
        event_id: newId('evt'),
        payment_id: ids.a4,
        type: 'payment.captured',
        from: 'authorized',
        to: 'captured',
        occurredAt: at,
      },
    ]);
    writeFileSync(file, 'merchant_id,name,mcc\nMERC-A,Acme,5411\n');
  });

  afterAll(async () => {
    await db.end();
  });

  it('when run without --apply, then it reports exactly the seeded gaps and writes nothing', async () => {
    const before = await snapshot();
    const run = await payflow(['backfill', '--merchants-file', file, '--json'], stackEnv);
    expect(run.code, run.stderr).toBe(0);
    const r = json<BackfillReport>(run);
    expect(r.mode).toBe('dry-run');
    expect(r.counts).toMatchObject({
      payments: 6,
      createdEvents: 3,
      auditRows: 3,
      merchantPayments: 4,
      merchantAttributes: 6,
      conflicts: 1,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('when a run stops after one chunk, then the next resumes from its checkpoint and the two fix exactly the seeded gaps', async () => {
    const first = await payflow(
      [
        'backfill',
        '--apply',
        '--merchants-file',
        file,
        '--chunk-size',
        '2',
        '--max-chunks',
        '1',
        '--checkpoint',
        checkpoint,
        '--json',
      ],
      stackEnv,
    );
    expect(first.code, first.stderr).toBe(0);
    const r1 = json<BackfillReport>(first);
    expect(r1.complete).toBe(false);
    // The first chunk is a1 and a2: one audit gap (a1's authorization), two merchant gaps.
    expect(r1.counts).toMatchObject({ payments: 2, createdEvents: 0, auditRows: 1, merchantPayments: 2 });
    const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { after: { id: string } };
    expect(saved.after.id).toBe(ids.a2);

    const second = await payflow(
      [
        'backfill',
        '--apply',
        '--merchants-file',
        file,
        '--chunk-size',
        '2',
        '--checkpoint',
        checkpoint,
        '--json',
      ],
      stackEnv,
    );
    expect(second.code, second.stderr).toBe(0);
    const r2 = json<BackfillReport>(second);
    expect(r2.resumed_after?.id).toBe(ids.a2);
    expect(r2.complete).toBe(true);
    expect(r2.counts).toMatchObject({
      payments: 6,
      createdEvents: 3,
      auditRows: 3,
      merchantPayments: 4,
      merchantAttributes: 6,
      conflicts: 1,
    });
    expect(r2.audit_verified).toBe(true);
    expect(existsSync(checkpoint)).toBe(false);

    // Independently of the tool's report: no gap is left, and only the seeded ones were filled.
    const left = await db.query<{ no_created: number; no_audit: number }>(
      `select (select count(*)::int from payments p where not exists
                 (select 1 from payment_events e where e.payment_id = p.id and e.type = 'payment.created')) as no_created,
              (select count(*)::int from payment_events e where not exists
                 (select 1 from audit_log a where a.resource_type = 'payment' and a.resource_id = e.payment_id
                    and a.event_id = e.event_id)) as no_audit`,
    );
    expect(left.rows[0]).toEqual({ no_created: 0, no_audit: 0 });
    const created = await db.query<{ payment_id: string }>(
      "select payment_id from payment_events where source = 'batch' and type = 'payment.created' order by payment_id",
    );
    expect(created.rows.map((r) => r.payment_id)).toEqual([ids.a3, ids.a4, ids.b2].sort());
    const meta = await db.query<{ id: string; merchant: Record<string, string> | null }>(
      "select id, metadata->'merchant' as merchant from payments order by id",
    );
    const byId = Object.fromEntries(meta.rows.map((r) => [r.id, r.merchant]));
    expect(byId[ids.a1]).toEqual({ name: 'Acme', mcc: '5411' });
    expect(byId[ids.a2]).toEqual({ name: 'Acme', mcc: '5411' });
    expect(byId[ids.a3]).toEqual({ name: 'Other', mcc: '5411' });
    expect(byId[ids.a4]).toEqual({ name: 'Acme', mcc: '5411' });
    expect(byId[ids.b1]).toBeNull();
    expect(byId[ids.b2]).toBeNull();
    const audit = await db.query<{ action: string; n: number }>(
      "select action, count(*)::int as n from audit_log where actor_type = 'system' and actor_id = 'payflow-backfill' group by action order by action",
    );
    expect(audit.rows).toEqual([
      { action: 'payment.audit_backfilled', n: 3 },
      { action: 'payment.event_backfilled', n: 3 },
      { action: 'payment.merchant_attributes_backfilled', n: 4 },
    ]);
    const verify = await db.query<{ ok: boolean }>(
      'select bool_and(first_bad_id is null and problem is null) as ok from audit_verify()',
    );
    expect(verify.rows[0]?.ok).toBe(true);
  });

  it('when run again, then nothing is left to do and nothing is written', async () => {
    const before = await snapshot();
    const run = await payflow(['backfill', '--apply', '--merchants-file', file, '--json'], stackEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(json<BackfillReport>(run).counts).toMatchObject({
      payments: 6,
      createdEvents: 0,
      auditRows: 0,
      merchantPayments: 0,
      conflicts: 1,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('when a run is interrupted with Ctrl-C, then it stops after a committed chunk (exit 130) and the next run resumes from there', async () => {
    // 300 more payments, each with one state change recorded without an audit row.
    const more = Array.from({ length: 300 }, () => newId('pay'));
    for (const id of more)
      await insertPayment(db, { id, merchant: 'MERC-C', amountMinor: 10n, currency: 'USD' });
    await insertHistory(
      db,
      more.map((id) => ({
        event_id: newId('evt'),
        payment_id: id,
        type: 'payment.created',
        from: null,
        to: 'pending',
        occurredAt: new Date(),
      })),
    );
    const cp = join(dir, 'interrupted.json');
    const args = [
      'backfill',
      '--apply',
      '--only',
      'audit',
      '--merchant',
      'MERC-C',
      '--chunk-size',
      '1',
      '--checkpoint',
      cp,
      '--json',
    ];
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', '..', 'hack', 'tools', 'payflow.ts'), ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          PAYFLOW_DEMO_DATA: dir,
          ...stackEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', () => undefined);
    // Once the first chunk is committed (its checkpoint written), Ctrl-C.
    while (!existsSync(cp)) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(130);
    const first = JSON.parse(stdout) as BackfillReport;
    expect(first.interrupted).toBe(true);
    expect(first.counts.auditRows).toBeGreaterThan(0);
    expect(first.counts.auditRows).toBeLessThan(300);
    const saved = JSON.parse(readFileSync(cp, 'utf8')) as { counts: { auditRows: number } };
    expect(saved.counts.auditRows).toBe(first.counts.auditRows);
    const done = await db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where action = 'payment.audit_backfilled' and resource_id = any($1)",
      [more],
    );
    expect(done.rows[0]?.n).toBe(first.counts.auditRows);

    const rest = await payflow(args, stackEnv);
    expect(rest.code, rest.stderr).toBe(0);
    const second = json<BackfillReport>(rest);
    expect(second.resumed_after).not.toBeNull();
    expect(second.complete).toBe(true);
    expect(second.counts.auditRows).toBe(300);
    const all = await db.query<{ n: number; d: number }>(
      "select count(*)::int as n, count(distinct event_id)::int as d from audit_log where action = 'payment.audit_backfilled' and resource_id = any($1)",
      [more],
    );
    expect(all.rows[0]).toEqual({ n: 300, d: 300 });
  });

  it('when the attributes file or the flags are wrong, then exit 2 naming the problem', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'merchant_id,Name\nMERC-A,x\n');
    const r1 = await payflow(['backfill', '--merchants-file', bad], stackEnv);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--merchants-file .*bad\.csv: line 1: attribute name 'Name'/);
    const r2 = await payflow(['backfill', '--only', 'merchant'], stackEnv);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--only merchant needs --merchants-file/);
    const r3 = await payflow(['backfill', '--apply', '--dry-run'], stackEnv);
    expect(r3.code).toBe(2);
  });
});
