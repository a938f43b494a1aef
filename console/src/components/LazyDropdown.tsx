// A PatternFly Dropdown whose menu exists from its first opening on. Dropdown's Popper reads the
// computed style of its toggle on every render (see LazyTooltip), and the masthead's menus render
// again whenever the shell does. Until the first opening only the toggle renders; from then on the
// Dropdown is mounted beside it and given the same toggle by ref, so the button the person pressed
// stays in the page (its focus too) and the Dropdown's own keys, clicks and positioning apply.
import { Dropdown, type DropdownProps } from '@patternfly/react-core';
import { useRef, useState, type ReactNode, type RefObject } from 'react';

export function LazyDropdown({
  toggle,
  isOpen,
  ...dropdown
}: Omit<DropdownProps, 'toggle'> & {
  /** The toggle, given the ref the menu is placed by. */
  toggle: (ref: RefObject<HTMLButtonElement | null>) => ReactNode;
}) {
  const ref = useRef<HTMLButtonElement | null>(null);
  const [used, setUsed] = useState(Boolean(isOpen));
  if (isOpen && !used) setUsed(true);
  return (
    <>
      {toggle(ref)}
      {used && <Dropdown {...dropdown} isOpen={isOpen} toggle={{ toggleNode: null, toggleRef: ref }} />}
    </>
  );
}
