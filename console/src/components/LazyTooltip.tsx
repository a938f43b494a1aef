// A PatternFly Tooltip that exists only while it is shown. Tooltip's Popper reads the computed
// style of its trigger on every render, which makes the browser compute, there and then, the styles
// and layout of everything that changed since the last frame: a masthead of tooltips that renders
// again beside a page's fresh data pays for the whole page's styles inside React's render. Until the
// pointer or the focus reaches the child, only the child renders.
import { Tooltip, type TooltipProps } from '@patternfly/react-core';
import { useRef, useState, type ReactNode } from 'react';

export function LazyTooltip({
  children,
  ...tooltip
}: Omit<TooltipProps, 'children' | 'triggerRef' | 'isVisible' | 'trigger'> & {
  /** The element the tooltip describes (the first element inside). */
  children: ReactNode;
}) {
  const trigger = useRef<HTMLElement | null>(null);
  const [shown, setShown] = useState(false);
  const show = () => {
    setShown(true);
  };
  const hide = () => {
    setShown(false);
  };
  return (
    <>
      <span
        style={{ display: 'contents' }}
        ref={(node) => {
          trigger.current = node?.firstElementChild instanceof HTMLElement ? node.firstElementChild : null;
        }}
        onMouseEnter={show}
        onMouseLeave={hide}
        onFocus={show}
        onBlur={hide}
        onKeyDown={(e) => {
          if (e.key === 'Escape') hide();
        }}
      >
        {children}
      </span>
      {shown && <Tooltip {...tooltip} triggerRef={trigger} trigger="manual" isVisible />}
    </>
  );
}
