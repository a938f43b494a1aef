// The images of the root Dockerfile, built with podman (hack/images/build.ts) and run the way a
// restricted Kubernetes pod runs them: read-only root filesystem with a tmpfs /tmp, the image's
// own numeric non-root user, all capabilities dropped, no privilege escalation; host network,
// against the test environment's PostgreSQL, Redis, SQS endpoint and kube-apiserver.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '@payflow/api/domain';
import { createPool } from '@payflow/api/store';
import { hashPassword } from '../../api/src/auth/passwords.ts';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { RuleObject } from '../../controller/src/reconcilers/rule.ts';
import { GVR, KubeClient } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  uniqueName,
} from '../../controller/src/testing/harness.ts';
import { consoleScripts } from '../../hack/demo/smoke.ts';
import { buildImages, COMPONENTS, ROOT, type BuildResult, type Component } from '../../hack/images/build.ts';
import { podman, ulimitFlags } from '../../hack/images/podman.ts';
import { freePort } from '../../hack/testenv/proc.ts';
import { newSigningKey } from '../support/auth.ts';
import { migratedDatabase, testenv, testKube } from '../support/env.ts';
import { createTestQueues, event, insertPayments, sqs, type pg, type TestQueues } from './worker-support.ts';

const STARTUP_MS = 120_000;
const TEST_MS = 300_000;
const RUN_ID = newId('evt').slice(-8).toLowerCase();
const started: string[] = [];
let built: BuildResult;
let databaseUrl: string;
let db: pg.Pool;
let client: SQSClient;
const closers: (() => Promise<void>)[] = [];
let queues: TestQueues;

/** The image built for a component, by id (the tag is shared with other checkouts). */
function ref(c: Component): string {
  const image = built.images.find((i) => i.component === c);
  if (!image) throw new Error(`no ${c} image was built`);
  return image.id;
}

/** `podman run --detach` as a restricted pod would run: the image's own user, nothing writable but /tmp. */
async function runContainer(
  name: string,
  image: string,
  env: Record<string, string>,
  opts: { volumes?: string[]; args?: string[] } = {},
): Promise<string> {
  const full = `payflow-test-${name}-${RUN_ID}`;
  started.push(full);
  await podman([
    'run',
    '--detach',
    '--name',
    full,
    '--network',
    'host',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,size=64m,mode=1777',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...ulimitFlags(),
    ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(opts.volumes ?? []).flatMap((v) => ['--volume', v]),
    image,
    ...(opts.args ?? []),
  ]);
  return full;
}

async function logs(container: string): Promise<string> {
  try {
    const { stdout, stderr } = await podman(['logs', container]);
    return `${stdout}${stderr}`.slice(-3000);
  } catch (err) {
    return String(err);
  }
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  try {
    return (await fetch(url, { headers })).status;
  } catch {
    return undefined;
  }
}

/** Waits for /readyz to answer 200, failing with the container's log. */
async function ready(container: string, base: string): Promise<void> {
  try {
    await eventually(
      async () => ((await status(`${base}/readyz`)) === 200 ? true : undefined),
      `${container} /readyz`,
      STARTUP_MS,
      250,
    );
  } catch (err) {
    throw new Error(`${String(err)}\n${await logs(container)}`, { cause: err });
  }
}

/** What a process inside the container sees: its uid, and whether / and /tmp take a write. */
async function filesystemProbe(container: string): Promise<{ uid: number; root: string; tmp: string }> {
  const script = `
    const fs = require('node:fs');
    const attempt = (p) => { try { fs.writeFileSync(p, 'x'); fs.rmSync(p); return 'written'; } catch (e) { return e.code; } };
    console.log(JSON.stringify({ uid: process.getuid(), root: attempt('/app/probe'), tmp: attempt('/tmp/probe') }));`;
  const { stdout } = await podman(['exec', container, 'node', '-e', script]);
  return JSON.parse(stdout) as { uid: number; root: string; tmp: string };
}

/** Runs the image's HEALTHCHECK once in the container: exit 0 is healthy, 1 unhealthy. */
async function healthy(container: string): Promise<boolean> {
  try {
    await podman(['healthcheck', 'run', container]);
    return true;
  } catch (err) {
    if (/exit status 1|unhealthy/.test(String(err))) return false;
    throw err;
  }
}

