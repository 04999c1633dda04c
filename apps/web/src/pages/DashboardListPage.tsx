// The user's pending invitations (Invitations), then the dashboards they are a member of, with
// their role and tags, searchable by name, description or tag and filterable by tag; a form for a
// new one (the creator becomes its owner); and importing a dashboard definition (JSON exported
// from this or another instance).

import type { DashboardSummary } from "@pulseboard/protocol/rest";
import { useEffect, useMemo, useRef, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { navigate } from "../app/router.ts";
import { TopBar } from "../app/TopBar.tsx";
import { Invitations } from "../controls/Invitations.tsx";
import { NameForm } from "../controls/NameForm.tsx";

export function DashboardListPage() {
  const [dashboards, setDashboards] = useState<DashboardSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState(() => new URLSearchParams(location.search).get("q") ?? "");
  const [tag, setTag] = useState(() => new URLSearchParams(location.search).get("tag") ?? "");
  const file = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api.dashboards().then(setDashboards, (e) => setError(describeError(e)));
  }, []);

  // The search is in the URL too, so a filtered list can be bookmarked.
  useEffect(() => {
    const p = new URLSearchParams();
    if (query) p.set("q", query);
    if (tag) p.set("tag", tag);
    const search = p.toString();
    history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
  }, [query, tag]);

  const allTags = useMemo(
    () => [...new Set((dashboards ?? []).flatMap((d) => d.tags ?? []))].sort(),
    [dashboards],
  );
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return (dashboards ?? []).filter(
      (d) =>
        (!tag || (d.tags ?? []).includes(tag)) &&
        (!q || [d.name, d.description, ...(d.tags ?? [])].some((text) => text.toLowerCase().includes(q))),
    );
  }, [dashboards, query, tag]);

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

  async function importFile(f: File) {
    setError(null);
    try {
      let definition: unknown;
      try {
        definition = JSON.parse(await f.text());
      } catch {
        throw new Error(`${f.name} is not JSON`);
      }
      const answer = await api.applyDefinition(definition);
      navigate(`/dashboards/${answer.dashboard_id}`);
    } catch (e) {
      setError(e instanceof Error && !("status" in e) ? e.message : describeError(e));
    } finally {
      if (file.current) file.current.value = "";
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
        <Invitations
          onAccepted={(d) =>
            setDashboards((list) => [...(list ?? []), d].sort((a, b) => a.name.localeCompare(b.name)))
          }
        />
        <search className="list-search">
          <label>
            Search
            <input
              type="search"
              name="dashboard-search"
              value={query}
              placeholder="name, description or tag"
              onChange={(e) => setQuery(e.target.value)}
            />
          </label>
          {allTags.length > 0 && (
            <label>
              Tag
              <select name="dashboard-tag" value={tag} onChange={(e) => setTag(e.target.value)}>
                <option value="">any</option>
                {allTags.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          )}
        </search>
        {dashboards === null && !error && <p aria-live="polite">Loading…</p>}
        {dashboards?.length === 0 && <p className="muted">You are not a member of any dashboard yet.</p>}
        {dashboards && dashboards.length > 0 && shown.length === 0 && (
          <p className="muted">No dashboard matches “{query || tag}”.</p>
        )}
        <ul className="dashboard-list">
          {shown.map((d) => (
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
                {(d.tags ?? []).length > 0 && (
                  <span className="tags">
                    {(d.tags ?? []).map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
        <NameForm label="New dashboard" field="dashboard-name" submit="Create" onCreate={create} />
        <p className="import">
          <label className="button">
            Import definition…
            <input
              ref={file}
              type="file"
              accept="application/json,.json"
              name="definition-file"
              className="sr-only"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void importFile(f);
              }}
            />
          </label>{" "}
          <span className="muted">
            a dashboard exported as JSON (Definition on a dashboard), or `pulseboard apply`
          </span>
        </p>
      </main>
    </>
  );
}
