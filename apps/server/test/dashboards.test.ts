// Specifications of dashboards, members and roles, metric definitions and layouts over REST.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

describe.each(DB_KINDS)("dashboards on %s", (kind) => {
  let t: TestApp;
  let owner: Session;
  let editor: Session;
  let viewer: Session;
  let stranger: Session;
  let dash: { id: number };
  beforeAll(async () => {
    t = await startTestApp(kind);
    for (const name of ["olive", "eddie", "vera", "sam"]) await t.createUser(name, "pw");
    owner = await t.login("olive", "pw");
    editor = await t.login("eddie", "pw");
    viewer = await t.login("vera", "pw");
    stranger = await t.login("sam", "pw");
    dash = (
      await t.api("POST", "/api/v1/dashboards", {
        session: owner,
        body: { name: "Shared", description: "team" },
      })
    ).body;
    await t.addMember(dash.id, "eddie", "editor", { session: owner });
    await t.addMember(dash.id, "vera", "viewer", { session: owner });
  });
  afterAll(() => t?.close());

  it("creates a dashboard with a slug from its name and makes the caller its owner", async () => {
    const res = await t.api("POST", "/api/v1/dashboards", {
      session: owner,
      body: { name: "Ops: Prod / EU" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Ops: Prod / EU",
      slug: "ops-prod-eu",
      description: "",
      role: "owner",
    });
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);
  });

  it("gives a second dashboard of the same name a distinct slug", async () => {
    const a = await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Twin" } });
    const b = await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Twin" } });
    expect(a.body.slug).toBe("twin");
    expect(b.body.slug).toBe("twin-2");
  });

  it("refuses an explicit slug that is taken with 409", async () => {
    await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "A", slug: "taken" } });
    const res = await t.api("POST", "/api/v1/dashboards", {
      session: owner,
      body: { name: "B", slug: "taken" },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("PB_ERR_CONFLICT");
  });

  it("refuses a malformed slug and a missing name with per-field details", async () => {
    const res = await t.api("POST", "/api/v1/dashboards", { session: owner, body: { slug: "Bad Slug!" } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("PB_ERR_VALIDATION");
    expect(res.body.error.details).toContainEqual({
      type: expect.any(String),
      loc: ["body", "name"],
      msg: expect.any(String),
    });
    const slug = await t.api("POST", "/api/v1/dashboards", {
      session: owner,
      body: { name: "x", slug: "Bad Slug!" },
    });
    expect(slug.status).toBe(400);
    expect(slug.body.error.details[0].loc).toEqual(["body", "slug"]);
  });

  it("lists only the dashboards the caller is a member of, with the caller's role", async () => {
    const list = await t.api("GET", "/api/v1/dashboards", { session: viewer });
    expect(list.body).toEqual([expect.objectContaining({ id: dash.id, name: "Shared", role: "viewer" })]);
    expect((await t.api("GET", "/api/v1/dashboards", { session: stranger })).body).toEqual([]);
  });

  it("hides a dashboard from a non-member with 404", async () => {
    const res = await t.api("GET", `/api/v1/dashboards/${dash.id}`, { session: stranger });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("PB_ERR_NOT_FOUND");
  });

  it("answers 404 for a non-numeric or absurd id", async () => {
    for (const id of ["abc", "0", "-1", "1e3", "99999999999999999999"])
      expect((await t.api("GET", `/api/v1/dashboards/${id}`, { session: owner })).status).toBe(404);
  });

  it("lets only the owner rename (403 for an editor)", async () => {
    const denied = await t.api("PATCH", `/api/v1/dashboards/${dash.id}`, {
      session: editor,
      body: { name: "Hijacked" },
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe("PB_ERR_FORBIDDEN");
    const ok = await t.api("PATCH", `/api/v1/dashboards/${dash.id}`, {
      session: owner,
      body: { description: "renamed" },
    });
    expect(ok.body).toMatchObject({ id: dash.id, name: "Shared", description: "renamed", role: "owner" });
  });

  it("lists members with roles, and lets the owner change a role", async () => {
    const res = await t.api("GET", `/api/v1/dashboards/${dash.id}/members`, { session: viewer });
    expect(res.body).toEqual([
      { user_id: expect.any(Number), username: "eddie", role: "editor" },
      { user_id: expect.any(Number), username: "olive", role: "owner" },
      { user_id: expect.any(Number), username: "vera", role: "viewer" },
    ]);
    const denied = await t.api("PUT", `/api/v1/dashboards/${dash.id}/members`, {
      session: editor,
      body: { username: "sam", role: "owner" },
    });
    expect(denied.status).toBe(403);
  });

  it("refuses to add an unknown user (404) or a bogus role (400)", async () => {
    const unknown = await t.api("PUT", `/api/v1/dashboards/${dash.id}/members`, {
      session: owner,
      body: { username: "ghost", role: "viewer" },
    });
    expect(unknown.status).toBe(404);
    const bogus = await t.api("PUT", `/api/v1/dashboards/${dash.id}/members`, {
      session: owner,
      body: { username: "sam", role: "admin" },
    });
    expect(bogus.status).toBe(400);
  });

  it("never removes or demotes the last owner", async () => {
    const d = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Solo" } })).body;
    const me = owner.userId;
    expect(
      (await t.api("DELETE", `/api/v1/dashboards/${d.id}/members/${me}`, { session: owner })).status,
    ).toBe(409);
    expect(
      (
        await t.api("PUT", `/api/v1/dashboards/${d.id}/members`, {
          session: owner,
          body: { username: "olive", role: "viewer" },
        })
      ).status,
    ).toBe(409);
    expect((await t.api("GET", `/api/v1/dashboards/${d.id}`, { session: owner })).body.role).toBe("owner");
  });

  it("removes a member, who then loses access", async () => {
    const d = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Temp" } })).body;
    const sam = await t.api("PUT", `/api/v1/dashboards/${d.id}/members`, {
      session: owner,
      body: { username: "sam", role: "viewer" },
    });
    expect((await t.api("GET", `/api/v1/dashboards/${d.id}`, { session: stranger })).status).toBe(200);
    expect(
      (await t.api("DELETE", `/api/v1/dashboards/${d.id}/members/${sam.body.user_id}`, { session: owner }))
        .status,
    ).toBe(204);
    expect((await t.api("GET", `/api/v1/dashboards/${d.id}`, { session: stranger })).status).toBe(404);
  });

  it("lets an editor define metrics but not a viewer", async () => {
    const ok = await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
      session: editor,
      body: { name: "rps", type: "counter", unit: "req/s" },
    });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({
      id: expect.any(Number),
      dashboard_id: dash.id,
      name: "rps",
      description: "",
      type: "counter",
      unit: "req/s",
    });
    const denied = await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
      session: viewer,
      body: { name: "x", type: "gauge" },
    });
    expect(denied.status).toBe(403);
    const detail = await t.api("GET", `/api/v1/dashboards/${dash.id}`, { session: viewer });
    expect(detail.body.metrics).toContainEqual(ok.body);
  });

  it("refuses a duplicate metric name on the same dashboard with 409 and a bad type with 400", async () => {
    await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
      session: owner,
      body: { name: "dup", type: "gauge" },
    });
    expect(
      (
        await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
          session: owner,
          body: { name: "dup", type: "gauge" },
        })
      ).status,
    ).toBe(409);
    const bad = await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
      session: owner,
      body: { name: "t", type: "summary" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].loc).toEqual(["body", "type"]);
  });

  it("refuses renaming a metric to a name taken on its dashboard with 409, and keeps its name", async () => {
    const other = (
      await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        session: owner,
        body: { name: "rename-me", type: "gauge" },
      })
    ).body;
    const res = await t.api("PATCH", `/api/v1/metrics/${other.id}`, {
      session: owner,
      body: { name: "dup" },
    });
    expect(res.status).toBe(409);
    const metrics = (await t.api("GET", `/api/v1/dashboards/${dash.id}/metrics`, { session: owner })).body;
    expect(metrics.find((m: { id: number }) => m.id === other.id).name).toBe("rename-me");
  });

  it("updates and deletes a metric (editor); a stranger gets 404", async () => {
    const m = (
      await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        session: owner,
        body: { name: "tmp", type: "gauge" },
      })
    ).body;
    expect(
      (await t.api("PATCH", `/api/v1/metrics/${m.id}`, { session: stranger, body: { unit: "x" } })).status,
    ).toBe(404);
    const patched = await t.api("PATCH", `/api/v1/metrics/${m.id}`, {
      session: editor,
      body: { unit: "ms", description: "latency" },
    });
    expect(patched.body).toMatchObject({ id: m.id, unit: "ms", description: "latency" });
    expect((await t.api("DELETE", `/api/v1/metrics/${m.id}`, { session: viewer })).status).toBe(403);
    expect((await t.api("DELETE", `/api/v1/metrics/${m.id}`, { session: editor })).status).toBe(204);
    expect((await t.api("GET", `/api/v1/metrics/${m.id}/values`, { session: owner })).status).toBe(404);
  });

  it("stores a layout (editor) and returns it to viewers", async () => {
    const m = (await t.api("GET", `/api/v1/dashboards/${dash.id}/metrics`, { session: owner })).body[0];
    const widgets = [
      { id: "w1", type: "metric", metric_id: m.id, chart: "area", x: 0, y: 0, w: 6, h: 4 },
      { id: "w2", type: "connections", x: 6, y: 0, w: 3, h: 2 },
    ];
    expect((await t.api("GET", `/api/v1/dashboards/${dash.id}/layout`, { session: viewer })).body).toEqual({
      widgets: [],
    });
    expect(
      (await t.api("PUT", `/api/v1/dashboards/${dash.id}/layout`, { session: viewer, body: { widgets } }))
        .status,
    ).toBe(403);
    expect(
      (await t.api("PUT", `/api/v1/dashboards/${dash.id}/layout`, { session: editor, body: { widgets } }))
        .body,
    ).toEqual({ widgets });
    expect((await t.api("GET", `/api/v1/dashboards/${dash.id}/layout`, { session: viewer })).body).toEqual({
      widgets,
    });
  });

  it("drops a deleted metric's widgets from the stored layout, so the rest can be saved again", async () => {
    const gone = (
      await t.api("POST", `/api/v1/dashboards/${dash.id}/metrics`, {
        session: owner,
        body: { name: "soon gone", type: "gauge" },
      })
    ).body;
    const kept = (await t.api("GET", `/api/v1/dashboards/${dash.id}/metrics`, { session: owner })).body[0];
    const widgets = [
      { id: "a", type: "metric", metric_id: kept.id, x: 0, y: 0, w: 6, h: 4 },
      { id: "b", type: "metric", metric_id: gone.id, x: 6, y: 0, w: 6, h: 4 },
      { id: "c", type: "connections", x: 0, y: 4, w: 3, h: 2 },
    ];
    const path = `/api/v1/dashboards/${dash.id}/layout`;
    expect((await t.api("PUT", path, { session: editor, body: { widgets } })).status).toBe(200);
    expect((await t.api("DELETE", `/api/v1/metrics/${gone.id}`, { session: editor })).status).toBe(204);
    const stored = (await t.api("GET", path, { session: viewer })).body.widgets;
    expect(stored.map((w: { id: string }) => w.id)).toEqual(["a", "c"]);
    expect((await t.api("PUT", path, { session: editor, body: { widgets: stored } })).status).toBe(200);
  });

  it("refuses a layout widget pointing at another dashboard's metric", async () => {
    const other = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Other" } }))
      .body;
    const foreign = (
      await t.api("POST", `/api/v1/dashboards/${other.id}/metrics`, {
        session: owner,
        body: { name: "f", type: "gauge" },
      })
    ).body;
    const res = await t.api("PUT", `/api/v1/dashboards/${dash.id}/layout`, {
      session: owner,
      body: { widgets: [{ id: "w", type: "metric", metric_id: foreign.id, x: 0, y: 0, w: 1, h: 1 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].loc).toEqual(["body", "widgets", 0, "metric_id"]);
  });

  it("deletes a dashboard (owner only) with its metrics", async () => {
    const d = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Doomed" } })).body;
    const m = (
      await t.api("POST", `/api/v1/dashboards/${d.id}/metrics`, {
        session: owner,
        body: { name: "m", type: "gauge" },
      })
    ).body;
    expect((await t.api("DELETE", `/api/v1/dashboards/${d.id}`, { session: owner })).status).toBe(204);
    expect((await t.api("GET", `/api/v1/dashboards/${d.id}`, { session: owner })).status).toBe(404);
    const left = await t.pb.db.selectFrom("metrics").select("id").where("id", "=", m.id).execute();
    expect(left).toEqual([]);
  });

  it("answers an unknown API route with a JSON 404", async () => {
    const res = await t.api("GET", "/api/v1/nope", { session: owner });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("PB_ERR_NOT_FOUND");
  });

  it("serves a hint page for UI paths when the web UI is not built", async () => {
    const res = await fetch(`${t.url}/dashboards/1`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("npm run build -w @pulseboard/web");
  });
});
