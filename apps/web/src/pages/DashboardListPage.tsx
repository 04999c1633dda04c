// The dashboards the user is a member of, with their role on each, and a form for a new one
// (the creator becomes its owner).

import type { DashboardSummary } from "@pulseboard/client/rest";
import { useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { navigate } from "../app/router.ts";
import { TopBar } from "../app/TopBar.tsx";
import { NameForm } from "../controls/NameForm.tsx";

export function DashboardListPage() {
  const [dashboards, setDashboards] = useState<DashboardSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api.dashboards().then(setDashboards, (e) => setError(describeError(e)));
  }, []);

  async function create(name: string) {
    setError(null);
    try {
      const created = await api.createDashboard({ name });
      navigate(`/dashboards/${created.id}`);
    } catch (e) {
      setError(describeError(e));
      throw e;
    }
  }

  return (
    <>
      <TopBar />
      <main className="page">
        <h1>Dashboards</h1>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {dashboards === null && !error && <p aria-live="polite">Loading…</p>}
        {dashboards?.length === 0 && <p className="muted">You are not a member of any dashboard yet.</p>}
        <ul className="dashboard-list">
          {dashboards?.map((d) => (
            <li key={d.id}>
              <a
                className="card dashboard-link"
                href={`/dashboards/${d.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(`/dashboards/${d.id}`);
                }}
              >
                <span className="dashboard-name">{d.name}</span>
                <span className={`role role-${d.role}`}>{d.role}</span>
                {d.description && <span className="muted">{d.description}</span>}
              </a>
            </li>
          ))}
        </ul>
        <NameForm label="New dashboard" field="dashboard-name" submit="Create" onCreate={create} />
      </main>
    </>
  );
}
