// One preference saved on change: "Saving…", then "Saved" for a few seconds, or the error (the
// optimistic update in lib/preferences.tsx has already rolled back). Only the latest change of a
// control reports, so a quick second change is not confirmed by the first one's answer.
import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../../lib/api';
import { usePreferences, type Preferences } from '../../lib/preferences';

export type SaveState =
  { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; message: string };

const SAVED_FOR_MS = 3000;

export function useSave(): [SaveState, (patch: Partial<Preferences>) => void] {
  const { update } = usePreferences();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const seq = useRef(0);

  useEffect(() => {
    if (state.kind !== 'saved') return undefined;
    const timer = setTimeout(() => {
      setState({ kind: 'idle' });
    }, SAVED_FOR_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [state]);

  const save = useCallback(
    (patch: Partial<Preferences>) => {
      const mine = ++seq.current;
      setState({ kind: 'saving' });
      update(patch).then(
        () => {
          if (mine === seq.current) setState({ kind: 'saved' });
        },
        (err: unknown) => {
          if (mine === seq.current) setState({ kind: 'failed', message: describeError(err) });
        },
      );
    },
    [update],
  );
  return [state, save];
}
