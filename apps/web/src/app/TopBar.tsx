// The header shared by the pages: brand, breadcrumbs slot, theme switch, user and sign-out.
import type { ReactNode } from "react";
import { navigate } from "./router.ts";
import { useSession } from "./session.tsx";

export function TopBar({ children }: { children?: ReactNode }) {
  const { user, theme, setTheme, logout } = useSession();
  return (
    <header className="topbar">
      <a
        className="brand"
        href="/"
        onClick={(e) => {
          e.preventDefault();
          navigate("/");
        }}
      >
        <span className="logo" aria-hidden="true" /> Pulseboard
      </a>
      <div className="topbar-middle">{children}</div>
      <PageLink path="/tokens">API tokens</PageLink>
      <PageLink path="/account">Account</PageLink>
      {user?.admin && <PageLink path="/admin/users">Users</PageLink>}
      {/* Server-rendered developer pages: full page loads, not SPA routes. */}
      <a className="topbar-link" href="/docs">
        API docs
      </a>
      <a className="topbar-link" href="/playground">
        Playground
      </a>
      <button
        type="button"
        className="ghost"
        data-testid="theme-toggle"
        aria-label={`Switch to ${theme === "dark" ? "light" : "dark"} theme`}
        onClick={() => {
          setTheme(theme === "dark" ? "light" : "dark").catch(() => {});
        }}
      >
        {theme === "dark" ? "☀ Light" : "☾ Dark"}
      </button>
      <span className="user" data-testid="username">
        {user?.username}
      </span>
      <button
        type="button"
        className="ghost"
        onClick={() => {
          logout().finally(() => navigate("/login"));
        }}
      >
        Sign out
      </button>
    </header>
  );
}

/** A link to one of the UI's own pages: followed by the router, without a page load. */
function PageLink({ path, children }: { path: string; children: ReactNode }) {
  return (
    <a
      className="topbar-link"
      href={path}
      onClick={(e) => {
        e.preventDefault();
        navigate(path);
      }}
    >
      {children}
    </a>
  );
}
