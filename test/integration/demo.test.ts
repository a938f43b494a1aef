// `npm start` in smoke mode: the demo starts its own services (embedded PostgreSQL and the SQS
// endpoint, no Redis, none of the configured ones) on free ports, the whole product on them,
// checks that the parts work together through what it prints, and stops; a second start keeps
// the data of the first, and nothing of either is left running.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase, testenv } from '../support/env.ts';

const START = join(import.meta.dirname, '..', '..', 'hack', 'demo', 'start.ts');
const DATA = mkdtempSync(join(tmpdir(), 'payflow-demo-test-'));
let child: ChildProcess | undefined;

afterAll(() => {
  // Only when the test failed before the demo stopped itself: SIGTERM stops it cleanly.
  if (child?.exitCode === null) child.kill('SIGTERM');
  rmSync(DATA, { recursive: true, force: true });
});

/** The caller's environment without any configured service: the demo must start its own. */
function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(DATABASE_URL|REDIS_URL|KUBECONFIG|SQS_|AWS_ENDPOINT)/.test(k),
    ),
  );
}

/** Processes whose command line names the demo folder (PostgreSQL, the SQS endpoint, etcd…). */
function leftOver(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(DATA));
}

async function runSmoke(
  services: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const proc = spawn(process.execPath, [START], {
    env: {
      ...bareEnv(),
      PAYFLOW_DEMO_SMOKE: '1',
      PAYFLOW_DEMO_API_PORT: '0',
      PAYFLOW_DEMO_DATA: DATA,
      ...services,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  proc.stdout.on('data', (b: Buffer) => (output += b.toString()));
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return { code, output };
}

describe('npm start (PAYFLOW_DEMO_SMOKE=1)', () => {
  it('when run in smoke mode, then it prints how to reach and use the product, passes every check and exits 0', async () => {
    const { code, output } = await runSmoke();
    expect(code, output).toBe(0);

    const api = /^API: +(http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
    expect(api, output).toBeDefined();
    expect(output).toContain(`OpenAPI:  ${api ?? ''}/api/v1/openapi.json`);
    expect(output).toMatch(/^Login: +admin@payflow\.local \/ payflow-demo /m);
    expect(output).toMatch(/^Token: +export TOKEN=[\w-]+\.[\w-]+\.[\w-]+$/m);
    expect(output).toMatch(/^API key: +pk_\S+ /m);
    expect(output).toContain(
      `curl -s -H "Authorization: Bearer $TOKEN" '${api ?? ''}/api/v1/transactions?limit=5'`,
    );
    expect(output).toMatch(/^ {2}api +http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(output).toMatch(/^ {2}worker +http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
    expect(output).toMatch(/^Data: +\d+ payments seeded/m);
    expect(output).toContain(`PostgreSQL 17 (embedded, new data in ${join(DATA, 'postgres')})`);
    expect(output).toContain(`(fauxqs, queues kept in ${join(DATA, 'sqs')})`);
    expect(output).toContain('no Redis (counters and caches in the processes)');
    expect(output).toMatch(
      /smoke: ok {2}the printed token is admin@payflow\.local \(admin\); the API lists \d+ payments/,
    );
    expect(output).toMatch(
      /smoke: ok {2}payment pay_\w+ moved pending -> authorized: event sent through POST \/api\/v1\/events/,
    );
    expect(output).toContain('smoke: ok  metrics served by api, worker');
    expect(output).toMatch(
      /smoke: ok {2}console served at http:\/\/127\.0\.0\.1:\d+\/ \(deep link \/payments/,
    );

    // Kubernetes runs wherever the integration project's own environment has it (Go and the
    // cached binaries are there): then the controller runs and the Rule check is not skipped.
    if (testenv().kube) {
      expect(output).toMatch(/^ {2}controller +http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
      expect(output).toMatch(/^ {2}export KUBECONFIG=\/\S+\/kubeconfig$/m);
      expect(output).toContain('hack/demo/apply.ts');
      expect(output).toMatch(
        /smoke: ok {2}Rule default\/high-value applied to the kube-apiserver is in the API's rules \(source kubernetes\)/,
      );
    } else {
      expect(output).toContain('smoke: skip  Kubernetes is not running');
    }
    // The operator tools found the running demo by its discovery file, which is gone once it stopped.
    expect(output).toMatch(
      /smoke: ok {2}payflow stack finds the local demo \(.*stack\.json, pid \d+\): PostgreSQL, SQS, API answer/,
    );
    expect(existsSync(join(DATA, 'stack.json'))).toBe(false);
    expect(output).toContain('smoke: passed');
    expect(output).toMatch(/PayFlow stopped\.\n$/);
    expect(leftOver()).toEqual([]);
  }, 300_000);

  it('when started again, then it keeps the data of the first start, seeds nothing and passes again', async () => {
    const { code, output } = await runSmoke();
    expect(code, output).toBe(0);
    expect(output).toContain(`PostgreSQL 17 (embedded, kept data in ${join(DATA, 'postgres')})`);
    expect(output).toContain('demo data kept from an earlier start');
    expect(output).not.toMatch(/seeded \d+ payments/);
    const listed = Number(/the API lists (\d+) payments/.exec(output)?.[1]);
    expect(listed).toBeGreaterThan(3000);
    expect(output).toContain('smoke: passed');
    expect(leftOver()).toEqual([]);
  }, 300_000);

  it('when real services are configured, then it uses them instead of starting its own, and passes', async () => {
    const env = testenv();
    const databaseUrl = await freshDatabase('demo');
    const { code, output } = await runSmoke({
      DATABASE_URL: databaseUrl,
      REDIS_URL: env.redis.url,
      SQS_ENDPOINT: env.sqs.endpoint,
      SQS_EVENTS_QUEUE_URL: env.sqs.queues.events,
      SQS_EVENTS_DLQ_URL: env.sqs.queues.eventsDlq,
      SQS_UPDATES_QUEUE_URL: env.sqs.queues.updates,
      SQS_UPDATES_DLQ_URL: env.sqs.queues.updatesDlq,
      PAYFLOW_DEMO_KUBE: '0',
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/PostgreSQL postgres:\/\/…@127\.0\.0\.1:\d+\/\w+ \(DATABASE_URL\)/);
    expect(output).toContain(`SQS ${env.sqs.endpoint} (SQS_ENDPOINT)`);
    expect(output).toContain(`Redis ${env.redis.url} (REDIS_URL)`);
    expect(output).not.toContain('embedded');
    expect(output).toMatch(/^Data: +\d+ payments seeded/m);
    expect(output).toContain('smoke: passed');
  }, 300_000);
});
