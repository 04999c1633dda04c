// Specifications of /auth, /me and /tokens: sessions, CSRF, API tokens — on SQLite and PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

describe.each(DB_KINDS)("auth on %s", (kind) => {
  let t: TestApp;
  let alice: { id: number; password: string };
  beforeAll(async () => {
    t = await startTestApp(kind);
    alice = await t.createUser("alice");
    await t.createUser("mallory");
  });
  afterAll(() => t?.close());

  it("logs in with the right password and sets an HttpOnly SameSite=Lax session cookie", async () => {
    const res = await t.api("POST", "/api/v1/auth/login", {
      body: { username: "alice", password: alice.password },
    });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ id: alice.id, username: "alice" });
    expect(typeof res.body.csrfToken).toBe("string");
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^pb_session=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it("refuses a wrong password and an unknown user alike with 401", async () => {
    const wrong = await t.api("POST", "/api/v1/auth/login", {
      body: { username: "alice", password: "nope" },
    });
    const unknown = await t.api("POST", "/api/v1/auth/login", {
      body: { username: "nobody", password: "nope" },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.code).toBe("PB_ERR_UNAUTHORIZED");
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("rate-limits repeated failed logins with 429", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await t.api("POST", "/api/v1/auth/login", { body: { username: "mallory", password: `guess${i}` } }))
          .status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[11]).toBe(429);
  });

  it("answers /auth/me with the user (administrator or not), the CSRF token and preferences", async () => {
    const s = await t.login("alice", alice.password);
    const res = await t.api("GET", "/api/v1/auth/me", { session: s });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id: alice.id, username: "alice", admin: true }, // the first user
      csrfToken: s.csrfToken,
      preferences: { theme: "dark" },
      signOutUrl: null, // a password session: signing out ends here
    });
    const other = await t.createUser("me-not-admin");
    const token = await t.createToken("me-not-admin");
    const plain = await t.api("GET", "/api/v1/auth/me", { token });
    expect(plain.body.user).toEqual({ id: other.id, username: "me-not-admin", admin: false });
    expect(plain.body.csrfToken).toBeNull();
  });

  it("refuses the API without credentials with 401 in the documented error shape", async () => {
    const res = await t.api("GET", "/api/v1/dashboards");
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: "PB_ERR_UNAUTHORIZED", message: expect.any(String) } });
  });

  it("refuses a forged session cookie with 401", async () => {
    const forged: Session = { cookie: "not-a-session", csrfToken: "x", userId: alice.id };
    expect((await t.api("GET", "/api/v1/auth/me", { session: forged })).status).toBe(401);
  });

  it("refuses a session-authenticated state change without the CSRF header with 403 PB_ERR_CSRF", async () => {
    const s = await t.login("alice", alice.password);
    const res = await t.api("POST", "/api/v1/dashboards", { session: s, csrf: false, body: { name: "x" } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("PB_ERR_CSRF");
    const list = await t.api("GET", "/api/v1/dashboards", { session: s });
    expect(list.body.map((d: { name: string }) => d.name)).not.toContain("x");
  });

  it("refuses a CSRF token of another session", async () => {
    const s1 = await t.login("alice", alice.password);
    const s2 = await t.login("alice", alice.password);
    const res = await t.api("PATCH", "/api/v1/me/preferences", {
      session: s1,
      csrf: false,
      headers: { "x-csrf-token": s2.csrfToken },
      body: { theme: "light" },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("PB_ERR_CSRF");
  });

  it("stores the theme preference", async () => {
    const s = await t.login("alice", alice.password);
    const res = await t.api("PATCH", "/api/v1/me/preferences", { session: s, body: { theme: "light" } });
    expect(res.body).toEqual({ theme: "light" });
    expect((await t.api("GET", "/api/v1/auth/me", { session: s })).body.preferences).toEqual({
      theme: "light",
    });
    const bad = await t.api("PATCH", "/api/v1/me/preferences", { session: s, body: { theme: "<script>" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].loc).toEqual(["body", "theme"]);
  });

  it("logs out: the session is deleted and the cookie cleared", async () => {
    const s = await t.login("alice", alice.password);
    const res = await t.api("POST", "/api/v1/auth/logout", { session: s });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie")).toMatch(/pb_session=;/);
    expect((await t.api("GET", "/api/v1/auth/me", { session: s })).status).toBe(401);
  });

  it("creates an API token shown once, usable as Bearer without CSRF, listed without its value", async () => {
    const s = await t.login("alice", alice.password);
    const created = await t.api("POST", "/api/v1/tokens", { session: s, body: { name: "ci" } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), name: "ci", token: expect.any(String) });
    const token = created.body.token as string;
    const made = await t.api("POST", "/api/v1/dashboards", { token, body: { name: "From a program" } });
    expect(made.status).toBe(201);
    const list = await t.api("GET", "/api/v1/tokens", { session: s });
    const row = list.body.find((r: { id: number }) => r.id === created.body.id);
    expect(row).toEqual({
      id: created.body.id,
      name: "ci",
      created_at: expect.any(String),
      last_used_at: expect.any(String),
    });
    expect(list.text).not.toContain(token);
  });

  it("stores tokens hashed, never in plain text", async () => {
    const token = await t.createToken("alice", "hashed");
    const rows = await t.pb.db.selectFrom("api_tokens").select("token_hash").execute();
    expect(rows.some((r) => r.token_hash === token)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.token_hash))).toBe(true);
  });

  it("revokes a token: it stops working at once", async () => {
    const s = await t.login("alice", alice.password);
    const created = await t.api("POST", "/api/v1/tokens", { session: s, body: { name: "temp" } });
    expect((await t.api("DELETE", `/api/v1/tokens/${created.body.id}`, { session: s })).status).toBe(204);
    expect((await t.api("GET", "/api/v1/dashboards", { token: created.body.token })).status).toBe(401);
  });

  it("does not let a user delete another user's token", async () => {
    const s = await t.login("alice", alice.password);
    const created = await t.api("POST", "/api/v1/tokens", { session: s, body: { name: "mine" } });
    const mallory = await t.createToken("mallory");
    expect((await t.api("DELETE", `/api/v1/tokens/${created.body.id}`, { token: mallory })).status).toBe(404);
    expect((await t.api("GET", "/api/v1/auth/me", { token: created.body.token })).status).toBe(200);
  });
});
