// Specification of the Prometheus remote_write receiver against the real thing: Debian's
// prometheus scrapes Debian's prometheus-node-exporter and remote-writes to Pulseboard, and the
// node's series arrive live on a dashboard's WebSocket. Stale markers end series, never stored.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import {
  type NodeExporterHandle,
  type PrometheusHandle,
  startNodeExporter,
  startPrometheus,
} from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, storedPoints, type TestApp } from "./harness.ts";

type ConfigMetric = { id: number; name: string; type: string; description: string };

async function configUntil(
  c: Communicator,
  what: string,
  ok: (ms: ConfigMetric[]) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no dashboard_config with ${what}`);
    const f = await c.receive("dashboard_config", left).catch(() => undefined);
    const metrics = (f?.payload as { metrics: ConfigMetric[] } | undefined)?.metrics;
    if (metrics && ok(metrics)) return metrics;
  }
}

async function updateOf(c: Communicator, metricId: number, timeoutMs = 15_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no metric_update for metric ${metricId}`);
    const f = await c.receive("metric_update", left);
    if ((f.payload as { metric_id: number }).metric_id === metricId) return f;
  }
}

async function scrapeMetrics(t: TestApp): Promise<string> {
  return (await fetch(`${t.url}/metrics`)).text();
}

describe("remote_write from a real Prometheus scraping a real node-exporter", () => {
  let t: TestApp;
  let exporter: NodeExporterHandle;
  let prometheus: PrometheusHandle;
  let dash: number;
  let live: Communicator;
  let instance: string;
  let metrics: ConfigMetric[];

  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.createUser("nora", "pw");
    const session = await t.login("nora", "pw");
    const token = await t.createToken("nora", "prometheus");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Nodes", slug: "nodes" } }))
      .body.id;
    live = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    await live.assertAuthenticated();
    await live.receive("dashboard_config"); // empty at first
    exporter = await startNodeExporter();
    instance = `127.0.0.1:${exporter.port}`;
    prometheus = await startPrometheus({
      jobs: [{ job: "node", target: instance }],
      remoteWrite: [{ url: `${t.url}/api/v1/write?dashboard=nodes`, bearerToken: token }],
    });
  });
  afterAll(async () => {
    await live?.close();
    await prometheus?.stop();
    await exporter?.stop();
    await t?.close();
  });

  it("creates the node's series on the dashboard on first sight, labels in canonical order", async () => {
    // Prometheus sends a scrape in several requests (500 samples each): wait for the ones we read.
    const load1 = `node_load1{instance="${instance}",job="node"}`;
    const up = `up{instance="${instance}",job="node"}`;
    metrics = await configUntil(live, `${load1}, ${up} and node_memory_MemTotal_bytes`, (ms) =>
      [load1, up, "node_memory_MemTotal_bytes{"].every((n) => ms.some((m) => m.name.startsWith(n))),
    );
    const names = metrics.map((m) => m.name);
    expect(names).toContain(up);
    expect(
      names.some((n) =>
        /^node_cpu_seconds_total\{cpu="0",instance="[^"]+",job="node",mode="idle"\}$/.test(n),
      ),
    ).toBe(true);
    expect(metrics.find((m) => m.name.startsWith("node_cpu_seconds_total{"))?.type).toBe("counter");
    expect(metrics.find((m) => m.name === load1)?.type).toBe("gauge");
  }, 40_000);

  it("streams the node's values live to a subscribed dashboard client", async () => {
    const load1 = metrics.find((m) => m.name === `node_load1{instance="${instance}",job="node"}`)!;
    const memTotal = metrics.find((m) => m.name.startsWith("node_memory_MemTotal_bytes{"))!;
    live.sendMessage("subscribe", [load1.id, memTotal.id]);
    const update = await updateOf(live, memTotal.id);
    expect(update.payload).toMatchObject({ metric_id: memTotal.id, metric_name: memTotal.name });
    expect((update.payload as { value: number }).value).toBeGreaterThan(0);
    const load = await updateOf(live, load1.id);
    expect(Number.isFinite((load.payload as { value: number }).value)).toBe(true);
    const columns = await storedPoints(t, memTotal.id);
    const stored = [...columns.ts].map((timestamp, i) => ({ timestamp, value: columns.values[i]! }));
    expect(stored.length).toBeGreaterThan(0);
    // Prometheus's own sample timestamps, in milliseconds, not the arrival time.
    expect(stored.every((v) => v.timestamp % 1 === 0 && Math.abs(v.timestamp - Date.now()) < 120_000)).toBe(
      true,
    );
    const self = await scrapeMetrics(t);
    expect(self).toMatch(/pulseboard_ingest_points_total\{protocol="remote_write"\} [1-9]/);
    expect(self).toMatch(/pulseboard_ingest_batches_total\{protocol="remote_write"\} [1-9]/);
  }, 40_000);

  it("ends the node's series when the exporter goes away: stale markers are counted, not stored", async () => {
    const up = metrics.find((m) => m.name === `up{instance="${instance}",job="node"}`)!;
    live.sendMessage("subscribe", [up.id]);
    await exporter.stop();
    // The failed scrape reports up=0 in the same flow as the stale markers of the node's series.
    const deadline = Date.now() + 20_000;
    let value = 1;
    while (value !== 0 && Date.now() < deadline)
      value = ((await updateOf(live, up.id, 20_000)).payload as { value: number }).value;
    expect(value).toBe(0);
    let stale = 0;
    while (stale === 0 && Date.now() < deadline) {
      const match = /pulseboard_ingest_stale_markers_total\{protocol="remote_write"\} (\d+)/.exec(
        await scrapeMetrics(t),
      );
      stale = Number(match?.[1] ?? 0);
      if (stale === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(stale).toBeGreaterThan(0);
    const load1 = metrics.find((m) => m.name === `node_load1{instance="${instance}",job="node"}`)!;
    const values = [...(await storedPoints(t, load1.id)).values].map((value) => ({ value }));
    expect(values.length).toBeGreaterThan(0);
    expect(values.every((v) => Number.isFinite(v.value))).toBe(true);
    // No request of Prometheus's was refused: the stale markers were taken, not treated as NaN values.
    expect(await scrapeMetrics(t)).not.toMatch(
      /pulseboard_ingest_refused_total\{protocol="remote_write"\} [1-9]/,
    );
  }, 40_000);
});
