// Specifications of the REST contract shared with clients (@pulseboard/protocol/rest): what the server
// answers parses with the shared answer schemas made strict (no missing and no extra fields, which
// the UI's inferred types would not show), and bodies outside the shared bounds are refused with
// validation details and change nothing.
import * as rest from "@pulseboard/protocol/rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Session, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let owner: Session;
let dashboardId: number;
let metricId: number;

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("rita", "pw");
  await t.createUser("bob", "pw");
  owner = await t.login("rita", "pw");
  dashboardId = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Contract" } }))
    .body.id;
  metricId = (
    await t.api("POST", `/api/v1/dashboards/${dashboardId}/metrics`, {
      session: owner,
      body: { name: "cpu", type: "gauge", unit: "%" },
    })
  ).body.id;
});
afterAll(() => t?.close());

describe("answers", () => {
  it("match the shared answer schemas field for field", async () => {
    const get = async (path: string) => {
      const res = await t.api("GET", path, { session: owner });
      expect(res.status, path).toBe(200);
      return res.body;
    };
    const send = async (method: string, path: string, body: unknown) => {
      const res = await t.api(method, path, { session: owner, body });
      expect(res.status, `${method} ${path}: ${res.text}`).toBeLessThan(300);
      return res.body;
    };
    const d = `/api/v1/dashboards/${dashboardId}`;
    const login = await fetch(`${t.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "rita", password: "pw" }),
    });
    rest.loginAnswer.strict().parse(await login.json());
    rest.meAnswer.strict().parse(await get("/api/v1/auth/me"));
    rest.preferences.strict().parse(await send("PATCH", "/api/v1/me/preferences", { theme: "light" }));
    rest.createTokenAnswer.strict().parse(await send("POST", "/api/v1/tokens", { name: "ci" }));
    for (const token of await get("/api/v1/tokens")) rest.apiToken.strict().parse(token);
    for (const summary of await get("/api/v1/dashboards")) rest.dashboardSummary.strict().parse(summary);
    rest.dashboardSummary.strict().parse(await send("PATCH", d, { description: "shared" }));
    const dashboard = rest.dashboard.strict().parse(await get(d));
    for (const m of dashboard.metrics) rest.metric.strict().parse(m);
    rest.metric.strict().parse(await send("PATCH", `/api/v1/metrics/${metricId}`, { unit: "percent" }));
    for (const m of await get(`${d}/metrics`)) rest.metric.strict().parse(m);
    rest.memberPutAnswer
      .strict()
      .parse(await send("PUT", `${d}/members`, { username: "bob", role: "viewer" }));
    for (const m of await get(`${d}/members`))
      ("status" in m ? rest.pendingMember : rest.member).strict().parse(m);
    const widgets = [
      { id: "w1", type: "metric", metric_id: metricId, chart: "area", x: 0, y: 0, w: 4, h: 3 },
    ];
    expect(rest.layout.parse(await send("PUT", `${d}/layout`, { widgets }))).toEqual({ widgets });
    expect(rest.layout.parse(await get(`${d}/layout`))).toEqual({ widgets });
    const rule = rest.alertRule
      .strict()
      .parse(
        await send("POST", `${d}/alert-rules`, { metric_id: metricId, condition: "above", threshold: 90 }),
      );
    // The server's defaults for what the body left out.
    expect(rule).toMatchObject({ duration_s: 0, hysteresis: 0, enabled: true });
    rest.alertRule.strict().parse(await send("PATCH", `/api/v1/alert-rules/${rule.id}`, { hysteresis: 5 }));
    await send("POST", "/api/v1/ingest", { points: [{ metric_id: metricId, value: 95 }] });
    const values = rest.valuesAnswer.parse(await get(`/api/v1/metrics/${metricId}/values`));
    expect(values.values.length).toBeGreaterThan(0);
    const events = await get(`${d}/alerts`);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) rest.alertEvent.strict().parse(event);
    for (const e of await get(`/api/v1/alert-rules/${rule.id}/events`)) rest.alertEvent.strict().parse(e);
    for (const s of await get(`${d}/alert-states`)) rest.alertRuleState.strict().parse(s);
    const cp = rest.contactPoint.strict().parse(
      await send("POST", `${d}/contact-points`, {
        name: "hook",
        type: "webhook",
        settings: { url: "http://hooks.invalid/hook", secret: "k", timeout_ms: 500 },
      }),
    );
    rest.contactPoint
      .strict()
      .parse(await send("PATCH", `/api/v1/contact-points/${cp.id}`, { group_wait_ms: 10 }));
    for (const c of await get(`${d}/contact-points`)) rest.contactPoint.strict().parse(c);
    rest.testAnswer.strict().parse(await send("POST", `/api/v1/contact-points/${cp.id}/test`, {}));
    for (const x of await get(`/api/v1/contact-points/${cp.id}/deliveries`)) rest.delivery.strict().parse(x);
    const ends_at = new Date(Date.now() + 60_000).toISOString();
    rest.silence.strict().parse(await send("POST", `${d}/silences`, { rule_id: rule.id, ends_at }));
    for (const x of await get(`${d}/silences`)) rest.silence.strict().parse(x);
  });
});

describe("request bodies", () => {
  const long = "x".repeat(201);
  const d = () => `/api/v1/dashboards/${dashboardId}`;
  const widget = { id: "w", type: "metric", x: 0, y: 0, w: 1, h: 1 };
  const cases: [string, string, () => string, unknown, (string | number)[]][] = [
    [
      "preferences with an unknown key",
      "PATCH",
      () => "/api/v1/me/preferences",
      { theme: "light", font: "x" },
      ["body"],
    ],
    ["a blank token name", "POST", () => "/api/v1/tokens", { name: "   " }, ["body", "name"]],
    ["a 201-character dashboard name", "POST", () => "/api/v1/dashboards", { name: long }, ["body", "name"]],
    ["a dashboard patch changing the slug", "PATCH", d, { slug: "renamed" }, ["body"]],
    ["a blank dashboard name on patch", "PATCH", d, { name: " " }, ["body", "name"]],
    [
      "an unknown member role",
      "PUT",
      () => `${d()}/members`,
      { username: "bob", role: "admin" },
      ["body", "role"],
    ],
    [
      "a 51-character unit",
      "POST",
      () => `${d()}/metrics`,
      { name: "m", type: "gauge", unit: "u".repeat(51) },
      ["body", "unit"],
    ],
    [
      "a metric patch changing the type",
      "PATCH",
      () => `/api/v1/metrics/${metricId}`,
      { type: "counter" },
      ["body"],
    ],
    [
      "a widget with an unknown key",
      "PUT",
      () => `${d()}/layout`,
      { widgets: [{ ...widget, color: "red" }] },
      ["body", "widgets", 0],
    ],
    [
      "a widget beyond the grid",
      "PUT",
      () => `${d()}/layout`,
      { widgets: [{ ...widget, x: 1001 }] },
      ["body", "widgets", 0, "x"],
    ],
    [
      "an unknown chart kind",
      "PUT",
      () => `${d()}/layout`,
      { widgets: [{ ...widget, chart: "pie" }] },
      ["body", "widgets", 0, "chart"],
    ],
  ];
  it.each(cases)("refuses %s with 400 and changes nothing", async (_what, method, path, body, loc) => {
    const before = {
      dashboard: (await t.api("GET", d(), { session: owner })).body,
      layout: (await t.api("GET", `${d()}/layout`, { session: owner })).body,
      me: (await t.api("GET", "/api/v1/auth/me", { session: owner })).body.preferences,
      tokens: (await t.api("GET", "/api/v1/tokens", { session: owner })).body,
      members: (await t.api("GET", `${d()}/members`, { session: owner })).body,
    };
    const res = await t.api(method, path(), { session: owner, body });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("PB_ERR_VALIDATION");
    expect(res.body.error.details[0].loc).toEqual(loc);
    expect({
      dashboard: (await t.api("GET", d(), { session: owner })).body,
      layout: (await t.api("GET", `${d()}/layout`, { session: owner })).body,
      me: (await t.api("GET", "/api/v1/auth/me", { session: owner })).body.preferences,
      tokens: (await t.api("GET", "/api/v1/tokens", { session: owner })).body,
      members: (await t.api("GET", `${d()}/members`, { session: owner })).body,
    }).toEqual(before);
  });
});
