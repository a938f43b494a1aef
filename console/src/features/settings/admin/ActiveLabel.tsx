import { Label } from '@patternfly/react-core';
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';

/**
 * An account's or key's state as icon and word: active, or `ended` (disabled, revoked). A block
 * of its own, so that a phone's narrow cell does not cut the word.
 */
export function ActiveLabel({ ended }: { ended: string | undefined }) {
  return (
    <div>
      {ended ? (
        <Label status="danger" icon={<BanIcon />} textMaxWidth="16ch">
          {ended}
        </Label>
      ) : (
        <Label status="success" icon={<CheckCircleIcon />} textMaxWidth="16ch">
          Active
        </Label>
      )}
    </div>
  );
}
