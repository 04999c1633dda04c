// Specification of the synthetic demo-data generator.

import { parseSeriesKey } from "@pulseboard/protocol/series";
import { seededRandom } from "@pulseboard/test-support/random";
import { describe, expect, it } from "vitest";
import {
  type CollectedPoint,
  startSyntheticGenerator,
  syntheticHosts,
  syntheticMetrics,
} from "../src/collectors/index.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function collect(ticks: number, opts: { random?: () => number; observationsPerTick?: number } = {}) {
  const batches: CollectedPoint[][] = [];
  const errors: Error[] = [];
  const generator = startSyntheticGenerator({
    intervalMs: 20,
    sink: async (b) => void batches.push(b),
    onError: (e) => void errors.push(e),
    ...opts,
  });
  while (batches.length < ticks) await sleep(10);
  await generator.stop();
  expect(errors).toEqual([]);
  return batches.slice(0, ticks);
}

const valuesOf = (batches: CollectedPoint[][], name: string) =>
  batches
    .flat()
    .filter((p) => p.metric.name === name)
    .map((p) => p.value);

describe("synthetic generator", () => {
  it("emits a counter that never decreases", async () => {
    const counts = valuesOf(await collect(40), "requests_total");
    expect(counts).toHaveLength(40);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(counts.at(-1)).toBeGreaterThan(0);
    expect(counts.every(Number.isInteger)).toBe(true);
  });

  it("emits a finite gauge that wanders smoothly", async () => {
    const temps = valuesOf(await collect(40), "temperature");
    expect(temps).toHaveLength(40);
    expect(temps.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < temps.length; i++) expect(Math.abs(temps[i]! - temps[i - 1]!)).toBeLessThan(1);
    expect(new Set(temps).size).toBeGreaterThan(1);
  });

  it("emits one labeled cpu_percent series per demo host, each within 0–100 %", async () => {
    const batches = await collect(30);
    for (const { metric } of syntheticHosts) {
      const values = valuesOf(batches, metric.name);
      expect(values, metric.name).toHaveLength(30);
      expect(values.every((v) => v >= 0 && v <= 100)).toBe(true);
      expect(parseSeriesKey(metric.name).family).toBe("cpu_percent");
    }
    expect(syntheticHosts.map((h) => parseSeriesKey(h.metric.name).labels)).toEqual([
      { host: "web-1", role: "web" },
      { host: "web-2", role: "web" },
      { host: "web-3", role: "web" },
      { host: "db-1", role: "db" },
    ]);
  });

  it("emits positive histogram observations, one point each, with distinct increasing timestamps", async () => {
    const batches = await collect(10, { observationsPerTick: 4 });
    for (const batch of batches) {
      const latencies = batch.filter((p) => p.metric.name === "latency_ms");
      expect(latencies).toHaveLength(4);
      const times = latencies.map((p) => p.timestamp!.getTime());
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThan(times[i - 1]!);
    }
    const all = valuesOf(batches, "latency_ms");
    expect(all.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it("draws latencies with a long right tail around a 40 ms median", async () => {
    const all = valuesOf(
      await collect(20, { observationsPerTick: 100, random: seededRandom(7) }),
      "latency_ms",
    );
    const sorted = [...all].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    expect(median).toBeGreaterThan(30);
    expect(median).toBeLessThan(55);
    expect(mean).toBeGreaterThan(median); // log-normal: skewed right
  });

  it("declares one metric of each type", () => {
    expect(Object.values(syntheticMetrics).map((m) => [m.name, m.type, m.unit])).toEqual([
      ["requests_total", "counter", "requests"],
      ["temperature", "gauge", "°C"],
      ["latency_ms", "histogram", "ms"],
    ]);
  });

  it("reproduces the same values from the same random source", async () => {
    const strip = (batches: CollectedPoint[][]) => batches.map((b) => b.map((p) => [p.metric.name, p.value]));
    const a = strip(await collect(5, { random: seededRandom(42) }));
    const b = strip(await collect(5, { random: seededRandom(42) }));
    expect(a).toEqual(b);
  });

  it("stays finite and positive with a degenerate random source", async () => {
    for (const constant of [0, 0.999999999999]) {
      const batches = await collect(3, { random: () => constant });
      const values = batches.flat().map((p) => p.value);
      expect(values.every(Number.isFinite)).toBe(true);
      expect(valuesOf(batches, "latency_ms").every((v) => v > 0)).toBe(true);
    }
  });
});
