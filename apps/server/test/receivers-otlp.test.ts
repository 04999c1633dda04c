// Specification of the OTLP/HTTP metrics receiver, driven by the OpenTelemetry JS SDK
// (@opentelemetry/sdk-metrics) through its official exporters, JSON and protobuf: gauges, sums
// as counters and histograms arrive as series with the service as `job`/`instance` labels.

import { type ExportResult, ExportResultCode } from "@opentelemetry/core";
import { OTLPMetricExporter as JsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as ProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dashboardPoints, startTestApp, type TestApp } from "./harness.ts";

const exporters: Array<[string, (url: string, headers: Record<string, string>) => PushMetricExporter]> = [
  ["JSON", (url, headers) => new JsonExporter({ url, headers })],
  ["protobuf", (url, headers) => new ProtoExporter({ url, headers })],
];

describe.each(exporters)("OTLP/HTTP %s from the OpenTelemetry SDK", (encoding, makeExporter) => {
  let t: TestApp;
  let token: string;
  let dash: number;
  const slug = `otel-${encoding.toLowerCase()}`;

  const stored = async () => await dashboardPoints(t, dash);

  function sdk(authorization: string) {
    const real = makeExporter(`${t.url}/v1/metrics?dashboard=${slug}`, { Authorization: authorization });
    // The reader swallows export failures; keep what the exporter reported to the SDK.
    const results: ExportResult[] = [];
    const exporter: PushMetricExporter = {
      export: (metrics, done) =>
        real.export(metrics, (r) => {
          results.push(r);
          done(r);
        }),
      forceFlush: () => real.forceFlush(),
      shutdown: () => real.shutdown(),
    };
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    const provider = new MeterProvider({
      resource: resourceFromAttributes({
        "service.name": "checkout",
        "service.instance.id": "pod-1",
        "host.arch": "x",
      }),
      readers: [reader],
    });
    return { meter: provider.getMeter("spec"), reader, provider, results };
  }

  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.createUser("otto", "pw");
    const session = await t.login("otto", "pw");
    token = await t.createToken("otto", "otel");
    dash = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Checkout", slug } })).body.id;
  });
  afterAll(() => t?.close());

  it("stores gauges, monotonic sums as counters and histograms as bucket/sum/count series", async () => {
    const { meter, reader, provider, results } = sdk(`Bearer ${token}`);
    const before = Date.now();
    meter.createCounter("http.requests", { unit: "{request}" }).add(3, { "http.route": "/buy" });
    meter.createGauge("queue.depth", { unit: "1" }).record(7, { queue: "orders" });
    meter.createUpDownCounter("jobs.active").add(-2);
    const latency = meter.createHistogram("http.duration", {
      unit: "ms",
      advice: { explicitBucketBoundaries: [10, 100] },
    });
    for (const v of [5, 50, 500]) latency.record(v, { "http.route": "/buy" });
    await reader.forceFlush();
    await provider.shutdown(); // exports (cumulatively) once more
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);

    const rows = await stored();
    const byName = new Map(rows.map((r) => [r.name, r]));
    const svc = 'instance="pod-1",job="checkout"';
    expect(byName.get(`http_requests{http_route="/buy",${svc}}`)).toMatchObject({
      value: 3,
      type: "counter",
      unit: "",
    });
    expect(byName.get(`queue_depth{${svc},queue="orders"}`)).toMatchObject({ value: 7, type: "gauge" });
    expect(byName.get(`jobs_active{${svc}}`)).toMatchObject({ value: -2, type: "gauge" });
    const route = `http_route="/buy",${svc}`;
    expect(byName.get(`http_duration_bucket{${route},le="10"}`)).toMatchObject({
      value: 1,
      type: "counter",
      unit: "ms",
    });
    expect(byName.get(`http_duration_bucket{${route},le="100"}`)?.value).toBe(2);
    expect(byName.get(`http_duration_bucket{${route},le="+Inf"}`)?.value).toBe(3);
    expect(byName.get(`http_duration_sum{${route}}`)?.value).toBe(555);
    expect(byName.get(`http_duration_count{${route}}`)?.value).toBe(3);
    expect(new Set(rows.map((r) => r.name)).size).toBe(8);
    expect(rows).toHaveLength(16);
    expect(rows.every((r) => r.timestamp >= before - 1000 && r.timestamp <= Date.now())).toBe(true);
    // Resource attributes other than the service's identity do not become labels.
    expect(rows.some((r) => r.name.includes("host_arch"))).toBe(false);
  });

  it("fails the SDK's export with a 401 for a bad token, storing nothing", async () => {
    const before = (await stored()).length;
    const { meter, reader, provider, results } = sdk("Bearer pbt_forged");
    meter.createCounter("refused.total").add(1);
    await reader.forceFlush().catch(() => {});
    await provider.shutdown().catch(() => {});
    expect(results[0]?.code).toBe(ExportResultCode.FAILED);
    expect(String(results[0]?.error)).toMatch(/401|Unauthorized/);
    expect((await stored()).length).toBe(before);
  });
});
