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
      <a
        className="topbar-link"
        href="/tokens"
        onClick={(e) => {
          e.preventDefault();
          navigate("/tokens");
        }}
      >
        API tokens
      </a>
      <a
        className="topbar-link"
        href="/account"
        onClick={(e) => {
          e.preventDefault();
          navigate("/account");
        }}
      >
        Account
      </a>
      {user?.admin && (
        <a
          className="topbar-link"
          href="/admin/users"
          onClick={(e) => {
            e.preventDefault();
            navigate("/admin/users");
          }}
        >
          Users
        </a>
      )}
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
