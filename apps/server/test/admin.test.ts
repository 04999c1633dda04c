// Instance administration over the real REST API and WebSockets: the first user administers
// the instance; administrators list, create, disable, delete users and reset passwords (open
// sockets close at once with 4001); teams are members of dashboards with a role, and an owner
// sees who has access through which team. The CLI does the same on the same storage.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { Communicator } from "@pulseboard/channels/testing";
import { nodeEntry } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

const serverDir = resolve(import.meta.dirname, "..");

describe.each(DB_KINDS)("administration on %s", (kind) => {
  let t: TestApp;
  let root: Session;
  let alice: Session;
  let dash: number;

  beforeAll(async () => {
    // No handshake cache: every socket's access is read again from storage once it joined its
    // groups (access-watch.ts), the check a team's grant must pass.
    t = await startTestApp(kind, { config: { seedDemo: false, handshakeCacheTtlMs: 0 } });
    await t.createUser("root");
    await t.createUser("alice");
    await t.createUser("bob");
    root = await t.login("root", "pw-root-secret");
    alice = await t.login("alice", "pw-alice-secret");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: alice, body: { name: "Payments" } })).body
      .id;
  }, 60_000);
  afterAll(() => t?.close());

  const socket = async (token: string) => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    return c;
  };

  it("makes the first user the administrator and refuses the admin API to everyone else", async () => {
    const list = await t.api("GET", "/api/v1/admin/users", { session: root });
    expect(list.status).toBe(200);
    expect(list.body.map((u: { username: string; admin: boolean }) => `${u.username}:${u.admin}`)).toEqual([
      "alice:false",
      "bob:false",
      "root:true",
    ]);
    const refused = await t.api("GET", "/api/v1/admin/users", { session: alice });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("administrator");
  });

  it("creates a user with a generated password that signs in", async () => {
    const res = await t.api("POST", "/api/v1/admin/users", { session: root, body: { username: "carol" } });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ username: "carol", admin: false, disabled: false });
    await t.login("carol", res.body.password);
    const dup = await t.api("POST", "/api/v1/admin/users", { session: root, body: { username: "carol" } });
    expect(dup.status).toBe(409);
    const bad = await t.api("POST", "/api/v1/admin/users", {
      session: root,
      body: { username: "", extra: 1 },
    });
    expect(bad.status).toBe(400);
  });

  it("disabling a user closes their open sockets with 4001, stops their token and refuses their login", async () => {
    const dave = await t.createUser("dave");
    await t.addMember(dash, "dave", "viewer", { session: alice });
    const token = await t.createToken("dave");
    const c = await socket(token);
    await c.assertAuthenticated();
    const res = await t.api("PATCH", `/api/v1/admin/users/${dave.id}`, {
      session: root,
      body: { disabled: true },
    });
    expect(res).toMatchObject({ status: 200, body: { username: "dave", disabled: true } });
    expect(await c.closed).toEqual({ code: 4001, reason: "Your account was disabled" });
    expect((await t.api("GET", "/api/v1/dashboards", { token })).status).toBe(401);
    const login = await fetch(`${t.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "dave", password: dave.password }),
    });
    expect(login.status).toBe(403);
    expect(await login.text()).toContain("disabled");
    await t.api("PATCH", `/api/v1/admin/users/${dave.id}`, { session: root, body: { disabled: false } });
    await t.login("dave", dave.password);
  });

  it("resets a password: the old one stops working, the user's sessions end", async () => {
    const erin = await t.createUser("erin");
    const before = await t.login("erin", erin.password);
    const res = await t.api("POST", `/api/v1/admin/users/${erin.id}/password`, { session: root, body: {} });
    expect(res.status).toBe(200);
    expect(typeof res.body.password).toBe("string");
    expect((await t.api("GET", "/api/v1/dashboards", { session: before })).status).toBe(401);
    await expect(t.login("erin", erin.password)).rejects.toThrow(/401/);
    await t.login("erin", res.body.password);
  });

  it("deletes users but never the last administrator", async () => {
    const frank = await t.createUser("frank");
    expect((await t.api("DELETE", `/api/v1/admin/users/${frank.id}`, { session: root })).status).toBe(204);
    const rootId = root.userId;
    const self = await t.api("DELETE", `/api/v1/admin/users/${rootId}`, { session: root });
    expect(self.status).toBe(403);
    const demote = await t.api("PATCH", `/api/v1/admin/users/${rootId}`, {
      session: root,
      body: { admin: false },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toContain("without an administrator");
  });

  it("teams: a team on a dashboard gives its members the role, the owner sees through which team, removal closes sockets", async () => {
    const team = await t.api("POST", "/api/v1/teams", { session: root, body: { name: "sre" } });
    expect(team.status).toBe(201);
    const bob = (await t.api("GET", "/api/v1/admin/users", { session: root })).body.find(
      (u: { username: string }) => u.username === "bob",
    );
    expect(
      (
        await t.api("PUT", `/api/v1/teams/${team.body.id}/members`, {
          session: root,
          body: { username: "bob" },
        })
      ).body,
    ).toMatchObject({
      name: "sre",
      members: ["bob"],
    });
    const bobToken = await t.createToken("bob");
    // Before: bob does not see the dashboard at all.
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bobToken })).status).toBe(404);
    const granted = await t.api("PUT", `/api/v1/dashboards/${dash}/teams`, {
      session: alice,
      body: { team_id: team.body.id, role: "editor" },
    });
    expect(granted.body).toEqual([{ team_id: team.body.id, name: "sre", role: "editor" }]);
    const list = await t.api("GET", "/api/v1/dashboards", { token: bobToken });
    expect(list.body.map((d: { id: number; role: string }) => [d.id, d.role])).toEqual([[dash, "editor"]]);
    // An editor through the team may add metrics; a viewer through a team could not.
    expect(
      (
        await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
          token: bobToken,
          body: { name: "p99", type: "gauge" },
        })
      ).status,
    ).toBe(201);

    const access = await t.api("GET", `/api/v1/dashboards/${dash}/access`, { session: alice });
    expect(access.body).toEqual(
      expect.arrayContaining([
        { user_id: alice.userId, username: "alice", role: "owner", via: "direct" },
        { user_id: bob.id, username: "bob", role: "editor", via: "team:sre" },
      ]),
    );
    expect((await t.api("GET", `/api/v1/dashboards/${dash}/access`, { token: bobToken })).status).toBe(403);

    const c = await socket(bobToken);
    await c.assertAuthenticated();
    // The socket stands on the team's grant: it streams (the access re-check counts teams too).
    const metric = (await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bobToken })).body.metrics.find(
      (m: { name: string }) => m.name === "p99",
    ).id;
    expect(
      await t.pb.db.selectFrom("dashboard_members").select("user_id").where("user_id", "=", bob.id).execute(),
    ).toEqual([]); // no direct membership: only the team's
    await t.api("POST", "/api/v1/ingest", {
      token: bobToken,
      body: { points: [{ metric_id: metric, value: 7 }] },
    });
    expect((await c.receive("metric_update", 5000)).payload).toMatchObject({ metric_id: metric, value: 7 });
    expect(
      (await t.api("DELETE", `/api/v1/teams/${team.body.id}/members/${bob.id}`, { session: root })).status,
    ).toBe(204);
    expect(await c.closed).toEqual({ code: 4003, reason: "Your access to this dashboard was removed" });
    expect((await t.api("GET", `/api/v1/dashboards/${dash}`, { token: bobToken })).status).toBe(404);
  });

  it("the CLI administers the same storage: list, set-admin, teams, reset-password, disable", async () => {
    const cli = (...args: string[]) => {
      const run = spawnSync(process.execPath, [...nodeEntry(join(serverDir, "src/cli.ts")), ...args], {
        cwd: serverDir,
        env: { ...process.env, ...t.database.env, PULSEBOARD_CONFIG: "" },
        encoding: "utf8",
      });
      return { status: run.status, out: `${run.stdout}${run.stderr}`.trim() };
    };
    expect(cli("set-admin", "alice")).toEqual({ status: 0, out: "alice is now an administrator" });
    expect(cli("list-users").out).toContain("alice (administrator)");
    expect(cli("create-team", "ops").status).toBe(0);
    expect(cli("add-team-member", "ops", "bob").out).toBe('bob is now in team "ops"');
    expect(cli("add-team", String(dash), "ops", "viewer").out).toBe('Team "ops" is now viewer of "Payments"');
    const reset = cli("reset-password", "bob", "--password", "new-bob-password");
    expect(reset).toEqual({ status: 0, out: "Password of bob reset" });
    await t.login("bob", "new-bob-password");
    expect(cli("disable-user", "bob").status).toBe(0);
    expect(cli("list-users").out).toContain("bob (disabled)");
    expect(cli("delete-user", "nobody")).toMatchObject({
      status: 1,
      out: expect.stringContaining('User "nobody"'),
    });
  }, 60_000);
});
