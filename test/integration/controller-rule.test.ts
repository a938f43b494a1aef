import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { pino } from 'pino';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import { RULE_FINALIZER, type RuleObject } from '../../controller/src/reconcilers/rule.ts';
import { Controller } from '../../controller/src/runtime/controller.ts';
import { GVR, KubeClient, KubeError, type KubeObject } from '../../controller/src/runtime/kube-client.ts';
import { createControllerMetrics } from '../../controller/src/runtime/metrics.ts';
import {
  ensureNamespace,
  eventually,
  loadKubeConfig,
  startTestController,
  uniqueName,
  type TestController,
} from '../../controller/src/testing/harness.ts';
import { migratedDatabase, testKube } from '../support/env.ts';

const ns = uniqueName('ctl-rule');
let client: KubeClient;
let ctl: TestController;

const kubeconfig = (): string => testKube().kubeconfig;

function rule(name: string, spec: Record<string, unknown>): RuleObject {
  return {
    apiVersion: 'payflow.dev/v1alpha1',
    kind: 'Rule',
    metadata: { name, namespace: ns },
    spec: {
      action: 'alert',
      severity: 'high',
      definition: { all: [{ field: 'amount_minor', op: 'gte', value: 1_000_000 }] },
      ...spec,
    },
  } as unknown as RuleObject;
}

async function get(name: string): Promise<RuleObject | undefined> {
  return client.find<RuleObject>(GVR.rule, { namespace: ns, name });
}

async function condition(
  name: string,
  type: string,
): Promise<{ status: string; reason: string; message: string } | undefined> {
  return (await get(name))?.status?.conditions?.find((c) => c.type === type);
}

interface Row {
  id: string;
  name: string;
  mode: string;
  action: string;
  generation: bigint;
  source: string;
  definition: unknown;
  deleted_at: Date | null;
}

async function row(uid: string): Promise<Row | undefined> {
  const { rows } = await ctl.pool.query<Row>('select * from rules where external_uid = $1', [uid]);
  return rows[0];
}

beforeAll(async () => {
  const kc = loadKubeConfig(kubeconfig());
  client = new KubeClient(kc);
  await installCrds(kc, readCrds());
  await ensureNamespace(client, ns);
  ctl = await startTestController({
    kubeconfig: kubeconfig(),
    databaseUrl: await migratedDatabase('ctlrule'),
    namespace: ns,
    env: { RULE_HITS_REFRESH_SECONDS: '1' },
  });
});

afterAll(async () => {
  await ctl.stop();
});

