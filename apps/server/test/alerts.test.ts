// Specifications of alerting over real HTTP + WebSocket: rules over REST, evaluation on the live
// stream (fires within a second of the point), duration, hysteresis, resolution, delivery to the
// dashboard's members only, acknowledgement — on SQLite and PostgreSQL.
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertServiceOf } from "../src/alerts/index.ts";
import {
  type AlertFrame,
  alertsOf,
  DB_KINDS,
  nextAlert,
  type Session,
  startTestApp,
  type TestApp,
} from "./harness.ts";

describe.each(DB_KINDS)("alerts on %s", (kind) => {
  let t: TestApp;
  let owner: Session;
  let viewer: Session;
  let outsider: Session;
  let token: string;
  let dashA: number;
  let dashB: number;
  let metricB: number;
  const sockets: Communicator[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind);
    const o = await t.createUser("olga");
    const v = await t.createUser("vic");
    const m = await t.createUser("mallory");
    owner = await t.login("olga", o.password);
    viewer = await t.login("vic", v.password);
    outsider = await t.login("mallory", m.password);
    token = await t.createToken("olga");
    dashA = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "A" } })).body.id;
    dashB = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "B" } })).body.id;
    await t.addMember(dashA, "vic", "viewer", { session: owner });
    await t.addMember(dashB, "mallory", "viewer", { session: owner });
    metricB = await newMetric(dashB);
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await t?.close();
  });

  let metricCount = 0;
  async function newMetric(dashboardId = dashA): Promise<number> {
    const res = await t.api("POST", `/api/v1/dashboards/${dashboardId}/metrics`, {
      session: owner,
      body: { name: `m${++metricCount}`, type: "gauge", unit: "%" },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function newRule(metricId: number, rule: Record<string, unknown>, dashboardId = dashA) {
    const res = await t.api("POST", `/api/v1/dashboards/${dashboardId}/alert-rules`, {
      session: owner,
      body: { metric_id: metricId, condition: "above", threshold: 90, ...rule },
    });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: number };
  }

  async function ingest(metricId: number, values: number[], timestamps?: string[]) {
    const points = values.map((value, i) => ({
      metric_id: metricId,
      value,
      ...(timestamps ? { timestamp: timestamps[i] } : {}),
    }));
    const res = await t.api("POST", "/api/v1/ingest", { token, body: { points } });
    expect(res.status, res.text).toBe(200);
  }

  /** A member's socket on a dashboard, past the initial config/history/presence frames. */
  async function connect(session: Session, dashboardId = dashA): Promise<Communicator> {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dashboardId}/`, {
      cookie: `pb_session=${session.cookie}`,
    });
    sockets.push(c);
    await c.assertAuthenticated();
    await c.receive("dashboard_config");
    return c;
  }

  it("creates a rule and lists it for any member", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { duration_s: 5, hysteresis: 2.5 });
    const list = await t.api("GET", `/api/v1/dashboards/${dashA}/alert-rules`, { session: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual({
      id: rule.id,
      metric_id: metric,
      condition: "above",
      threshold: 90,
      duration_s: 5,
      hysteresis: 2.5,
      enabled: true,
      no_data_s: 0,
    });
  });

  it("sends an alert to a member within one second of the breaching point", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [95.5]);
    const alert = await nextAlert(c, rule.id, 1000);
    expect(alert).toEqual({
      id: expect.any(Number),
      rule_id: rule.id,
      metric_id: metric,
      metric_name: expect.stringMatching(/^m\d+$/),
      state: "firing",
      value: 95.5,
      threshold: 90,
      message: expect.stringContaining("above 90"),
      timestamp: expect.stringMatching(/Z$/),
      status: "firing",
      reason: "threshold",
    });
  });

  it("stores the alert event and lists it over REST", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [99]);
    const alert = await nextAlert(c, rule.id);
    const list = await t.api("GET", `/api/v1/dashboards/${dashA}/alerts`, { session: viewer });
    expect(list.status).toBe(200);
    expect(list.body).toContainEqual({
      id: alert.id,
      rule_id: rule.id,
      metric_id: metric,
      state: "firing",
      value: 99,
      threshold: 90,
      message: alert.message,
      created_at: expect.stringMatching(/Z$/),
      acknowledged_at: null,
      acknowledged_by: null,
      status: "firing",
      reason: "threshold",
      open: true,
    });
  });

  it("does not fire before the breach has held for duration_s", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { duration_s: 60 });
    const c = await connect(viewer);
    const t0 = Date.now() - 120_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await ingest(metric, [95, 96, 97], [at(0), at(30), at(59)]);
    expect(await alertsOf(c, rule.id)).toEqual([]);
    await ingest(metric, [98], [at(60)]);
    expect((await nextAlert(c, rule.id)).value).toBe(98);
  });

  it("restarts the duration when the breach is interrupted", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { duration_s: 60 });
    const c = await connect(viewer);
    const t0 = Date.now() - 300_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await ingest(metric, [95, 50, 95, 95], [at(0), at(40), at(41), at(100)]);
    expect(await alertsOf(c, rule.id)).toEqual([]);
    await ingest(metric, [95], [at(101)]);
    expect((await nextAlert(c, rule.id)).state).toBe("firing");
  });

  it("fires when the duration elapses with no further point (timer, not polling)", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { duration_s: 1 });
    const c = await connect(viewer);
    await ingest(metric, [95]);
    expect(await alertsOf(c, rule.id)).toEqual([]);
    expect((await nextAlert(c, rule.id, 3000)).state).toBe("firing");
  });

  it("sends a resolved alert when the value falls back below the threshold", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [95]);
    expect((await nextAlert(c, rule.id)).state).toBe("firing");
    await ingest(metric, [10]);
    const resolved = await nextAlert(c, rule.id);
    expect(resolved).toMatchObject({
      state: "resolved",
      value: 10,
      message: expect.stringContaining("below 90"),
    });
  });

  it("uses hysteresis so a value wobbling around the threshold does not flap", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { hysteresis: 5 });
    const c = await connect(viewer);
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await ingest(metric, [91, 89, 91, 86, 91, 84], [0, 1, 2, 3, 4, 5].map(at));
    const alerts = await alertsOf(c, rule.id, 2);
    expect(alerts.map((a) => `${a.state}:${a.value}`)).toEqual(["firing:91", "resolved:84"]);
    const stored = await t.api("GET", `/api/v1/dashboards/${dashA}/alerts?limit=1000`, { session: viewer });
    expect(stored.body.filter((e: AlertFrame) => e.rule_id === rule.id)).toHaveLength(2);
  });

  it("evaluates points sent by dashboard_id + metric name too", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, { condition: "below", threshold: 5 });
    const c = await connect(viewer);
    const metrics = await t.api("GET", `/api/v1/dashboards/${dashA}/metrics`, { session: owner });
    const name = metrics.body.find((m: { id: number }) => m.id === metric).name;
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ dashboard_id: dashA, metric: name, value: 1 }] },
    });
    expect(res.status).toBe(200);
    expect((await nextAlert(c, rule.id)).state).toBe("firing");
  });

  it("sends alerts to members of that dashboard only", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const member = await connect(viewer);
    const stranger = await connect(outsider, dashB);
    await ingest(metric, [100]);
    await nextAlert(member, rule.id);
    const frames = await stranger.receiveAll(400);
    expect(frames.filter((f) => f.action === "alert")).toEqual([]);
  });

  it("lets any member acknowledge an alert once, recording who and when", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [100]);
    const alert = await nextAlert(c, rule.id);
    const ack = await t.api("POST", `/api/v1/alerts/${alert.id}/ack`, { session: viewer });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      id: alert.id,
      acknowledged_by: viewer.userId,
      acknowledged_at: expect.stringMatching(/Z$/),
    });
    const again = await t.api("POST", `/api/v1/alerts/${alert.id}/ack`, { session: owner });
    expect(again.body).toMatchObject({
      acknowledged_by: viewer.userId,
      acknowledged_at: ack.body.acknowledged_at,
    });
    const open = await t.api("GET", `/api/v1/dashboards/${dashA}/alerts?unacknowledged=true&limit=1000`, {
      session: viewer,
    });
    expect(open.body.map((e: AlertFrame) => e.id)).not.toContain(alert.id);
  });

  it("hides alerts from non-members: ack and list answer 404", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [100]);
    const alert = await nextAlert(c, rule.id);
    expect((await t.api("POST", `/api/v1/alerts/${alert.id}/ack`, { session: outsider })).status).toBe(404);
    expect((await t.api("GET", `/api/v1/dashboards/${dashA}/alerts`, { session: outsider })).status).toBe(
      404,
    );
    expect(
      (await t.api("GET", `/api/v1/dashboards/${dashA}/alert-rules`, { session: outsider })).status,
    ).toBe(404);
    expect((await t.api("POST", "/api/v1/alerts/999999/ack", { session: viewer })).status).toBe(404);
  });

  it("requires the CSRF header to acknowledge with a session cookie", async () => {
    const res = await t.api("POST", "/api/v1/alerts/1/ack", { session: viewer, csrf: false });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("PB_ERR_CSRF");
  });

  it("refuses a rule on another dashboard's metric and stores nothing", async () => {
    const res = await t.api("POST", `/api/v1/dashboards/${dashA}/alert-rules`, {
      session: owner,
      body: { metric_id: metricB, condition: "above", threshold: 1 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      { type: "not_found", loc: ["body", "metric_id"], msg: expect.any(String) },
    ]);
    const rules = await t.api("GET", `/api/v1/dashboards/${dashA}/alert-rules`, { session: owner });
    expect(rules.body.map((r: { metric_id: number }) => r.metric_id)).not.toContain(metricB);
  });

  it("refuses NaN, infinite and non-numeric thresholds", async () => {
    const metric = await newMetric();
    const url = `/api/v1/dashboards/${dashA}/alert-rules`;
    const bodies = [
      `{"metric_id":${metric},"condition":"above","threshold":NaN}`,
      `{"metric_id":${metric},"condition":"above","threshold":"NaN"}`,
      `{"metric_id":${metric},"condition":"above","threshold":1e999}`,
      `{"metric_id":${metric},"condition":"above","threshold":null}`,
    ];
    for (const raw of bodies) {
      const res = await t.api("POST", url, { session: owner, raw });
      expect(res.status, raw).toBe(400);
    }
    const rules = await t.api("GET", url, { session: owner });
    expect(rules.body.map((r: { metric_id: number }) => r.metric_id)).not.toContain(metric);
  });

  it("refuses malformed rules with validation details", async () => {
    const metric = await newMetric();
    const url = `/api/v1/dashboards/${dashA}/alert-rules`;
    const cases: [Record<string, unknown>, string][] = [
      [{ metric_id: metric, condition: "sideways", threshold: 1 }, "condition"],
      [{ metric_id: metric, condition: "above", threshold: 1, duration_s: -1 }, "duration_s"],
      [{ metric_id: metric, condition: "above", threshold: 1, duration_s: 1.5 }, "duration_s"],
      [{ metric_id: metric, condition: "above", threshold: 1, hysteresis: -2 }, "hysteresis"],
      [{ metric_id: "1", condition: "above", threshold: 1 }, "metric_id"],
      [{ metric_id: metric, condition: "above", threshold: 1, extra: "<script>" }, ""],
    ];
    for (const [body, field] of cases) {
      const res = await t.api("POST", url, { session: owner, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("PB_ERR_VALIDATION");
      if (field) expect(res.body.error.details[0].loc).toEqual(["body", field]);
    }
  });

  it("lets only editors create, change and delete rules", async () => {
    const metric = await newMetric();
    const denied = await t.api("POST", `/api/v1/dashboards/${dashA}/alert-rules`, {
      session: viewer,
      body: { metric_id: metric, condition: "above", threshold: 1 },
    });
    expect(denied.status).toBe(403);
    const rule = await newRule(metric, {});
    expect(
      (await t.api("PATCH", `/api/v1/alert-rules/${rule.id}`, { session: viewer, body: { threshold: 1 } }))
        .status,
    ).toBe(403);
    expect((await t.api("DELETE", `/api/v1/alert-rules/${rule.id}`, { session: viewer })).status).toBe(403);
    expect(
      (await t.api("PATCH", `/api/v1/alert-rules/${rule.id}`, { session: outsider, body: { threshold: 1 } }))
        .status,
    ).toBe(404);
  });

  it("applies a changed threshold to the next point", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    const c = await connect(viewer);
    await ingest(metric, [50]);
    const patched = await t.api("PATCH", `/api/v1/alert-rules/${rule.id}`, {
      session: owner,
      body: { threshold: 40 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.threshold).toBe(40);
    await ingest(metric, [50]);
    expect(await nextAlert(c, rule.id)).toMatchObject({ state: "firing", threshold: 40 });
  });

  it("stops evaluating a disabled or deleted rule", async () => {
    const metric = await newMetric();
    const disabled = await newRule(metric, { enabled: false });
    const deleted = await newRule(metric, {});
    expect((await t.api("DELETE", `/api/v1/alert-rules/${deleted.id}`, { session: owner })).status).toBe(204);
    const c = await connect(viewer);
    await ingest(metric, [100]);
    await alertServiceOf(t.pb.ctx)!.idle();
    const frames = await c.receiveAll(300);
    const ids = frames.filter((f) => f.action === "alert").map((f) => (f.payload as AlertFrame).rule_id);
    expect(ids).not.toContain(disabled.id);
    expect(ids).not.toContain(deleted.id);
    expect(
      (await t.api("PATCH", `/api/v1/alert-rules/${deleted.id}`, { session: owner, body: { threshold: 1 } }))
        .status,
    ).toBe(404);
  });

  it("refuses an empty or unknown-field patch", async () => {
    const metric = await newMetric();
    const rule = await newRule(metric, {});
    expect(
      (await t.api("PATCH", `/api/v1/alert-rules/${rule.id}`, { session: owner, body: {} })).status,
    ).toBe(400);
    const res = await t.api("PATCH", `/api/v1/alert-rules/${rule.id}`, {
      session: owner,
      body: { metric_id: 1 },
    });
    expect(res.status).toBe(400);
  });
});
