// Sessions for the console. The refresh token lives only in an HttpOnly, SameSite=Strict cookie
// scoped to /api/v1/auth that the API sets when a request says `X-PayFlow-Session: cookie`; page
// scripts never see it. The access token lives in memory only (never in storage), is renewed
// shortly before it expires, and is shared between tabs over a BroadcastChannel. A refresh takes
// a Web Lock first, so two tabs never present the same rotated cookie (which the API would treat
// as reuse and revoke the whole session family).
import {
  createContext,
  startTransition,
  use,
  useCallback,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from 'react';
import { ApiError, request, setCredentials } from './api';
import type { UserRole } from './roles';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  email_verified: boolean;
  created_at: string;
}

/** A session as the API answers it (login, refresh, change-password). */
export interface SignedIn {
  user: SessionUser;
  accessToken: string;
  expiresIn: number;
}

interface Session {
  user: SessionUser;
  token: string;
  /** Epoch ms when the access token expires. */
  expiresAt: number;
}

export type AuthStatus = 'loading' | 'signed-out' | 'signed-in';

export interface AuthState {
  status: AuthStatus;
  user: SessionUser | undefined;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** After the OIDC redirect: the cookie is set, fetch the first access token. */
  resume: () => Promise<boolean>;
  /**
   * A session the API answered outside sign-in (change-password ends every earlier token and
   * answers new ones): used at once and shared with the other tabs.
   */
  adopt: (answer: SignedIn) => void;
  /**
   * A new session at once, however long the current token has left: after the API says the
   * user's access changed (a role, say), so the navigation and the commands follow it.
   */
  renewNow: () => Promise<void>;
}

/** Asks the API to keep the refresh token in its HttpOnly cookie (sign-in, accept, setup). */
export const SESSION_HEADER = { 'X-PayFlow-Session': 'cookie' };
/** Renew when this much of the token's life is left (or at 80 % of a short life). */
const RENEW_MARGIN_MS = 60_000;
const CHANNEL = 'payflow-session';

const AuthContext = createContext<AuthState | undefined>(undefined);

function sessionOf(s: SignedIn): Session {
  return { user: s.user, token: s.accessToken, expiresAt: Date.now() + s.expiresIn * 1000 };
}

function renewDelay(s: Session): number {
  const life = s.expiresAt - Date.now();
  return Math.max(5_000, Math.min(life - RENEW_MARGIN_MS, life * 0.8));
}

function hasSessionHint(): boolean {
  return (
    typeof document !== 'undefined' && document.cookie.split(/;\s*/).some((c) => c.startsWith('pf_session='))
  );
}

async function withRefreshLock<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && 'locks' in navigator) {
    return navigator.locks.request('payflow-refresh', fn);
  }
  return fn();
}

/** One refresh request: the new session, or undefined when the cookie no longer signs anyone in. */
async function refreshRequest(): Promise<SignedIn | undefined> {
  try {
    return await request<SignedIn>('/api/v1/auth/refresh', {
      method: 'POST',
      body: {},
      headers: SESSION_HEADER,
      auth: false,
    });
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return undefined;
    throw err;
  }
}

let early: Promise<SignedIn | undefined> | undefined;

/**
 * A full page load with a session cookie starts its silent sign-in at once, before React has
 * rendered anything, so that the page's chunk and its first data load beside it instead of after
 * it (the AuthProvider adopts the answer). Resolves the access token, or undefined when signed
 * out; undefined itself when there is no session to resume.
 */
