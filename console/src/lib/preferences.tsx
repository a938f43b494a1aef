// The seed's preferences (theme, density, notifications, time zone), read from and saved to
// /api/v1/users/me/preferences and applied live. The theme is also remembered in localStorage so
// that the sign-in page and the first paint after a reload already have it (no flash of light).
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  use,
  useEffect,
  useMemo,
  useState,
  useSyncExternalStore,
  type ReactNode,
} from 'react';
import { api } from './api';
import { setDisplayTimeZone } from './format';
import { keys } from './query';
import type { SessionUser } from './auth';

export type Theme = 'light' | 'dark' | 'system';
export type Density = 'compact' | 'comfortable';

export interface Preferences {
  theme: Theme;
  density: Density;
  notifications_enabled: boolean;
  timezone: string;
  /** The page the console opens on after sign-in (`/`). */
  landing_page?: string;
  tables?: Record<string, { columns: string[] }>;
}

export interface Me extends SessionUser {
  preferences: Preferences;
  /** The merchants the user is limited to; null: every merchant (always so for an admin). */
  merchant_ids?: string[] | null;
}

const THEME_KEY = 'payflow.theme';
const DARK_CLASS = 'pf-v6-theme-dark';
const DEFAULTS: Preferences = {
  theme: 'system',
  density: 'comfortable',
  notifications_enabled: true,
  timezone: 'UTC',
};

function systemDark(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
}

export function storedTheme(): Theme {
  const t = typeof localStorage === 'undefined' ? null : localStorage.getItem(THEME_KEY);
  return t === 'light' || t === 'dark' || t === 'system' ? t : 'system';
}

/** Puts the theme on <html>: PatternFly's dark theme is one class there. */
export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && systemDark());
  document.documentElement.classList.toggle(DARK_CLASS, dark);
  document.documentElement.style.colorScheme = dark ? 'dark' : 'light';
  try {
    localStorage.setItem(THEME_KEY, theme);
  } catch {
    // Private mode: the preference still comes from the server after sign-in.
  }
}

/** Follows the operating system's light/dark switch while the theme is "system". */
function useSystemTheme(theme: Theme): void {
  useEffect(() => {
    applyTheme(theme);
    if (theme !== 'system' || typeof matchMedia !== 'function') return undefined;
    const mq = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => {
      applyTheme('system');
    };
    mq.addEventListener('change', onChange);
    return () => {
      mq.removeEventListener('change', onChange);
    };
  }, [theme]);
}

/** Theme before sign-in: from localStorage, switchable on the sign-in page. */
export function useLocalTheme(): [Theme, (t: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  useSystemTheme(theme);
  return [theme, setTheme];
}

const isDark = () => document.documentElement.classList.contains(DARK_CLASS);

function subscribeTheme(onChange: () => void): () => void {
  const observer = new MutationObserver(onChange);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
  return () => {
    observer.disconnect();
  };
}

interface PreferencesState {
  me: Me | undefined;
  preferences: Preferences;
  /** Resolved theme for charts: never "system". */
  dark: boolean;
  update: (patch: Partial<Preferences>) => Promise<Preferences>;
}

const PreferencesContext = createContext<PreferencesState | undefined>(undefined);

/** The signed-in user, read by the shell on every page (the boot script sends it first). */
export const meQuery = queryOptions({
  queryKey: keys.me,
  queryFn: ({ signal }) => api.get<Me>('/api/v1/users/me', undefined, signal),
});

export function useMe() {
  return useQuery(meQuery);
}

export function PreferencesProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const me = useMe();
  const loaded = me.data?.preferences;
  const preferences = useMemo(() => loaded ?? { ...DEFAULTS, theme: storedTheme() }, [loaded]);
  const dark = useSyncExternalStore(subscribeTheme, isDark);
  useSystemTheme(preferences.theme);
  useEffect(() => {
    setDisplayTimeZone(preferences.timezone);
  }, [preferences.timezone]);

  const mutation = useMutation({
    mutationFn: (patch: Partial<Preferences>) =>
      api.patch<Preferences>('/api/v1/users/me/preferences', patch),
    onMutate: async (patch) => {
      await client.cancelQueries({ queryKey: keys.me });
      const before = client.getQueryData<Me>(keys.me);
      if (before)
        client.setQueryData<Me>(keys.me, { ...before, preferences: { ...before.preferences, ...patch } });
      return { before };
    },
    onError: (_err, _patch, ctx) => {
      if (ctx?.before) client.setQueryData(keys.me, ctx.before);
    },
    onSuccess: (saved) => {
      const now = client.getQueryData<Me>(keys.me);
      if (now) client.setQueryData<Me>(keys.me, { ...now, preferences: { ...now.preferences, ...saved } });
    },
  });

  // mutateAsync is stable; the mutation's result object is new on every render.
  const save = mutation.mutateAsync;
  const value = useMemo<PreferencesState>(
    () => ({ me: me.data, preferences, dark, update: async (patch) => save(patch) }),
    [me.data, preferences, dark, save],
  );
  return <PreferencesContext value={value}>{children}</PreferencesContext>;
}

export function usePreferences(): PreferencesState {
  const ctx = use(PreferencesContext);
  if (!ctx) throw new Error('usePreferences outside PreferencesProvider');
  return ctx;
}

/** Tables take `variant={compact ? 'compact' : undefined}` from this. */
export function useCompact(): boolean {
  return usePreferences().preferences.density === 'compact';
}
