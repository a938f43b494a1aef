import { formatRelative, formatTime, formatUtc } from '../lib/format';
import { LazyTooltip } from './LazyTooltip';

/**
 * A time in the user's time zone; UTC on hover and focus.
 *
 * A table shows dozens of these, so the PatternFly Tooltip (popper, listeners, effects) is only
 * mounted while the pointer or the focus is on the time: a page of rows renders plain <time>
 * elements.
 */
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
    <LazyTooltip
      content={relative ? `${formatTime(value, { seconds: true })} · ${formatUtc(value)}` : formatUtc(value)}
    >
      <time dateTime={value} tabIndex={0} style={{ whiteSpace: 'nowrap' }}>
        {text}
      </time>
    </LazyTooltip>
  );
}
