// Specification of the system collector, sampling this machine's real /proc.
import { describe, expect, it } from "vitest";
import {
  type CollectedPoint,
  CollectorConfigError,
  startSystemCollector,
  systemMetrics,
} from "../src/collectors/index.ts";
import { netDelta, parseMemInfo, parseNetDev, parseProcStat } from "../src/collectors/procfs.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder() {
  const batches: CollectedPoint[][] = [];
  const errors: Error[] = [];
  const values = (name: string) =>
    batches
      .flat()
      .filter((p) => p.metric.name === name)
      .map((p) => p.value);
  return {
    batches,
    errors,
    values,
    sink: async (b: CollectedPoint[]) => void batches.push(b),
    onError: (e: Error) => void errors.push(e),
  };
}

describe("system collector", () => {
  it("produces plausible CPU, memory, network and load values for 2.5 s", async () => {
    const r = recorder();
    const collector = startSystemCollector({ intervalMs: 200, sink: r.sink, onError: r.onError });
    // Burn a little CPU and move some bytes so the numbers are not all idle zeros.
    const until = Date.now() + 2500;
    while (Date.now() < until) {
      for (let i = 0; i < 1e5; i++) Math.sqrt(i);
      await sleep(20);
    }
    await collector.stop();

    expect(r.errors).toEqual([]);
    expect(r.batches.length).toBeGreaterThanOrEqual(8);
    const cpu = r.values("cpu_percent");
    const memory = r.values("memory_percent");
    expect(cpu.length).toBeGreaterThanOrEqual(7);
    expect(memory.length).toBe(r.batches.length);
    for (const v of [...cpu, ...memory]) expect(v >= 0 && v <= 100).toBe(true);
    expect(memory.every((v) => v > 0)).toBe(true);
    for (const name of ["network_in_bytes", "network_out_bytes"]) {
      const rates = r.values(name);
      expect(rates.length).toBeGreaterThanOrEqual(7);
      for (const v of rates) expect(Number.isFinite(v) && v >= 0).toBe(true);
    }
    const load = r.values("load_1m");
    expect(load.length).toBe(r.batches.length);
    for (const v of load) expect(Number.isFinite(v) && v >= 0).toBe(true);
  });

  it("skips the rate metrics on the first sample and describes every metric", async () => {
    const r = recorder();
    const collector = startSystemCollector({ intervalMs: 100, sink: r.sink, onError: r.onError });
    while (r.batches.length < 2) await sleep(20);
    await collector.stop();
    expect(r.batches[0]?.map((p) => p.metric.name).sort()).toEqual(["load_1m", "memory_percent"]);
    expect(r.batches[1]?.map((p) => p.metric).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      Object.values(systemMetrics).sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(systemMetrics.networkIn).toMatchObject({ unit: "B/s", type: "gauge" });
    expect(systemMetrics.cpu).toMatchObject({ unit: "%", type: "gauge" });
  });

  it("stamps all points of one sample with the same time", async () => {
    const r = recorder();
    const collector = startSystemCollector({ intervalMs: 100, sink: r.sink });
    while (r.batches.length < 2) await sleep(20);
    await collector.stop();
    const times = new Set(r.batches[1]?.map((p) => p.timestamp?.getTime()));
    expect(times.size).toBe(1);
  });

  it("sends nothing after stop() has resolved", async () => {
    const r = recorder();
    const collector = startSystemCollector({ intervalMs: 50, sink: r.sink });
    while (r.batches.length < 2) await sleep(10);
    await collector.stop();
    const count = r.batches.length;
    await sleep(300);
    expect(r.batches.length).toBe(count);
  });

  it("waits in stop() for a sink call in flight to finish", async () => {
    let finished = 0;
    let started = 0;
    const collector = startSystemCollector({
      intervalMs: 50,
      sink: async () => {
        started++;
        await sleep(300);
        finished++;
      },
    });
    while (started === 0) await sleep(5);
    await collector.stop();
    expect(finished).toBe(started);
  });

  it("reports a failing sink through onError and keeps sampling", async () => {
    const r = recorder();
    let calls = 0;
    const collector = startSystemCollector({
      intervalMs: 50,
      sink: async (batch) => {
        calls++;
        if (calls <= 2) throw new Error("database is locked");
        r.batches.push(batch);
      },
      onError: r.onError,
    });
    while (r.batches.length < 2) await sleep(10);
    await collector.stop();
    expect(r.errors.length).toBe(2);
    expect(r.errors[0]).toMatchObject({ code: "PB_ERR_COLLECTOR_SINK" });
    expect(r.errors[0]?.message).toContain("database is locked");
  });

  it("keeps sampling when onError itself throws", async () => {
    let batches = 0;
    let calls = 0;
    const collector = startSystemCollector({
      intervalMs: 50,
      sink: async () => {
        calls++;
        if (calls === 1) throw new Error("first batch fails");
        batches++;
      },
      onError: () => {
        throw new Error("logger is broken");
      },
    });
    while (batches < 2) await sleep(10);
    await collector.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, 5])("refuses intervalMs %s", (intervalMs) => {
    expect(() => startSystemCollector({ intervalMs, sink: async () => {} })).toThrow(CollectorConfigError);
  });
});

describe("/proc parsers", () => {
  it("counts iowait as idle and ignores guest time already inside user", () => {
    expect(parseProcStat("cpu  10 0 5 80 5 0 0 0 7 0\ncpu0 1 1 1 1\n")).toEqual({ busy: 15, total: 100 });
  });

  it("rejects a /proc/stat without an aggregate cpu line", () => {
    expect(() => parseProcStat("intr 1 2 3\n")).toThrow(/no aggregate/);
  });

  it("computes memory in use from MemAvailable, or from free + buffers + cache on old kernels", () => {
    expect(parseMemInfo("MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\n")).toBe(75);
    expect(parseMemInfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 350 kB\n")).toBe(50);
    expect(() => parseMemInfo("MemFree: 1 kB\n")).toThrow();
  });

  it("sums network deltas without loopback and without interfaces whose counters went backwards", () => {
    const before = parseNetDev(
      "Inter-| Receive | Transmit\n face |bytes packets|bytes\n" +
        "    lo: 100 1 0 0 0 0 0 0 100 1 0 0 0 0 0 0\n" +
        "  eth0: 1000 1 0 0 0 0 0 0 500 1 0 0 0 0 0 0\n" +
        "  eth1: 9000 1 0 0 0 0 0 0 9000 1 0 0 0 0 0 0\n",
    );
    const after = parseNetDev(
      "    lo: 900 1 0 0 0 0 0 0 900 1 0 0 0 0 0 0\n" +
        "  eth0: 1600 1 0 0 0 0 0 0 700 1 0 0 0 0 0 0\n" +
        "  eth1: 10 1 0 0 0 0 0 0 9100 1 0 0 0 0 0 0\n" +
        "  wlan0: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n",
    );
    expect(netDelta(before, after)).toEqual({ rx: 600, tx: 300 });
  });
});
