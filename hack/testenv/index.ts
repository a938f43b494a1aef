import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKube, type KubeInstance, type KubeOptions } from './kube.ts';
import { peakTreeRssMiB } from './memory.ts';
import { startPostgres, type PostgresInstance, type PostgresOptions } from './postgres.ts';
import type { Service } from './proc.ts';
import { startRedis, type RedisInstance } from './redis.ts';
import { startSqs, type QueueUrls, type SqsInstance } from './sqs.ts';

/** What tests need to reach the services; plain data, safe to serialise. */
export interface TestEnvInfo {
  dir: string;
  postgres: { url: string; port: number; binDir: string };
  redis: { url: string };
  sqs: { endpoint: string; region: string; queues: QueueUrls };
  kube?: {
    server: string;
    kubeconfig: string;
    restrictedKubeconfig: string;
    version: string;
    /** Audit log of the restricted user's requests (absent in environments started before it existed). */
    auditLog?: string;
  };
}

export interface TestEnv {
  readonly info: TestEnvInfo;
  readonly postgres: PostgresInstance;
  readonly redis: RedisInstance;
  readonly sqs: SqsInstance;
  readonly kube?: KubeInstance;
  /** Upper bound of the services' peak memory so far (sum of per-process VmHWM), MiB. */
  peakMemoryMiB(): number;
  stop(): Promise<void>;
}

export interface TestEnvOptions {
  /** Start etcd and kube-apiserver too (default true). */
  kube?: boolean;
  log?: (message: string) => void;
  /** Keep the temporary folder after stop (for inspecting logs). */
  keep?: boolean;
  /** PostgreSQL settings (default: fsync off, for tests). */
  postgres?: PostgresOptions;
}

const running = new Set<Service>();
process.once('exit', () => {
  for (const s of running) s.child.kill('SIGKILL');
});

function track<T extends { service: Service }>(p: Promise<T>): Promise<T> {
  return p.then((x) => {
    running.add(x.service);
    return x;
  });
}

function describe(env: Omit<TestEnv, 'info' | 'stop' | 'peakMemoryMiB'>, dir: string): TestEnvInfo {
  const info: TestEnvInfo = {
    dir,
    postgres: { url: env.postgres.url, port: env.postgres.port, binDir: env.postgres.binDir },
    redis: { url: env.redis.url },
    sqs: { endpoint: env.sqs.endpoint, region: env.sqs.region, queues: env.sqs.queues },
  };
  if (env.kube) {
    const k = env.kube;
    info.kube = {
      server: k.server,
      kubeconfig: k.kubeconfig,
      restrictedKubeconfig: k.restrictedKubeconfig,
      version: k.version,
      auditLog: k.auditLog,
    };
  }
  return info;
}

async function stopAll(services: (Service | undefined)[]): Promise<void> {
  await Promise.all(
    services.map(async (s) => {
      if (!s) return;
      await s.stop();
      running.delete(s);
    }),
  );
}

/** The control plane's processes, read when asked (kube-apiserver can be restarted). */
function kubeServicesOf(kube: KubeInstance | undefined): () => readonly Service[] {
  return () => kube?.services ?? [];
}

/**
 * Starts PostgreSQL, Redis, the SQS-compatible endpoint and (unless told
 * otherwise) etcd with kube-apiserver, each on a free loopback port inside one
 * temporary folder. `stop()` ends them all and removes the folder.
 */
export async function startTestEnv(opts: TestEnvOptions = {}): Promise<TestEnv> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'payflow-testenv-'));
  // PostgreSQL runs as its own user when we are root: it must be able to enter.
  chmodSync(dir, 0o755);
  const sub = (name: string): string => mkdtempSync(join(dir, `${name}-`));
  const results = await Promise.allSettled([
    track(startPostgres(sub('pg'), opts.postgres)),
    track(startRedis(sub('redis'))),
    track(startSqs(sub('sqs'))),
    opts.kube === false ? Promise.resolve(undefined) : startKube(sub('kube'), log),
  ] as const);
  const [pgR, redisR, sqsR, kubeR] = results;
  const kube = kubeR.status === 'fulfilled' ? kubeR.value : undefined;
  const kubeServices = kubeServicesOf(kube);
  for (const s of kubeServices()) running.add(s);
  const services = (): (Service | undefined)[] => [
    pgR.status === 'fulfilled' ? pgR.value.service : undefined,
    redisR.status === 'fulfilled' ? redisR.value.service : undefined,
    sqsR.status === 'fulfilled' ? sqsR.value.service : undefined,
    ...kubeServices(),
  ];
  const failures = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
  if (
    failures.length > 0 ||
    pgR.status !== 'fulfilled' ||
    redisR.status !== 'fulfilled' ||
    sqsR.status !== 'fulfilled'
  ) {
    await stopAll(services());
    throw new Error(`test environment failed to start (logs kept in ${dir}):\n${failures.join('\n')}`);
  }
  const parts = { postgres: pgR.value, redis: redisR.value, sqs: sqsR.value, kube };
  return {
    ...parts,
    info: describe(parts, dir),
    peakMemoryMiB: () =>
      peakTreeRssMiB(
        services()
          .map((s) => s?.child.pid)
          .filter((pid): pid is number => pid !== undefined),
      ),
    async stop() {
      await stopAll(services());
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Kubernetes control plane of its own, in its own temporary folder; `stop()` ends it. */
export interface KubeCluster extends KubeInstance {
  readonly dir: string;
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver apart from the shared test environment — with `scheduling`,
 * also kube-controller-manager, kube-scheduler and kwok's fake nodes — for the test files that
 * need a cluster that runs its controllers (the shared one runs none, so that the other tests'
 * objects stay exactly as they wrote them).
 */
export async function startKubeCluster(
  opts: KubeOptions & { log?: (message: string) => void; keep?: boolean } = {},
): Promise<KubeCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'payflow-kube-'));
  const kube = await startKube(dir, opts.log ?? (() => undefined), opts);
  for (const s of kube.services) running.add(s);
  let stopped = false;
  return Object.assign(Object.create(kube) as KubeInstance, {
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // In order: the controllers before the API server, the API server before etcd.
      for (const s of kube.services) {
        await s.stop();
        running.delete(s);
      }
      if (!opts.keep) rmSync(dir, { recursive: true, force: true });
    },
  });
}

export { createDatabase } from './postgres.ts';
export { QUEUES, createQueues, sqsClient } from './sqs.ts';
