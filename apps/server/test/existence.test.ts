// "Missing" and "not yours" get the same answer where docs/API.md says existence is not revealed:
// ingest by a metric id of another dashboard answers exactly like a metric id that does not
// exist, a dashboard id the caller cannot see exactly like one that does not exist, and adding a
// member answers a user name with an account exactly like one without (both become invitations;
// invitations.test.ts specifies them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allStoredValues, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let token: string;
let foreignMetric: number;
let foreignDash: number;
let alice: string;

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("root", "root-password"); // the first user: the administrator
  await t.createUser("mallory", "mallory-password");
  await t.createUser("alice", "alice-password");
  await t.createUser("bob", "bob-password");
  token = await t.createToken("mallory");
  alice = await t.createToken("alice");
  foreignDash = (await t.api("POST", "/api/v1/dashboards", { token: alice, body: { name: "Private" } })).body
    .id;
  foreignMetric = (
    await t.api("POST", `/api/v1/dashboards/${foreignDash}/metrics`, {
      token: alice,
      body: { name: "secret", type: "gauge" },
    })
  ).body.id;
});
afterAll(() => t?.close());

const ingest = (points: unknown[]) => t.api("POST", "/api/v1/ingest", { token, body: { points } });

describe("ingest", () => {
  it("answers a foreign metric id exactly like a missing one", async () => {
    const foreign = await ingest([{ metric_id: foreignMetric, value: 1 }]);
    const missing = await ingest([{ metric_id: foreignMetric + 1000, value: 1 }]);
    expect(foreign.status).toBe(404);
    expect({ status: foreign.status, body: foreign.body }).toEqual({
      status: missing.status,
      body: missing.body,
    });
    expect(await allStoredValues(t)).toEqual([]);
  });

  it("answers a foreign dashboard id exactly like a missing one", async () => {
    const foreign = await ingest([{ dashboard_id: foreignDash, metric: "secret", value: 1 }]);
    const missing = await ingest([{ dashboard_id: foreignDash + 1000, metric: "secret", value: 1 }]);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });
});

describe("adding a member", () => {
  const put = (as: string, dash: number, username: string, role = "viewer") =>
    t.api("PUT", `/api/v1/dashboards/${dash}/members`, { token: as, body: { username, role } });
  const named = (res: { status: number; body: { username?: string } }) => ({
    status: res.status,
    body: { ...res.body, username: "<name>" },
  });

  it("answers a non-administrator owner the same for an existing and a missing user name", async () => {
    const existing = await put(alice, foreignDash, "bob");
    const missing = await put(alice, foreignDash, "nobody-like-this");
    expect(existing.status).toBe(200);
    expect(existing.body).toEqual({ username: "bob", role: "viewer", status: "invited" });
    expect(named(missing)).toEqual(named(existing));
    // Both are pending invitations, listed alike; the existing user has no access until accepting.
    const members = await t.api("GET", `/api/v1/dashboards/${foreignDash}/members`, { token: alice });
    expect(members.body.map((m: { username: string; status?: string }) => [m.username, m.status])).toEqual([
      ["alice", undefined],
      ["bob", "pending"],
      ["nobody-like-this", "pending"],
    ]);
    const bob = await t.createToken("bob");
    expect((await t.api("GET", `/api/v1/dashboards/${foreignDash}`, { token: bob })).status).toBe(404);
  });

  it("changes a member's role directly: members are visible to the owner already", async () => {
    await t.addMember(foreignDash, "bob", "viewer", { token: alice });
    const changed = await put(alice, foreignDash, "bob", "editor");
    expect(changed.body).toEqual({
      user_id: expect.any(Number),
      username: "bob",
      role: "editor",
      status: "member",
    });
  });

  it("tells an administrator: the member with its id, or 404 for an unknown name", async () => {
    const root = await t.createToken("root");
    const dash = (await t.api("POST", "/api/v1/dashboards", { token: root, body: { name: "Ops" } })).body.id;
    const added = await put(root, dash, "bob");
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      username: "bob",
      role: "viewer",
      user_id: expect.any(Number),
      status: "member",
    });
    const missing = await put(root, dash, "nobody-like-this");
    expect(missing.status).toBe(404);
  });
});
