// The live event stream (GET /api/v1/stream, server-sent events). It is read with fetch rather
// than EventSource so that the access token travels in the Authorization header. Every event
// invalidates the cached queries of its resource (coalesced, at most once a second per resource),
// so lists, counters and charts refresh without polling; pages that want the events themselves
// subscribe with useLiveEvents. The connection state drives the "live updates lost" banner.
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import {
  createContext,
  use,
  useEffect,
  useEffectEvent,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { respond } from './api';
import { useAuth } from './auth';
import { keys } from './query';

/** `access`: the signed-in user's role or merchants changed; the API then ends the stream. */
export type LiveKind = 'payment' | 'alert' | 'batch_job' | 'rule' | 'notification' | 'access';

export interface LiveEvent {
  kind: LiveKind;
  data: Record<string, unknown>;
}

/** `connecting` before the first open; `lost` after a drop until it is back (`open`). */
export type LiveStatus = 'connecting' | 'open' | 'lost';

type Listener = (e: LiveEvent) => void;

interface LiveState {
  status: LiveStatus;
  /** When the stream last came back after a loss (for the "back" banner). */
  restoredAt: number | undefined;
  subscribe: (listener: Listener) => () => void;
}

const LiveContext = createContext<LiveState | undefined>(undefined);

const INVALIDATES: Record<Exclude<LiveKind, 'access'>, readonly (readonly string[])[]> = {
  payment: [keys.payments, keys.stats],
  alert: [keys.alerts, keys.stats],
  batch_job: [keys.batchJobs],
  rule: [keys.rules],
  notification: [keys.notifications],
};

const COALESCE_MS = 1000;
const MAX_BACKOFF_MS = 15_000;
const IMMEDIATE_GAP_MS = 5000;

/** Parses SSE frames from text chunks; answers the complete frames and keeps the rest. */
export function parseFrames(buffer: string): { frames: LiveEvent[]; rest: string } {
  const parts = buffer.split(/\r?\n\r?\n/);
  const rest = parts.pop() ?? '';
  const frames: LiveEvent[] = [];
  for (const part of parts) {
    let event = 'message';
    const data: string[] = [];
    for (const line of part.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) continue;
    try {
      frames.push({ kind: event as LiveKind, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
    } catch {
      // A frame that is not JSON is not ours; skip it.
    }
  }
  return { frames, rest };
}

type Invalidating = keyof typeof INVALIDATES;

function invalidator(client: QueryClient): (kind: Invalidating) => void {
  const pending = new Set<Invalidating>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (kind) => {
    pending.add(kind);
    timer ??= setTimeout(() => {
      timer = undefined;
      for (const k of pending) {
        for (const queryKey of INVALIDATES[k]) void client.invalidateQueries({ queryKey });
      }
      pending.clear();
    }, COALESCE_MS);
  };
}

async function readStream(
  res: Response,
  onEvent: (e: LiveEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const body = res.body;
  if (!body) return;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!signal.aborted) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseFrames(buffer + value);
    buffer = parsed.rest;
    for (const e of parsed.frames) onEvent(e);
  }
}

export function LiveProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [restoredAt, setRestoredAt] = useState<number | undefined>();
  const listeners = useRef(new Set<Listener>());
  // The auth state changes with every session; the stream is not reopened for that.
  const { renewNow } = useAuth();
  const renew = useRef(renewNow);
  useEffect(() => {
    renew.current = renewNow;
  }, [renewNow]);

  useEffect(() => {
    const controller = new AbortController();
    const invalidate = invalidator(client);
    let backoff = 1000;
    let everOpen = false;
    // The API ends the stream after an access event; the console reconnects at once, under the
    // new access, without calling it a loss.
    let accessChanged = false;
    const onEvent = (e: LiveEvent) => {
      if (e.kind === 'access') {
        accessChanged = true;
        // Everything shown may have been read under the old access: the session's user (the
        // role the navigation and commands follow), the merchant-scope badge and every list,
        // count and chart.
        renew.current().catch(() => undefined);
        void client.invalidateQueries();
      } else if (e.kind in INVALIDATES) invalidate(e.kind);
      for (const l of listeners.current) l(e);
    };
    const stopped = () => controller.signal.aborted;
    const run = async () => {
      // When the last immediate reconnect was (at most one in a few seconds, so a server that
      // kept ending the stream could never make the console spin).
      let immediateAt = -Infinity;
      let afterAccess = false;
      while (!stopped()) {
        try {
          const res = await respond('/api/v1/stream', {
            headers: { Accept: 'text/event-stream' },
            signal: controller.signal,
          });
          if (everOpen && !afterAccess) {
            setRestoredAt(Date.now());
            // Whatever happened while the stream was down is fetched again.
            void client.invalidateQueries();
          }
          everOpen = true;
          backoff = 1000;
          setStatus('open');
          await readStream(res, onEvent, controller.signal);
        } catch {
          // Dropped, refused or aborted: the loop decides.
        }
        if (stopped()) return;
        // Ended after an access event: reconnect at once; anything else waits its backoff (a
        // refused reconnect, say of a disabled account, never spins).
        afterAccess = accessChanged;
        accessChanged = false;
        if (afterAccess && Date.now() - immediateAt > IMMEDIATE_GAP_MS) {
          immediateAt = Date.now();
          continue;
        }
        setStatus(everOpen ? 'lost' : 'connecting');
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    };
    void run();
    return () => {
      controller.abort();
    };
  }, [client]);

  const value = useMemo<LiveState>(
    () => ({
      status,
      restoredAt,
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => {
          listeners.current.delete(listener);
        };
      },
    }),
    [status, restoredAt],
  );
  return <LiveContext value={value}>{children}</LiveContext>;
}

export function useLive(): LiveState {
  const ctx = use(LiveContext);
  if (!ctx) throw new Error('useLive outside LiveProvider');
  return ctx;
}

/** Calls `onEvent` for every live event of the given kinds while the component is mounted. */
export function useLiveEvents(kinds: readonly LiveKind[], onEvent: Listener): void {
  const { subscribe } = useLive();
  const handle = useEffectEvent(onEvent);
  const wanted = kinds.join(',');
  useEffect(
    () =>
      subscribe((e) => {
        if (wanted.split(',').includes(e.kind)) handle(e);
      }),
    [subscribe, wanted],
  );
}
