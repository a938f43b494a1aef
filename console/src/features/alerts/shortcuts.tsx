// Keyboard shortcuts for working the queue: single keys, ignored while typing in a field, with a
// modifier held, or while a dialog is open. "?" shows the list.
import KeyboardIcon from '@patternfly/react-icons/dist/esm/icons/keyboard-icon';
import { useEffect, useEffectEvent } from 'react';
import { LazyPopover } from '../../components/LazyPopover';

export type KeyMap = Record<string, () => void>;

/** True when a key press belongs to something else (a field, a dialog, a menu, a shortcut of the browser). */
export function ignoredKey(e: KeyboardEvent): boolean {
  if (e.metaKey || e.ctrlKey || e.altKey || e.defaultPrevented) return true;
  const target = e.target instanceof Element ? e.target : null;
  if (!target) return false;
  if (target.closest('input, textarea, select, [contenteditable="true"], [role="menu"], [role="listbox"]'))
    return true;
  return document.querySelector('[role="dialog"][aria-modal="true"]') !== null;
}

export function useHotkeys(map: KeyMap): void {
  const handle = useEffectEvent((e: KeyboardEvent) => {
    if (ignoredKey(e)) return;
    const action = map[e.key];
    if (!action) return;
    e.preventDefault();
    action();
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      handle(e);
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
    };
  }, []);
}

export function ShortcutsHelp({ shortcuts }: { shortcuts: [keys: string, what: string][] }) {
  return (
    <LazyPopover
      headerContent="Keyboard shortcuts"
      bodyContent={
        <dl className="payflow-shortcuts">
          {shortcuts.map(([k, what]) => (
            <div key={k}>
              <dt>
                {k.split(' ').map((part) => (
                  <kbd key={part}>{part}</kbd>
                ))}
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
      }
      trigger={{ variant: 'plain', 'aria-label': 'Keyboard shortcuts', icon: <KeyboardIcon /> }}
    />
  );
}
