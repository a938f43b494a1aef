import { Label } from '@patternfly/react-core';
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import EyeIcon from '@patternfly/react-icons/dist/esm/icons/eye-icon';
import ShieldAltIcon from '@patternfly/react-icons/dist/esm/icons/shield-alt-icon';

export function ModeLabel({ mode, compact }: { mode: string; compact?: boolean }) {
  return mode === 'shadow' ? (
    <Label color="purple" icon={<EyeIcon />} isCompact={compact}>
      Shadow
    </Label>
  ) : (
    <Label color="blue" icon={<ShieldAltIcon />} isCompact={compact}>
      Enforce
    </Label>
  );
}

export function EnabledLabel({ enabled, compact }: { enabled: boolean; compact?: boolean }) {
  return enabled ? (
    <Label status="success" icon={<CheckCircleIcon />} isCompact={compact}>
      Enabled
    </Label>
  ) : (
    <Label color="grey" icon={<BanIcon />} isCompact={compact}>
      Disabled
    </Label>
  );
}
