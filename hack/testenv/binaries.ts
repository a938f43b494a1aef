import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { run } from './proc.ts';

/**
 * etcd, the Kubernetes control plane, kwok, helm and kustomize are built from their Go modules
 * (never downloaded as binaries) and cached outside the repository, keyed by version and by the
 * hash of the go.mod/go.sum that pin them.
 */
interface GoBinary {
  name: string;
  moduleDir: string;
  pkg: string;
  version: string;
  ldflags: string[];
}

const hackDir = join(import.meta.dirname, '..');

function moduleVersion(moduleDir: string, modulePath: string): string {
  const gomod = readFileSync(join(moduleDir, 'go.mod'), 'utf8');
  const m = new RegExp(`${modulePath.replaceAll('.', '\\.')} (v[^\\s]+)`).exec(gomod);
  if (!m?.[1]) throw new Error(`${modulePath} is not required in ${moduleDir}/go.mod`);
  return m[1];
}

export function cacheDir(): string {
  return (
    process.env.PAYFLOW_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'payflow')
  );
}

type KubeComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/**
 * The Kubernetes components share hack/kube-apiserver's module, build flags and ldflags, so
 * after kube-apiserver the others compile only the packages it does not have (Go's build cache
 * is keyed by package content and flags).
 */
function kubeComponent(name: KubeComponent): GoBinary {
  const moduleDir = join(hackDir, 'kube-apiserver');
  const version = moduleVersion(moduleDir, 'k8s.io/kubernetes');
  const [major, minor] = version.slice(1).split('.');
  const pkgv = 'k8s.io/component-base/version';
  return {
    name,
    moduleDir,
    pkg: `k8s.io/kubernetes/cmd/${name}`,
    version,
    ldflags: [
      `-X ${pkgv}.gitVersion=${version}`,
      `-X ${pkgv}.gitMajor=${major ?? ''}`,
      `-X ${pkgv}.gitMinor=${minor ?? ''}`,
      `-X ${pkgv}.gitTreeState=clean`,
    ],
  };
}

function etcd(): GoBinary {
  const moduleDir = join(hackDir, 'etcd');
  return {
    name: 'etcd',
    moduleDir,
    pkg: 'go.etcd.io/etcd/server/v3',
    version: moduleVersion(moduleDir, 'go.etcd.io/etcd/server/v3'),
    ldflags: [],
  };
}

/** The kwok controller: fake nodes, and pods taken through their lifecycle without containers. */
function kwok(): GoBinary {
  const moduleDir = join(hackDir, 'kwok');
  const version = moduleVersion(moduleDir, 'sigs.k8s.io/kwok');
  return {
    name: 'kwok',
    moduleDir,
    pkg: 'sigs.k8s.io/kwok/cmd/kwok',
    version,
    ldflags: [`-X sigs.k8s.io/kwok/pkg/consts.Version=${version}`],
  };
}

function binaryPath(b: GoBinary): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(b.moduleDir, 'go.mod')));
  h.update(readFileSync(join(b.moduleDir, 'go.sum')));
  return join(cacheDir(), 'bin', `${b.name}-${b.version}-${h.digest('hex').slice(0, 10)}`);
}

