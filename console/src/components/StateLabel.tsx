// Status as icon + word, never colour alone.
import BanIcon from '@patternfly/react-icons/dist/esm/icons/ban-icon';
import CheckCircleIcon from '@patternfly/react-icons/dist/esm/icons/check-circle-icon';
import ExclamationCircleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-circle-icon';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import HourglassHalfIcon from '@patternfly/react-icons/dist/esm/icons/hourglass-half-icon';
import InfoCircleIcon from '@patternfly/react-icons/dist/esm/icons/info-circle-icon';
import UndoIcon from '@patternfly/react-icons/dist/esm/icons/undo-icon';
import type { ComponentType } from 'react';
import { StaticLabel, type LabelColor, type LabelStatus } from './StaticLabel';

interface Look {
  status?: LabelStatus;
  color?: LabelColor;
  Icon: ComponentType;
}

const PAYMENT: Record<string, Look> = {
  pending: { color: 'grey', Icon: HourglassHalfIcon },
  authorized: { color: 'blue', Icon: InfoCircleIcon },
  captured: { color: 'teal', Icon: CheckCircleIcon },
  settled: { status: 'success', Icon: CheckCircleIcon },
  failed: { status: 'danger', Icon: ExclamationCircleIcon },
  voided: { color: 'grey', Icon: BanIcon },
  refunded: { color: 'purple', Icon: UndoIcon },
  partially_refunded: { color: 'purple', Icon: UndoIcon },
  disputed: { status: 'warning', Icon: ExclamationTriangleIcon },
  charged_back: { status: 'danger', Icon: ExclamationCircleIcon },
};

export const PAYMENT_STATES = Object.keys(PAYMENT);

export function humanize(s: string): string {
  const t = s.replaceAll('_', ' ');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

const FALLBACK: Look = { color: 'grey', Icon: InfoCircleIcon };

function LookLabel({ look, text, compact }: { look: Look | undefined; text: string; compact?: boolean }) {
  const { status, color, Icon } = look ?? FALLBACK;
  return (
    <StaticLabel status={status} color={status ? undefined : color} icon={<Icon />} compact={compact}>
      {text}
    </StaticLabel>
  );
}

export function PaymentStateLabel({ state, compact }: { state: string; compact?: boolean }) {
  return <LookLabel look={PAYMENT[state]} text={humanize(state)} compact={compact} />;
}

const SEVERITY: Record<string, Look> = {
  critical: { status: 'danger', Icon: ExclamationCircleIcon },
  high: { color: 'orange', Icon: ExclamationTriangleIcon },
  medium: { status: 'warning', Icon: ExclamationTriangleIcon },
  low: { status: 'info', Icon: InfoCircleIcon },
};

export function SeverityLabel({ severity, compact }: { severity: string; compact?: boolean }) {
  return <LookLabel look={SEVERITY[severity]} text={humanize(severity)} compact={compact} />;
}

const HEALTH: Record<string, Look> = {
  up: { status: 'success', Icon: CheckCircleIcon },
  degraded: { status: 'warning', Icon: ExclamationTriangleIcon },
  down: { status: 'danger', Icon: ExclamationCircleIcon },
  not_configured: { color: 'grey', Icon: BanIcon },
};

export function HealthLabel({ status, compact }: { status: string; compact?: boolean }) {
  return (
    <LookLabel
      look={HEALTH[status]}
      text={status === 'not_configured' ? 'Not configured' : humanize(status)}
      compact={compact}
    />
  );
}

const ALERT_STATUS: Record<string, Look> = {
  open: { status: 'danger', Icon: ExclamationCircleIcon },
  acknowledged: { status: 'warning', Icon: HourglassHalfIcon },
  resolved: { status: 'success', Icon: CheckCircleIcon },
};

export function AlertStatusLabel({ status, compact }: { status: string; compact?: boolean }) {
  return <LookLabel look={ALERT_STATUS[status]} text={humanize(status)} compact={compact} />;
}