export function resumeEarly(): Promise<string | undefined> | undefined {
  if (!hasSessionHint()) return undefined;
  if (!early) {
    early = withRefreshLock(refreshRequest);
    // Requests made before the AuthProvider mounts wait for this sign-in.
    const token = () =>
      early?.then((s) => s?.accessToken).catch(() => undefined) ?? Promise.resolve(undefined);
    setCredentials({ token, renew: token });
  }
  return early.then((s) => s?.accessToken);
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | undefined>();
  const [status, setStatus] = useState<AuthStatus>(() => (hasSessionHint() ? 'loading' : 'signed-out'));
  const current = useRef<Session | undefined>(undefined);
  const inflight = useRef<Promise<Session | undefined> | undefined>(undefined);
  const channel = useMemo(
    () => (typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel(CHANNEL)),
    [],
  );

  /**
   * `background`: the silent sign-in of a page load. Nothing waits on it but the spinner, so the
   * shell and the page render as a transition, in slices that leave the main thread free between
   * them (their data is arriving meanwhile), instead of one long task.
   */
  const adopt = useCallback((s: Session | undefined, background = false) => {
    current.current = s;
    const apply = () => {
      setSession(s);
      setStatus(s ? 'signed-in' : 'signed-out');
    };
    if (background) startTransition(apply);
    else apply();
  }, []);

  /** A refresh answer becomes the session: adopted here and sent to the other tabs. */
  const settle = useCallback(
    (answer: Promise<SignedIn | Session | undefined>, background = false): Promise<Session | undefined> =>
      answer
        .then((a) => {
          const next = a && 'accessToken' in a ? sessionOf(a) : a;
          if (next && next !== current.current) channel?.postMessage({ type: 'session', session: next });
          adopt(next, background);
          return next;
        })
        .finally(() => {
          inflight.current = undefined;
        }),
    [adopt, channel],
  );

  const refresh = useCallback(
    (refused?: string): Promise<Session | undefined> => {
      inflight.current ??= settle(
        withRefreshLock(async () => {
          // Another tab may have renewed while this one waited for the lock; but a token the API has
          // just refused (its session was ended elsewhere, say) is not kept however long it has left.
          const have = current.current;
          if (have && have.token !== refused && have.expiresAt - Date.now() > RENEW_MARGIN_MS) return have;
          return refreshRequest();
        }),
      );
      return inflight.current;
    },
    [settle],
  );

  useEffect(() => {
    setCredentials({
      token: async () => {
        // A request made while the first sign-in is under way waits for it.
        const s = current.current ?? (await inflight.current?.catch(() => undefined));
        if (s && s.expiresAt - Date.now() < 5_000) return (await refresh())?.token;
        return s?.token;
      },
      renew: async (refused) => (current.current ? (await refresh(refused))?.token : undefined),
    });
  }, [refresh]);

  // First load: a cookie from an earlier visit signs the user in silently. The API sets the
  // readable `pf_session` hint beside the HttpOnly refresh cookie; without it there is no session
  // to resume, so no request is made (and no 401 is logged).
  useEffect(() => {
    if (!hasSessionHint() || inflight.current) return;
    const first = early ? (inflight.current = settle(early, true)) : refresh();
    early = undefined;
    first.catch(() => {
      adopt(undefined);
    });
  }, [refresh, settle, adopt]);

  // Renew before expiry.
  useEffect(() => {
    if (!session) return undefined;
    const timer = setTimeout(() => {
      refresh().catch(() => undefined);
    }, renewDelay(session));
    return () => {
      clearTimeout(timer);
    };
  }, [session, refresh]);

  // Other tabs: a renewed session is adopted, a sign-out signs this tab out too.
  useEffect(() => {
    if (!channel) return undefined;
    const onMessage = (e: MessageEvent<{ type: string; session?: Session }>) => {
      if (e.data.type === 'session' && e.data.session) adopt(e.data.session);
      if (e.data.type === 'signed-out') adopt(undefined);
    };
    channel.addEventListener('message', onMessage);
    return () => {
      channel.removeEventListener('message', onMessage);
    };
  }, [channel, adopt]);

  const value = useMemo<AuthState>(
    () => ({
      status,
      user: session?.user,
      signIn: async (email, password) => {
        const s = sessionOf(
          await request<SignedIn>('/api/v1/auth/login', {
            method: 'POST',
            body: { email, password },
            headers: SESSION_HEADER,
            auth: false,
          }),
        );
        adopt(s);
        channel?.postMessage({ type: 'session', session: s });
      },
      signOut: async () => {
        try {
          await request('/api/v1/auth/logout', { method: 'POST', body: {}, headers: SESSION_HEADER });
        } finally {
          adopt(undefined);
          channel?.postMessage({ type: 'signed-out' });
        }
      },
      resume: async () => {
        return (await refresh()) !== undefined;
      },
      adopt: (answer) => {
        const s = sessionOf(answer);
        adopt(s);
        channel?.postMessage({ type: 'session', session: s });
      },
      renewNow: async () => {
        if (current.current) await refresh(current.current.token);
      },
    }),
    [status, session, adopt, channel, refresh],
  );
  return <AuthContext value={value}>{children}</AuthContext>;
}

export function useAuth(): AuthState {
  const ctx = use(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for pages behind the sign-in guard. */
export function useUser(): SessionUser {
  const { user } = useAuth();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}
