// manifests/compose/compose.yaml, checked as far as this machine allows (no Docker, no registry):
// its services and their wiring, every product variable against the process's own config schema,
// the image targets against the root Dockerfile, and its fauxqs init file run by the real fauxqs
// server entry (the npm package the SQS image is built from) and used through the queue URLs the
// processes are given. The images themselves run in images.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiConfigSchema } from '@payflow/api/config';
import { controllerConfigSchema } from '../../controller/src/config.ts';
import { canConnect, freePort, waitFor } from '../../hack/testenv/proc.ts';
import { createSqsClient } from '../../worker/src/sqs.ts';
import { workerConfigSchema } from '../../worker/src/config.ts';
import { newSigningKey } from '../support/auth.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'manifests', 'compose');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
}
interface ComposeFile {
  name: string;
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(DIR, 'compose.yaml'), 'utf8'), { merge: true }) as ComposeFile;
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name} in compose.yaml`);
  return s;
};

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`, from the given variables. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    if (v !== undefined && v !== '') return v;
    if (op === '-') return arg ?? '';
    if (op === '?') throw new Error(`required variable ${name}: ${arg ?? ''}`);
    return '';
  });
}

function environment(name: string, vars: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, interpolate(v, vars)]),
  );
}

const PRODUCT: Record<string, z.ZodObject> = { api: apiConfigSchema, worker: workerConfigSchema };

describe('manifests/compose/compose.yaml', () => {
  it('when read, then it has the backing services, the API and the worker, and no controller', () => {
    expect(compose.name).toBe('payflow');
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'mail',
      'postgres',
      'redis',
      'sqs',
      'worker',
    ]);
    // The controller-less mode: nothing in the file talks to Kubernetes.
    for (const [name, s] of Object.entries(compose.services)) {
      expect(Object.keys(s.environment ?? {}), name).not.toContain('KUBECONFIG');
      expect(s.build?.target, name).not.toBe('controller');
    }
  });

  it('when the product services are built, then each names a target of the root Dockerfile from the repository root', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]);
    expect(stages).toEqual(expect.arrayContaining(['api', 'worker', 'controller']));
    for (const name of Object.keys(PRODUCT)) {
      const build = service(name).build;
      expect(build, name).toBeDefined();
      expect(resolve(DIR, build?.context ?? ''), name).toBe(ROOT);
      expect(build?.dockerfile, name).toBe('Dockerfile');
      expect(stages, name).toContain(build?.target);
      expect(build?.target, name).toBe(name);
    }
  });

  it("when its variables meet each process's config schema, then every one is known and the whole parses", () => {
    const vars = { JWT_PRIVATE_KEY: newSigningKey() };
    for (const [name, schema] of Object.entries(PRODUCT)) {
      const env = environment(name, vars);
      const known = Object.keys(schema.shape);
      expect(
        Object.keys(env).filter((k) => !known.includes(k)),
        `${name}: variables its schema does not know`,
      ).toEqual([]);
      const parsed = schema.safeParse(env);
      expect(parsed.error?.issues ?? [], name).toEqual([]);
    }
    // A misspelled variable would be caught: the check above can fail.
    expect(Object.keys(apiConfigSchema.shape)).not.toContain('DATABASE_URI');
    // The controller's schema is not used here; its own variables appear nowhere.
    const controllerOnly = Object.keys(controllerConfigSchema.shape).filter(
      (k) => !(k in apiConfigSchema.shape) && !(k in workerConfigSchema.shape),
    );
    for (const name of Object.keys(PRODUCT))
      expect(
        Object.keys(environment(name, vars)).filter((k) => controllerOnly.includes(k)),
        name,
      ).toEqual([]);
  });

  it('when the signing key is not given, then interpolation stops with a message naming it', () => {
    expect(() => environment('api', {})).toThrow(/required variable JWT_PRIVATE_KEY: set JWT_PRIVATE_KEY/);
  });

  it('when the services address each other, then every host named is a service of the file', () => {
    const vars = { JWT_PRIVATE_KEY: 'x' };
    const hosts = Object.keys(PRODUCT).flatMap((name) =>
      Object.values(environment(name, vars))
        .filter((v) => /^[a-z]+:\/\//.test(v))
        .map((v) => new URL(v).hostname)
        .filter((h) => h !== 'localhost'),
    );
    expect(hosts.length).toBeGreaterThan(5);
    for (const h of hosts) expect(Object.keys(compose.services)).toContain(h);
    const db = new URL(environment('api', vars).DATABASE_URL ?? '');
    const pg = service('postgres').environment ?? {};
    expect([db.username, db.password, db.pathname.slice(1)]).toEqual([
      pg.POSTGRES_USER,
      pg.POSTGRES_PASSWORD,
      pg.POSTGRES_DB,
    ]);
  });

  it('when it starts, then the API waits for healthy backing services, the worker for the migrated API', () => {
    expect(service('api').depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      sqs: { condition: 'service_healthy' },
    });
    expect(service('worker').depends_on).toMatchObject({ api: { condition: 'service_healthy' } });
    for (const name of ['postgres', 'redis']) expect(service(name), name).toHaveProperty('healthcheck');
  });

  it('when the product services run, then they run as a restricted pod would and publish on loopback only', () => {
    for (const name of Object.keys(PRODUCT)) {
      const s = service(name);
      expect(s.read_only, name).toBe(true);
      expect(s.tmpfs, name).toEqual(['/tmp']);
      expect(s.cap_drop, name).toEqual(['ALL']);
      expect(s.security_opt, name).toContain('no-new-privileges:true');
    }
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(published.sort()).toEqual(['127.0.0.1:8025:8025', '127.0.0.1:8080:8080']);
  });

  it('when the SQS image is pinned, then it is the fauxqs version the tests run', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string }>;
    };
    const version = lock.packages['node_modules/fauxqs']?.version;
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(service('sqs').image).toBe(`docker.io/kibertoad/fauxqs:${version ?? ''}`);
  });
});