async function ensureGo(): Promise<void> {
  try {
    await run('go', ['version']);
  } catch {
    throw new Error(
      "Go >= 1.26 is required to build the test environment's Kubernetes tools: `go` was not found on PATH",
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the lock file with our pid in it; false when another process holds it. */
function takeLock(lock: string): boolean {
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  writeSync(fd, String(process.pid));
  closeSync(fd);
  return true;
}

/** The pid holding the lock; undefined when the lock is gone or stale (and then removed). */
function lockHolder(lock: string): number | undefined {
  try {
    const holder = Number(readFileSync(lock, 'utf8').trim());
    // An empty lock is being written this instant, or was left by a crash right after creation.
    const stale = holder > 0 ? !alive(holder) : Date.now() - statSync(lock).mtimeMs > 10_000;
    if (!stale) return holder;
    rmSync(lock, { force: true });
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function releasing(lock: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Runs `fn` holding `<out>.lock` (a file naming the holder's pid), so that one process builds a
 * binary while others (another test file, the CI's background pre-build) wait for it instead of
 * compiling it a second time. A lock whose process is gone is taken over.
 */
async function withBuildLock(out: string, what: string, log: (m: string) => void, fn: () => Promise<void>) {
  const lock = `${out}.lock`;
  let said = false;
  while (!existsSync(out)) {
    if (takeLock(lock)) {
      await releasing(lock, async () => {
        if (!existsSync(out)) await fn();
      });
      return;
    }
    const holder = lockHolder(lock);
    if (holder === undefined) continue;
    if (!said) {
      log(`waiting for ${what}, being built by process ${String(holder)}…`);
      said = true;
    }
    await sleep(1000);
  }
}

async function build(b: GoBinary, log: (m: string) => void): Promise<string> {
  const out = binaryPath(b);
  if (existsSync(out)) return out;
  await ensureGo();
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
  await withBuildLock(out, b.name, log, async () => {
    const tmp = `${out}.${String(process.pid)}.partial`;
    log(`building ${b.name} ${b.version} from Go modules (cold cache; several minutes)…`);
    const started = Date.now();
    await run(
      'go',
      ['build', '-trimpath', '-ldflags', ['-s', '-w', ...b.ldflags].join(' '), '-o', tmp, b.pkg],
      {
        cwd: b.moduleDir,
        env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
      },
    );
    renameSync(tmp, out);
    log(`built ${b.name} in ${String(Math.round((Date.now() - started) / 1000))} s → ${out}`);
  });
  return out;
}

export interface KubeBinaries {
  etcd: string;
  kubeApiserver: string;
  kubernetesVersion: string;
}

function chartTool(name: 'helm' | 'kustomize'): GoBinary {
  const moduleDir = join(hackDir, 'chart-tools');
  if (name === 'helm') {
    const version = moduleVersion(moduleDir, 'helm.sh/helm/v4');
    return {
      name,
      moduleDir,
      pkg: 'helm.sh/helm/v4/cmd/helm',
      version,
      ldflags: [`-X helm.sh/helm/v4/internal/version.version=${version}`],
    };
  }
  return {
    name,
    moduleDir,
    pkg: 'sigs.k8s.io/kustomize/kustomize/v5',
    version: moduleVersion(moduleDir, 'sigs.k8s.io/kustomize/kustomize/v5'),
    ldflags: [],
  };
}

export interface ChartTools {
  helm: string;
  kustomize: string;
}

/**
 * Builds (once, then cached) helm v4 and the kustomize CLI from hack/chart-tools, for the chart
 * and manifest tests. Not part of the test environment's start: only the files that use them
 * pay for the build.
 */
export async function ensureChartTools(log: (m: string) => void = () => undefined): Promise<ChartTools> {
  const helm = await build(chartTool('helm'), log);
  const kustomize = await build(chartTool('kustomize'), log);
  return { helm, kustomize };
}

/** Builds (once, then cached) etcd and kube-apiserver. */
export async function ensureKubeBinaries(log: (m: string) => void = () => undefined): Promise<KubeBinaries> {
  // One after the other: two Go builds at once on two cores gain nothing.
  const etcdBin = await build(etcd(), log);
  const kas = kubeComponent('kube-apiserver');
  const kasBin = await build(kas, log);
  return { etcd: etcdBin, kubeApiserver: kasBin, kubernetesVersion: kas.version };
}

export interface SchedulingBinaries {
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
}

/**
 * Builds (once, then cached) what a cluster that schedules pods adds to etcd and kube-apiserver:
 * kube-controller-manager, kube-scheduler and the kwok controller. Only the environments that
 * ask for scheduling pay for them.
 */
export async function ensureSchedulingBinaries(
  log: (m: string) => void = () => undefined,
): Promise<SchedulingBinaries> {
  const kubeControllerManager = await build(kubeComponent('kube-controller-manager'), log);
  const kubeScheduler = await build(kubeComponent('kube-scheduler'), log);
  return { kubeControllerManager, kubeScheduler, kwok: await build(kwok(), log) };
}

/**
 * Every Go tool the tests use, in the order the test run first needs them (CI starts this in the
 * background while it lints and type-checks, so that the compiles overlap single-threaded work).
 */
export async function ensureAllTools(log: (m: string) => void = () => undefined): Promise<void> {
  await ensureKubeBinaries(log);
  await ensureChartTools(log);
  await ensureSchedulingBinaries(log);
}
