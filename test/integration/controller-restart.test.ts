import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { RuleObject } from '../../controller/src/reconcilers/rule.ts';
import { GVR, KubeClient } from '../../controller/src/runtime/kube-client.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { startKube, type KubeInstance } from '../../hack/testenv/kube.ts';
import { migratedDatabase } from '../support/env.ts';

// The shared kube-apiserver serves every test file: this file restarts its own.
const ns = 'restart';
let dir: string;
let kube: KubeInstance;
let client: KubeClient;
let ctl: TestController;

function rule(name: string): RuleObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'Rule',
    metadata: { name, namespace: ns },
    spec: { action: 'alert', severity: 'medium', definition: { field: 'amount_minor', op: 'gt', value: 0 } },
  } as unknown as RuleObject;
}

async function ready(name: string): Promise<RuleObject> {
  return eventually(
    async () => {
      const r = await client.find<RuleObject>(GVR.rule, { namespace: ns, name });
      return r?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? r : undefined;
    },
    `${name} Ready`,
    60_000,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payflow-kube-restart-'));
  kube = await startKube(dir, () => undefined);
  const kc = loadKubeConfig(kube.kubeconfig);
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  ctl = await startTestController({
    kubeconfig: kube.kubeconfig,
    databaseUrl: await migratedDatabase('ctlrestart'),
    namespace: ns,
    manager: { lease: { durationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 500 } },
  });
}, 180_000);

afterAll(async () => {
  await ctl.stop();
  await kube.apiserver.stop();
  await kube.etcd.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('controller across a kube-apiserver restart', () => {
  it(
    'when kube-apiserver restarts mid-run, then the informers recover and changes made afterwards are reconciled',
    { timeout: 150_000 },
    async () => {
      await client.create(GVR.rule, rule('before'));
      await ready('before');
      const restartsBefore = ctl.manager.informers.reduce((n, i) => n + i.restarts, 0);

      await kube.restartApiserver();

      // A change made while the controller's watches were down must still be seen.
      await client.mergePatch(
        GVR.rule,
        { namespace: ns, name: 'before' },
        { spec: { severity: 'critical' } },
      );
      await client.create(GVR.rule, rule('after'));
      const after = await ready('after');
      expect(after.status?.ruleId).toMatch(/^rul_/);
      const before = await eventually(
        async () => {
          const r = await client.find<RuleObject>(GVR.rule, { namespace: ns, name: 'before' });
          return r?.status?.syncedGeneration === 2 ? r : undefined;
        },
        'before at generation 2',
        60_000,
      );
      const { rows } = await ctl.pool.query<{ severity: string }>(
        'select severity from rules where external_uid = $1',
        [before.metadata.uid],
      );
      expect(rows[0]?.severity).toBe('critical');
      expect(ctl.manager.informers.reduce((n, i) => n + i.restarts, 0)).toBeGreaterThan(restartsBefore);
      expect(ctl.manager.isLeader).toBe(true);
    },
  );
});
