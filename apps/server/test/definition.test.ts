// Dashboards as code over real HTTP: a dashboard's definition is exported without data, applied to
// an empty instance it reproduces the dashboard (metrics, panels, rules, tags), applying it again
// changes nothing, `pulseboard apply` does the same from a file, and bad definitions get a 400 with
// details and change nothing.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { nodeEntry } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, startTestApp, type TestApp } from "./harness.ts";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../../..");

describe.each(DB_KINDS)("dashboard definitions on %s", (kind) => {
  let source: TestApp;
  let target: TestApp;
  let sourceToken: string;
  let targetToken: string;
  let dir: string;

  beforeAll(async () => {
    source = await startTestApp(kind);
    target = await startTestApp(kind);
    await source.createUser("ann");
    await target.createUser("ann");
    sourceToken = await source.createToken("ann");
    targetToken = await target.createToken("ann");
    dir = mkdtempSync(join(tmpdir(), "pb-definition-"));
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A dashboard with two metrics, data, a laid-out grid, two alert rules and tags. */
  async function buildSource() {
    const t = { token: sourceToken };
    const d = (
      await source.api("POST", "/api/v1/dashboards", {
        ...t,
        body: { name: "Edge", slug: "edge", description: "eu" },
      })
    ).body;
    const cpu = (
      await source.api("POST", `/api/v1/dashboards/${d.id}/metrics`, {
        ...t,
        body: { name: "cpu", type: "gauge", unit: "%" },
      })
    ).body;
    const req = (
      await source.api("POST", `/api/v1/dashboards/${d.id}/metrics`, {
        ...t,
        body: { name: "requests", type: "counter", unit: "requests", description: "served" },
      })
    ).body;
    await source.api("POST", "/api/v1/ingest", {
      ...t,
      body: { points: [{ metric_id: cpu.id, value: 42 }] },
    });
    await source.api("PUT", `/api/v1/dashboards/${d.id}/layout`, {
      ...t,
      body: {
        widgets: [
          {
            id: "a",
            type: "metric",
            metric_id: cpu.id,
            chart: "stat",
            title: "CPU",
            thresholds: [{ value: 80, color: "red" }],
            x: 0,
            y: 0,
            w: 3,
            h: 3,
          },
          { id: "b", type: "metric", metric_id: req.id, counter: "rate", x: 3, y: 0, w: 6, h: 4 },
          { id: "n", type: "text", text: "# Hi", x: 9, y: 0, w: 3, h: 3 },
          // a series panel names no metric: its selector, grouping and aggregate travel as they are
          {
            id: "s",
            type: "metric",
            series: 'cpu{host=~"web-.*"}',
            group_by: ["role"],
            aggregate: "max",
            x: 0,
            y: 4,
            w: 6,
            h: 5,
          },
        ],
      },
    });
    await source.api("POST", `/api/v1/dashboards/${d.id}/alert-rules`, {
      ...t,
      body: { metric_id: cpu.id, condition: "above", threshold: 90, duration_s: 30 },
    });
    await source.api("POST", `/api/v1/dashboards/${d.id}/alert-rules`, {
      ...t,
      body: { metric_id: req.id, condition: "below", threshold: 1, enabled: false },
    });
    const patched = await source.api("PATCH", `/api/v1/dashboards/${d.id}`, {
      ...t,
      body: { tags: ["prod", "edge"] },
    });
    expect(patched.body.tags).toEqual(["edge", "prod"]);
    return d.id as number;
  }

  it("exports a definition without data and reproduces the dashboard on an empty instance, idempotently", async () => {
    const id = await buildSource();
    const exported = await source.api("GET", `/api/v1/dashboards/${id}/definition`, { token: sourceToken });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-disposition")).toContain("edge.dashboard.json");
    const def = exported.body;
    expect(def.schema).toBe("pulseboard/dashboard@1");
    expect(exported.text).not.toContain("42"); // the ingested value: definitions never hold data
    expect(def.panels[0]).toMatchObject({ id: "a", metric: "cpu", chart: "stat", title: "CPU" });
    expect(def.panels[0]).not.toHaveProperty("metric_id");
    expect(def.panels[3]).toEqual({
      id: "s",
      type: "metric",
      series: 'cpu{host=~"web-.*"}',
      group_by: ["role"],
      aggregate: "max",
      x: 0,
      y: 4,
      w: 6,
      h: 5,
    });

    const first = await target.api("PUT", "/api/v1/definitions", { token: targetToken, body: def });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      created: true,
      metrics_created: 2,
      rules_created: 2,
      layout_changed: true,
    });
    const again = await target.api("PUT", "/api/v1/definitions", { token: targetToken, body: def });
    expect(again.body).toMatchObject({
      dashboard_id: first.body.dashboard_id,
      created: false,
      metrics_created: 0,
      metrics_updated: 0,
      rules_created: 0,
      rules_deleted: 0,
      rules_updated: 0,
      layout_changed: false,
      dashboard_changed: false,
    });
    // The copy exports to the same definition.
    const copy = await target.api("GET", `/api/v1/dashboards/${first.body.dashboard_id}/definition`, {
      token: targetToken,
    });
    expect(copy.body).toEqual(def);
    const list = await target.api("GET", "/api/v1/dashboards", { token: targetToken });
    expect(list.body.find((d: { slug: string }) => d.slug === "edge")).toMatchObject({
      role: "owner",
      tags: ["edge", "prod"],
    });
    const rules = await target.api("GET", `/api/v1/dashboards/${first.body.dashboard_id}/alert-rules`, {
      token: targetToken,
    });
    expect(rules.body.map((r: { threshold: number; enabled: boolean }) => [r.threshold, r.enabled])).toEqual([
      [90, true],
      [1, false],
    ]);
  });

  it("carries labeled series, series panels and selector rule sets; the copy's new series get the rule", async () => {
    const t = { token: sourceToken };
    const d = (
      await source.api("POST", "/api/v1/dashboards", { ...t, body: { name: "Hosts", slug: "hosts" } })
    ).body;
    await source.api("POST", `/api/v1/dashboards/${d.id}/metrics`, {
      ...t,
      body: { name: "load", type: "gauge" },
    });
    const host = (h: string) => ({ dashboard_id: d.id, metric: "load", labels: { host: h }, value: 1 });
    expect(
      (await source.api("POST", "/api/v1/ingest", { ...t, body: { points: [host("a"), host("b")] } })).status,
    ).toBe(200);
    const selector = 'load{host=~".+"}';
    await source.api("POST", `/api/v1/dashboards/${d.id}/alert-rules/by-selector`, {
      ...t,
      body: { selector, condition: "above", threshold: 5 },
    });
    const panel = {
      id: "p",
      type: "metric",
      series: selector,
      group_by: ["host"],
      aggregate: "max",
      x: 0,
      y: 0,
      w: 6,
      h: 4,
    };
    await source.api("PUT", `/api/v1/dashboards/${d.id}/layout`, { ...t, body: { widgets: [panel] } });

    const def = (await source.api("GET", `/api/v1/dashboards/${d.id}/definition`, t)).body;
    expect(def.metrics.map((m: { name: string }) => m.name)).toEqual([
      "load",
      'load{host="a"}',
      'load{host="b"}',
    ]);
    expect(def.panels).toEqual([panel]);
    expect(def.alert_rules).toEqual([
      expect.objectContaining({ metric: 'load{host="a"}', selector }),
      expect.objectContaining({ metric: 'load{host="b"}', selector }),
    ]);
    const applied = await target.api("PUT", "/api/v1/definitions", { token: targetToken, body: def });
    expect(applied.body).toMatchObject({ created: true, metrics_created: 3, rules_created: 2 });
    const copy = applied.body.dashboard_id;
    const again = await target.api("PUT", "/api/v1/definitions", { token: targetToken, body: def });
    expect(again.body).toMatchObject({ rules_created: 0, rules_deleted: 0 });
    await target.api("POST", "/api/v1/ingest", {
      token: targetToken,
      body: { points: [{ dashboard_id: copy, metric: "load", labels: { host: "c" }, value: 9 }] },
    });
    const rules = (await target.api("GET", `/api/v1/dashboards/${copy}/alert-rules`, { token: targetToken }))
      .body;
    expect(rules.filter((r: { selector?: string }) => r.selector === selector)).toHaveLength(3);
  });

  it("applies a changed definition as changes: a rule edited, a metric's unit, a panel gone", async () => {
    const def = (await target.api("GET", "/api/v1/dashboards", { token: targetToken })).body.find(
      (d: { slug: string }) => d.slug === "edge",
    );
    const current = (
      await target.api("GET", `/api/v1/dashboards/${def.id}/definition`, { token: targetToken })
    ).body;
    current.metrics[0].unit = "percent";
    current.alert_rules[0].threshold = 95;
    current.panels = current.panels.slice(0, 2);
    const res = await target.api("PUT", "/api/v1/definitions", { token: targetToken, body: current });
    expect(res.body).toMatchObject({
      metrics_updated: 1,
      rules_created: 1,
      rules_deleted: 1,
      layout_changed: true,
    });
    const layout = await target.api("GET", `/api/v1/dashboards/${def.id}/layout`, { token: targetToken });
    expect(layout.body.widgets.map((w: { id: string }) => w.id)).toEqual(["a", "b"]);
  });

  it("applies a file with `pulseboard apply`, and a second run reports no change", async () => {
    const file = join(dir, "ops.json");
    writeFileSync(
      file,
      JSON.stringify({
        schema: "pulseboard/dashboard@1",
        dashboard: { slug: "ops", name: "Ops" },
        metrics: [{ name: "queue", type: "gauge", unit: "jobs" }],
        panels: [{ id: "q", type: "metric", metric: "queue", x: 0, y: 0, w: 4, h: 4 }],
      }),
    );
    const cli = () =>
      run(process.execPath, [...nodeEntry("apps/server/src/cli.ts"), "apply", file, "--url", target.url], {
        cwd: repo,
        env: { ...process.env, PULSEBOARD_TOKEN: targetToken, LOG_LEVEL: "warn" },
      });
    const first = await cli();
    expect(first.stdout).toMatch(/Dashboard "ops" \(id \d+\): created, 1 metrics created, layout replaced/);
    const second = await cli();
    expect(second.stdout).toMatch(/Dashboard "ops" \(id \d+\): unchanged/);
  });

  it("refuses a definition that names an unknown metric, an unknown schema, or another's slug, and changes nothing", async () => {
    const before = (await target.api("GET", "/api/v1/dashboards", { token: targetToken })).body.length;
    const bad = await target.api("PUT", "/api/v1/definitions", {
      token: targetToken,
      body: {
        schema: "pulseboard/dashboard@1",
        dashboard: { slug: "broken", name: "Broken" },
        panels: [{ id: "x", type: "metric", metric: "nope", x: 0, y: 0, w: 4, h: 4 }],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ loc: ["body", "panels", 0, "metric"] });
    const future = await target.api("PUT", "/api/v1/definitions", {
      token: targetToken,
      body: { schema: "pulseboard/dashboard@9", dashboard: { slug: "x", name: "X" } },
    });
    expect(future.status).toBe(400);
    expect(future.body.error.message).toContain("pulseboard/dashboard@1");
    await target.createUser("bea");
    const bea = await target.createToken("bea");
    const theirs = await target.api("PUT", "/api/v1/definitions", {
      token: bea,
      body: { schema: "pulseboard/dashboard@1", dashboard: { slug: "edge", name: "Mine now" } },
    });
    expect(theirs.status).toBe(409);
    expect((await target.api("GET", "/api/v1/dashboards", { token: targetToken })).body.length).toBe(before);
  });
});
