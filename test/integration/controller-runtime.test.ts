import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import type { RuleObject } from '../../controller/src/reconcilers/rule.ts';
import { Informer } from '../../controller/src/runtime/informer.ts';
import { GVR, KubeClient, type KubeObject } from '../../controller/src/runtime/kube-client.ts';
import type { Lease } from '../../controller/src/runtime/leader.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { migratedDatabase, testenv, testKube } from '../support/env.ts';

const ns = uniqueName('ctl-runtime');
let client: KubeClient;
let databaseUrl: string;
const started: TestController[] = [];

const kubeconfig = (): string => testKube().kubeconfig;

const FAST_LEASE = { durationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 300 };

async function controller(): Promise<TestController> {
  const c = await startTestController({
    kubeconfig: kubeconfig(),
    databaseUrl,
    namespace: ns,
    manager: { lease: FAST_LEASE },
  });
  started.push(c);
  return c;
}

function rule(name: string): RuleObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'Rule',
    metadata: { name, namespace: ns },
    spec: { action: 'flag', severity: 'low', definition: { field: 'currency', op: 'eq', value: 'USD' } },
  } as unknown as RuleObject;
}

async function ready(name: string): Promise<RuleObject> {
  return eventually(async () => {
    const r = await client.find<RuleObject>(GVR.rule, { namespace: ns, name });
    return r?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? r : undefined;
  }, `${name} Ready`);
}

async function reconciles(c: TestController): Promise<number> {
  const metric = await c.manager.registry.getSingleMetric('controller_runtime_reconcile_total')?.get();
  return (metric?.values ?? [])
    .filter((v) => v.labels.controller === 'rule')
    .reduce((n, v) => n + v.value, 0);
}

async function http(c: TestController, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${String(c.manager.healthPort)}${path}`);
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  const kc = loadKubeConfig(kubeconfig());
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  databaseUrl = await migratedDatabase('ctlrt');
});

afterAll(async () => {
  for (const c of started) await c.stop();
});

describe('controller runtime against a real kube-apiserver', () => {
  it('when two instances run, then only the leader reconciles; when it stops, it releases the Lease and the other takes over', async () => {
    const a = await controller();
    await eventually(async () => Promise.resolve(a.manager.isLeader ? true : undefined), 'a to lead');
    const b = await controller();
    await eventually(
      async () => Promise.resolve(b.manager.notReady().length === 0 ? true : undefined),
      'b ready (leadership known)',
    );
    expect(b.manager.isLeader).toBe(false);

    await client.create(GVR.rule, rule('first'));
    await ready('first');
    expect(await reconciles(a)).toBeGreaterThan(0);
    expect(await reconciles(b)).toBe(0);
    expect((await http(a, '/metrics')).text).toMatch(
      /leader_election_master_status\{name="payflow-controller"\} 1/,
    );
    expect((await http(b, '/metrics')).text).toMatch(
      /leader_election_master_status\{name="payflow-controller"\} 0/,
    );

    const before = await client.get<Lease>(GVR.lease, { namespace: ns, name: 'payflow-controller' });
    expect(before.spec?.holderIdentity).toBe(a.config.POD_NAME);
    await a.stop();
    await eventually(async () => Promise.resolve(b.manager.isLeader ? true : undefined), 'b to take over');
    const after = await client.get<Lease>(GVR.lease, { namespace: ns, name: 'payflow-controller' });
    expect(after.spec?.holderIdentity).toBe(b.config.POD_NAME);
    expect(after.spec?.leaseTransitions).toBe((before.spec?.leaseTransitions ?? 0) + 1);
    // The renew time is a metav1.MicroTime: six fractional digits.
    expect(after.spec?.renewTime).toMatch(/\.\d{6}Z$/);

    await client.create(GVR.rule, rule('second'));
    await ready('second');
    expect(await reconciles(b)).toBeGreaterThan(0);
    await b.stop();
    const released = await client.get<Lease>(GVR.lease, { namespace: ns, name: 'payflow-controller' });
    expect(released.spec?.holderIdentity).toBeUndefined();
  });

  it('when asked for health, then /livez answers, /readyz reports caches and leadership, /metrics uses controller-runtime names', async () => {
    const c = await controller();
    expect((await http(c, '/livez')).status).toBe(200);
    const readyz = await eventually(async () => {
      const r = await http(c, '/readyz');
      return r.status === 200 ? r : undefined;
    }, '/readyz 200');
    expect(readyz.text).toBe('ok\n');
    await client.create(GVR.rule, rule('third'));
    await ready('third');
    const metrics = (await http(c, '/metrics')).text;
    for (const name of [
      'controller_runtime_reconcile_total{controller="rule",result=',
      'controller_runtime_reconcile_errors_total',
      'controller_runtime_reconcile_time_seconds_bucket{le="0.005",controller="rule"}',
      'controller_runtime_active_workers{controller="rule"}',
      'workqueue_depth{name="rule"}',
      'workqueue_adds_total{name="rule"}',
      'workqueue_retries_total',
      'workqueue_queue_duration_seconds_bucket',
      'workqueue_work_duration_seconds_bucket',
      'leader_election_master_status{name="payflow-controller"} 1',
    ])
      expect(metrics).toContain(name);
    expect((await http(c, '/nope')).status).toBe(404);
    await c.stop();
  });

  it('when a watch stays silent beyond the watchdog bound, then it is restarted and events still arrive', async () => {
    const seen: string[] = [];
    const informer = new Informer<KubeObject>({
      client,
      gvr: GVR.rule,
      namespace: ns,
      log: pino({ level: 'silent' }),
      silenceMs: 400,
      handler: (event, obj) => {
        seen.push(`${event}:${obj.metadata.name}`);
      },
    });
    informer.start();
    try {
      await eventually(
        async () => Promise.resolve(informer.synced && informer.restarts >= 2 ? true : undefined),
        'two watchdog restarts',
      );
      await client.create(GVR.rule, rule('after-silence'));
      await eventually(
        async () => Promise.resolve(seen.includes('add:after-silence') ? true : undefined),
        'the add event',
      );
      expect(informer.get(`${ns}/after-silence`)?.metadata.name).toBe('after-silence');
    } finally {
      await informer.stop();
    }
  });

  it('when the restricted user runs the controller, then it is never ready and nothing is reconciled', async () => {
    const kube = testenv().kube;
    const c = await startTestController({
      kubeconfig: kube?.restrictedKubeconfig ?? '',
      databaseUrl,
      namespace: ns,
      manager: { lease: FAST_LEASE },
    });
    started.push(c);
    await new Promise((r) => setTimeout(r, 500));
    expect(c.manager.notReady()).toEqual(['caches not synced']);
    expect(c.manager.isLeader).toBe(false);
    expect((await http(c, '/readyz')).status).toBe(503);
    await c.stop();
  });
});
