// metav1.Condition bookkeeping as apimachinery's meta.SetStatusCondition does it: one entry per
// type, lastTransitionTime changing only when the status does.
import type { Condition, ConditionStatus } from '@payflow/api/crd';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Returns the list with `input` set, stamped with `generation` and (on a change of status) `now`. */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  now: string = new Date().toISOString(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const old = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...input,
    ...(generation === undefined ? {} : { observedGeneration: generation }),
    lastTransitionTime: old?.status === input.status ? old.lastTransitionTime : now.replace(/\.\d+Z$/, 'Z'),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** The conditions that changed status between two lists (for Events on transitions). */
export function transitions(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
): Condition[] {
  return after.filter((c) => {
    const old = findCondition(before, c.type);
    return old?.status !== c.status || old.reason !== c.reason;
  });
}
