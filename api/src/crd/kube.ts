// Building blocks shared by the payflow.dev custom-resource schemas: Kubernetes-shaped
// primitives (bounded strings and integers, RFC 3339 times, metav1.Condition) and the two
// ways a zod schema carries Kubernetes-only facts into the generated CRD:
//   - `withCel` attaches `x-kubernetes-validations` rules, and the same check in TypeScript
//     where one exists, so the API server and zod reject the same objects;
//   - `withKube` attaches the other OpenAPI extensions (list types, unknown-field preservation).
// Both travel as zod metadata, which `z.toJSONSchema` copies into the emitted schema node.
import { z } from 'zod';

export const GROUP = 'payflow.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = 'payflow.dev/v1alpha1';

/** Field error types a CEL rule may report (`x-kubernetes-validations[].reason`). */
export type ValidationReason =
  'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

/** One `x-kubernetes-validations` entry as it appears in the CRD. */
export interface KubeValidation {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: ValidationReason;
}

/** A CEL rule plus, where it can be expressed without `oldSelf`, the same check for zod. */
export interface CelRule<T> extends KubeValidation {
  /** The rule in TypeScript; absent for transition rules, which only the API server can judge. */
  check?: (value: T) => boolean;
}

/** OpenAPI extensions (and keywords zod cannot express) to copy into a schema node. */
export interface KubeExtensions {
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  minProperties?: number;
}

/** `.maxReplicas` or `.parameters.ruleName` → the matching zod issue path. */
function issuePath(fieldPath: string | undefined): string[] {
  return fieldPath === undefined ? [] : fieldPath.split('.').filter((part) => part !== '');
}

function toValidation(rule: KubeValidation): KubeValidation {
  const { rule: expression, message, fieldPath, reason } = rule;
  return {
    rule: expression,
    message,
    ...(fieldPath === undefined ? {} : { fieldPath }),
    ...(reason === undefined ? {} : { reason }),
  };
}

/** Attach CEL rules to `schema` (once per node) and enforce their TypeScript twins in zod. */
export function withCel<T extends z.ZodType>(schema: T, rules: readonly CelRule<z.output<T>>[]): T {
  let checked = schema;
  for (const { check, message, fieldPath } of rules) {
    if (check !== undefined) {
      checked = checked.refine((value) => check(value), { error: message, path: issuePath(fieldPath) });
    }
  }
  return checked.meta({ 'x-kubernetes-validations': rules.map(toValidation) });
}

/** Attach OpenAPI extensions to `schema`. */
export function withKube<T extends z.ZodType>(schema: T, extensions: KubeExtensions): T {
  return schema.meta({ ...extensions });
}

// ---------------------------------------------------------------------------------------------
// Primitives. Every string is bounded and every list has maxItems so that the API server's CEL
// cost estimator can bound the rules that touch them.

/** An integer in [min, max]. */
export function int(min: number, max: number): z.ZodInt {
  return z.int().min(min).max(max);
}

/** A non-negative counter (int64 in the CRD). */
export function count(): z.ZodInt {
  return z.int().min(0);
}

/** A string of at most `max` characters (and at least `min`, default 1). */
export function text(max: number, min = 1): z.ZodString {
  const bounded = z.string().max(max);
  return min > 0 ? bounded.min(min) : bounded;
}

/** An RFC 3339 time (`format: date-time`, a CEL timestamp), with `Z` or a numeric offset. */
export function time(): z.ZodISODateTime {
  return z.iso.datetime({ offset: true });
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The name of another object in the same namespace (DNS-1123 subdomain). */
export function objectName(): z.ZodString {
  return z.string().min(1).max(253).regex(DNS1123_SUBDOMAIN, 'must be a lowercase RFC 1123 subdomain');
}

/** The parts of metav1.ObjectMeta that the schemas and their users read; the rest passes through. */
export const objectMetaSchema = z.looseObject({
  name: objectName(),
  namespace: text(63).optional(),
  uid: text(64).optional(),
  resourceVersion: text(64).optional(),
  generation: count().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(text(253)).optional(),
});

// ---------------------------------------------------------------------------------------------
// metav1.Condition, with the bounds and patterns Kubernetes itself declares for it.

const CONDITION_TYPE =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
const CONDITION_REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const conditionStatusSchema = z.enum(['True', 'False', 'Unknown']);

export const conditionSchema = z
  .object({
    type: text(316)
      .regex(CONDITION_TYPE, 'must be a CamelCase condition type')
      .describe('Type of condition.'),
    status: conditionStatusSchema.describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: count().optional().describe('The .metadata.generation the condition was set from.'),
    lastTransitionTime: time().describe('When the condition last changed from one status to another.'),
    reason: text(1024)
      .regex(CONDITION_REASON, 'must be a CamelCase reason')
      .describe('Programmatic identifier (CamelCase) for the last transition.'),
    message: text(32768, 0).describe('Human-readable details of the last transition.'),
  })
  .describe('A metav1.Condition.');

/** The status.conditions list: a map keyed by type, as `meta.SetStatusCondition` maintains it. */
export function conditionsSchema(types: readonly string[]) {
  const unique = conditionSchema
    .array()
    .max(16)
    .refine((list) => new Set(list.map((c) => c.type)).size === list.length, {
      error: 'condition types must be unique',
    })
    .describe(`Observations of the object's state. Types: ${types.join(', ')}.`);
  return withKube(unique, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
}

export type ConditionStatus = z.infer<typeof conditionStatusSchema>;
export type Condition = z.infer<typeof conditionSchema>;
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
