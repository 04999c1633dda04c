// Specifications of POST /api/v1/ingest: what is accepted, what is refused, and that a refused
// batch stores nothing at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type Session, startTestApp, storedPoints, type TestApp } from "./harness.ts";

describe.each(DB_KINDS)("ingest on %s", (kind) => {
  let t: TestApp;
  let token: string;
  let viewerToken: string;
  let owner: Session;
  let dash: number;
  let metric: number;
  let foreignMetric: number;

  const stored = async (metricId = metric) => (await storedPoints(t, metricId)).n;

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.createUser("ida", "pw");
    await t.createUser("vic", "pw");
    await t.createUser("otto", "pw");
    owner = await t.login("ida", "pw");
    token = await t.createToken("ida");
    viewerToken = await t.createToken("vic");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Ingest" } })).body.id;
    await t.addMember(dash, "vic", "viewer", { session: owner });
    metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "load", type: "gauge" },
      })
    ).body.id;
    const otto = await t.login("otto", "pw");
    const foreignDash = (
      await t.api("POST", "/api/v1/dashboards", { session: otto, body: { name: "Otto's" } })
    ).body.id;
    foreignMetric = (
      await t.api("POST", `/api/v1/dashboards/${foreignDash}/metrics`, {
        session: otto,
        body: { name: "secret", type: "gauge" },
      })
    ).body.id;
  });
  afterAll(() => t?.close());

  it("accepts points by metric id and by dashboard + name, with and without timestamps", async () => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: [
          { metric_id: metric, value: 12.5, timestamp: "2026-11-20T10:00:00Z" },
          { dashboard_id: dash, metric: "load", value: 7 },
          { metric_id: metric, value: -3, timestamp: "2026-11-20T12:00:00+02:00" },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 3 });
    expect(await stored()).toBe(before + 3);
    const points = await storedPoints(t, metric);
    const at = points.ts[[...points.values].indexOf(-3)]!;
    expect(new Date(at).toISOString()).toBe("2026-11-20T10:00:00.000Z");
  });

  it("accepts a session caller that sends the CSRF header, refuses one that does not", async () => {
    expect(
      (
        await t.api("POST", "/api/v1/ingest", {
          session: owner,
          body: { points: [{ metric_id: metric, value: 1 }] },
        })
      ).status,
    ).toBe(200);
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      session: owner,
      csrf: false,
      body: { points: [{ metric_id: metric, value: 1 }] },
    });
    expect(res.status).toBe(403);
    expect(await stored()).toBe(before);
  });

  it("refuses malformed JSON with 400 and stores nothing", async () => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      raw: `{"points": [{"metric_id": ${metric}, "value": 1}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("PB_ERR_BAD_REQUEST");
    expect(await stored()).toBe(before);
  });

  it.each([
    ["NaN as a string", "NaN"],
    ["a numeric string", "5"],
    ["null", null],
    ["a boolean", true],
    ["an object", { valueOf: 1 }],
  ])("refuses a value that is %s", async (_label, value) => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ metric_id: metric, value }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].loc).toEqual(["body", "points", 0, "value"]);
    expect(await stored()).toBe(before);
  });

  it("refuses an infinite value (1e999 in the JSON text)", async () => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      raw: `{"points":[{"metric_id":${metric},"value":1e999}]}`,
    });
    expect(res.status).toBe(400);
    expect(await stored()).toBe(before);
  });

  it.each([
    ["in year 9999", "9999-12-31T00:00:00Z", /ahead of the server's clock/],
    ["an hour ahead", () => new Date(Date.now() + 3600_000).toISOString(), /ahead of the server's clock/],
    ["before 1970", "1969-12-31T23:59:59Z", /before 1970/],
  ])("refuses a timestamp %s with a clear message", async (_label, timestamp, message) => {
    const before = await stored();
    const ts = typeof timestamp === "function" ? timestamp() : timestamp;
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: [
          { metric_id: metric, value: 1 },
          { metric_id: metric, value: 2, timestamp: ts },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({
        loc: ["body", "points", 1, "timestamp"],
        msg: expect.stringMatching(message),
      }),
    ]);
    expect(await stored()).toBe(before);
  });

  it("accepts a timestamp a little ahead (clock skew) and exactly at 1970", async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: [
          { metric_id: metric, value: 1, timestamp: soon },
          { metric_id: metric, value: 2, timestamp: "1970-01-01T00:00:00Z" },
        ],
      },
    });
    expect(res.status).toBe(200);
  });

  it("rejects the whole batch when one point is invalid, with per-point details", async () => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: [
          { metric_id: metric, value: 1 },
          { metric_id: "3", value: 2 },
          { metric_id: metric, value: 3, timestamp: "yesterday" },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("PB_ERR_VALIDATION");
    const locs = res.body.error.details.map((d: { loc: unknown[] }) => d.loc);
    expect(locs).toContainEqual(["body", "points", 1, "metric_id"]);
    expect(locs).toContainEqual(["body", "points", 2, "timestamp"]);
    expect(await stored()).toBe(before);
  });

  it("refuses a point naming no metric, unknown fields, an empty batch and a non-object body", async () => {
    for (const body of [
      { points: [{ value: 1 }] },
      { points: [{ metric: "load", value: 1 }] },
      { points: [{ metric_id: metric, value: 1, extra: "x" }] },
      { points: [] },
      [1, 2, 3],
      "points",
    ])
      expect((await t.api("POST", "/api/v1/ingest", { token, body })).status).toBe(400);
  });

  it("refuses a point for another dashboard's metric with 404 and stores nothing of the batch", async () => {
    const before = await stored();
    const foreignBefore = await stored(foreignMetric);
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: {
        points: [
          { metric_id: metric, value: 1 },
          { metric_id: foreignMetric, value: 666 },
        ],
      },
    });
    expect(res.status).toBe(404);
    expect(await stored()).toBe(before);
    expect(await stored(foreignMetric)).toBe(foreignBefore);
  });

  it("refuses a name on a dashboard the caller is not a member of with 404, revealing nothing", async () => {
    const res = await t.api("POST", "/api/v1/ingest", {
      token: viewerToken,
      body: { points: [{ dashboard_id: dash + 1000, metric: "x", value: 1 }] },
    });
    expect(res.status).toBe(404);
  });

  it("refuses a viewer with 403 and stores nothing", async () => {
    const before = await stored();
    const res = await t.api("POST", "/api/v1/ingest", {
      token: viewerToken,
      body: { points: [{ metric_id: metric, value: 1 }] },
    });
    expect(res.status).toBe(403);
    expect(await stored()).toBe(before);
  });

  it("refuses an unknown metric name with a per-point detail", async () => {
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ dashboard_id: dash, metric: "nope", value: 1 }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { type: "not_found", loc: ["body", "points", 0, "metric"], msg: "no such metric" },
    ]);
  });

  it("accepts 10,000 points in one batch and refuses 10,001", async () => {
    const before = await stored();
    const points = Array.from({ length: 10_000 }, (_, i) => ({
      metric_id: metric,
      value: i,
      timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    }));
    expect((await t.api("POST", "/api/v1/ingest", { token, body: { points } })).body).toEqual({
      accepted: 10_000,
    });
    expect(await stored()).toBe(before + 10_000);
    const tooMany = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [...points, { metric_id: metric, value: 1 }] },
    });
    expect(tooMany.status).toBe(400);
    expect(await stored()).toBe(before + 10_000);
  });

  it("refuses a body over the size limit with 413", async () => {
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      raw: `{"points":[],"pad":"${"x".repeat(5 * 1024 * 1024)}"}`,
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PB_ERR_TOO_LARGE");
  });

  it("refuses a wrong content type with 400", async () => {
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      raw: "value=1",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect([400, 415]).toContain(res.status);
    expect(res.body.error).toBeDefined();
  });
});
