// The signed-in user's own security: change the password (the server applies the password
// policy and signs every other session out), link the account to the single sign-on provider
// (or unlink it), and see the sessions signed in, revoking any.
import type { AuthMethods, LinkedIdentity, SessionInfo } from "@pulseboard/protocol/rest";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { TopBar } from "../app/TopBar.tsx";
import { clockTime } from "../charts/clock.ts";

const when = (iso: string) => `${iso.slice(0, 10)} ${clockTime(Date.parse(iso))}`;

export function AccountPage() {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.sessions().then(setSessions, (e) => setError(describeError(e)));
  }, []);
  useEffect(load, [load]);

  async function change(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setMessage(null);
    try {
      await api.changePassword(current, next);
      setCurrent("");
      setNext("");
      setMessage("Password changed. Every other session was signed out.");
      load();
    } catch (e) {
      setError(describeError(e));
    }
  }

  async function revoke(id: string) {
    setError(null);
    try {
      await api.revokeSession(id);
      load();
    } catch (e) {
      setError(describeError(e));
    }
  }

  return (
    <>
      <TopBar />
      <main className="page">
        <h1>Account</h1>
        <section className="card form-card">
          <h2>Change password</h2>
          <p className="muted">At least 10 characters, and not one of the most common passwords.</p>
          <form className="inline-form" onSubmit={(e) => void change(e)} data-testid="password-form">
            <label>
              Current password
              <input
                type="password"
                name="current-password"
                autoComplete="current-password"
                value={current}
                onChange={(e) => setCurrent(e.target.value)}
                required
              />
            </label>
            <label>
              New password
              <input
                type="password"
                name="new-password"
                autoComplete="new-password"
                value={next}
                onChange={(e) => setNext(e.target.value)}
                required
              />
            </label>
            <button type="submit">Change password</button>
          </form>
        </section>
        {message && (
          <p className="ok" role="status">
            {message}
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <LinkedSignIn onError={setError} />
        <section>
          <h2>Sessions</h2>
          {sessions === null && !error && <p aria-live="polite">Loading…</p>}
          <ul className="token-list" data-testid="session-list">
            {sessions?.map((s) => (
              <li key={s.id} className="card">
                <span className="token-name">{s.user_agent ?? "Unknown browser"}</span>
                <span className="muted">
                  {s.address ?? "–"} · signed in {when(s.created_at)}
                  {s.current ? " · this session" : ""}
                </span>
                {!s.current && (
                  <button
                    type="button"
                    className="ghost"
                    onClick={() => void revoke(s.id)}
                    aria-label={`Sign out session from ${s.address ?? "unknown"}`}
                  >
                    Sign out
                  </button>
                )}
              </li>
            ))}
          </ul>
        </section>
      </main>
    </>
  );
}

/** Single sign-on, when the server offers it: link this account to the provider, or unlink it. */
function LinkedSignIn(props: { onError: (message: string | null) => void }) {
  const [sso, setSso] = useState<AuthMethods["sso"]>(null);
  const [identities, setIdentities] = useState<LinkedIdentity[] | null>(null);
  const load = useCallback(() => {
    api.authMethods().then(
      (m) => setSso(m.sso),
      () => setSso(null),
    );
    api.identities().then(setIdentities, (e) => props.onError(describeError(e)));
  }, [props.onError]);
  useEffect(load, [load]);
  if (!sso || identities === null) return null;
  async function unlink(issuer: string) {
    props.onError(null);
    try {
      await api.unlinkIdentity(issuer);
      load();
    } catch (e) {
      props.onError(describeError(e));
    }
  }
  return (
    <section data-testid="linked-sign-in">
      <h2>Single sign-on</h2>
      {identities.length === 0 ? (
        <p>
          <span className="muted">Not linked: you sign in with your password. </span>
          <a href={`${sso.url}?link=1`}>Link your {sso.name} account</a>
        </p>
      ) : (
        <ul className="token-list">
          {identities.map((i) => (
            <li key={i.issuer} className="card">
              <span className="token-name">{sso.name}</span>
              <span className="muted">
                linked {when(i.linked_at)} · last sign-in {when(i.last_login_at)}
              </span>
              <button
                type="button"
                className="ghost"
                onClick={() => void unlink(i.issuer)}
                aria-label={`Unlink ${sso.name}`}
              >
                Unlink
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
