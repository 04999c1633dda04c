// Specifications of labeled series: a metric name plus a label set, created on first sight by
// labeled JSON ingest, listed with its family and labels, selected by PromQL-style selectors over
// REST and over the WebSocket (`subscribe_series`: the series matching now and those created later).
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { alertsOf, DB_KINDS, type Session, startTestApp, storedPoints, type TestApp } from "./harness.ts";

type MetricJson = { id: number; name: string; family?: string; labels?: Record<string, string> };

describe.each(DB_KINDS)("labeled series on %s", (kind) => {
  let t: TestApp;
  let owner: Session;
  let token: string;
  let dash: number;
  let plain: number;
  const open: Communicator[] = [];

  const ingest = (points: unknown[]) => t.api("POST", "/api/v1/ingest", { token, body: { points } });
  const cpu = (host: string, value: number) => ({
    dashboard_id: dash,
    metric: "cpu",
    labels: { host },
    value,
  });
  const metrics = async (selector?: string) =>
    (
      await t.api<MetricJson[]>(
        "GET",
        `/api/v1/dashboards/${dash}/metrics${selector ? `?selector=${encodeURIComponent(selector)}` : ""}`,
        { session: owner },
      )
    ).body;
  const idOf = async (name: string) => (await metrics()).find((m) => m.name === name)!.id;

  async function ready() {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    open.push(c);
    await c.assertAuthenticated();
    const config = await c.receive("dashboard_config");
    for (const _ of (config.payload as { metrics: unknown[] }).metrics) await c.receive("metric_history");
    await c.receive("presence");
    return { c, config: config.payload as { metrics: MetricJson[] } };
  }

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { maxSeriesPerDashboard: 12 } });
    await t.createUser("lara", "pw");
    owner = await t.login("lara", "pw");
    token = await t.createToken("lara");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Hosts" } })).body.id;
    await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
      session: owner,
      body: { name: "cpu", type: "gauge", unit: "%", description: "CPU busy" },
    });
    plain = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "load", type: "gauge" },
      })
    ).body.id;
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close().catch(() => {});
  });
  afterAll(() => t?.close());

  it("creates a known family's series on first sight, with the family's type, unit and description", async () => {
    const res = await ingest([cpu("web-1", 40), cpu("web-2", 55), cpu("db-1", 70), cpu("web-1", 41)]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 4 });
    const all = await metrics();
    const web1 = all.find((m) => m.name === 'cpu{host="web-1"}');
    expect(web1).toMatchObject({ family: "cpu", labels: { host: "web-1" }, type: "gauge", unit: "%" });
    expect(all.find((m) => m.name === 'cpu{host="db-1"}')).toMatchObject({ description: "CPU busy" });
    // Unlabeled metrics keep the DESIGN.md shape: no family, no labels.
    const load = all.find((m) => m.id === plain)!;
    expect(Object.keys(load).sort()).toEqual(["dashboard_id", "description", "id", "name", "type", "unit"]);
    expect([...(await storedPoints(t, web1!.id)).values]).toEqual([40, 41]);
  });

  it("refuses a labeled point of a family the dashboard does not have, storing nothing of the batch", async () => {
    const before = await metrics();
    const res = await ingest([
      cpu("web-1", 1),
      { dashboard_id: dash, metric: "disk", labels: { dev: "sda" }, value: 2 },
    ]);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ loc: ["body", "points", 1, "metric"] }),
    ]);
    expect((await metrics()).length).toBe(before.length);
    expect([...(await storedPoints(t, await idOf('cpu{host="web-1"}'))).values]).toEqual([40, 41]);
  });

  it("refuses labels that are not label names, and labels with a metric id", async () => {
    const bad = await ingest([{ dashboard_id: dash, metric: "cpu", labels: { "bad-name": "x" }, value: 1 }]);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.details)).toContain("labels");
    const byId = await ingest([{ metric_id: plain, labels: { host: "x" }, value: 1 }]);
    expect(byId.status).toBe(400);
    expect(byId.body.error.details).toEqual([
      expect.objectContaining({ loc: ["body", "points", 0, "labels"] }),
    ]);
  });

  it("answers the cardinality limit with a 400 and creates none of the request's series", async () => {
    const before = (await metrics()).length; // cpu, load, three hosts
    const many = Array.from({ length: 12 }, (_, i) => cpu(`node-${i}`, i));
    const res = await ingest(many);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ type: "too_many_series" })]);
    expect((await metrics()).length).toBe(before);
  });

  it("lists the series a selector matches, and explains a selector it cannot read", async () => {
    const names = async (s: string) => (await metrics(s)).map((m) => m.name).sort();
    expect(await names('cpu{host=~"web-.*"}')).toEqual(['cpu{host="web-1"}', 'cpu{host="web-2"}']);
    expect(await names('cpu{host!~"web-.*"}')).toEqual(["cpu", 'cpu{host="db-1"}']);
    expect(await names('{__name__="cpu",host="db-1"}')).toEqual(['cpu{host="db-1"}']);
    expect(await names("load")).toEqual(["load"]);
    for (const bad of ['cpu{host=~"("}', 'cpu{host=~"(a+)+"}', "cpu{host=web}", 'cpu{host="x"']) {
      const res = await t.api(
        "GET",
        `/api/v1/dashboards/${dash}/metrics?selector=${encodeURIComponent(bad)}`,
        {
          session: owner,
        },
      );
      expect(res.status, bad).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({
        loc: ["query", "selector"],
        type: "invalid_selector",
      });
    }
  });

  it("lists labeled series in dashboard_config with family and labels", async () => {
    const { config } = await ready();
    expect(config.metrics.find((m) => m.name === 'cpu{host="web-2"}')).toMatchObject({
      family: "cpu",
      labels: { host: "web-2" },
    });
    expect(config.metrics.find((m) => m.id === plain)).not.toHaveProperty("labels");
  });

  it("streams the series a subscribe_series selector matches, including series created later", async () => {
    const { c, config } = await ready();
    c.sendMessage(
      "unsubscribe",
      config.metrics.map((m) => m.id),
    );
    c.sendMessage("subscribe_series", { selector: 'cpu{host=~"web-.*"}' });
    const histories = [await c.receive("metric_history"), await c.receive("metric_history")];
    expect(histories.map((h) => (h.payload as { metric_name: string }).metric_name).sort()).toEqual([
      'cpu{host="web-1"}',
      'cpu{host="web-2"}',
    ]);
    await ingest([cpu("db-1", 71), cpu("web-3", 12), cpu("web-2", 56)]);
    // The new series is announced, then its point streams; db-1 does not.
    const updates = (await collect(c, 2)).map((u) => `${u.metric_name}=${u.value}`);
    expect(updates).toEqual(['cpu{host="web-3"}=12', 'cpu{host="web-2"}=56']);

    c.sendMessage("unsubscribe_series", { selector: 'cpu{host=~"web-.*"}' });
    await c.receiveAll(200);
    await ingest([cpu("web-1", 1), cpu("web-4", 2)]);
    expect((await c.receiveAll(300)).filter((f) => f.action === "metric_update")).toEqual([]);
  });

  it("answers a bad selector with an error frame and keeps the connection", async () => {
    const { c } = await ready();
    const answers: Record<string, string> = {
      'cpu{host=~"(x*)*y"}': "nests quantifiers",
      "cpu{": "is not a selector",
      'cpu{host=~"["}': "is not a valid regular expression",
    };
    for (const [selector, says] of Object.entries(answers)) {
      c.sendMessage("subscribe_series", { selector });
      expect((await c.receive("error")).payload).toEqual({ detail: expect.stringContaining(says) });
    }
    c.sendMessage("subscribe_series", { selector: "" });
    expect((await c.receive("error")).payload).toBeTruthy();
    c.sendMessage("ping");
    expect((await c.receive("pong")).action).toBe("pong");
    expect(c.isOpen).toBe(true);
  });

  it("makes one alert rule per series a selector matches, now and for series created later", async () => {
    const rules = async () =>
      (await t.api("GET", `/api/v1/dashboards/${dash}/alert-rules`, { session: owner })).body as Array<{
        id: number;
        metric_id: number;
        selector?: string;
      }>;
    const selector = 'cpu{host=~"web-[12]|app-.*"}';
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules/by-selector`, {
      session: owner,
      body: { selector, condition: "above", threshold: 90 },
    });
    expect(res.status).toBe(201);
    const ids = [await idOf('cpu{host="web-1"}'), await idOf('cpu{host="web-2"}')].sort();
    expect(res.body.rules.map((r: { metric_id: number }) => r.metric_id).sort()).toEqual(ids);
    expect(res.body.rules.every((r: { selector: string }) => r.selector === selector)).toBe(true);

    const { c } = await ready();
    await ingest([cpu("app-1", 95), cpu("db-1", 99)]);
    const app1 = await idOf('cpu{host="app-1"}');
    const rule = (await rules()).find((r) => r.metric_id === app1 && r.selector === selector);
    expect(rule).toBeDefined();
    expect((await rules()).filter((r) => r.selector === selector)).toHaveLength(3);
    // The new series' own rule evaluated its first point already: firing once, at 95.
    await ingest([cpu("app-1", 97)]);
    expect(await alertsOf(c, rule!.id, 1)).toEqual([
      expect.objectContaining({ state: "firing", metric_id: app1, value: 95 }),
    ]);

    const bad = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules/by-selector`, {
      session: owner,
      body: { selector: 'cpu{host=~"(a+)+"}', condition: "above", threshold: 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ loc: ["body", "selector"], type: "invalid_selector" });
  });

  /** The next `n` metric_update payloads, skipping config and other frames. */
  async function collect(c: Communicator, n: number) {
    const out: Array<{ metric_name: string; value: number }> = [];
    while (out.length < n) {
      const f = await c.receive(undefined, 3000);
      if (f.action === "metric_update") out.push(f.payload as { metric_name: string; value: number });
    }
    return out;
  }
});
