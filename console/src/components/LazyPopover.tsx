// A PatternFly Popover that exists only from its first opening on. Popover's Popper reads the
// computed style of its trigger on every render, which forces the browser to compute the styles
// of everything that changed in the same frame; a card that renders one beside fresh data pays
// for the whole page's styles there. Until the trigger is first clicked, only the trigger renders.
import { Button, Popover, type ButtonProps, type PopoverProps } from '@patternfly/react-core';
import { useRef, useState } from 'react';

export function LazyPopover({
  trigger,
  ...popover
}: Omit<PopoverProps, 'children' | 'triggerRef' | 'isVisible' | 'shouldOpen' | 'shouldClose'> & {
  /** The button that opens it (a PatternFly Button's props). */
  trigger: Omit<ButtonProps, 'ref' | 'onClick' | 'aria-expanded'>;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  const [state, setState] = useState<'never' | 'open' | 'closed'>('never');
  return (
    <>
      <Button
        {...trigger}
        ref={ref}
        aria-expanded={state === 'open'}
        // Once the popover is mounted, it listens to its trigger itself.
        onClick={
          state === 'never'
            ? () => {
                setState('open');
              }
            : undefined
        }
      />
      {state !== 'never' && (
        <Popover
          {...popover}
          triggerRef={ref}
          isVisible={state === 'open'}
          shouldOpen={() => {
            setState('open');
          }}
          shouldClose={() => {
            setState('closed');
          }}
        />
      )}
    </>
  );
}
