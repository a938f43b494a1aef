import { startTransition, useEffect, useState } from 'react';

/**
 * The width of an element, kept up to date with a ResizeObserver, so charts (which draw at a
 * fixed size) fill their card at any screen width. 0 until the first measurement.
 *
 * A new width renders as a transition: drawing a chart is the longest render of a page, and
 * React slices a transition so that the main thread stays free for input (and for the other
 * cards' data) while it draws; the reserved box keeps its size meanwhile.
 */
export function useWidth(): [(el: HTMLElement | null) => void, number] {
  const [el, setEl] = useState<HTMLElement | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const observer = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0);
      startTransition(() => {
        setWidth((old) => (old === w ? old : w));
      });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, [el]);
  return [setEl, width];
}
