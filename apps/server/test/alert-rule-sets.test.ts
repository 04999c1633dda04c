// Specifications of selector rule sets as a whole, over real HTTP on SQLite and PostgreSQL: a
// dashboard lists its sets with their number of series; editors change every rule of a set at once
// (closing open events as a single-rule change does, and for series created later too) and delete a
// set; viewers read only; another dashboard's set, an unknown id and a bad body are refused clearly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertServiceOf } from "../src/alerts/index.ts";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

type Rule = { id: number; metric_id: number; threshold: number; condition: string; selector?: string };
type RuleSet = { id: number; selector: string; threshold: number; rule_ids: number[]; series: number };

describe.each(DB_KINDS)("alert rule sets on %s", (kind) => {
  let t: TestApp;
  let owner: Session;
  let viewer: Session;
  let stranger: Session;
  let token: string;
  let dash: number;
  let other: number;

  const ingest = (dashboardId: number, points: Array<[string, number]>) =>
    t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: points.map(([host, value]) => ({
          dashboard_id: dashboardId,
          metric: "cpu",
          labels: { host },
          value,
        })),
      },
    });
  const bySelector = async (dashboardId: number, selector: string, threshold: number) => {
    const res = await t.api("POST", `/api/v1/dashboards/${dashboardId}/alert-rules/by-selector`, {
      session: owner,
      body: { selector, condition: "above", threshold },
    });
    expect(res.status).toBe(201);
    return res.body.rules as Rule[];
  };
  const sets = async (dashboardId = dash, session = owner) => {
    const res = await t.api<RuleSet[]>("GET", `/api/v1/dashboards/${dashboardId}/alert-rule-sets`, {
      session,
    });
    expect(res.status).toBe(200);
    return res.body;
  };
  const rules = async () =>
    (await t.api<Rule[]>("GET", `/api/v1/dashboards/${dash}/alert-rules`, { session: owner })).body;
  const setPath = (setId: number | string, dashboardId = dash) =>
    `/api/v1/dashboards/${dashboardId}/alert-rule-sets/${setId}`;
  const seriesId = async (host: string) =>
    (
      await t.api<Array<{ id: number; name: string }>>("GET", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
      })
    ).body.find((m) => m.name === `cpu{host="${host}"}`)!.id;
  const newDashboard = async (name: string) => {
    const id = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name } })).body
      .id as number;
    await t.api("POST", `/api/v1/dashboards/${id}/metrics`, {
      session: owner,
      body: { name: "cpu", type: "gauge" },
    });
    return id;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.createUser("ona", "pw-ona-secret");
    await t.createUser("vic", "pw-vic-secret");
    await t.createUser("sam", "pw-sam-secret");
    owner = await t.login("ona", "pw-ona-secret");
    viewer = await t.login("vic", "pw-vic-secret");
    stranger = await t.login("sam", "pw-sam-secret");
    token = await t.createToken("ona");
    dash = await newDashboard("Web hosts");
    other = await newDashboard("Other hosts");
    await t.addMember(dash, "vic", "viewer", { session: owner });
    expect(
      (
        await ingest(dash, [
          ["web-1", 10],
          ["web-2", 20],
          ["db-1", 30],
        ])
      ).status,
    ).toBe(200);
    expect((await ingest(other, [["web-1", 10]])).status).toBe(200);
  });
  afterAll(() => t?.close());

  it("lists each selector's rules as one set with its number of series, named by its oldest rule", async () => {
    const web = await bySelector(dash, 'cpu{host=~"web-.*"}', 90);
    const db = await bySelector(dash, 'cpu{host="db-1"}', 80);
    // A plain rule on a series belongs to no set.
    await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: owner,
      body: { metric_id: await seriesId("web-1"), condition: "below", threshold: 1 },
    });
    const webIds = web.map((r) => r.id).sort((a, b) => a - b);
    expect(await sets()).toEqual([
      {
        id: webIds[0],
        selector: 'cpu{host=~"web-.*"}',
        condition: "above",
        threshold: 90,
        duration_s: 0,
        hysteresis: 0,
        enabled: true,
        no_data_s: 0,
        rule_ids: webIds,
        series: 2,
      },
      expect.objectContaining({
        id: db[0]!.id,
        selector: 'cpu{host="db-1"}',
        series: 1,
        rule_ids: [db[0]!.id],
      }),
    ]);
    // Any member reads them; a stranger learns nothing.
    expect(await sets(dash, viewer)).toEqual(await sets());
    const hidden = await t.api("GET", `/api/v1/dashboards/${dash}/alert-rule-sets`, { session: stranger });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, "PB_ERR_NOT_FOUND"]);
  });

  it("changes every rule of a set, closing open events as a single change does, and series created later get the change", async () => {
    const set = (await sets()).find((s) => s.selector === 'cpu{host=~"web-.*"}')!;
    // web-1 fires at 95 against 90.
    await ingest(dash, [["web-1", 95]]);
    await alertServiceOf(t.pb.ctx)!.idle();
    const web1Rule = set.rule_ids[0]!;
    const firing = await t.api("GET", `/api/v1/alert-rules/${web1Rule}/events`, { session: owner });
    expect(firing.body.map((e: { state: string }) => e.state)).toEqual(["firing"]);

    const res = await t.api("PATCH", setPath(set.id), {
      session: owner,
      body: { threshold: 99, duration_s: 5 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: set.id,
      threshold: 99,
      duration_s: 5,
      series: 2,
      rule_ids: set.rule_ids,
    });
    const web = (await rules()).filter((r) => r.selector === set.selector);
    expect(web.map((r) => [r.threshold, (r as unknown as { duration_s: number }).duration_s])).toEqual([
      [99, 5],
      [99, 5],
    ]);
    // The open event was closed with the reason, as PATCH /alert-rules/:id does.
    const events = (await t.api("GET", `/api/v1/alert-rules/${web1Rule}/events`, { session: owner })).body;
    expect(events[0]).toMatchObject({ state: "resolved", reason: "rule_changed", open: false });
    // Other sets and plain rules are untouched.
    expect((await sets()).find((s) => s.selector === 'cpu{host="db-1"}')!.threshold).toBe(80);
    expect((await rules()).filter((r) => !r.selector).map((r) => r.threshold)).toEqual([1]);

    // A matching series created after the change gets the changed rule.
    await ingest(dash, [["web-3", 50]]);
    const web3 = await seriesId("web-3");
    expect((await rules()).find((r) => r.metric_id === web3)).toMatchObject({
      threshold: 99,
      selector: set.selector,
    });
    expect((await sets()).find((s) => s.id === set.id)!.series).toBe(3);
  });

  it("refuses viewers (403), strangers, unknown ids and other dashboards' sets (404), and bad bodies (400), changing nothing", async () => {
    const set = (await sets()).find((s) => s.selector === 'cpu{host=~"web-.*"}')!;
    const otherSet = (await bySelector(other, 'cpu{host=~"web-.*"}', 70))[0]!.id;
    const before = await rules();
    const patch = (path: string, session: Session, body: unknown) => t.api("PATCH", path, { session, body });
    const status = async (res: Promise<{ status: number; body: { error?: { code: string } } }>) => {
      const r = await res;
      return [r.status, r.body.error?.code];
    };

    expect(await status(patch(setPath(set.id), viewer, { threshold: 1 }))).toEqual([403, "PB_ERR_FORBIDDEN"]);
    expect(await status(t.api("DELETE", setPath(set.id), { session: viewer }))).toEqual([
      403,
      "PB_ERR_FORBIDDEN",
    ]);
    expect(await status(patch(setPath(set.id), stranger, { threshold: 1 }))).toEqual([
      404,
      "PB_ERR_NOT_FOUND",
    ]);
    // The other dashboard's set id under this dashboard, an id that is no set, and one that is no id.
    const plain = before.find((r) => !r.selector)!.id;
    for (const id of [otherSet, plain, set.rule_ids[1]!, 999_999, "web"]) {
      const res = await t.api("PATCH", setPath(id), { session: owner, body: { threshold: 1 } });
      expect([res.status, res.body.error.code, res.body.error.message]).toEqual([
        404,
        "PB_ERR_NOT_FOUND",
        "Alert rule set not found",
      ]);
      expect((await t.api("DELETE", setPath(id), { session: owner })).status).toBe(404);
    }
    // Wrong types, unknown fields and an empty change get 400 with the field's location.
    const bad = await t.api("PATCH", setPath(set.id), {
      session: owner,
      body: { threshold: "high", condition: "sideways", metric_id: 3 },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, "PB_ERR_VALIDATION"]);
    const locs = bad.body.error.details.map((d: { loc: string[] }) => d.loc.join("."));
    expect(locs).toEqual(expect.arrayContaining(["body.threshold", "body.condition"]));
    const empty = await t.api("PATCH", setPath(set.id), { session: owner, body: {} });
    expect([empty.status, empty.body.error.code]).toEqual([400, "PB_ERR_VALIDATION"]);

    expect(await rules()).toEqual(before);
    expect(await sets(other)).toEqual([expect.objectContaining({ id: otherSet, threshold: 70, series: 1 })]);
  });

  it("deletes every rule of a set, and series created later get none", async () => {
    const set = (await sets()).find((s) => s.selector === 'cpu{host=~"web-.*"}')!;
    const res = await t.api("DELETE", setPath(set.id), { session: owner });
    expect(res.status).toBe(204);
    expect((await sets()).map((s) => s.selector)).toEqual(['cpu{host="db-1"}']);
    const left = await rules();
    expect(left.filter((r) => set.rule_ids.includes(r.id))).toEqual([]);
    expect(left.filter((r) => !r.selector)).toHaveLength(1);
    // Gone for good: the id is unknown now, and a new matching series gets no rule.
    expect((await t.api("DELETE", setPath(set.id), { session: owner })).status).toBe(404);
    await ingest(dash, [["web-4", 50]]);
    const web4 = await seriesId("web-4");
    expect((await rules()).filter((r) => r.metric_id === web4)).toEqual([]);
    // The other dashboard's set of the same selector lives on.
    expect(await sets(other)).toHaveLength(1);
  });
});
