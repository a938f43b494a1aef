import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.ts';

/**
 * etcd and kube-apiserver are built from their Go modules (never downloaded as
 * binaries) and cached outside the repository, keyed by version and by the
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

function kubeApiserver(): GoBinary {
  const moduleDir = join(hackDir, 'kube-apiserver');
  const version = moduleVersion(moduleDir, 'k8s.io/kubernetes');
  const [major, minor] = version.slice(1).split('.');
  const pkgv = 'k8s.io/component-base/version';
  return {
    name: 'kube-apiserver',
    moduleDir,
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
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
      'Go >= 1.26 is required to build etcd and kube-apiserver for the test environment: `go` was not found on PATH',
    );
  }
}

async function build(b: GoBinary, log: (m: string) => void): Promise<string> {
  const out = binaryPath(b);
  if (existsSync(out)) return out;
  await ensureGo();
  mkdirSync(join(cacheDir(), 'bin'), { recursive: true });
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
  const kas = kubeApiserver();
  const kasBin = await build(kas, log);
  return { etcd: etcdBin, kubeApiserver: kasBin, kubernetesVersion: kas.version };
}
