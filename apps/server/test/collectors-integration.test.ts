// System metrics travel from the real system collector through the server's sink and storage
// to a browser-style WebSocket on the "System" dashboard.

import { startNodeExporter } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startCollectors } from "../src/collectors/collection.ts";
import { startTestApp, type TestApp } from "./harness.ts";

type Update = { metric_id: number; metric_name: string; unit: string; value: number; timestamp: string };
type ConfigPayload = {
  name: string;
  metrics: Array<{ id: number; name: string; unit: string; type: string }>;
};
type Frame = { action: string; payload: Record<string, unknown> };

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("system collector on a running server", () => {
  let t: TestApp;
  let collectors: { stop(): Promise<void> };
  let token: string;

  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.createUser("alice");
    token = await t.createToken("alice");
    collectors = startCollectors(
      t.pb.ctx,
      { ...t.config, system: true, synthetic: false, scrapeTargets: [], collectorIntervalMs: 200 },
      "alice",
    );
  });
  afterAll(async () => {
    await collectors?.stop();
    await t?.close();
  });

  it("streams live CPU, memory, network and load values to the System dashboard", async () => {
    const system = await waitFor("the System dashboard with its CPU metric", async () => {
      const list = await t.api("GET", "/api/v1/dashboards", { token });
      const found = (list.body as Array<{ id: number; slug: string }>).find((d) => d.slug === "system");
      if (!found) return undefined;
      const metrics = await t.api("GET", `/api/v1/dashboards/${found.id}/metrics`, { token });
      const names = (metrics.body as Array<{ name: string }>).map((m) => m.name);
      return names.includes("cpu_percent") && names.includes("network_in_bytes") ? found : undefined;
    });

    const frames: Frame[] = [];
    const ws = new WebSocket(`${t.wsUrl}/ws/dashboard/${system.id}/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    ws.on("message", (data) => frames.push(JSON.parse(String(data))));
    try {
      await waitFor("a live cpu_percent update", () =>
        frames.some((f) => f.action === "metric_update" && f.payload.metric_name === "cpu_percent")
          ? true
          : undefined,
      );
    } finally {
      ws.close();
    }

    expect(frames[0]).toMatchObject({ action: "authentication", payload: { status_code: 200 } });
    const config = frames.find((f) => f.action === "dashboard_config")?.payload as ConfigPayload;
    expect(config.name).toBe("System");
    const metrics = config.metrics;
    expect(metrics.map((m) => m.name).sort()).toEqual([
      "cpu_percent",
      "load_1m",
      "memory_percent",
      "network_in_bytes",
      "network_out_bytes",
    ]);
    expect(metrics.find((m) => m.name === "network_in_bytes")).toMatchObject({ unit: "B/s", type: "gauge" });
    const updates = frames.filter((f) => f.action === "metric_update").map((f) => f.payload as Update);
    const cpu = updates.find((u) => u.metric_name === "cpu_percent")!;
    expect(cpu.metric_id).toBe(metrics.find((m) => m.name === "cpu_percent")?.id);
    expect(cpu.unit).toBe("%");
    expect(cpu.value).toBeGreaterThanOrEqual(0);
    expect(cpu.value).toBeLessThanOrEqual(100);
    expect(Number.isNaN(Date.parse(cpu.timestamp))).toBe(false);
  });
});

describe("Prometheus scrape on a running server", () => {
  it("stores node-exporter series in a dashboard named for the target", async () => {
    const exporter = await startNodeExporter(); // throws with an apt-get hint when missing
    const t = await startTestApp("sqlite");
    await t.createUser("alice");
    const token = await t.createToken("alice");
    const collectors = startCollectors(
      t.pb.ctx,
      { ...t.config, system: false, synthetic: false, scrapeTargets: [exporter.url] },
      "alice",
    );
    try {
      const metrics = await waitFor("scraped metrics in a scrape dashboard", async () => {
        const list = await t.api("GET", "/api/v1/dashboards", { token });
        const found = (list.body as Array<{ id: number; slug: string }>).find((d) =>
          d.slug.startsWith("scrape-"),
        );
        if (!found) return undefined;
        const res = await t.api("GET", `/api/v1/dashboards/${found.id}/metrics`, { token });
        const rows = res.body as Array<{ id: number; name: string; type: string; unit: string }>;
        return rows.some((m) => m.name === "node_load1") ? rows : undefined;
      });
      const names = metrics.map((m) => m.name);
      expect(names).toContain('node_cpu_seconds_total{mode="idle"}');
      expect(names.length).toBeLessThan(100);
      expect(metrics.find((m) => m.name === "node_memory_MemTotal_bytes")).toMatchObject({
        type: "gauge",
        unit: "B",
      });
      const load = metrics.find((m) => m.name === "node_load1")!;
      const values = await waitFor("stored node_load1 values", async () => {
        const res = await t.api("GET", `/api/v1/metrics/${load.id}/values`, { token });
        const rows = (res.body as { values: Array<{ value: number }> }).values;
        return rows.length > 0 ? rows : undefined;
      });
      expect(values.every((v) => Number.isFinite(v.value) && v.value >= 0)).toBe(true);
    } finally {
      await collectors.stop();
      await t.close();
      await exporter.stop();
    }
  });
});
