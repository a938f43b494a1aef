// Which actions an alert allows in its current state, and why not (the tooltip of a disabled
// action). The role is checked by GuardedButton / useCan; this is the state part.
import type { Alert } from './types';

export type AlertAction = 'acknowledge' | 'assignToMe' | 'assign' | 'unassign' | 'resolve' | 'note';

type Subject = Pick<Alert, 'status' | 'assignee_id'>;

/** Why the action is not possible now; undefined when it is. */
export function unavailable(
  action: AlertAction,
  alert: Subject,
  meId: string | undefined,
): string | undefined {
  const resolved = alert.status === 'resolved';
  switch (action) {
    case 'acknowledge':
      return alert.status === 'open'
        ? undefined
        : `Only open alerts can be acknowledged; this one is ${alert.status}.`;
    case 'resolve':
      return resolved ? 'This alert is already resolved.' : undefined;
    case 'assign':
      return resolved ? 'A resolved alert cannot be assigned.' : undefined;
    case 'assignToMe':
      if (resolved) return 'A resolved alert cannot be assigned.';
      return meId !== undefined && alert.assignee_id === meId
        ? 'This alert is already assigned to you.'
        : undefined;
    case 'unassign':
      if (resolved) return 'A resolved alert cannot be reassigned.';
      return alert.assignee_id === null ? 'Nobody is assigned to this alert.' : undefined;
    case 'note':
      return undefined;
  }
}

/** The bulk acknowledge button: why it cannot act on this selection. */
export function bulkUnavailable(selected: readonly Subject[]): string | undefined {
  if (selected.length === 0) return 'Select the alerts to acknowledge first.';
  if (!selected.some((a) => a.status === 'open')) return 'None of the selected alerts is open.';
  return undefined;
}
