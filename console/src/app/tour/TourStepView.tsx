// One step of the tour: a spotlight around the element the step is about (found by its
// `data-tour-id`, once it has rendered and is visible) and a PatternFly Popover beside it with
// "Step n of N", Back, Next and Skip. When the element is not there (a narrow screen hides the
// navigation, a page that failed), the popover points at the page title instead.
import { Button, Flex, FlexItem, Popover } from '@patternfly/react-core';
import { useEffect, useRef, useState } from 'react';
import type { Thread, TourStep } from './steps';
import './tour.css';

const FALLBACK_AFTER_MS = 4000;

/** Shown, and wholly across the viewport (a folded-away navigation is moved out to the left). */
function visibleTarget(id: string): HTMLElement | undefined {
  for (const el of document.querySelectorAll<HTMLElement>(`[data-tour-id="${id}"]`)) {
    const r = el.getBoundingClientRect();
    const inside = r.left >= -1 && r.right <= window.innerWidth + 1;
    // A collapsed sidebar (phones) clips its items to nothing without hiding them.
    if (el.closest('.pf-m-collapsed')) continue;
    if (r.width > 0 && r.height > 0 && inside && el.checkVisibility({ visibilityProperty: true })) return el;
  }
  return undefined;
}

/** The element the step points at, followed as the page renders, scrolls and resizes. */
function useTarget(id: string): { el: HTMLElement | undefined; rect: DOMRect | undefined } {
  const [found, setFound] = useState<{ el: HTMLElement | undefined; rect: DOMRect | undefined }>({
    el: undefined,
    rect: undefined,
  });
  useEffect(() => {
    const since = performance.now();
    let frame = 0;
    let last = '';
    let scrolled: HTMLElement | undefined;
    const look = () => {
      const late = performance.now() - since > FALLBACK_AFTER_MS;
      const el = visibleTarget(id) ?? (late ? visibleTarget('page-title') : undefined);
      if (el && el !== scrolled) {
        el.scrollIntoView({ block: 'center', inline: 'nearest' });
        scrolled = el;
      }
      const rect = el?.getBoundingClientRect();
      const key = rect
        ? `${String(rect.x)},${String(rect.y)},${String(rect.width)},${String(rect.height)}`
        : '';
      if (key !== last) {
        last = key;
        setFound({ el, rect });
      }
      frame = requestAnimationFrame(look);
    };
    frame = requestAnimationFrame(look);
    return () => {
      cancelAnimationFrame(frame);
    };
  }, [id]);
  return found;
}

const PAD = 6;

export function TourStepView({
  step,
  thread,
  position,
  total,
  onBack,
  onNext,
  onSkip,
}: {
  step: TourStep;
  thread: Thread;
  position: number;
  total: number;
  onBack: (() => void) | undefined;
  onNext: () => void;
  onSkip: () => void;
}) {
  const { el, rect } = useTarget(step.target);
  const last = position === total;
  const waits = step.doneAt !== undefined || step.doneWhen !== undefined;
  // The popover hangs on the spotlight, not on the element itself: a click on the element (what
  // a step may ask for) then reaches the page instead of toggling the popover.
  const spot = useRef<HTMLDivElement>(null);
  return (
    <>
      {rect && (
        <div className="payflow-tour-shade" aria-hidden>
          {/* Four dimmed panels around the hole; none takes clicks. */}
          <div style={{ top: 0, left: 0, right: 0, height: Math.max(0, rect.top - PAD) }} />
          <div style={{ top: rect.bottom + PAD, left: 0, right: 0, bottom: 0 }} />
          <div
            style={{
              top: rect.top - PAD,
              left: 0,
              width: Math.max(0, rect.left - PAD),
              height: rect.height + PAD * 2,
            }}
          />
          <div
            style={{ top: rect.top - PAD, left: rect.right + PAD, right: 0, height: rect.height + PAD * 2 }}
          />
          <div
            ref={spot}
            className="payflow-tour-spotlight"
            style={{
              top: rect.top - PAD,
              left: rect.left - PAD,
              width: rect.width + PAD * 2,
              height: rect.height + PAD * 2,
            }}
          />
        </div>
      )}
      {el && rect && (
        <Popover
          triggerRef={spot}
          isVisible
          shouldClose={onSkip}
          withFocusTrap={false}
          hideOnOutsideClick={false}
          closeBtnAriaLabel="Close the tour"
          aria-label={step.title}
          position="auto"
          minWidth="min(18rem, calc(100vw - 2rem))"
          maxWidth="min(26rem, calc(100vw - 2rem))"
          headerContent={step.title}
          headerComponent="h2"
          bodyContent={
            <div data-tour-step={step.id}>
              <p>{step.body(thread)}</p>
              {waits && <p className="payflow-tour-hint">Do it to go on, or press Next.</p>}
            </div>
          }
          footerContent={
            <Flex
              justifyContent={{ default: 'justifyContentSpaceBetween' }}
              alignItems={{ default: 'alignItemsCenter' }}
            >
              <FlexItem>
                <span className="payflow-tour-count">
                  Step {position} of {total}
                </span>
              </FlexItem>
              <FlexItem>
                <Flex gap={{ default: 'gapSm' }}>
                  <Button variant="link" size="sm" onClick={onSkip}>
                    Skip tour
                  </Button>
                  <Button variant="secondary" size="sm" onClick={onBack} isDisabled={!onBack}>
                    Back
                  </Button>
                  <Button size="sm" onClick={onNext}>
                    {last ? 'Finish' : 'Next'}
                  </Button>
                </Flex>
              </FlexItem>
            </Flex>
          }
        />
      )}
    </>
  );
}