describe('Rule reconciler against a real kube-apiserver', () => {
  it('when a valid Rule is created, then it is Ready, stored by UID with an audit row, and guarded by a finalizer', async () => {
    const created = await client.create(GVR.rule, rule('high-value', { mode: 'shadow' }));
    const uid = created.metadata.uid ?? '';
    const ready = await eventually(async () => {
      const c = await condition('high-value', 'Ready');
      return c?.status === 'True' ? c : undefined;
    }, 'Ready=True');
    expect(ready.reason).toBe('Evaluated');
    const current = await get('high-value');
    expect(current?.metadata.finalizers).toContain(RULE_FINALIZER);
    expect(current?.status).toMatchObject({
      observedGeneration: 1,
      syncedGeneration: 1,
      mode: 'shadow',
      hitsLast24h: 0,
    });
    expect(current?.status?.conditions?.find((c) => c.type === 'Synced')).toMatchObject({
      status: 'True',
      reason: 'UpToDate',
    });
    const stored = await row(uid);
    expect(stored).toMatchObject({
      id: current?.status?.ruleId,
      name: `${ns}/high-value`,
      source: 'kubernetes',
      mode: 'shadow',
      generation: 1n,
    });
    expect(stored?.definition).toEqual({
      all: [{ field: 'amount_minor', op: 'gte', value: 1_000_000 }],
    });
    const audit = await ctl.pool.query('select actor_type, action from audit_log where resource_id = $1', [
      stored?.id,
    ]);
    expect(audit.rows).toEqual([{ actor_type: 'controller', action: 'rule.created' }]);
  });

  it('when the spec changes, then the row is updated to the new generation and the status follows', async () => {
    const before = await get('high-value');
    await client.mergePatch(
      GVR.rule,
      { namespace: ns, name: 'high-value' },
      { spec: { mode: 'enforce', action: 'hold' } },
    );
    const after = await eventually(async () => {
      const r = await get('high-value');
      return r?.status?.syncedGeneration === 2 ? r : undefined;
    }, 'generation 2 synced');
    expect(after.status).toMatchObject({
      observedGeneration: 2,
      mode: 'enforce',
      ruleId: before?.status?.ruleId,
    });
    const stored = await row(after.metadata.uid ?? '');
    expect(stored).toMatchObject({ generation: 2n, mode: 'enforce', action: 'hold' });
    const audit = await ctl.pool.query(
      'select action from audit_log where resource_id = $1 order by chain_seq',
      [stored?.id],
    );
    expect(audit.rows.map((r: { action: string }) => r.action)).toEqual(['rule.created', 'rule.updated']);
  });

  it('when the definition is invalid, then Ready=False InvalidDefinition points at the wrong part and the store keeps the last good one', async () => {
    await client.mergePatch(
      GVR.rule,
      { namespace: ns, name: 'high-value' },
      {
        spec: {
          definition: {
            all: [
              { field: 'amount_minor', op: 'gte', value: 1 },
              { field: 'amount_minor', op: 'between', value: 1 },
            ],
          },
        },
      },
    );
    const ready = await eventually(async () => {
      const c = await condition('high-value', 'Ready');
      return c?.status === 'False' ? c : undefined;
    }, 'Ready=False');
    expect(ready.reason).toBe('InvalidDefinition');
    expect(ready.message).toMatch(/^spec\.definition\.all\[1\]\.op: /);
    const current = await get('high-value');
    expect(current?.status?.observedGeneration).toBe(3);
    expect(current?.status?.syncedGeneration).toBe(2);
    expect((await row(current?.metadata.uid ?? ''))?.generation).toBe(2n);
    const events = await client.request<{
      items: { reason: string; type: string; regarding: { name: string } }[];
    }>({
      method: 'GET',
      path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
    });
    expect(
      events.items.filter((e) => e.regarding.name === 'high-value').map((e) => [e.type, e.reason]),
    ).toContainEqual(['Warning', 'InvalidDefinition']);
  });

  it('when hits are recorded for the rule, then hitsLast24h counts those of the last 24 hours', async () => {
    await client.mergePatch(
      GVR.rule,
      { namespace: ns, name: 'high-value' },
      {
        spec: { definition: { all: null, field: 'amount_minor', op: 'gte', value: 5 } },
      },
    );
    const synced = await eventually(async () => {
      const r = await get('high-value');
      return r?.status?.syncedGeneration === 4 ? r : undefined;
    }, 'generation 4 synced');
    const id = synced.status?.ruleId;
    await ctl.pool.query(
      `insert into rule_hits (rule_id, payment_id, mode, action, acted, matched_at)
       values ($1, 'pay_1', 'enforce', 'hold', true, now()), ($1, 'pay_2', 'enforce', 'hold', true, now() - interval '1 hour'),
              ($1, 'pay_3', 'enforce', 'hold', true, now() - interval '2 days')`,
      [id],
    );
    const hits = await eventually(async () => {
      const r = await get('high-value');
      return r?.status?.hitsLast24h === 2 ? r.status.hitsLast24h : undefined;
    }, 'hitsLast24h = 2');
    expect(hits).toBe(2);
  });

  it('when a Rule is invalid at admission, then the API server rejects it naming the field', async () => {
    const bad = rule('bad-action', { action: 'explode' });
    await expect(client.create(GVR.rule, bad)).rejects.toThrow(/spec\.action/);
    const empty = rule('empty-definition', { definition: {} });
    await expect(client.create(GVR.rule, empty)).rejects.toThrow(/spec\.definition/);
    const mode = rule('bad-mode', { mode: 'loud' });
    const err = await client.create(GVR.rule, mode).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeError);
    expect((err as KubeError).status).toBe(422);
    expect((err as KubeError).message).toMatch(/spec\.mode.*enforce.*shadow/);
  });

  it('when the Rule is deleted, then its row is soft-deleted and audited, and the resource goes away', async () => {
    const current = await get('high-value');
    const uid = current?.metadata.uid ?? '';
    await client.delete(GVR.rule, { namespace: ns, name: 'high-value' });
    await eventually(
      async () => ((await get('high-value')) === undefined ? true : undefined),
      'the Rule to be gone',
    );
    const stored = await row(uid);
    expect(stored?.deleted_at).toBeInstanceOf(Date);
    const audit = await ctl.pool.query(
      'select action from audit_log where resource_id = $1 order by chain_seq desc limit 1',
      [stored?.id],
    );
    expect(audit.rows[0]).toEqual({ action: 'rule.deleted' });
  });

  it('when a Rule is deleted while the controller is not running, then the finalizer keeps it until the controller removes the row', async () => {
    await client.create(GVR.rule, rule('late-delete', {}));
    const synced = await eventually(async () => {
      const r = await get('late-delete');
      return r?.status?.ruleId ? r : undefined;
    }, 'late-delete synced');
    await ctl.manager.stop();
    await client.delete(GVR.rule, { namespace: ns, name: 'late-delete' });
    const held = await get('late-delete');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect((await row(synced.metadata.uid ?? ''))?.deleted_at).toBeNull();
    await ctl.stop();
    ctl = await startTestController({
      kubeconfig: kubeconfig(),
      databaseUrl: ctl.config.DATABASE_URL,
      namespace: ns,
    });
    await eventually(
      async () => ((await get('late-delete')) === undefined ? true : undefined),
      'late-delete gone',
    );
    expect((await row(synced.metadata.uid ?? ''))?.deleted_at).toBeInstanceOf(Date);
  });

  it('when a reconcile meets a 409 conflict, then the key is retried with backoff and succeeds', async () => {
    // A namespace the controller does not watch, so that only the probe writes the object.
    const probeNs = uniqueName('ctl-probe');
    await ensureNamespace(client, probeNs);
    const name = uniqueName('conflict');
    const probe: KubeObject = { ...rule(name, {}), metadata: { name, namespace: probeNs } };
    const stale = await client.create(GVR.rule, probe);
    await client.mergePatch(GVR.rule, { namespace: probeNs, name }, { metadata: { labels: { bump: '1' } } });
    const registry = new Registry();
    const metrics = createControllerMetrics(registry);
    const attempts: string[] = [];
    const controller = new Controller({
      metrics,
      log: pino({ level: 'silent' }),
      workers: 1,
      reconciler: {
        name: 'conflict-probe',
        async reconcile(req) {
          // The first attempt writes with a resourceVersion that is no longer current.
          const resourceVersion =
            attempts.length === 0
              ? stale.metadata.resourceVersion
              : (await client.get<KubeObject>(GVR.rule, req)).metadata.resourceVersion;
          try {
            await client.mergePatch(GVR.rule, req, {
              metadata: { labels: { probe: 'x' }, resourceVersion },
            });
            attempts.push('ok');
          } catch (err) {
            attempts.push(String((err as KubeError).status));
            throw err;
          }
          return undefined;
        },
      },
    });
    controller.start();
    controller.enqueue(`${probeNs}/${name}`);
    await eventually(
      () => Promise.resolve(attempts.includes('ok') ? true : undefined),
      'the retry to succeed',
    );
    await controller.stop();
    expect(attempts).toEqual(['409', 'ok']);
    const text = await registry.metrics();
    expect(text).toMatch(/workqueue_retries_total\{name="conflict-probe"\} 1/);
    expect(text).toMatch(
      /controller_runtime_reconcile_total\{controller="conflict-probe",result="error"\} 1/,
    );
    expect(text).toMatch(
      /controller_runtime_reconcile_total\{controller="conflict-probe",result="success"\} 1/,
    );
    expect(
      (await client.get<RuleObject>(GVR.rule, { namespace: probeNs, name })).metadata.labels,
    ).toMatchObject({ probe: 'x' });
  });
});
