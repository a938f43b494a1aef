// Every object the chart renders, with several value sets, server-side applied with dryRun=All
// to the test kube-apiserver (the PayFlow CRDs and minimal ServiceMonitor / PrometheusRule /
// HTTPRoute CRDs installed) in namespaces that enforce the restricted Pod Security Standard:
// nothing is rejected and the API server sends no warning, PodSecurity's included.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { installCrds, readCrds } from '../../controller/src/crds.ts';
import {
  desiredDeployment,
  podTemplate,
  type WorkerPoolObject,
} from '../../controller/src/reconcilers/workerpool.ts';
import { desiredJob, type BatchJobObject } from '../../controller/src/reconcilers/batchjob.ts';
import { loadKubeConfig, uniqueName } from '../../controller/src/testing/harness.ts';
import { ALL_ON, BASE_VALUES, chartTools, renderChart, repoRoot, type Obj } from '../support/chart.ts';
import { DryRunner, RESTRICTED, installThirdPartyCrds } from '../support/dry-run.ts';
import { testKube } from '../support/env.ts';

let runner: DryRunner;

beforeAll(async () => {
  const kc = loadKubeConfig(testKube().kubeconfig);
  runner = new DryRunner(kc);
  await installCrds(kc, readCrds());
  await installThirdPartyCrds(runner);
  await chartTools();
}, 900_000);

const VALUE_SETS: [string, unknown][] = [
  ['the defaults', BASE_VALUES],
  ['every toggle on', ALL_ON],
  [
    'one api replica, no controller, no worker pool, CRDs off',
    {
      ...BASE_VALUES,
      crds: { enabled: false },
      api: { replicas: 1, podDisruptionBudget: { enabled: false } },
      controller: { enabled: false },
      worker: { pool: { enabled: false } },
    },
  ],
  [
    'AWS with IRSA: annotated service accounts, a Secret per component, queues by name, one controller',
    {
      fullnameOverride: 'pf',
      existingSecret: '',
      sqs: { region: 'eu-west-1', eventsQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/events' },
      api: {
        existingSecret: 'pf-api',
        serviceAccount: {
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pf-api' },
        },
      },
      worker: {
        existingSecret: 'pf-worker',
        serviceAccount: {
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pf-worker' },
        },
        pool: { queue: { name: 'events', deadLetterQueueName: 'events-dlq' }, maxReplicas: 40 },
      },
      controller: {
        existingSecret: 'pf-controller',
        replicas: 1,
        serviceAccount: {
          annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pf-ctl' },
        },
      },
    },
  ],
];

/** Dry-runs every object into `ns`; returns the failures and warnings, one line each. */
export async function dryRunAll(objs: Obj[], ns: string): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objs) {
    const r = await runner.dryRun(o, ns);
    const what = `${o.kind}/${o.metadata.name}`;
    if (r.status >= 300) problems.push(`${what}: ${String(r.status)} ${r.message}`);
    for (const w of r.warnings) problems.push(`${what}: warning: ${w}`);
  }
  return problems;
}

