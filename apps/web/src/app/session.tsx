// Who is logged in, their CSRF token and their theme, for the whole app. Loaded once from
// /auth/me; login/logout/theme changes go through here so the token and theme stay in step.

import type { MeAnswer, Theme } from "@pulseboard/protocol/rest";
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useState,
} from "react";
import { ApiError } from "../api/errors.ts";
import { api, setCsrfToken } from "../api/http.ts";
import { applyTheme, initialTheme } from "./theme.ts";

type User = MeAnswer["user"];

type Session = {
  /** undefined while /auth/me is in flight, null when logged out */
  user: User | null | undefined;
  theme: Theme;
  login: (username: string, password: string) => Promise<void>;
  logout: () => Promise<void>;
  setTheme: (theme: Theme) => Promise<void>;
};

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [theme, setThemeState] = useState<Theme>(initialTheme);
  // Set for a single sign-on session: signing out goes on to the provider (it ends its session).
  const [signOutUrl, setSignOutUrl] = useState<string | null>(null);

  // A layout effect: it runs before the charts' effects, which rebuild on a theme change and read
  // the palette from the CSS variables of <html data-theme> (a plain effect here ran after them,
  // so the charts kept the old theme's colours until their next rebuild).
  useLayoutEffect(() => applyTheme(theme), [theme]);

  const loadMe = useCallback(async () => {
    try {
      const me = await api.me();
      setCsrfToken(me.csrfToken);
      setThemeState(me.preferences.theme);
      setSignOutUrl(me.signOutUrl);
      setUser(me.user);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setUser(null);
      else throw error;
    }
  }, []);

  useEffect(() => {
    loadMe().catch(() => setUser(null));
  }, [loadMe]);

  const value = useMemo<Session>(
    () => ({
      user,
      theme,
      login: async (username, password) => {
        const answer = await api.login(username, password);
        setCsrfToken(answer.csrfToken);
        // /auth/me carries the stored theme preference.
        await loadMe();
      },
      logout: async () => {
        try {
          await api.logout();
        } finally {
          setCsrfToken(null);
          setUser(null);
        }
        if (signOutUrl) location.assign(signOutUrl);
      },
      setTheme: async (next) => {
        setThemeState(next);
        await api.setTheme(next);
      },
    }),
    [user, theme, loadMe, signOutUrl],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}
