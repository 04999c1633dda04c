// API tokens for programs (ingest scripts, exporters): list, create — the secret is shown once,
// with a ready-to-run ingest example — and revoke.
import type { ApiToken, CreateTokenAnswer } from "@pulseboard/protocol/rest";
import { useCallback, useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { TopBar } from "../app/TopBar.tsx";
import { clockTime } from "../charts/clock.ts";
import { NameForm } from "../controls/NameForm.tsx";

export function TokensPage() {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [created, setCreated] = useState<CreateTokenAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.tokens().then(setTokens, (e) => setError(describeError(e)));
  }, []);
  useEffect(load, [load]);

  async function create(name: string) {
    setError(null);
    try {
      setCreated(await api.createToken(name));
      load();
    } catch (e) {
      setError(describeError(e));
      throw e;
    }
  }

  async function revoke(id: number) {
    setError(null);
    try {
      await api.deleteToken(id);
      if (created?.id === id) setCreated(null);
      load();
    } catch (e) {
      setError(describeError(e));
    }
  }

  // The example writes to a metric that exists and that this user may write, so it works as
  // pasted (a made-up name would be refused with a 400).
  const [target, setTarget] = useState<
    { metricId: number; name: string; dashboard: string } | null | undefined
  >(undefined);
  useEffect(() => {
    if (!created) return;
    let cancelled = false;
    (async () => {
      const list = await api.dashboards();
      for (const d of list.filter((x) => x.role !== "viewer")) {
        const full = await api.dashboard(d.id);
        const m = full.metrics[0];
        if (m) return { metricId: m.id, name: m.name, dashboard: d.name };
      }
      return null;
    })().then(
      (t) => !cancelled && setTarget(t),
      () => !cancelled && setTarget(null),
    );
    return () => {
      cancelled = true;
    };
  }, [created]);
  const example =
    created && target
      ? `curl -H "Authorization: Bearer ${created.token}" -H 'Content-Type: application/json' \\\n  -d '{"points":[{"metric_id":${target.metricId},"value":1}]}' ${location.origin}/api/v1/ingest`
      : "";

  return (
    <>
      <TopBar />
      <main className="page">
        <h1>API tokens</h1>
        <p className="muted">
          Programs authenticate with <code>Authorization: Bearer &lt;token&gt;</code> (or <code>?token=</code>{" "}
          on WebSockets) and act as you. Tokens are stored hashed: a new one is shown only once.
        </p>
        <NameForm label="Name" field="token-name" submit="Create token" onCreate={create} />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {created && (
          <section className="card token-created" aria-live="polite">
            <p>
              Token <strong>{created.name}</strong> — copy it now, it will not be shown again:
            </p>
            <pre data-testid="new-token">{created.token}</pre>
            {target ? (
              <>
                <p className="muted">
                  Push a point to <strong>{target.name}</strong> on {target.dashboard} with it:
                </p>
                <pre data-testid="ingest-example">{example}</pre>
              </>
            ) : target === null ? (
              <p className="muted">
                Create a dashboard and a metric on it first; points then go to{" "}
                <code>POST /api/v1/ingest</code> as <code>{'{"points":[{"metric_id":<id>,"value":1}]}'}</code>
                .
              </p>
            ) : null}
          </section>
        )}
        {tokens === null && !error && <p aria-live="polite">Loading…</p>}
        {tokens?.length === 0 && <p className="muted">No tokens yet.</p>}
        <ul className="token-list">
          {tokens?.map((t) => (
            <li key={t.id} className="card">
              <span className="token-name">{t.name}</span>
              <span className="muted">
                created{" "}
                {t.created_at ? `${t.created_at.slice(0, 10)} ${clockTime(Date.parse(t.created_at))}` : "–"}
                {" · "}
                {t.last_used_at ? `last used ${clockTime(Date.parse(t.last_used_at))}` : "never used"}
              </span>
              <button
                type="button"
                className="ghost"
                onClick={() => void revoke(t.id)}
                aria-label={`Revoke ${t.name}`}
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      </main>
    </>
  );
}