/** The image's files, read from podman's storage (mounted read-only for the callback). */
async function withImageFiles<T>(image: string, read: (root: string) => T): Promise<T> {
  const { stdout } = await podman(['image', 'mount', image]);
  try {
    return read(stdout.trim());
  } finally {
    await podman(['image', 'unmount', image]);
  }
}

function walk(dir: string, skip: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip(path)) return [];
    const s = statSync(path, { throwIfNoEntry: false });
    return s?.isDirectory() ? [path, ...walk(path, skip)] : [path];
  });
}

beforeAll(async () => {
  const say = (m: string): void => {
    process.stdout.write(`[images] ${m}\n`);
  };
  built = await buildImages(COMPONENTS, say);
  say(
    `base ${built.base} ready in ${built.baseSeconds.toFixed(1)} s; dependencies and console ready in ${built.prepareSeconds.toFixed(1)} s`,
  );
  for (const i of built.images)
    say(
      `${i.ref}: ${(i.sizeBytes / 1e6).toFixed(0)} MB, ${i.cached ? 'unchanged' : 'built'} in ${i.seconds.toFixed(1)} s`,
    );
  databaseUrl = await migratedDatabase('images');
  db = createPool({ url: databaseUrl, max: 2 });
  closers.push(async () => db.end());
  client = sqs(testenv().sqs.endpoint, testenv().sqs.region);
  closers.push(async () => {
    client.destroy();
    await Promise.resolve();
  });
  queues = await createTestQueues(client);
}, 30 * 60_000);

afterAll(async () => {
  await Promise.all(
    started.map(async (c) => podman(['rm', '--force', '--time', '5', c]).catch(() => undefined)),
  );
  for (const close of closers) await close();
}, 60_000);

describe('the built images', () => {
  it(
    'when inspected, then each runs as a numeric non-root user with a HEALTHCHECK on its /readyz and OCI labels',
    async () => {
      for (const c of COMPONENTS) {
        const { stdout } = await podman(['image', 'inspect', ref(c)]);
        const [image] = JSON.parse(stdout) as {
          Config: { User: string; Labels: Record<string, string> };
          Healthcheck?: { Test: string[] };
        }[];
        expect(image?.Config.User, c).toBe('10001:10001');
        const portVariable = { api: 'PORT', worker: 'METRICS_PORT', controller: 'HEALTH_PORT' }[c];
        expect(image?.Healthcheck?.Test, c).toEqual([
          'CMD',
          'node',
          '/app/healthcheck.ts',
          portVariable,
          '/readyz',
        ]);
        expect(image?.Config.Labels, c).toMatchObject({
          'org.opencontainers.image.title': `payflow-${c}`,
          'org.opencontainers.image.licenses': 'Apache-2.0',
          'org.opencontainers.image.version': '0.1.0',
        });
        // The commit the image was built from. buildah reuses an image from its layer cache when
        // only the --label values differ, so an image whose contents did not change since an
        // earlier commit keeps that commit's revision: it must be HEAD or one of its ancestors.
        const revision = image?.Config.Labels['org.opencontainers.image.revision'] ?? '';
        expect(revision, c).toMatch(/^[0-9a-f]{40}$/);
        expect(
          execFileSync('git', ['merge-base', '--is-ancestor', revision, 'HEAD'], {
            cwd: ROOT,
            stdio: 'pipe',
          }),
          c,
        ).toBeDefined();
        expect(image?.Config.Labels['org.opencontainers.image.created'], c).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
    },
    TEST_MS,
  );

  it(
    'when their files are listed, then no devDependency, no test and no other component is in them',
    async () => {
      const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { dev?: boolean }>;
      };
      const devOnly = Object.entries(lock.packages)
        .filter(([path, p]) => path.startsWith('node_modules/') && p.dev === true)
        .map(([path]) => path);
      // The check means something: vitest, TypeScript, Vite, fauxqs and friends are dev-only.
      expect(devOnly).toEqual(
        expect.arrayContaining([
          'node_modules/vitest',
          'node_modules/typescript',
          'node_modules/vite',
          'node_modules/fauxqs',
        ]),
      );
      const own: Record<Component, string[]> = {
        api: ['api'],
        worker: ['api', 'worker'],
        controller: ['api', 'controller'],
      };
      for (const c of COMPONENTS) {
        const found = await withImageFiles(ref(c), (root) => {
          const app = join(root, 'app');
          const sources = walk(app, (p) => p.endsWith('/node_modules')).map((p) => relative(app, p));
          return {
            dev: devOnly.filter((p) => existsSync(join(app, p))),
            tests: sources.filter((p) => /(\.test\.tsx?$|(^|\/)(testing|test|hack|\.git)(\/|$))/.test(p)),
            top: readdirSync(app).sort(),
            express: existsSync(join(app, 'node_modules', 'express', 'package.json')),
            kube: existsSync(join(app, 'node_modules', '@kubernetes', 'client-node', 'package.json')),
            console: existsSync(join(app, 'console', 'dist', 'index.html')),
          };
        });
        expect(found.dev, `${c}: devDependencies in the image`).toEqual([]);
        expect(found.tests, `${c}: test files in the image`).toEqual([]);
        const expectedTop = [
          ...own[c],
          'healthcheck.ts',
          'node_modules',
          'package.json',
          // The API also serves the console and reads the help center's articles (the assistant).
          ...(c === 'api' ? ['console', 'docs'] : []),
        ];
        expect(found.top, c).toEqual(expectedTop.sort());
        expect(found.express, `${c}: runtime dependencies present`).toBe(true);
        expect(found.kube, `${c}: Kubernetes client only where it is used`).toBe(c === 'controller');
        expect(found.console, `${c}: console build`).toBe(c === 'api');
      }
    },
    TEST_MS,
  );
});

