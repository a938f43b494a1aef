import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CRD_KINDS, crdFileName, crdObject, crdObjects, renderCrdYaml } from './generate.ts';
import type { CrdKind } from './generate.ts';
import { batchJobSchema, ruleSchema, workerPoolSchema } from './schemas.ts';
import { structuralViolations, walkSchema } from './structural.ts';
import type { SchemaNode } from './structural.ts';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const samplesDir = join(repoRoot, 'manifests', 'samples');

const schemaOf: Record<CrdKind, z.ZodType> = {
  Rule: ruleSchema,
  BatchJob: batchJobSchema,
  WorkerPool: workerPoolSchema,
};

function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

function openApi(kind: CrdKind): SchemaNode {
  const version = crdObject(kind).spec.versions[0]!;
  return version.schema.openAPIV3Schema;
}

function node(root: SchemaNode, path: string[]): SchemaNode {
  return path.reduce((at, name) => (at.properties as Record<string, SchemaNode>)[name]!, root);
}

function celRules(at: SchemaNode): string[] {
  const rules = (at['x-kubernetes-validations'] ?? []) as { rule: string; message: string }[];
  for (const rule of rules) expect(rule.message).not.toBe('');
  return rules.map((r) => r.rule);
}

/** Sample files named in manifests/samples/kustomization.yaml. */
function sampleFiles(): string[] {
  const kustomization = readYaml(join(samplesDir, 'kustomization.yaml')) as { resources: string[] };
  return kustomization.resources;
}

interface SampleDoc {
  kind: CrdKind;
  spec: Record<string, unknown>;
}

function sample(file: string): SampleDoc {
  return readYaml(join(samplesDir, file)) as SampleDoc;
}

/** Paths present in `written` but missing from `parsed`: fields the API server would prune. */
function droppedFields(written: unknown, parsed: unknown, path = ''): string[] {
  if (typeof written !== 'object' || written === null || Array.isArray(written)) return [];
  const out = parsed as Record<string, unknown>;
  return Object.entries(written).flatMap(([key, value]) =>
    key in out ? droppedFields(value, out[key], `${path}.${key}`) : [`${path}.${key}`],
  );
}

function issues(schema: z.ZodType, value: unknown): { path: string; message: string; code: string }[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message, code: i.code }));
}

