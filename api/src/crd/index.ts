// @payflow/api/crd: the payflow.dev/v1alpha1 custom-resource schemas, their types, and the
// CRD generator.
export * from './schemas.ts';
export {
  API_VERSION,
  GROUP,
  VERSION,
  conditionSchema,
  conditionStatusSchema,
  conditionsSchema,
  objectMetaSchema,
} from './kube.ts';
export type { Condition, ConditionStatus, KubeValidation, ObjectMeta } from './kube.ts';
export { CRD_KINDS, crdFileName, crdObject, crdObjects, renderCrdYaml } from './generate.ts';
export type { CrdKind, CustomResourceDefinition, PrinterColumn, ScaleSubresource } from './generate.ts';
