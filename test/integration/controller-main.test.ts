import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { RuleObject } from '../../controller/src/reconcilers/rule.ts';
import { GVR, KubeClient } from '../../controller/src/runtime/kube-client.ts';
import type { Lease } from '../../controller/src/runtime/leader.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  uniqueName,
} from '../../controller/src/testing/harness.ts';
import { migratedDatabase, testKube } from '../support/env.ts';
import { freePort } from '../../hack/testenv/proc.ts';

const ns = uniqueName('ctl-main');
let client: KubeClient;
let child: ChildProcess | undefined;
let port: number;
let output = '';

async function get(path: string): Promise<number | undefined> {
  try {
    return (await fetch(`http://127.0.0.1:${String(port)}${path}`)).status;
  } catch {
    return undefined;
  }
}

beforeAll(async () => {
  const kube = testKube();
  client = new KubeClient(loadKubeConfig(kube.kubeconfig));
  await installCrds(loadKubeConfig(kube.kubeconfig), readCrds());
  await ensureNamespace(client, ns);
  port = await freePort();
  child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'controller', 'src', 'main.ts')], {
    env: {
      ...process.env,
      KUBECONFIG: kube.kubeconfig,
      DATABASE_URL: await migratedDatabase('ctlmain'),
      WATCH_NAMESPACE: ns,
      LEADER_ELECTION_NAMESPACE: ns,
      POD_NAME: 'main-under-test',
      HEALTH_PORT: String(port),
      HEALTH_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
});

afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGKILL');
});

describe('payflow-controller process', () => {
  it('when started from the environment, then it becomes ready, reconciles, and on SIGTERM releases the Lease and exits 0', async () => {
    await eventually(
      async () => ((await get('/readyz')) === 200 ? true : undefined),
      `/readyz 200 (output: ${output})`,
    );
    expect(await get('/livez')).toBe(200);
    await client.create(GVR.rule, {
      apiVersion: 'payflow.dev/v1alpha1',
      kind: 'Rule',
      metadata: { name: 'from-main', namespace: ns },
      spec: { action: 'alert', severity: 'low', definition: { field: 'currency', op: 'eq', value: 'JPY' } },
    } as unknown as RuleObject);
    await eventually(async () => {
      const r = await client.find<RuleObject>(GVR.rule, { namespace: ns, name: 'from-main' });
      return r?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, 'Rule Ready');
    const lease = await client.get<Lease>(GVR.lease, { namespace: ns, name: 'payflow-controller' });
    expect(lease.spec?.holderIdentity).toBe('main-under-test');

    child?.kill('SIGTERM');
    const [code] = (await once(child!, 'exit')) as [number | null];
    expect(code).toBe(0);
    const released = await client.get<Lease>(GVR.lease, { namespace: ns, name: 'payflow-controller' });
    expect(released.spec?.holderIdentity).toBeUndefined();
    expect(output).toContain('"msg":"shutting down"');
  });

  it('when a required variable is missing, then the process fails naming it', async () => {
    const bad = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', '..', 'controller', 'src', 'main.ts')],
      {
        env: { PATH: process.env.PATH ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    bad.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const [code] = (await once(bad, 'exit')) as [number | null];
    expect(code).not.toBe(0);
    expect(err).toMatch(/DATABASE_URL/);
  });
});
