// Sign-in: the password form and, when the server has single sign-on, a "Sign in with …" link
// to it (the server hides the form's way in when password login is off). Errors from the server
// are shown as text.
import type { AuthMethods } from "@pulseboard/protocol/rest";
import { type FormEvent, useEffect, useState } from "react";
import { describeError } from "../api/errors.ts";
import { api } from "../api/http.ts";
import { safeNext } from "../app/next.ts";
import { useSession } from "../app/session.tsx";

export function LoginPage() {
  const { login } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [methods, setMethods] = useState<AuthMethods | undefined>(undefined);

  useEffect(() => {
    // An older server has no /auth/methods: it offers the password form only.
    api.authMethods().then(setMethods, () => setMethods({ password: true, sso: null }));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const next = safeNext(location.search, location.origin);
  const sso = methods?.sso;

  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">
          <span className="logo" aria-hidden="true" /> Pulseboard
        </h1>
        {sso && (
          <a
            className="button primary sso-button"
            href={`${sso.url}?next=${encodeURIComponent(next)}`}
            data-testid="sso-login"
          >
            Sign in with {sso.name}
          </a>
        )}
        {methods?.password && (
          <>
            {sso && <p className="muted login-or">or with a Pulseboard password</p>}
            <label>
              Username
              <input
                name="username"
                autoComplete="username"
                required
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            {error && (
              <p className="error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" className="primary" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
