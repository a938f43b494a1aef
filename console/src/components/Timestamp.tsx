import { Tooltip } from '@patternfly/react-core';
import { formatRelative, formatTime, formatUtc } from '../lib/format';

/** A time in the user's time zone; UTC on hover and focus. */
export function Timestamp({
  value,
  relative,
  seconds,
}: {
  value: string | null | undefined;
  relative?: boolean;
  seconds?: boolean;
}) {
  if (!value) return <span>—</span>;
  const text = relative ? formatRelative(value) : formatTime(value, { seconds });
  return (
    <Tooltip
      content={relative ? `${formatTime(value, { seconds: true })} · ${formatUtc(value)}` : formatUtc(value)}
    >
      <time dateTime={value} tabIndex={0} style={{ whiteSpace: 'nowrap' }}>
        {text}
      </time>
    </Tooltip>
  );
}
