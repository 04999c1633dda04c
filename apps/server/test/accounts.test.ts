// Accounts that are hard to guess: self-service password change under the password policy
// (other sessions signed out, their sockets closed), the session list with revoke, login limits
// per address across user names and per user name across addresses, and password hashing that
// refuses a flood with 429 instead of queueing every login behind it.
import { Communicator } from "@pulseboard/channels/testing";
import { afterEach, describe, expect, it } from "vitest";
import type { Config } from "../src/config/config.ts";
import { startTestApp, type TestApp } from "./harness.ts";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});
async function app(config: Partial<Config> = {}) {
  t = await startTestApp("sqlite", { config });
  return t;
}

const PASSWORD = "first-password-1";

async function loginAs(a: TestApp, username: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${a.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ username, password }),
  });
}

describe("password change", () => {
  it("refuses a new password that breaks the policy with 400 and per-rule details, keeping the old one", async () => {
    const a = await app();
    await a.createUser("ann", PASSWORD);
    const s = await a.login("ann", PASSWORD);
    for (const [next, msg] of [
      ["short", /at least 10 characters/],
      ["", /too_small/],
      ["iloveyou123", /most common passwords/],
      ["aaaaaaaaaaaa", /one character repeated/],
      ["ann", /at least 10 characters/],
    ] as const) {
      const res = await a.api("POST", "/api/v1/me/password", {
        session: s,
        body: { current_password: PASSWORD, new_password: next },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { loc: unknown }) => d.loc)).toContainEqual([
        "body",
        "new_password",
      ]);
      expect(JSON.stringify(res.body.error.details)).toMatch(msg);
    }
    expect((await loginAs(a, "ann", PASSWORD)).status).toBe(200);
  });

  it("refuses a wrong current password with 401", async () => {
    const a = await app();
    await a.createUser("ann", PASSWORD);
    const s = await a.login("ann", PASSWORD);
    const res = await a.api("POST", "/api/v1/me/password", {
      session: s,
      body: { current_password: "not-the-password", new_password: "second-password-2" },
    });
    expect(res.status).toBe(401);
    expect((await loginAs(a, "ann", "second-password-2")).status).toBe(401);
  });

  it("changes the password, keeps the caller signed in and signs out every other session, closing its sockets", async () => {
    const a = await app();
    await a.createUser("ann", PASSWORD);
    const here = await a.login("ann", PASSWORD);
    const elsewhere = await a.login("ann", PASSWORD);
    const dash = (await a.api("POST", "/api/v1/dashboards", { session: here, body: { name: "D" } })).body.id;
    const socket = await Communicator.connect(`${a.wsUrl}/ws/dashboard/${dash}/`, {
      cookie: `pb_session=${elsewhere.cookie}`,
    });
    await socket.assertAuthenticated();
    const res = await a.api("POST", "/api/v1/me/password", {
      session: here,
      body: { current_password: PASSWORD, new_password: "second-password-2" },
    });
    expect(res.status).toBe(204);
    expect((await socket.closed).code).toBe(4001);
    expect((await a.api("GET", "/api/v1/auth/me", { session: here })).status).toBe(200);
    expect((await a.api("GET", "/api/v1/auth/me", { session: elsewhere })).status).toBe(401);
    expect((await loginAs(a, "ann", PASSWORD)).status).toBe(401);
    expect((await loginAs(a, "ann", "second-password-2")).status).toBe(200);
  });
});

describe("session list", () => {
  it("lists the user's own sessions with where they signed in, marks the current one, and revokes another", async () => {
    const a = await app();
    await a.createUser("ann", PASSWORD);
    await a.createUser("bob", "bob-password-1");
    const here = await a.login("ann", PASSWORD);
    await loginAs(a, "ann", PASSWORD, { "user-agent": "Phone Browser 1.0" });
    const bob = await a.login("bob", "bob-password-1");
    const list = (await a.api("GET", "/api/v1/me/sessions", { session: here })).body as Array<{
      id: string;
      current: boolean;
      user_agent: string | null;
      address: string | null;
    }>;
    expect(list).toHaveLength(2);
    expect(list.filter((x) => x.current)).toHaveLength(1);
    const phone = list.find((x) => x.user_agent === "Phone Browser 1.0")!;
    expect(phone.current).toBe(false);
    expect(phone.address).toBe("127.0.0.1");
    // Bob's session ids are not Ann's to see or revoke.
    const bobs = (await a.api("GET", "/api/v1/me/sessions", { session: bob })).body as Array<{ id: string }>;
    expect((await a.api("DELETE", `/api/v1/me/sessions/${bobs[0]!.id}`, { session: here })).status).toBe(404);
    expect((await a.api("GET", "/api/v1/auth/me", { session: bob })).status).toBe(200);
    expect((await a.api("DELETE", `/api/v1/me/sessions/${phone.id}`, { session: here })).status).toBe(204);
    const after = (await a.api("GET", "/api/v1/me/sessions", { session: here })).body as Array<{
      id: string;
    }>;
    expect(after.map((x) => x.id)).not.toContain(phone.id);
    expect((await a.api("DELETE", `/api/v1/me/sessions/not-an-id`, { session: here })).status).toBe(404);
  });
});

describe("login limits", () => {
  it("locks an address out after its failures across rotating user names (a spray), with Retry-After", async () => {
    const a = await app({ loginFailuresPerAddress: 5 });
    await a.createUser("ann", PASSWORD);
    for (let i = 0; i < 5; i++) expect((await loginAs(a, `user${i}`, "guess-guess")).status).toBe(401);
    const locked = await loginAs(a, "ann", PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("locks a user name out after its failures from rotating addresses", async () => {
    const a = await startTestApp("sqlite", { config: { loginFailuresPerUsername: 4, trustProxy: true } });
    t = a;
    await a.createUser("ann", PASSWORD);
    for (let i = 0; i < 4; i++)
      expect((await loginAs(a, "ann", "guess-guess", { "x-forwarded-for": `10.0.0.${i}` })).status).toBe(401);
    expect((await loginAs(a, "ann", PASSWORD, { "x-forwarded-for": "10.0.0.99" })).status).toBe(429);
    // Another user name from the same addresses is not affected.
    await a.createUser("bob", "bob-password-1");
    expect((await loginAs(a, "bob", "bob-password-1", { "x-forwarded-for": "10.0.0.1" })).status).toBe(200);
  });
});

describe("password hashing under a flood", () => {
  it("refuses logins beyond the running and waiting hashes with 429 at once, and serves the rest", async () => {
    const a = await app({ passwordHashConcurrency: 1, passwordHashQueue: 2, loginFailuresPerAddress: 0 });
    await a.createUser("ann", PASSWORD);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => loginAs(a, "ann", i === 0 ? PASSWORD : "guess-guess")),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.filter((s) => s !== 429).length).toBeGreaterThanOrEqual(3);
    const refused = answers.find((r) => r.status === 429)!;
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("PB_ERR_RATE_LIMITED");
    // Once the flood is over, a login goes through.
    expect((await loginAs(a, "ann", PASSWORD)).status).toBe(200);
  });
});