describe('chart objects on a real API server (server-side dry run, restricted namespaces)', () => {
  it.each(VALUE_SETS)(
    'when rendered with %s, then every object is accepted without a warning',
    async (_name, values) => {
      const ns = uniqueName('chart');
      await runner.createNamespace(ns, RESTRICTED);
      const objs = await renderChart(values, { namespace: ns });
      expect(objs.length).toBeGreaterThanOrEqual(4);
      expect(await dryRunAll(objs, ns)).toEqual([]);
    },
  );

  it("when the controller builds the worker Deployment from the chart's WorkerPool, then it is accepted in a restricted namespace without a warning", async () => {
    const ns = uniqueName('chart-wp');
    await runner.createNamespace(ns, RESTRICTED);
    const objs = await renderChart(ALL_ON, { namespace: ns });
    const wp = objs.find((o) => o.kind === 'WorkerPool') as unknown as WorkerPoolObject;
    const template = podTemplate(
      { ...wp, metadata: { ...wp.metadata, uid: '00000000-0000-0000-0000-000000000001' } },
      { events: BASE_VALUES.sqs.eventsQueueUrl, deadLetter: BASE_VALUES.sqs.eventsDlqUrl },
      { image: 'ghcr.io/payflow/payflow-worker:0.1.0', secretName: 'payflow-credentials' },
    );
    const deployment = desiredDeployment(
      { ...wp, metadata: { ...wp.metadata, uid: '00000000-0000-0000-0000-000000000001' } },
      2,
      template,
    ) as unknown as Obj;
    expect(await dryRunAll([deployment], ns)).toEqual([]);
  });

  /** The worker Deployment the controller builds for a WorkerPool (kubectl apply -f manifests/samples). */
  const sampleDeployment = (wp: WorkerPoolObject): Obj => {
    const owned = { ...wp, metadata: { ...wp.metadata, uid: '00000000-0000-0000-0000-000000000003' } };
    const template = podTemplate(
      owned,
      { events: BASE_VALUES.sqs.eventsQueueUrl, deadLetter: BASE_VALUES.sqs.eventsDlqUrl },
      { image: 'ghcr.io/payflow/payflow-worker:0.1.0', secretName: 'payflow-credentials' },
    );
    return desiredDeployment(owned, 1, template) as unknown as Obj;
  };
  const sampleWorkerPool = (ns: string): WorkerPoolObject => {
    const wp = parse(
      readFileSync(join(repoRoot, 'manifests', 'samples', 'workerpool-payments.yaml'), 'utf8'),
    ) as WorkerPoolObject;
    return { ...wp, metadata: { ...wp.metadata, namespace: ns } };
  };

  it("when the controller builds the sample WorkerPool's Deployment, then the WorkerPool and it are accepted in a restricted namespace without a warning", async () => {
    const ns = uniqueName('sample-wp');
    await runner.createNamespace(ns, RESTRICTED);
    const wp = sampleWorkerPool(ns);
    expect(await dryRunAll([wp as unknown as Obj, sampleDeployment(wp)], ns)).toEqual([]);
  });

  it("when the sample WorkerPool's template loses its security contexts, then the same check reports the PodSecurity violations", async () => {
    const ns = uniqueName('sample-wp-bad');
    await runner.createNamespace(ns, RESTRICTED);
    const wp = sampleWorkerPool(ns);
    const tpl = wp.spec.template as {
      spec: { securityContext?: unknown; containers: { securityContext?: unknown }[] };
    };
    delete tpl.spec.securityContext;
    for (const c of tpl.spec.containers) delete c.securityContext;
    const problems = (await dryRunAll([sampleDeployment(wp)], ns)).join('\n');
    expect(problems).toContain('would violate PodSecurity "restricted:latest"');
    expect(problems).toContain('allowPrivilegeEscalation != false');
    expect(problems).toContain('seccompProfile');
  });

  it("when the controller builds a BatchJob's Job, then it is accepted in a restricted namespace without a warning", async () => {
    const ns = uniqueName('chart-bj');
    await runner.createNamespace(ns, RESTRICTED);
    const bj = {
      apiVersion: 'payflow.dev/v1alpha1',
      kind: 'BatchJob',
      metadata: { name: 'backtest', namespace: ns, uid: '00000000-0000-0000-0000-000000000002' },
      spec: { type: 'reconcile', parameters: {}, parallelism: 2, backoffLimit: 3, suspend: false },
    } as unknown as BatchJobObject;
    const job = desiredJob(bj, 'job_1', 'ghcr.io/payflow/payflow-worker:0.1.0', 'payflow-credentials');
    expect(await dryRunAll([job as unknown as Obj], ns)).toEqual([]);
  });

  it('when the pod security settings are emptied, then the same check reports the PodSecurity violations', async () => {
    const ns = uniqueName('chart-bad');
    await runner.createNamespace(ns, RESTRICTED);
    const objs = await renderChart(
      {
        ...BASE_VALUES,
        // null deletes a default key in Helm's merge ({} would keep them).
        podSecurityContext: { runAsNonRoot: null, seccompProfile: null },
        securityContext: {
          allowPrivilegeEscalation: null,
          readOnlyRootFilesystem: null,
          runAsNonRoot: null,
          capabilities: null,
        },
      },
      { namespace: ns },
    );
    const problems = await dryRunAll(
      objs.filter((o) => o.kind === 'Deployment'),
      ns,
    );
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain('would violate PodSecurity "restricted:latest"');
  });

  it('when an object is invalid for its schema, then the dry run rejects it', async () => {
    const ns = uniqueName('chart-inv');
    await runner.createNamespace(ns, RESTRICTED);
    const objs = await renderChart(BASE_VALUES, { namespace: ns });
    const wp = objs.find((o) => o.kind === 'WorkerPool') as Obj & { spec: Record<string, unknown> };
    const problems = await dryRunAll([{ ...wp, spec: { ...wp.spec, minReplicas: 50, maxReplicas: 2 } }], ns);
    expect(problems.join('\n')).toContain('minReplicas must be less than or equal to maxReplicas');
  });
});