describe('the images running read-only against the real services', () => {
  it(
    'when the api image runs, then it is ready, serves the console and the API, and writes only to /tmp',
    async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${String(port)}`;
      const api = await runContainer('api', ref('api'), {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        REDIS_URL: testenv().redis.url,
        SQS_ENDPOINT: testenv().sqs.endpoint,
        SQS_EVENTS_QUEUE_URL: queues.events,
        JWT_PRIVATE_KEY: newSigningKey(),
        LOG_LEVEL: 'warn',
      });
      await ready(api, base);
      expect(await status(`${base}/livez`)).toBe(200);

      const index = await fetch(`${base}/payments`, { headers: { accept: 'text/html' } });
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await index.text();
      expect(html).toContain('<div id="root">');
      const { boot, main: script } = consoleScripts(html);
      expect(boot, html).toBeDefined();
      expect(script, html).toBeDefined();
      const asset = await fetch(`${base}${script ?? ''}`, { headers: { 'accept-encoding': 'br' } });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('cache-control')).toContain('immutable');

      // Sign in (argon2 runs in the image) and create a payment through the API.
      const email = `images-${RUN_ID}@example.test`;
      const userId = newId('usr');
      await db.query(
        `insert into users (id, email, name, role, password_hash, email_verified_at) values ($1, $2, 'Image Test', 'operator', $3, now())`,
        [userId, email, await hashPassword('correct horse battery')],
      );
      await db.query('insert into user_preferences (user_id) values ($1)', [userId]);
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'correct horse battery' }),
      });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()) as { accessToken: string };
      const created = await fetch(`${base}/api/v1/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify({
          merchant_id: 'merchant_img',
          payer_id: 'payer_img',
          amount: 12.34,
          currency: 'EUR',
        }),
      });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({
        amount_minor: '1234',
        currency: 'EUR',
        current_state: 'pending',
      });

      expect(await filesystemProbe(api)).toEqual({ uid: 10001, root: 'EROFS', tmp: 'written' });
      expect(await healthy(api)).toBe(true);
    },
    TEST_MS,
  );

  it(
    'when the worker image runs, then it is ready and applies an event from the queue once',
    async () => {
      const port = await freePort();
      const base = `http://127.0.0.1:${String(port)}`;
      const worker = await runContainer('worker', ref('worker'), {
        DATABASE_URL: databaseUrl,
        REDIS_URL: testenv().redis.url,
        SQS_ENDPOINT: testenv().sqs.endpoint,
        AWS_REGION: testenv().sqs.region,
        SQS_EVENTS_QUEUE_URL: queues.events,
        SQS_EVENTS_DLQ_URL: queues.dlq,
        SQS_UPDATES_QUEUE_URL: queues.updates,
        WAIT_TIME_SECONDS: '1',
        METRICS_PORT: String(port),
        METRICS_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      });
      await ready(worker, base);
      expect(await status(`${base}/livez`)).toBe(200);

      const [payment] = await insertPayments(db, 1);
      const ev = event(payment ?? '', 'payment.authorized');
      await client.send(new SendMessageCommand({ QueueUrl: queues.events, MessageBody: JSON.stringify(ev) }));
      const state = await eventually(
        async () => {
          const r = await db.query<{ current_state: string; version: number }>(
            'select current_state, version from payments where id = $1',
            [payment],
          );
          return r.rows[0]?.current_state === 'authorized' ? r.rows[0] : undefined;
        },
        'payment authorized by the worker container',
        STARTUP_MS,
        250,
      ).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\n${await logs(worker)}`, { cause: err });
      });
      expect(state).toEqual({ current_state: 'authorized', version: 2 });
      const audit = await db.query('select action from audit_log where event_id = $1', [ev.event_id]);
      expect(audit.rows).toEqual([{ action: 'payment.authorized' }]);

      expect(await filesystemProbe(worker)).toEqual({ uid: 10001, root: 'EROFS', tmp: 'written' });
      expect(await healthy(worker)).toBe(true);
    },
    TEST_MS,
  );

  it(
    'when the controller image runs against kube-apiserver, then it is ready and reconciles a Rule',
    async () => {
      const kube = testKube();
      const kc = loadKubeConfig(kube.kubeconfig);
      const kubeClient = new KubeClient(kc);
      await installCrds(kc, readCrds());
      const ns = uniqueName('img-ctl');
      await ensureNamespace(kubeClient, ns);
      // The test's kubeconfig is root's (0600); the image's user reads a copy.
      const dir = mkdtempSync(join(tmpdir(), 'payflow-images-kube-'));
      copyFileSync(kube.kubeconfig, join(dir, 'config'));
      chmodSync(dir, 0o755);
      chmodSync(join(dir, 'config'), 0o644);
      try {
        const port = await freePort();
        const base = `http://127.0.0.1:${String(port)}`;
        const controller = await runContainer(
          'controller',
          ref('controller'),
          {
            KUBECONFIG: '/kube/config',
            DATABASE_URL: databaseUrl,
            WATCH_NAMESPACE: ns,
            LEADER_ELECTION_NAMESPACE: ns,
            POD_NAME: 'controller-image',
            HEALTH_PORT: String(port),
            HEALTH_HOST: '127.0.0.1',
            LOG_LEVEL: 'warn',
          },
          { volumes: [`${dir}:/kube:ro`] },
        );
        await ready(controller, base);
        expect(await status(`${base}/livez`)).toBe(200);
        await kubeClient.create(GVR.rule, {
          apiVersion: 'payflow.dev/v1alpha1',
          kind: 'Rule',
          metadata: { name: 'from-image', namespace: ns },
          spec: {
            action: 'alert',
            severity: 'low',
            definition: { field: 'currency', op: 'eq', value: 'JPY' },
          },
        } as unknown as RuleObject);
        await eventually(
          async () => {
            const r = await kubeClient.find<RuleObject>(GVR.rule, { namespace: ns, name: 'from-image' });
            return r?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
              ? true
              : undefined;
          },
          'Rule Ready',
          STARTUP_MS,
          250,
        ).catch(async (err: unknown) => {
          throw new Error(`${String(err)}\n${await logs(controller)}`, { cause: err });
        });
        expect(await filesystemProbe(controller)).toEqual({ uid: 10001, root: 'EROFS', tmp: 'written' });
        expect(await healthy(controller)).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    TEST_MS,
  );
});
