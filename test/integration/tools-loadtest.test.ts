import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../hack/testenv/proc.ts';
import { fmt, type LoadReport } from '../../hack/tools/loadtest/report.ts';
import { migratedDatabase, testenv } from '../support/env.ts';
import { startToolsApi, type ToolsApi } from './tools-api-support.ts';
import { payflow as runPayflow } from './tools-support.ts';
import { createTestQueues, exited, spawnWorker, sqs, type TestQueues } from './worker-support.ts';

/** The printed table's row of an operation, by its label: the cells after the label. */
function row(stdout: string, label: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `));
  if (!line) throw new Error(`no row for ${label} in:\n${stdout}`);
  return line.slice(label.length).trim().split(/\s+/);
}

describe('payflow loadtest against the test environment', () => {
  const env = testenv();
  const client = sqs(env.sqs.endpoint, env.sqs.region);
  const dir = mkdtempSync(join(tmpdir(), 'payflow-loadtest-'));
  let api: ToolsApi;
  let queues: TestQueues;
  let worker: ChildProcess;
  let databaseUrl: string;
  let stackEnv: Record<string, string>;

  beforeAll(async () => {
    databaseUrl = await migratedDatabase('loadtest');
    api = await startToolsApi(databaseUrl, env.redis.url);
    queues = await createTestQueues(client);
    worker = spawnWorker({
      databaseUrl,
      redisUrl: env.redis.url,
      endpoint: env.sqs.endpoint,
      region: env.sqs.region,
      queues,
    });
    stackEnv = {
      DATABASE_URL: databaseUrl,
      SQS_ENDPOINT: env.sqs.endpoint,
      AWS_REGION: env.sqs.region,
      SQS_EVENTS_QUEUE_URL: queues.events,
      PAYFLOW_API_URL: api.url,
      PAYFLOW_API_TOKEN: api.token,
    };
  });

  afterAll(async () => {
    worker.kill('SIGTERM');
    await exited(worker);
    await api.close();
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  let report: LoadReport;

  it('when a profile file drives the API and the queue, then the JSON report holds the figures it printed', async () => {
    const profile = join(dir, 'profile.yaml');
    writeFileSync(
      profile,
      [
        'mode: rate',
        'rate: 40',
        'connections: 4',
        'durationSeconds: 3',
        'mix: { create: 1, get: 1, list: 1, events: 1 }',
        'duplicates: 0.1',
        'reorder: 0.2',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'report.json');
    const run = await runPayflow(
      ['loadtest', '--profile', profile, '--duration', '2', '--apply-wait', '30', '--out', out],
      stackEnv,
    );
    expect(run.code, run.stderr).toBe(0);
    report = JSON.parse(readFileSync(out, 'utf8')) as LoadReport;
    expect(report.profile).toMatchObject({
      mode: 'rate',
      rate: 40,
      durationSeconds: 2,
      duplicates: 0.1,
      reorder: 0.2,
    });
    expect(report.operations.map((o) => o.name)).toEqual(['create', 'get', 'list', 'events']);
    for (const o of report.operations) {
      expect(row(run.stdout, o.label)).toEqual([
        String(o.requests),
        fmt.rate(o.throughputPerSecond),
        fmt.ms(o.latencyMs.p50),
        fmt.ms(o.latencyMs.p90),
        fmt.ms(o.latencyMs.p99),
        fmt.ms(o.latencyMs.max),
        String(o.non2xx),
        String(o.errors + o.timeouts),
      ]);
      expect(o.requests).toBeGreaterThan(0);
      expect(o.non2xx + o.errors + o.timeouts).toBe(0);
    }
    expect(row(run.stdout, 'total').slice(0, 2)).toEqual([
      String(report.totals.requests),
      fmt.rate(report.totals.throughputPerSecond),
    ]);
    const events = report.operations.find((o) => o.name === 'events');
    // Every event sent once or more took effect: the worker applied each (duplicates and reordering included).
    expect(events?.applied?.applied).toBe(events?.applied?.events);
    expect(events?.applied?.events).toBeGreaterThan(0);
    expect(run.stdout).toContain(
      `applied ${String(events?.applied?.applied)}/${String(events?.applied?.events)} (rejected 0)`,
    );
    const create = report.operations.find((o) => o.name === 'create');
    expect(run.stdout).toContain(`create: status 201×${String(create?.statusCodes['201'])}`);
  }, 120_000);

  it('when two reports are compared, then each ratio is the second figure divided by the first', async () => {
    const faster: LoadReport = {
      ...report,
      runId: 'faster',
      operations: report.operations.map((o) => ({
        ...o,
        throughputPerSecond: o.throughputPerSecond * 2,
        latencyMs: { ...o.latencyMs, p50: o.latencyMs.p50 / 4, p99: o.latencyMs.p99 * 1.5 },
        errors: o.name === 'get' ? 3 : o.errors,
      })),
    };
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(report));
    writeFileSync(b, JSON.stringify(faster));
    const json = await runPayflow(['loadtest', '--compare', a, b, '--json'], {});
    expect(json.code, json.stderr).toBe(0);
    const c = JSON.parse(json.stdout) as {
      changes: {
        operation: string;
        throughput: number;
        p50: number;
        p90: number;
        p99: number;
        errors: { before: number; after: number };
      }[];
    };
    expect(c.changes.map((x) => x.operation)).toEqual(['create', 'get', 'list', 'events']);
    for (const x of c.changes) {
      expect(x.throughput).toBeCloseTo(2, 9);
      expect(x.p50).toBeCloseTo(0.25, 9);
      expect(x.p90).toBeCloseTo(1, 9);
      expect(x.p99).toBeCloseTo(1.5, 9);
    }
    expect(c.changes.find((x) => x.operation === 'get')?.errors).toEqual({ before: 0, after: 3 });
    const text = await runPayflow(['loadtest', '--compare', a, b], {});
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^create\s+2\.00\s+0\.25\s+1\.00\s+1\.50\s+0 → 0$/m);
    expect(text.stdout).toMatch(/^get\s+2\.00\s+0\.25\s+1\.00\s+1\.50\s+0 → 3$/m);
  }, 60_000);

  it('when an argument is bad, then it exits 2 naming it', async () => {
    const missing = join(dir, 'missing.yaml');
    const notReport = join(dir, 'not-a-report.json');
    writeFileSync(notReport, '{"tool":"something else"}');
    const bad = [
      [['--duration', '0'], '--duration'],
      [['--duration', '601'], '--duration'],
      [['--rate', 'fast'], '--rate'],
      [['--mix', 'create=1,teleport=2'], 'unknown operation "teleport"'],
      [['--mode', 'burst'], '--mode'],
      [['--profile', missing], `cannot read ${missing}`],
      [['--compare', notReport], '--compare takes two report files'],
      [['--compare', notReport, notReport], 'not a loadtest report'],
      [['--bogus'], 'bogus'],
    ] as const;
    for (const [args, named] of bad) {
      const run = await runPayflow(['loadtest', ...args], stackEnv);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(named);
    }
  }, 60_000);

  it('when a service is unreachable, then it exits 3 naming the service', async () => {
    // A port nothing listens on.
    const port = String(await freePort());
    const noApi = await runPayflow(['loadtest', '--duration', '1'], {
      ...stackEnv,
      PAYFLOW_API_URL: `http://127.0.0.1:${port}`,
    });
    expect(noApi.code).toBe(3);
    expect(noApi.stderr).toContain(`API at http://127.0.0.1:${port} is unreachable: ECONNREFUSED`);
    const noSqs = await runPayflow(['loadtest', '--duration', '1'], {
      ...stackEnv,
      SQS_ENDPOINT: `http://127.0.0.1:${port}`,
    });
    expect(noSqs.code).toBe(3);
    expect(noSqs.stderr).toContain(`SQS at http://127.0.0.1:${port} is unreachable: ECONNREFUSED`);
    const noDb = await runPayflow(['loadtest', '--duration', '1'], {
      ...stackEnv,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x`,
    });
    expect(noDb.code).toBe(3);
    expect(noDb.stderr).toContain(`PostgreSQL at postgres://postgres@127.0.0.1:${port}/x is unreachable:`);
  }, 60_000);
});
