// The storage benchmark compares like with like: the points it backfills into a real Prometheus
// (OpenMetrics text → promtool) and the points it ingests into a real Pulseboard server (REST
// batches) read back as exactly the generated doubles at the generated timestamps, and the
// server child reports its event-loop delay and store size over IPC.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoopDelay } from "../src/ipc.ts";
import { type Dataset, generate, type Series } from "../src/storage/data.ts";
import { closeAgent, httpOk } from "../src/storage/http.ts";
import {
  backfill,
  type PromServer,
  prometheusBinaries,
  startPrometheus,
  writeOpenMetrics,
} from "../src/storage/prometheus.ts";
import {
  createMetrics,
  ingestDataset,
  type PbServer,
  startPulseboard,
  storeSize,
} from "../src/storage/pulseboard.ts";

// 20 minutes of data: 1,200 points per 1 Hz gauge, 120 per collector metric (9 metrics: every kind).
const plan = { days: 1 / 72, collectorDays: 1 / 72, metrics: 9, randomWalk: true };
const endMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
let datasets: Dataset[];
let work: string;
let prom: PromServer | undefined;
let pb: PbServer | undefined;
let ids: Map<string, number>;

const timestamps = (s: Series) => Array.from(s.values, (_, i) => s.startMs + i * s.stepMs);

beforeAll(async () => {
  const bins = prometheusBinaries();
  datasets = generate(plan, endMs);
  work = mkdtempSync(join(tmpdir(), "pb-storage-spec-"));
  const tsdb = join(work, "tsdb");
  for (const d of datasets) await backfill(bins.promtool, writeOpenMetrics(d, join(work, d.key)).files, tsdb);
  prom = await startPrometheus(bins.prometheus, tsdb);
  pb = await startPulseboard("sqlite");
  ids = await createMetrics(pb, datasets);
  for (const d of datasets) await ingestDataset(pb, d, ids, () => {});
}, 120_000);

afterAll(async () => {
  await pb?.child.stop();
  await prom?.managed.stop();
  closeAgent();
  rmSync(work, { recursive: true, force: true });
});

describe("storage benchmark data", () => {
  it("generates every collector kind, counters that only rise between resets, and values ending now", () => {
    const collector = datasets.find((d) => d.key === "collector")!;
    const kinds = new Set(collector.series.map((s) => s.name.replace(/^node_|_\d+$/g, "")));
    expect([...kinds].sort()).toEqual(["bytes", "bytes_total", "load", "percent", "ratio"]);
    for (const s of collector.series.filter((x) => x.name.includes("bytes_total")))
      for (let i = 1; i < s.values.length; i++)
        expect(s.values[i]! >= s.values[i - 1]! || s.values[i]! < s.values[i - 1]! / 2).toBe(true);
    for (const d of datasets) for (const s of d.series) expect(timestamps(s).at(-1)).toBe(endMs);
  });

  it("reads back from Prometheus as exactly the generated doubles at the generated timestamps", async () => {
    for (const s of datasets.flatMap((d) => d.series)) {
      const qs = new URLSearchParams({
        query: s.name,
        start: String(s.startMs / 1000),
        end: String(endMs / 1000),
        step: String(s.stepMs / 1000),
      });
      const a = await httpOk(`http://127.0.0.1:${prom!.port}/api/v1/query_range?${qs}`);
      const values = (JSON.parse(a.text) as { data: { result: { values: [number, string][] }[] } }).data
        .result[0]!.values;
      expect(values.map(([t]) => t * 1000)).toEqual(timestamps(s));
      expect(values.map(([, v]) => Number(v))).toEqual(Array.from(s.values));
    }
  });

  it("reads back from Pulseboard's REST API as exactly the same points", async () => {
    for (const s of datasets.flatMap((d) => d.series)) {
      const qs = new URLSearchParams({
        from: new Date(s.startMs).toISOString(),
        to: new Date(endMs).toISOString(),
        limit: "10000",
      });
      const a = await httpOk(`${pb!.url}/api/v1/metrics/${ids.get(s.name)}/values?${qs}`, {
        headers: pb!.auth,
      });
      const values = (JSON.parse(a.text) as { values: { value: number; timestamp: string }[] }).values;
      expect(values.map((v) => Date.parse(v.timestamp))).toEqual(timestamps(s));
      expect(values.map((v) => v.value)).toEqual(Array.from(s.values));
    }
  });

  it("gets the server child's event-loop delay and store size over IPC", async () => {
    await pb!.child.request({ type: "loop-delay-start" }, "loop-delay-started");
    await new Promise((r) => setTimeout(r, 100));
    const loop = await pb!.child.request<LoopDelay>({ type: "loop-delay" }, "loop-delay");
    expect(loop.count).toBeGreaterThan(0);
    expect(loop.p99).toBeGreaterThanOrEqual(loop.p50);
    const size = await storeSize(pb!);
    expect(size.note).toBe("");
    expect(size.databaseBytes).toBeGreaterThan(datasets.reduce((n, d) => n + d.points, 0) * 8);
  });
});
