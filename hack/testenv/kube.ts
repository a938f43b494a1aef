import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { ensureKubeBinaries } from './binaries.ts';
import { canConnect, freePort, startProcess, waitFor, type Service } from './proc.ts';
import { startScheduling, type Scheduling } from './scheduling.ts';

export interface KubeInstance {
  readonly server: string;
  readonly kubeconfig: string;
  /** A kubeconfig for a user with no rights of its own (for RBAC tests). */
  readonly restrictedKubeconfig: string;
  /**
   * The API server's audit log (JSON lines, level Metadata) of the restricted user's requests
   * only: what a component running as that user really asked for (RBAC derivation tests).
   */
  readonly auditLog: string;
  readonly caFile: string;
  readonly token: string;
  readonly version: string;
  readonly etcd: Service;
  readonly apiserver: Service;
  /**
   * kube-controller-manager, kube-scheduler and kwok's fake nodes, when started with
   * `scheduling: true`: Deployments get ReplicaSets and Pods, pods are scheduled and become
   * Ready, and the garbage collector deletes owned objects.
   */
  readonly scheduling?: Scheduling;
  /** Every process of this control plane, in the order to stop them. */
  readonly services: readonly Service[];
  /** Restarts kube-apiserver on the same port (etcd keeps the data). */
  restartApiserver(): Promise<void>;
}

export interface KubeOptions {
  /**
   * Also run kube-controller-manager, kube-scheduler and the kwok controller with fake nodes
   * (default false: most tests only need the API server, and its tests write child status
   * themselves).
   */
  scheduling?: boolean;
}

async function startEtcd(bin: string, dir: string): Promise<{ url: string; service: Service }> {
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const service = startProcess({
    name: 'etcd',
    command: bin,
    args: [
      ...['--name', 'default', '--data-dir', join(dir, 'etcd')],
      ...['--listen-client-urls', url, '--advertise-client-urls', url],
      ...['--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl],
      ...['--initial-cluster', `default=${peerUrl}`, '--unsafe-no-fsync', '--log-level', 'warn'],
    ],
    logFile: join(dir, 'etcd.log'),
  });
  await waitFor('etcd', async () => canConnect(client), { timeoutMs: 60_000, service });
  return { url, service };
}

function writeServiceAccountKeys(dir: string): { pub: string; key: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = join(dir, 'sa.pub');
  const key = join(dir, 'sa.key');
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { pub, key };
}

function kubeconfigYaml(server: string, ca: string, user: string, token: string): string {
  const caData = readFileSync(ca).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: payflow-test
  cluster:
    server: ${server}
    certificate-authority-data: ${caData}
users:
- name: ${user}
  user:
    token: ${token}
contexts:
- name: payflow-test
  context:
    cluster: payflow-test
    user: ${user}
    namespace: default
current-context: payflow-test
`;
}

async function readyz(server: string, ca: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      `${server}/readyz`,
      { ca: readFileSync(ca), headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('error', () => {
      resolve(false);
    });
    req.end();
  });
}

interface ApiserverPlan {
  bin: string;
  dir: string;
  args: string[];
  server: string;
  ca: string;
  token: string;
}

async function launchApiserver(p: ApiserverPlan): Promise<Service> {
  const service = startProcess({
    name: 'kube-apiserver',
    command: p.bin,
    args: p.args,
    logFile: join(p.dir, 'kube-apiserver.log'),
  });
  // The serving certificate is written to --cert-dir at start-up.
  await waitFor('kube-apiserver', async () => readyz(p.server, p.ca, p.token), {
    timeoutMs: 120_000,
    service,
  });
  return service;
}

/**
 * Starts etcd and kube-apiserver as envtest does: a random secure port on
 * loopback, a self-signed serving certificate, service-account keys, RBAC,
 * and static bearer tokens for an admin user and an unprivileged user.
 */
export async function startKube(
  dir: string,
  log: (m: string) => void,
  opts: KubeOptions = {},
): Promise<KubeInstance> {
  const bins = await ensureKubeBinaries(log);
  mkdirSync(join(dir, 'certs'), { recursive: true });
  const etcd = await startEtcd(bins.etcd, dir);
  const sa = writeServiceAccountKeys(dir);
  const token = randomBytes(24).toString('hex');
  const restrictedToken = randomBytes(24).toString('hex');
  const tokens = join(dir, 'tokens.csv');
  writeFileSync(
    tokens,
    `${token},payflow-admin,uid-admin,"system:masters"\n${restrictedToken},payflow-restricted,uid-restricted\n`,
    { mode: 0o600 },
  );
  const auditPolicy = join(dir, 'audit-policy.yaml');
  const auditLog = join(dir, 'audit.log');
  writeFileSync(
    auditPolicy,
    [
      'apiVersion: audit.k8s.io/v1',
      'kind: Policy',
      'omitStages: [RequestReceived]',
      'rules:',
      '  - level: Metadata',
      '    users: [payflow-restricted]',
      '  - level: None',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const ca = join(dir, 'certs', 'apiserver.crt');
  const args = [
    ...['--etcd-servers', etcd.url, '--cert-dir', join(dir, 'certs')],
    ...['--secure-port', String(port), '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1'],
    ...['--service-cluster-ip-range', '10.0.0.0/24', '--allow-privileged=true'],
    ...['--disable-admission-plugins', 'ServiceAccount', '--authorization-mode', 'RBAC'],
    ...['--service-account-issuer', 'https://kubernetes.default.svc.cluster.local'],
    ...['--service-account-key-file', sa.pub, '--service-account-signing-key-file', sa.key],
    ...['--token-auth-file', tokens, '--enable-priority-and-fairness=false'],
    ...['--audit-policy-file', auditPolicy, '--audit-log-path', auditLog, '--audit-log-format', 'json'],
  ];
  const plan: ApiserverPlan = { bin: bins.kubeApiserver, dir, args, server, ca, token };
  let apiserver = await launchApiserver(plan);
  const kubeconfig = join(dir, 'kubeconfig');
  const restrictedKubeconfig = join(dir, 'kubeconfig-restricted');
  writeFileSync(kubeconfig, kubeconfigYaml(server, ca, 'payflow-admin', token), { mode: 0o600 });
  writeFileSync(restrictedKubeconfig, kubeconfigYaml(server, ca, 'payflow-restricted', restrictedToken), {
    mode: 0o600,
  });
  let scheduling: Scheduling | undefined;
  if (opts.scheduling) {
    try {
      scheduling = await startScheduling({ dir, kubeconfig, server, caFile: ca, saKey: sa.key, token, log });
    } catch (err) {
      await apiserver.stop();
      await etcd.service.stop();
      throw err;
    }
  }
  const instance: KubeInstance = {
    server,
    kubeconfig,
    restrictedKubeconfig,
    auditLog,
    caFile: ca,
    token,
    version: bins.kubernetesVersion,
    etcd: etcd.service,
    get apiserver() {
      return apiserver;
    },
    scheduling,
    get services() {
      return [...(scheduling?.services ?? []), apiserver, etcd.service];
    },
    async restartApiserver() {
      await apiserver.stop();
      apiserver = await launchApiserver(plan);
    },
  };
  return instance;
}
