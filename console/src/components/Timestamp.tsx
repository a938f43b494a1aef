import { Tooltip } from '@patternfly/react-core';
import { useRef, useState } from 'react';
import { formatRelative, formatTime, formatUtc } from '../lib/format';

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
  const ref = useRef<HTMLTimeElement>(null);
  const [shown, setShown] = useState(false);
  if (!value) return <span>—</span>;
  const text = relative ? formatRelative(value) : formatTime(value, { seconds });
  const show = () => {
    setShown(true);
  };
  const hide = () => {
    setShown(false);
  };
  return (
    <>
      <time
        ref={ref}
        dateTime={value}
        tabIndex={0}
        style={{ whiteSpace: 'nowrap' }}
        onMouseEnter={show}
        onMouseLeave={hide}
        onFocus={show}
        onBlur={hide}
        onKeyDown={(e) => {
          if (e.key === 'Escape') hide();
        }}
      >
        {text}
      </time>
      {shown && (
        <Tooltip
          triggerRef={ref}
          trigger="manual"
          isVisible
          content={
            relative ? `${formatTime(value, { seconds: true })} · ${formatUtc(value)}` : formatUtc(value)
          }
        />
      )}
    </>
  );
}
