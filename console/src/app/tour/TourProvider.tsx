// The guided tour's state: a reducer-like set of moves (start, next, back, skip, finish) over
// the steps of the user's role, kept on the server (so a reload or another browser resumes at
// the same step) with the thread it follows remembered in this browser. Steps that wait for the
// user advance when the address shows it done, or when the server does (the alert acknowledged).
import { useQuery } from '@tanstack/react-query';
import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { api } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { useOnboarding, useUpdateOnboarding } from '../../lib/onboarding';
import { isAt, nearestStep, stepsFor, TOUR_STEPS, type Thread } from './steps';
import { TourStepView } from './TourStepView';

interface TourApi {
  start: () => void;
  running: boolean;
}

const TourContext = createContext<TourApi>({ start: () => undefined, running: false });

export function useTour(): TourApi {
  return useContext(TourContext);
}

const STORE = 'payflow.tour';

interface Stored {
  user: string;
  thread: Thread;
}

function storedThread(user: string): Thread | undefined {
  try {
    const s = JSON.parse(localStorage.getItem(STORE) ?? 'null') as Stored | null;
    return s?.user === user ? s.thread : undefined;
  } catch {
    return undefined;
  }
}

function useAcknowledged(alertId: string | undefined, watching: boolean): boolean {
  const q = useQuery({
    queryKey: ['alerts', 'detail', alertId, 'tour'],
    queryFn: ({ signal }) =>
      api.get<{ status: string }>(`/api/v1/alerts/${alertId ?? ''}`, undefined, signal),
    enabled: watching && alertId !== undefined,
    refetchInterval: 1500,
  });
  return watching && q.data !== undefined && q.data.status !== 'open';
}

export function TourProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const role = user?.role;
  const onboarding = useOnboarding();
  const saveTour = useUpdateOnboarding().mutate;
  const navigate = useNavigate();
  const location = useLocation();
  const [params, setParams] = useSearchParams();
  const [step, setStep] = useState<number | undefined>(undefined);
  const [thread, setThread] = useState<Thread | undefined>(undefined);
  const resumed = useRef(false);
  const startedFor = useRef<string | undefined>(undefined);
  const advanced = useRef<number | undefined>(undefined);
  const visible = useMemo(() => stepsFor(role), [role]);
  // Where the user is when a move happens (read at the move; moving is no reason to re-create it).
  const here = useRef(location);
  useEffect(() => {
    here.current = location;
  }, [location]);

  const enter = useCallback(
    (index: number, t: Thread) => {
      const s = TOUR_STEPS[index];
      if (!s) return;
      setStep(index);
      advanced.current = undefined;
      saveTour({ tour: { status: 'running', step: index } });
      if (!isAt(s, here.current, t)) void navigate(s.path(t));
    },
    [navigate, saveTour],
  );

  const begin = useCallback(
    async (index: number) => {
      const known = user ? storedThread(user.id) : undefined;
      const t = known ?? (await findThreadSafe());
      if (user) localStorage.setItem(STORE, JSON.stringify({ user: user.id, thread: t } satisfies Stored));
      setThread(t);
      enter(index, t);
    },
    [enter, user],
  );

  const start = useCallback(() => {
    localStorage.removeItem(STORE);
    const first = visible[0];
    if (first !== undefined) void begin(first);
  }, [begin, visible]);

  const stop = useCallback(
    (status: 'done' | 'skipped') => {
      setStep(undefined);
      localStorage.removeItem(STORE);
      saveTour({ tour: { status, step: 0 } });
    },
    [saveTour],
  );

  const next = useCallback(() => {
    if (step === undefined || !thread) return;
    const after = visible.find((i) => i > step);
    if (after === undefined) stop('done');
    else enter(after, thread);
  }, [enter, step, stop, thread, visible]);

  const back = useCallback(() => {
    if (step === undefined || !thread) return;
    const before = [...visible].reverse().find((i) => i < step);
    if (before === undefined) return;
    enter(before, thread);
    // Back to a step that waits for the user: it is done already, but they asked to see it.
    advanced.current = before;
  }, [enter, step, thread, visible]);

  // Resume after a reload (or in another browser) where the server says the user is.
  const state = onboarding.data;
  useEffect(() => {
    if (resumed.current || !state) return;
    resumed.current = true;
    if (params.get('tour') === 'start') return;
    if (state.tour.status !== 'running') return;
    const at = nearestStep(role, state.tour.step);
    // Syncing with the server's record of the tour, once it has loaded.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    if (at !== undefined) void begin(at);
  }, [state, role, begin, params]);

  // `?tour=start` (the landing page's "Take the tour", the checklist) starts it afresh.
  useEffect(() => {
    if (params.get('tour') !== 'start' || !role || startedFor.current === location.key) return;
    startedFor.current = location.key;
    setParams(
      (p) => {
        const n = new URLSearchParams(p);
        n.delete('tour');
        return n;
      },
      { replace: true },
    );
    // Syncing with the address: `?tour=start` is a request to start.
    start();
  }, [params, role, setParams, start, location.key]);

  // Steps that wait for the user.
  const current = step === undefined ? undefined : TOUR_STEPS[step];
  const acknowledged = useAcknowledged(thread?.alertId, current?.doneWhen === 'alert-acknowledged');
  useEffect(() => {
    if (!current || !thread || advanced.current === step) return;
    const done = current.doneAt?.(location, thread) === true || acknowledged;
    if (!done) return;
    advanced.current = step;
    // The user did what the step asked (seen in the address or on the server): move on.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    next();
  }, [current, thread, location, acknowledged, next, step]);

  const value = useMemo(() => ({ start, running: step !== undefined }), [start, step]);
  return (
    <TourContext.Provider value={value}>
      {children}
      {current && thread && step !== undefined && (
        <TourStepView
          key={current.id}
          step={current}
          thread={thread}
          position={visible.indexOf(step) + 1}
          total={visible.length}
          onBack={visible[0] === step ? undefined : back}
          onNext={next}
          onSkip={() => {
            stop('skipped');
          }}
        />
      )}
    </TourContext.Provider>
  );
}

async function findThreadSafe(): Promise<Thread> {
  const { findThread } = await import('./thread');
  return findThread().catch(() => ({}));
}