describe('the compose file’s SQS endpoint, run by the real fauxqs server with its init file', () => {
  let server: ChildProcess;
  let client: SQSClient;
  let output = '';
  const env = environment('worker', {});

  beforeAll(async () => {
    const port = await freePort();
    const mount = (service('sqs').volumes ?? []).map((v) => v.split(':'));
    const initTarget = service('sqs').environment?.FAUXQS_INIT;
    const initSource = mount.find(([, target]) => target === initTarget)?.[0];
    expect(initSource, 'the init file is mounted where FAUXQS_INIT points').toBeDefined();
    server = spawn(process.execPath, [join(ROOT, 'node_modules', 'fauxqs', 'dist', 'server.js')], {
      env: {
        ...process.env,
        ...service('sqs').environment,
        FAUXQS_INIT: resolve(DIR, initSource ?? ''),
        FAUXQS_PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    server.stderr?.on('data', (b: Buffer) => (output += b.toString()));
    await waitFor('fauxqs', async () => canConnect(port), { timeoutMs: 30_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}\n${output}`, { cause: err });
    });
    // The processes' own client, pointed at this server instead of http://sqs:4566.
    client = createSqsClient({ region: env.AWS_REGION ?? '', endpoint: `http://127.0.0.1:${String(port)}` });
  });
  afterAll(async () => {
    client.destroy();
    if (server.exitCode === null) {
      server.kill('SIGTERM');
      await once(server, 'exit');
    }
  });

  async function attributes(url: string): Promise<Record<string, string>> {
    const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    return out.Attributes ?? {};
  }

  it('when the processes use their queue URLs, then each queue exists with its redrive policy to its dead-letter queue', async () => {
    const events = await attributes(env.SQS_EVENTS_QUEUE_URL ?? '');
    const dlq = await attributes(env.SQS_EVENTS_DLQ_URL ?? '');
    expect(JSON.parse(events.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: 5,
    });
    expect(events.VisibilityTimeout).toBe('30');
    const updatesUrl = env.SQS_UPDATES_QUEUE_URL ?? '';
    const updates = await attributes(updatesUrl);
    const updatesDlq = await attributes(`${updatesUrl}-dlq`);
    expect(JSON.parse(updates.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: updatesDlq.QueueArn,
      maxReceiveCount: 5,
    });
  });

  it('when a message is sent to the events queue URL, then it is received from it', async () => {
    const url = env.SQS_EVENTS_QUEUE_URL ?? '';
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"probe":true}' }));
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    expect(got.Messages?.map((m) => m.Body)).toEqual(['{"probe":true}']);
  });
});
