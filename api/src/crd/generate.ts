// CustomResourceDefinitions (apiextensions.k8s.io/v1) for the payflow.dev kinds, generated from
// the zod schemas in schemas.ts. What is Kubernetes presentation rather than schema — names,
// printer columns, subresources — is declared here, one entry per kind.
import { stringify } from 'yaml';
import type { z } from 'zod';
import { GROUP, VERSION } from './kube.ts';
import { batchJobSchema, ruleSchema, workerPoolSchema } from './schemas.ts';
import { structuralViolations, toStructural } from './structural.ts';
import type { SchemaNode } from './structural.ts';

export const CRD_KINDS = ['Rule', 'BatchJob', 'WorkerPool'] as const;
export type CrdKind = (typeof CRD_KINDS)[number];

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: SchemaNode };
      subresources: { status: Record<string, never>; scale?: ScaleSubresource };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

interface KindDefinition {
  schema: z.ZodType;
  description: string;
  plural: string;
  shortName: string;
  columns: PrinterColumn[];
  scale?: ScaleSubresource;
}

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

function conditionColumn(type: string): PrinterColumn {
  return { name: type, type: 'string', jsonPath: `.status.conditions[?(@.type=="${type}")].status` };
}

const KINDS: Record<CrdKind, KindDefinition> = {
  Rule: {
    schema: ruleSchema,
    description:
      'Rule declares a payment monitoring rule. The controller validates it and syncs it into the ' +
      'PayFlow store that the workers evaluate; status shows sync state and hits.',
    plural: 'rules',
    shortName: 'pfrule',
    columns: [
      { name: 'Action', type: 'string', jsonPath: '.spec.action' },
      { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
      { name: 'Severity', type: 'string', jsonPath: '.spec.severity', priority: 1 },
      conditionColumn('Ready'),
      { name: 'Hits', type: 'integer', jsonPath: '.status.hitsLast24h', description: 'Matches in 24 h' },
      age,
    ],
  },
  BatchJob: {
    schema: batchJobSchema,
    description:
      'BatchJob runs a replay, backfill, reconcile, backtest or export as an owned batch/v1 Job; ' +
      'progress is checkpointed and mirrored into status.',
    plural: 'batchjobs',
    shortName: 'pfjob',
    columns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Processed', type: 'integer', jsonPath: '.status.processed' },
      { name: 'Total', type: 'integer', jsonPath: '.status.total' },
      { name: 'Failed', type: 'integer', jsonPath: '.status.failed', priority: 1 },
      age,
    ],
  },
  WorkerPool: {
    schema: workerPoolSchema,
    description:
      'WorkerPool runs the payment-event workers for one SQS queue and scales them on its backlog ' +
      'and drain rate.',
    plural: 'workerpools',
    shortName: 'pfpool',
    columns: [
      { name: 'Min', type: 'integer', jsonPath: '.spec.minReplicas' },
      { name: 'Max', type: 'integer', jsonPath: '.spec.maxReplicas' },
      { name: 'Desired', type: 'integer', jsonPath: '.status.desiredReplicas' },
      { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
      { name: 'Backlog', type: 'integer', jsonPath: '.status.backlog.visible' },
      { name: 'Queue', type: 'string', jsonPath: '.spec.queue.name', priority: 1 },
      age,
    ],
    scale: {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.status.selector',
    },
  },
};

/** The resource's schema, with the envelope fields as every CRD declares them. */
function openApiSchema(definition: KindDefinition): SchemaNode {
  const node = toStructural(definition.schema);
  const properties = node.properties as Record<string, SchemaNode>;
  const rootRules = node['x-kubernetes-validations'];
  const root: SchemaNode = {
    description: definition.description,
    type: 'object',
    properties: {
      apiVersion: { description: 'APIVersion of this representation of the object.', type: 'string' },
      kind: { description: 'Kind of the REST resource this object represents.', type: 'string' },
      metadata: { type: 'object' },
      spec: properties.spec,
      status: properties.status,
    },
    required: ['spec'],
    ...(rootRules === undefined ? {} : { 'x-kubernetes-validations': rootRules }),
  };
  const violations = structuralViolations(root);
  if (violations.length > 0) throw new Error(`non-structural schema:\n${violations.join('\n')}`);
  return root;
}

function versionOf(definition: KindDefinition): CustomResourceDefinition['spec']['versions'][number] {
  return {
    name: VERSION,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: openApiSchema(definition) },
    subresources: definition.scale ? { status: {}, scale: definition.scale } : { status: {} },
    additionalPrinterColumns: definition.columns,
  };
}

/** The CustomResourceDefinition of one kind. */
export function crdObject(kind: CrdKind): CustomResourceDefinition {
  const definition = KINDS[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${definition.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'payflow', 'app.kubernetes.io/part-of': 'payflow' },
    },
    spec: {
      group: GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: definition.plural,
        singular: kind.toLowerCase(),
        shortNames: [definition.shortName],
        categories: ['payflow'],
      },
      scope: 'Namespaced',
      versions: [versionOf(definition)],
    },
  };
}

/** The CustomResourceDefinitions of every payflow.dev kind. */
export function crdObjects(): CustomResourceDefinition[] {
  return CRD_KINDS.map(crdObject);
}

/** `payflow.dev_workerpools.yaml`: the file in crds/ that holds a kind's CRD. */
export function crdFileName(kind: CrdKind): string {
  return `${GROUP}_${KINDS[kind].plural}.yaml`;
}

const HEADER =
  '# Generated from api/src/crd/schemas.ts by api/src/crd/write-crds.ts. Do not edit.\n' +
  '# Regenerate: node api/src/crd/write-crds.ts\n';

/** The YAML file content of a kind's CRD, as committed in crds/. */
export function renderCrdYaml(kind: CrdKind): string {
  return HEADER + stringify(crdObject(kind), { lineWidth: 0 });
}
