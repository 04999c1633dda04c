// Top level: session gate and page switch.
import { useEffect } from "react";
import { AccountPage } from "../pages/AccountPage.tsx";
import { DashboardListPage } from "../pages/DashboardListPage.tsx";
import { DashboardPage } from "../pages/DashboardPage.tsx";
import { LoginPage } from "../pages/LoginPage.tsx";
import { TokensPage } from "../pages/TokensPage.tsx";
import { UsersPage } from "../pages/UsersPage.tsx";
import { PerfOverlay } from "../widgets/PerfOverlay.tsx";
import { safeNext } from "./next.ts";
import { navigate, useRoute } from "./router.ts";
import { SessionProvider, useSession } from "./session.tsx";

export function App() {
  return (
    <SessionProvider>
      <Pages />
      {new URLSearchParams(location.search).get("perf") === "1" && <PerfOverlay />}
    </SessionProvider>
  );
}

function Pages() {
  const route = useRoute();
  const { user } = useSession();

  useEffect(() => {
    if (user === null && route.page !== "login") {
      const next = location.pathname + location.search;
      navigate(`/login?next=${encodeURIComponent(next)}`, true);
    }
    if (user && route.page === "login") navigate(safeNext(location.search, location.origin), true);
  }, [user, route.page]);

  if (user === undefined)
    return (
      <p className="splash" aria-live="polite">
        Loading…
      </p>
    );
  if (user === null || route.page === "login") return <LoginPage />;
  if (route.page === "dashboard") return <DashboardPage key={route.id} id={route.id} />;
  if (route.page === "tokens") return <TokensPage />;
  if (route.page === "account") return <AccountPage />;
  if (route.page === "users") return <UsersPage />;
  return <DashboardListPage />;
}
