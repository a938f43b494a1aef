import { formatRelative, formatTime, formatUtc } from '../lib/format';
import { LazyTooltip } from './LazyTooltip';

/**
 * A time in the user's time zone; UTC on hover and focus.
 *
 * A table shows dozens of these, so the PatternFly Tooltip (popper, listeners, effects) is only
 * mounted while the pointer or the focus is on the time: a page of rows renders plain <time>
 * elements.
 *
 * `wrap` lets a narrow column (a phone's description list) break the text between the date and
 * the time, never inside either.
 */
export function Timestamp({
  value,
  relative,
  seconds,
  wrap,
}: {
  value: string | null | undefined;
  relative?: boolean;
  seconds?: boolean;
  wrap?: boolean;
}) {
  if (!value) return <span>—</span>;
  const text = relative ? formatRelative(value) : formatTime(value, { seconds });
  // A relative time ("9 minutes ago") has no date to break before: it stays on one line.
  const split = wrap === true && !relative;
  return (
    <LazyTooltip
      content={relative ? `${formatTime(value, { seconds: true })} · ${formatUtc(value)}` : formatUtc(value)}
    >
      <time dateTime={value} tabIndex={0} style={split ? undefined : { whiteSpace: 'nowrap' }}>
        {split ? <Parts text={text} time={formatTime(value, { seconds, date: false })} /> : text}
      </time>
    </LazyTooltip>
  );
}

/** The date and the time of `text` (which ends with `time`), each kept on one line. */
function Parts({ text, time }: { text: string; time: string }) {
  const date = text.endsWith(time) ? text.slice(0, text.length - time.length).trimEnd() : '';
  if (!date) return <span style={{ whiteSpace: 'nowrap' }}>{text}</span>;
  return (
    <>
      <span style={{ whiteSpace: 'nowrap' }}>{date}</span>{' '}
      <span style={{ whiteSpace: 'nowrap' }}>{time}</span>
    </>
  );
}
