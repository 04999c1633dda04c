// The audit log: owners read what happened to their dashboard (members added, re-roled, removed,
// with who, when and from where), users read their own sign-ins and tokens, nobody else reads
// either, a failed sign-in under an unknown name does not keep what was typed, and events older
// than the retention are purged.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const login = (a: TestApp, username: string, password: string) =>
  fetch(`${a.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });

describe("dashboard audit", () => {
  it("shows owners member changes with actor and address; viewers get 403, strangers 404", async () => {
    t = await startTestApp("sqlite");
    await t.createUser("ann", "ann-password-1");
    await t.createUser("bob", "bob-password-1");
    await t.createUser("eve", "eve-password-1");
    const ann = await t.createToken("ann");
    const bob = await t.createToken("bob");
    const eve = await t.createToken("eve");
    const dash = (await t.api("POST", "/api/v1/dashboards", { token: ann, body: { name: "D" } })).body.id;
    const members = `/api/v1/dashboards/${dash}/members`;
    const bobId = (await t.api("PUT", members, { token: ann, body: { username: "bob", role: "viewer" } }))
      .body.user_id;
    await t.api("PUT", members, { token: ann, body: { username: "bob", role: "editor" } });
    await t.api("PUT", members, { token: ann, body: { username: "bob", role: "editor" } }); // no change
    await t.api("DELETE", `${members}/${bobId}`, { token: ann });
    await t.api("PUT", members, { token: ann, body: { username: "bob", role: "viewer" } });

    const log = await t.api("GET", `/api/v1/dashboards/${dash}/audit`, { token: ann });
    expect(log.status).toBe(200);
    expect(log.body.map((e: { action: string }) => e.action)).toEqual([
      "member.added",
      "member.removed",
      "member.role_changed",
      "member.added",
    ]);
    expect(log.body[2]).toMatchObject({
      actor: { username: "ann" },
      address: "127.0.0.1",
      dashboard_id: dash,
      detail: { username: "bob", role: "editor", previous_role: "viewer" },
    });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}/audit`, { token: bob })).status).toBe(403);
    expect((await t.api("GET", `/api/v1/dashboards/${dash}/audit`, { token: eve })).status).toBe(404);
    const page = await t.api("GET", `/api/v1/dashboards/${dash}/audit?limit=1&before=${log.body[1].id}`, {
      token: ann,
    });
    expect(page.body.map((e: { action: string }) => e.action)).toEqual(["member.role_changed"]);
  });

  it("records a deleted dashboard for the owner who deleted it", async () => {
    t = await startTestApp("sqlite");
    await t.createUser("ann", "ann-password-1");
    const ann = await t.createToken("ann");
    const dash = (await t.api("POST", "/api/v1/dashboards", { token: ann, body: { name: "Gone" } })).body.id;
    await t.api("DELETE", `/api/v1/dashboards/${dash}`, { token: ann });
    const mine = await t.api("GET", "/api/v1/me/audit", { token: ann });
    expect(mine.body[0]).toMatchObject({
      action: "dashboard.deleted",
      dashboard_id: dash,
      detail: { name: "Gone" },
    });
  });
});

describe("personal audit", () => {
  it("shows a user their sign-ins, failures and tokens, and keeps no typed name for an unknown user", async () => {
    t = await startTestApp("sqlite");
    await t.createUser("ann", "ann-password-1");
    expect((await login(t, "ann", "wrong-password")).status).toBe(401);
    expect((await login(t, "my-secret-typed-here", "x")).status).toBe(401);
    const s = await t.login("ann", "ann-password-1");
    const created = await t.api("POST", "/api/v1/tokens", { session: s, body: { name: "ci" } });
    await t.api("DELETE", `/api/v1/tokens/${created.body.id}`, { session: s });
    const mine = await t.api("GET", "/api/v1/me/audit", { session: s });
    expect(mine.body.map((e: { action: string }) => e.action)).toEqual([
      "token.revoked",
      "token.created",
      "login.succeeded",
      "login.failed",
    ]);
    const rows = await t.pb.db.selectFrom("audit_events").select(["action", "detail"]).execute();
    expect(JSON.stringify(rows)).not.toContain("my-secret-typed-here");
    expect(rows.filter((r) => r.action === "login.failed")).toHaveLength(2);
  });
});

describe("retention", () => {
  it("purges events older than the retention when the server runs", async () => {
    const database = await createTestDatabase("sqlite");
    try {
      const first = await startTestApp("sqlite", { database });
      const day = 86_400_000;
      await first.pb.db
        .insertInto("audit_events")
        .values([
          { at: Date.now() - 100 * day, action: "login.failed", detail: "{}" },
          { at: Date.now() - 10 * day, action: "login.failed", detail: "{}" },
        ])
        .execute();
      await first.close();
      t = await startTestApp("sqlite", { database, config: { auditRetentionDays: 30 } });
      const running = t;
      await vi.waitFor(
        async () =>
          expect(await running.pb.db.selectFrom("audit_events").select("at").execute()).toHaveLength(1),
        { timeout: 5000, interval: 50 },
      );
      await t.close();
      t = undefined;
    } finally {
      await database.destroy();
    }
  });
});
