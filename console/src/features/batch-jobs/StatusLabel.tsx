// A batch job's status as icon + word.
import { Label } from '@patternfly/react-core';
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import HourglassHalfIcon from '@patternfly/react-icons/dist/esm/icons/hourglass-half-icon';
import InProgressIcon from '@patternfly/react-icons/dist/esm/icons/in-progress-icon';
import PauseCircleIcon from '@patternfly/react-icons/dist/esm/icons/pause-circle-icon';
import type { ComponentType } from 'react';
import { humanize } from '../../components/StateLabel';

interface Look {
  status?: 'success' | 'danger' | 'warning' | 'info';
  color?: 'grey' | 'blue';
  Icon: ComponentType;
}

const LOOKS: Record<string, Look> = {
  pending: { color: 'grey', Icon: HourglassHalfIcon },
  running: { color: 'blue', Icon: InProgressIcon },
  suspended: { status: 'warning', Icon: PauseCircleIcon },
  succeeded: { status: 'success', Icon: CheckCircleIcon },
  failed: { status: 'danger', Icon: ExclamationCircleIcon },
  cancelled: { color: 'grey', Icon: BanIcon },
};

export function JobStatusLabel({ status, compact }: { status: string; compact?: boolean }) {
  const { status: s, color, Icon } = LOOKS[status] ?? { color: 'grey', Icon: HourglassHalfIcon };
  return (
    <Label status={s} color={s ? undefined : color} icon={<Icon />} isCompact={compact} textMaxWidth="16ch">
      {humanize(status)}
    </Label>
  );
}
