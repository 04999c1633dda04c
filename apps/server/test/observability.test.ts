// Specification of GET /metrics (Pulseboard's own telemetry): a real Prometheus scrapes it with
// the configured token (up == 1) and is refused without it (up == 0); the families an operator
// needs are there and move with what the server does; unknown non-UI paths are JSON 404s.
import { Communicator } from "@pulseboard/channels/testing";
import { type PrometheusHandle, startPrometheus } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./harness.ts";

const METRICS_TOKEN = "scrape-secret-123";

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("GET /metrics scraped by a real Prometheus", () => {
  let t: TestApp;
  let prometheus: PrometheusHandle;
  let dash: number;
  let token: string;

  beforeAll(async () => {
    // No address is allowed without the token: the scrape must authenticate.
    t = await startTestApp("sqlite", { config: { metricsAllow: [], metricsToken: METRICS_TOKEN } });
    await t.createUser("olga", "pw");
    const session = await t.login("olga", "pw");
    token = await t.createToken("olga");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Watched" } })).body.id;
    prometheus = await startPrometheus({
      jobs: [
        { job: "pulseboard", target: `127.0.0.1:${t.port}`, bearerToken: METRICS_TOKEN },
        { job: "anonymous", target: `127.0.0.1:${t.port}` },
      ],
    });
  });
  afterAll(async () => {
    await prometheus?.stop();
    await t?.close();
  });

  it("is up for the scrape with the token and down for the one without", async () => {
    const up = await until("both jobs scraped", async () => {
      const result = await prometheus.query("up");
      return result.length === 2 ? result : undefined;
    });
    const byJob = Object.fromEntries(up.map((r) => [r.metric.job, r.value[1]]));
    expect(byJob).toEqual({ pulseboard: "1", anonymous: "0" });
  });

  it("reports open connections per dashboard, ingest by protocol and the server's health", async () => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    await c.assertAuthenticated();
    const ingest = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ dashboard_id: dash, metric: "x", value: 1 }] },
    });
    expect(ingest.status).toBe(400); // no metric "x": refused, counted
    await fetch(`${t.url}/api/v2/write?bucket=${dash}`, {
      method: "POST",
      headers: { authorization: `Token ${token}` },
      body: "m v=1\nm v=2 1700000000000000000\n",
    });
    const connections = await until("the connection in Prometheus", async () => {
      const r = await prometheus.query(`pulseboard_ws_connections{job="pulseboard",dashboard="${dash}"}`);
      return r[0]?.value[1] === "1" ? r : undefined;
    });
    expect(connections).toHaveLength(1);
    const points = await until("ingested points in Prometheus", async () => {
      const r = await prometheus.query('pulseboard_ingest_points_total{protocol="influx"}');
      return r[0]?.value[1] === "2" ? r : undefined;
    });
    expect(points).toHaveLength(1);
    expect((await prometheus.query('pulseboard_ingest_refused_total{protocol="json"}'))[0]?.value[1]).toBe(
      "1",
    );
    for (const family of [
      "pulseboard_ws_frames_sent_total",
      "pulseboard_ws_bytes_sent_total",
      "pulseboard_ws_deliveries_per_second",
      "pulseboard_storage_bytes",
      "pulseboard_database_up",
      "pulseboard_nodejs_eventloop_lag_seconds",
      "pulseboard_http_request_duration_seconds_count",
    ])
      expect((await prometheus.query(family)).length, family).toBeGreaterThan(0);
    expect(Number((await prometheus.query("pulseboard_ws_frames_sent_total"))[0]?.value[1])).toBeGreaterThan(
      0,
    );
    expect((await prometheus.query('pulseboard_database_up{kind="sqlite"}'))[0]?.value[1]).toBe("1");
    expect(Number((await prometheus.query("pulseboard_storage_bytes"))[0]?.value[1])).toBeGreaterThan(0);
    await c.close();
  });

  it("answers 401 without the token and 403 with a wrong one, as JSON", async () => {
    const none = await fetch(`${t.url}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("PB_ERR_UNAUTHORIZED");
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(right.status).toBe(200);
    expect(right.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe("GET /metrics families follow what the server does", () => {
  let t: TestApp;
  let token: string;
  let dash: number;
  let metric: number;
  const value = async (series: string) => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.createUser("paul", "pw");
    const session = await t.login("paul", "pw");
    token = await t.createToken("paul");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Moves" } })).body.id;
    metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session,
        body: { name: "temp", type: "gauge" },
      })
    ).body.id;
    const rule = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session,
      body: { metric_id: metric, condition: "above", threshold: 90 },
    });
    expect(rule.status, rule.text).toBe(201);
  });
  afterAll(() => t?.close());

  it("counts alert evaluations and notifications", async () => {
    expect(await value("pulseboard_alert_evaluations_total")).toBe(0);
    const points = [50, 95].map((v) => ({ metric_id: metric, value: v }));
    for (const p of points)
      expect((await t.api("POST", "/api/v1/ingest", { token, body: { points: [p] } })).status).toBe(200);
    const deadline = Date.now() + 5000;
    while ((await value("pulseboard_alert_notifications_total")) !== 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await value("pulseboard_alert_evaluations_total")).toBe(2);
    expect(await value("pulseboard_alert_notifications_total")).toBe(1);
    expect(await value('pulseboard_ingest_points_total{protocol="json"}')).toBe(2);
    expect(await value('pulseboard_ingest_batches_total{protocol="json"}')).toBe(2);
  });

  it("times the history query routes", async () => {
    expect((await t.api("GET", `/api/v1/metrics/${metric}/values`, { token })).status).toBe(200);
    expect(await value('pulseboard_query_duration_seconds_count{query="/api/v1/metrics/:id/values"}')).toBe(
      1,
    );
  });

  it("counts a connection closed for sending too fast, and the connection leaving", async () => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    await c.assertAuthenticated();
    await c.receive("dashboard_config");
    expect(await value(`pulseboard_ws_connections{dashboard="${dash}"}`)).toBe(1);
    for (let i = 0; i < 200; i++) c.sendMessage("ping");
    await c.close().catch(() => {});
    const deadline = Date.now() + 5000;
    while ((await value("pulseboard_ws_rate_limit_closes_total")) !== 1 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(await value("pulseboard_ws_rate_limit_closes_total")).toBe(1);
    expect(await value("pulseboard_ws_slow_consumer_closes_total")).toBe(0);
    expect(await value(`pulseboard_ws_connections{dashboard="${dash}"}`)).toBeUndefined();
  });
});

describe("GET /metrics by address allow-list", () => {
  it("serves loopback by default and refuses addresses outside the list", async () => {
    const open = await startTestApp("sqlite");
    try {
      const res = await fetch(`${open.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# HELP /);
    } finally {
      await open.close();
    }
    const closed = await startTestApp("sqlite", { config: { metricsAllow: ["10.0.0.0/8"] } });
    try {
      const res = await fetch(`${closed.url}/metrics`);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("127.0.0.1");
    } finally {
      await closed.close();
    }
  });
});

describe("paths that are not the UI's", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp("sqlite");
  });
  afterAll(() => t?.close());

  it.each([
    "/api/v1/nope",
    "/metricz",
    "/metrics/",
    "/federate",
    "/-/healthy",
    "/v1/traces",
    "/favicon.ico",
    "/dashboards/x",
  ])("GET %s is a JSON 404, not the UI's HTML", async (path) => {
    const res = await fetch(`${t.url}${path}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PB_ERR_NOT_FOUND");
  });

  it.each(["/", "/login", "/tokens", "/dashboards", "/dashboards/7"])(
    "GET %s is still the UI",
    async (path) => {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    },
  );
});