describe('generated CRDs', () => {
  it.each(CRD_KINDS)('when %s is regenerated, then it equals the committed file in crds/', (kind) => {
    const committed = readFileSync(join(repoRoot, 'crds', crdFileName(kind)), 'utf8');
    expect(renderCrdYaml(kind), 'crds/ is stale: run `node api/src/crd/write-crds.ts`').toBe(committed);
  });

  it('when rendered, then each is a v1 CRD of payflow.dev/v1alpha1, served and stored, namespaced', () => {
    for (const crd of crdObjects()) {
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.payflow.dev`);
      expect(crd.spec.scope).toBe('Namespaced');
      expect(crd.spec.names.categories).toEqual(['payflow']);
      expect(crd.spec.names.shortNames[0]).toMatch(/^pf/);
      expect(crd.spec.versions).toHaveLength(1);
      expect(crd.spec.versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true });
      expect(crd.spec.versions[0]!.subresources.status).toEqual({});
    }
  });

  it.each(CRD_KINDS)('when %s is inspected, then its schema is structural', (kind) => {
    const root = openApi(kind);
    expect(structuralViolations(root)).toEqual([]);
    walkSchema(root, (at, path) => {
      expect(typeof at.type, `${path} has a type`).toBe('string');
    });
  });

  it.each(CRD_KINDS)('when %s is inspected, then strings and lists are bounded for CEL cost', (kind) => {
    const check = (at: SchemaNode, path: string) => {
      if (at.type === 'string' && at.enum === undefined && at.format !== 'date-time') {
        expect(at.maxLength, `${path} maxLength`).toBeTypeOf('number');
      }
      if (at.type === 'array') expect(at.maxItems, `${path} maxItems`).toBeTypeOf('number');
    };
    walkSchema(node(openApi(kind), ['spec']), check, '.spec');
    walkSchema(node(openApi(kind), ['status']), check, '.status');
  });

  it.each(CRD_KINDS)('when %s is inspected, then status.conditions is a map keyed by type', (kind) => {
    const conditions = node(openApi(kind), ['status', 'conditions']);
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    const item = conditions.items as SchemaNode;
    expect(item.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
    expect(node(item, ['status']).enum).toEqual(['True', 'False', 'Unknown']);
    expect(node(openApi(kind), ['status', 'observedGeneration']).type).toBe('integer');
  });

  it('when WorkerPool is inspected, then CEL keeps min <= max and fallback within bounds', () => {
    const rules = celRules(node(openApi('WorkerPool'), ['spec']));
    expect(rules).toContain('self.minReplicas <= self.maxReplicas');
    expect(rules.some((r) => r.includes('self.fallback.replicas >= self.minReplicas'))).toBe(true);
    expect(celRules(node(openApi('WorkerPool'), ['spec', 'queue']))).toContain(
      'has(self.url) != has(self.name)',
    );
  });

  it('when WorkerPool is inspected, then it exposes the scale subresource', () => {
    expect(crdObject('WorkerPool').spec.versions[0]!.subresources.scale).toEqual({
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    });
    const root = openApi('WorkerPool');
    expect(node(root, ['spec', 'replicas']).type).toBe('integer');
    expect(node(root, ['status', 'selector']).type).toBe('string');
    expect(node(root, ['spec', 'template'])['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(crdObject('Rule').spec.versions[0]!.subresources.scale).toBeUndefined();
  });

  it('when BatchJob is inspected, then type and parameters are immutable by transition rules', () => {
    const root = openApi('BatchJob');
    expect(celRules(node(root, ['spec', 'type']))).toEqual(['self == oldSelf']);
    expect(celRules(node(root, ['spec', 'parameters']))).toContain('self == oldSelf');
    expect(node(root, ['spec', 'backoffLimit'])).toMatchObject({ default: 6, minimum: 0, maximum: 20 });
    expect(node(root, ['spec', 'parallelism'])).toMatchObject({ minimum: 1, maximum: 32 });
  });

  it('when Rule is inspected, then the definition keeps unknown fields and defaults are declared', () => {
    const spec = node(openApi('Rule'), ['spec']);
    expect(node(spec, ['definition'])).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(node(spec, ['enabled']).default).toBe(true);
    expect(node(spec, ['mode'])).toMatchObject({ default: 'enforce', enum: ['enforce', 'shadow'] });
    expect(spec.required).toEqual(['action', 'severity', 'definition']);
  });

  it('when listed by kubectl, then each kind has its printer columns', () => {
    const columns = (kind: CrdKind) =>
      crdObject(kind)
        .spec.versions[0]!.additionalPrinterColumns.filter((c) => c.priority === undefined)
        .map((c) => c.name);
    expect(columns('Rule')).toEqual(['Action', 'Mode', 'Ready', 'Hits', 'Age']);
    expect(columns('BatchJob')).toEqual(['Type', 'Phase', 'Processed', 'Total', 'Age']);
    expect(columns('WorkerPool')).toEqual(['Min', 'Max', 'Desired', 'Ready', 'Backlog', 'Age']);
  });
});

describe('samples', () => {
  it('when kustomization.yaml is read, then it lists one sample of each kind', () => {
    const kinds = new Set(sampleFiles().map((file) => sample(file).kind));
    expect([...kinds].sort()).toEqual([...CRD_KINDS].sort());
  });

  it.each(sampleFiles())('when %s is parsed, then its schema accepts it without dropping a field', (file) => {
    const written = sample(file);
    const parsed = schemaOf[written.kind].parse(written);
    expect(droppedFields(written, parsed)).toEqual([]);
  });
});

describe('zod schemas', () => {
  const pool = () => sample('workerpool-payments.yaml');
  const job = () =>
    readYaml(join(samplesDir, 'batchjob-backtest.yaml')) as { spec: { parameters: Record<string, unknown> } };
  const rule = () => sample('rule-high-value.yaml');

  it('when a WorkerPool has minReplicas > maxReplicas, then it is rejected at spec.minReplicas', () => {
    const bad = pool();
    bad.spec.minReplicas = 30;
    bad.spec.fallback = { replicas: 25 };
    expect(issues(workerPoolSchema, bad)).toContainEqual({
      path: 'spec.minReplicas',
      message: 'minReplicas must be less than or equal to maxReplicas',
      code: 'custom',
    });
  });

  it('when fallback.replicas is outside [min, max], then it is rejected', () => {
    const bad = pool();
    bad.spec.fallback = { replicas: 50 };
    expect(issues(workerPoolSchema, bad)).toEqual([
      {
        path: 'spec.fallback.replicas',
        message: 'fallback.replicas must be within [minReplicas, maxReplicas]',
        code: 'custom',
      },
    ]);
  });

  it('when a queue has both url and name, then it is rejected', () => {
    const bad = pool();
    bad.spec.queue = { name: 'q', url: 'https://sqs.eu-west-1.amazonaws.com/123/q' };
    expect(issues(workerPoolSchema, bad).map((i) => i.message)).toEqual([
      'exactly one of url or name must be set',
    ]);
  });

  it('when a WorkerPool omits the defaulted fields, then parsing fills the CRD defaults', () => {
    const minimal = { ...pool(), spec: { queue: { name: 'q' }, maxReplicas: 3 } };
    expect(workerPoolSchema.parse(minimal).spec).toEqual({
      queue: { name: 'q' },
      maxReplicas: 3,
      minReplicas: 1,
      targetBacklogPerReplica: 5,
      activationBacklog: 0,
      countInFlight: true,
      countDelayed: false,
      pollingIntervalSeconds: 5,
      cooldownSeconds: 300,
      scaleDownStabilizationSeconds: 60,
      tolerancePercent: 10,
      concurrencyPerReplica: 10,
    });
  });

  it('when a Rule has an unknown action, then the enum rejects it at spec.action', () => {
    const bad = rule();
    bad.spec.action = 'block';
    const [issue, ...rest] = issues(ruleSchema, bad);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ path: 'spec.action', code: 'invalid_value' });
    expect(issue!.message).toContain('"decline"');
  });

  it('when a Rule has an empty definition, then it is rejected', () => {
    const bad = rule();
    bad.spec.definition = {};
    expect(issues(ruleSchema, bad).map((i) => i.message)).toEqual(['definition must not be empty']);
  });

  it('when a backtest names no rule, then it is rejected at spec.parameters.ruleName', () => {
    const bad = job();
    delete bad.spec.parameters.ruleName;
    expect(issues(batchJobSchema, bad)).toEqual([
      {
        path: 'spec.parameters.ruleName',
        message: 'parameters.ruleName is required for backtest jobs and allowed only for them',
        code: 'custom',
      },
    ]);
  });

  it('when parameters.from is not before parameters.to, then it is rejected', () => {
    const bad = job();
    bad.spec.parameters.to = bad.spec.parameters.from;
    expect(issues(batchJobSchema, bad).map((i) => `${i.path}: ${i.message}`)).toEqual([
      'spec.parameters.to: parameters.from must be before parameters.to',
    ]);
  });

  it('when parallelism is out of range, then it is rejected', () => {
    const bad = sample('batchjob-backtest.yaml');
    bad.spec.parallelism = 64;
    expect(issues(batchJobSchema, bad)).toMatchObject([{ path: 'spec.parallelism', code: 'too_big' }]);
  });

  it('when a status repeats a condition type, then it is rejected', () => {
    const condition = {
      type: 'Ready',
      status: 'True',
      reason: 'Synced',
      message: '',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const withStatus = { ...rule(), status: { conditions: [condition, { ...condition, status: 'False' }] } };
    expect(issues(ruleSchema, withStatus).map((i) => i.message)).toEqual(['condition types must be unique']);
    const badReason = { ...rule(), status: { conditions: [{ ...condition, reason: 'not ok' }] } };
    expect(issues(ruleSchema, badReason).map((i) => i.path)).toEqual(['status.conditions.0.reason']);
  });
});
