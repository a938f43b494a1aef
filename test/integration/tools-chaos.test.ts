import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../hack/testenv/index.ts';
import { startPostgres, type PostgresInstance } from '../../hack/testenv/postgres.ts';
import { freePort } from '../../hack/testenv/proc.ts';
import type { ChaosReport } from '../../hack/tools/chaos/run.ts';
import { testenv } from '../support/env.ts';
import { startToolsApi, type ToolsApi } from './tools-api-support.ts';
import { payflow as runPayflow } from './tools-support.ts';

// The chaos tool crash-restarts PostgreSQL in its green run, so it gets a server of its own (in a
// test-environment folder, the only kind it may restart): the shared one serves other test files.
describe('payflow chaos against the test environment', () => {
  const env = testenv();
  let pgi: PostgresInstance;
  let api: ToolsApi;
  let databaseUrl: string;
  let stackEnv: Record<string, string>;

  const pgDir = mkdtempSync(join(tmpdir(), 'payflow-testenv-chaos-'));

  beforeAll(async () => {
    // Durable: with synchronous_commit off a crash-restart loses the commits acknowledged last.
    pgi = await startPostgres(pgDir, { durable: true });
    databaseUrl = await createDatabase(pgi.url, 'chaos');
    api = await startToolsApi(databaseUrl, env.redis.url);
    stackEnv = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: env.redis.url,
      SQS_ENDPOINT: env.sqs.endpoint,
      AWS_REGION: env.sqs.region,
      PAYFLOW_API_URL: api.url,
      PAYFLOW_API_TOKEN: api.token,
    };
  });

  afterAll(async () => {
    await api.close();
    await pgi.service.stop();
    rmSync(pgDir, { recursive: true, force: true });
  });

  it('when the workers double-apply through the test-only fault hook, then the verdict is RED and names the doubled effects', async () => {
    const run = await runPayflow(
      [
        'chaos',
        '--faults',
        'kill,poison',
        '--kills',
        '1',
        '--payments',
        '30',
        '--poison',
        '5',
        '--fault-window',
        '3',
        '--timeout',
        '60',
      ],
      { ...stackEnv, NODE_ENV: 'test', PAYFLOW_WORKER_FAULT: 'double-apply' },
    );
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^VERDICT: RED/m);
    expect(run.stdout).toMatch(
      /^ {2}FAIL no effect doubled: [1-9]\d* events with more than one history or audit row/m,
    );
    // Everything else held: the fault doubles effects, it loses nothing.
    expect(run.stdout).toMatch(
      /^ {2}ok {3}every event sent applied or dead-lettered with a reason: (\d+)\/\1 events applied; 5\/5 poison/m,
    );
    expect(run.stdout).toMatch(/^ {2}ok {3}audit chain verifies/m);
    expect(run.stdout).toContain("note: the run's workers have PAYFLOW_WORKER_FAULT=double-apply");
    // A red run keeps its workers' logs for the operator; this test has read what it needs.
    const kept = /worker logs kept in (\S+)/.exec(run.stdout)?.[1];
    expect(kept).toMatch(/payflow-chaos-/);
    rmSync(kept ?? '', { recursive: true, force: true });
  }, 120_000);

  it('when the product runs every fault (kills, Redis and PostgreSQL restarts, latency, drops, poison, replay), then the verdict is GREEN with the figures', async () => {
    const run = await runPayflow(
      [
        'chaos',
        '--faults',
        'all',
        '--kills',
        '2',
        '--drops',
        '2',
        '--payments',
        '60',
        '--poison',
        '10',
        '--fault-window',
        '6',
        '--timeout',
        '90',
        '--json',
      ],
      stackEnv,
    );
    expect(run.code, run.stderr + run.stdout.slice(0, 4000)).toBe(0);
    const report = JSON.parse(run.stdout) as ChaosReport;
    expect(report.verdict).toBe('green');
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual([
      'every event sent applied or dead-lettered with a reason',
      'no effect doubled',
      "every payment's state is its events' outcome",
      'audit chain verifies',
      'API answered throughout',
      'every write the API acknowledged is there',
      'queue drained before the timeout',
    ]);
    const f = report.figures;
    expect(f.eventsSent).toBeGreaterThan(60);
    expect(f.eventsApplied).toBe(f.eventsSent);
    expect(f.poisonDeadLettered).toBe(10);
    expect(f.doubledEffects + f.versionMismatches + f.stateMismatches + f.auditProblems).toBe(0);
    expect(report.faults).toMatchObject({
      kills: 2,
      redisRestarts: 1,
      postgresRestarts: 1,
      connectionDrops: 2,
    });
    expect(report.sent.replayed).toBe(f.eventsSent);
    expect(report.workers).toMatchObject({ started: 2 + 2, killed: 2, exitedOnTheirOwn: 0 });
    expect(report.api.unanswered).toBe(0);
    expect(report.api.acknowledged.length).toBeGreaterThan(0);
    // The run cleaned up after itself: no workers of its own left, its queues deleted.
    expect(report.logDir).toBeUndefined();
  }, 150_000);

  it('when an argument is bad, then it exits 2 naming it', async () => {
    const bad = [
      [['--payments', '0'], '--payments'],
      [['--faults', 'kill,teleport'], 'unknown fault "teleport"'],
      [['--duplicates', '2'], '--duplicates'],
      [['--fault-window', '30', '--timeout', '20'], '--timeout'],
      [['--no-such-flag'], 'no-such-flag'],
    ] as const;
    for (const [args, named] of bad) {
      const run = await runPayflow(['chaos', ...args], stackEnv);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(named);
    }
  }, 120_000);

  it('when a target is not on loopback, then it refuses before doing anything (exit 2)', async () => {
    const run = await runPayflow(['chaos'], {
      ...stackEnv,
      DATABASE_URL: 'postgres://payflow@10.20.30.40:5432/payflow',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("DATABASE_URL points at 10.20.30.40, which is not this machine's loopback");
  });

  it('when the database acknowledges commits before they are durable, then postgres-restart is refused (exit 2)', async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query('alter database chaos set synchronous_commit = off');
      const run = await runPayflow(['chaos', '--faults', 'postgres-restart'], stackEnv);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(
        'postgres-restart: the server (or this database) has synchronous_commit=off',
      );
    } finally {
      await admin.query('alter database chaos reset synchronous_commit');
      await admin.end();
    }
  });

  it('when a service is unreachable, then it exits 3 naming the service', async () => {
    // A port nothing listens on.
    const port = String(await freePort());
    const noDb = await runPayflow(['chaos'], {
      ...stackEnv,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/chaos`,
    });
    expect(noDb.code).toBe(3);
    expect(noDb.stderr).toContain(
      `PostgreSQL at postgres://postgres@127.0.0.1:${port}/chaos is unreachable:`,
    );
    expect(noDb.stderr).toContain('ECONNREFUSED');
    const noSqs = await runPayflow(['chaos'], { ...stackEnv, SQS_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(noSqs.code).toBe(3);
    expect(noSqs.stderr).toContain(`SQS at http://127.0.0.1:${port} is unreachable:`);
    const noApi = await runPayflow(['chaos'], { ...stackEnv, PAYFLOW_API_URL: `http://127.0.0.1:${port}` });
    expect(noApi.code).toBe(3);
    expect(noApi.stderr).toContain(`API at http://127.0.0.1:${port} is unreachable: ECONNREFUSED`);
  });
});
