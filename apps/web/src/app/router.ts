// A tiny history-API router: a handful of routes do not need a routing library. The server answers
// every non-API path with index.html, so deep links and reloads work.
import { useSyncExternalStore } from "react";

export type Route =
  | { page: "login" }
  | { page: "dashboards" }
  | { page: "tokens" }
  | { page: "account" }
  | { page: "users" }
  | { page: "dashboard"; id: number };

export function parseRoute(pathname: string): Route {
  if (pathname === "/login") return { page: "login" };
  if (pathname === "/tokens") return { page: "tokens" };
  if (pathname === "/account") return { page: "account" };
  if (pathname === "/admin/users") return { page: "users" };
  const m = /^\/dashboards\/(\d{1,15})\/?$/.exec(pathname);
  if (m) return { page: "dashboard", id: Number(m[1]) };
  return { page: "dashboards" };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const l of listeners) l();
});

export function navigate(path: string, replace = false) {
  if (location.pathname + location.search === path) return;
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const path = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => location.pathname,
  );
  return parseRoute(path);
}
