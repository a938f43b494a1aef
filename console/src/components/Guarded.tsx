// An action a role may not take is shown disabled with a tooltip that says why — never hidden
// without a word. `aria-disabled` (not `disabled`) keeps it focusable so keyboard users reach
// the tooltip too.
import { Button, type ButtonProps } from '@patternfly/react-core';
import { useAuth } from '../lib/auth';
import { LazyTooltip } from './LazyTooltip';
import { needsRole, roleAtLeast, type Role } from '../lib/roles';

export function useCan(need: Role): boolean {
  return roleAtLeast(useAuth().user?.role, need);
}

export function GuardedButton({
  need,
  reason,
  ...props
}: ButtonProps & {
  /** The least role the action needs. */
  need: Role;
  /** Why it is unavailable for another reason (e.g. the payment's state); shown the same way. */
  reason?: string;
}) {
  const allowed = useCan(need);
  const why = !allowed ? needsRole(need) : reason;
  if (!why) return <Button {...props} />;
  return (
    <LazyTooltip content={why}>
      <Button {...props} isAriaDisabled onClick={undefined} />
    </LazyTooltip>
  );
}
