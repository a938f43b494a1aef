// The navigation sidebar's open state, kept by the shell rather than by PatternFly's Page.
//
// Page's managed sidebar measures the page on mount (clientWidth, a forced layout of the whole
// page during the first commit) and then re-renders it with width classes on its root, which
// makes the browser compute every style again before the first paint. The same behaviour from a
// media query costs neither: beside the page from PatternFly's xl breakpoint up, open unless
// collapsed; below it, an overlay that starts closed and closes when the page behind it is
// touched or another page is opened. Each width keeps its own choice, as PatternFly's does.
import { useCallback, useState, useSyncExternalStore } from 'react';

/** PatternFly's xl breakpoint (75rem): the sidebar sits beside the page from here up. */
export const WIDE_QUERY = '(min-width: 75rem)';

function subscribeWide(onChange: () => void): () => void {
  if (typeof matchMedia !== 'function') return () => undefined;
  const mq = matchMedia(WIDE_QUERY);
  mq.addEventListener('change', onChange);
  return () => {
    mq.removeEventListener('change', onChange);
  };
}

function isWide(): boolean {
  return typeof matchMedia === 'function' ? matchMedia(WIDE_QUERY).matches : true;
}

export interface SidebarState {
  /** Below the xl breakpoint: the sidebar is an overlay. */
  overlay: boolean;
  open: boolean;
  toggle: () => void;
  /** Closes an open overlay (a touch on the page behind it, a new page); beside the page, nothing. */
  dismiss: () => void;
}

export function useSidebar(): SidebarState {
  const overlay = !useSyncExternalStore(subscribeWide, isWide, () => true);
  const [besideOpen, setBesideOpen] = useState(true);
  const [overlayOpen, setOverlayOpen] = useState(false);
  const toggle = useCallback(() => {
    if (overlay) setOverlayOpen((o) => !o);
    else setBesideOpen((o) => !o);
  }, [overlay]);
  const dismiss = useCallback(() => {
    setOverlayOpen(false);
  }, []);
  return { overlay, open: overlay ? overlayOpen : besideOpen, toggle, dismiss };
}
