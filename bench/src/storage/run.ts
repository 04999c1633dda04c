// `npm run bench -- --storage`: one run that stores the same generated data in Pulseboard (over
// its REST ingest) and in Prometheus 2.42 (promtool backfill), then compares bytes on disk per
// point, 1000-bucket range queries over 1 h … 1 y, ingest and export points/s, and how the
// server's live path (event loop, /api/v1/health, metric_update latency) holds up under heavy
// reads. Every ratio is between figures of this run. All child processes are stopped by pid at
// the end, also when the run fails.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { StorageOptions } from "../options.ts";
import { type Dataset, generate } from "./data.ts";
import { closeAgent, percentile } from "./http.ts";
import { runLive } from "./live.ts";
import {
  backfill,
  type PromDisk,
  type PromServer,
  promDisk,
  prometheusBinaries,
  prometheusVersion,
  promQuery,
  startPrometheus,
  waitCompacted,
  writeOpenMetrics,
} from "./prometheus.ts";
import {
  createMetrics,
  ingestDataset,
  type PbServer,
  pbExportBounded,
  pbQuery,
  startPulseboard,
  storeBytes,
  storeSize,
} from "./pulseboard.ts";
import { gitCommit, printStorage, type QueryRow, type StorageResult, writeDoc } from "./report.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANGES: [string, number][] = [
  ["1 h", HOUR],
  ["1 d", DAY],
  ["7 d", 7 * DAY],
  ["30 d", 30 * DAY],
  ["1 y", 365 * DAY],
];
const BUCKETS = 1000;
const MIN_REPS = 5;
const REPS_BUDGET_MS = 60_000;
/** The export alone is given up after this long (and reported with the points streamed so far). */
const EXPORT_LIMIT_MS = 120_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One warm-up, then `reps` timed runs one after another, or as many as fit in 60 s (at least 5):
 * a query that takes seconds still gets enough samples without holding the run for minutes.
 */
async function timed(
  reps: number,
  run: () => Promise<{ ms: number; buckets: number; mean: number }>,
): Promise<{ p50: number; p99: number; buckets: number; mean: number; reps: number }> {
  await run();
  const ms: number[] = [];
  const t0 = performance.now();
  let last = { ms: 0, buckets: 0, mean: Number.NaN };
  while (ms.length < reps && (ms.length < MIN_REPS || performance.now() - t0 < REPS_BUDGET_MS)) {
    last = await run();
    ms.push(last.ms);
  }
  return {
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    buckets: last.buckets,
    mean: last.mean,
    reps: ms.length,
  };
}

export async function runStorage(opts: StorageOptions, argv: string[]): Promise<StorageResult> {
  const bins = prometheusBinaries(); // fails first, with the apt-get hint, when Prometheus is missing
  const started = new Date();
  const commit = gitCommit();
  const loadBefore = loadavg();
  const work = mkdtempSync(join(tmpdir(), "pb-storage-bench-"));
  const proms: PromServer[] = [];
  let pb: PbServer | undefined;
  const notes: string[] = [];
  try {
    const t0 = performance.now();
    const endMs = Math.floor(Date.now() / 1000) * 1000 - 1000;
    const datasets = generate(opts, endMs);
    const totalPoints = datasets.reduce((n, d) => n + d.points, 0);
    log(`generated ${totalPoints.toLocaleString("en-US")} points in ${seconds(performance.now() - t0)}`);

    // Prometheus first: promtool is CPU-heavy and must be done before anything is timed.
    const promDir = (d: Dataset) => join(work, "prom", d.key);
    const backfilled = new Map<string, PromDisk>();
    let omBytes = 0;
    const tb = performance.now();
    for (const d of datasets) {
      const om = writeOpenMetrics(d, join(work, "om", d.key));
      omBytes += om.bytes;
      await backfill(bins.promtool, om.files, promDir(d));
      rmSync(join(work, "om", d.key), { recursive: true, force: true });
      backfilled.set(d.key, promDisk(promDir(d)));
    }
    const backfillMs = performance.now() - tb;
    log(`promtool: ${(omBytes / 1e6).toFixed(0)} MB of OpenMetrics backfilled in ${seconds(backfillMs)}`);
    // One Prometheus per dataset, so each dataset's bytes are its own. They idle while
    // Pulseboard is measured, except for their first compaction tick (one minute after start).
    for (const d of datasets) proms.push(await startPrometheus(bins.prometheus, promDir(d)));

    pb = await startPulseboard(opts.db, opts.cpuProf);
    const ids = await createMetrics(pb, datasets);
    const base = await storeSize(pb);
    let before = storeBytes(pb.storage.kind, base);
    const perDataset: StorageResult["datasets"] = [];
    for (const d of datasets) {
      const ing = await ingestDataset(pb, d, ids, (n) => {
        if (n % 500_000 < 10_000) log(`  ${d.key}: ${n.toLocaleString("en-US")} points`);
      });
      const size = await storeSize(pb);
      if (size.note) notes.push(`${d.key}: ${size.note}`);
      const after = storeBytes(pb.storage.kind, size);
      log(
        `pulseboard ingest ${d.key}: ${ing.points.toLocaleString("en-US")} points in ${seconds(ing.ms)} ` +
          `(${Math.round(ing.pointsPerSec).toLocaleString("en-US")}/s), ${((after - before) / d.points).toFixed(2)} B/point`,
      );
      perDataset.push({
        key: d.key,
        label: d.label,
        points: d.points,
        series: d.series.length,
        pbBytes: after - before,
        ingest: ing,
        prom: { backfilled: backfilled.get(d.key) as PromDisk, served: backfilled.get(d.key) as PromDisk },
      });
      before = after;
    }

    const gauge = datasets[0] as Dataset;
    const gaugeId = ids.get(gauge.series[0]?.name ?? "") as number;
    const queries: QueryRow[] = [];
    // Ranges end where the data ends (the run's "now"), so both sides answer the same buckets.
    for (const [label, rangeMs] of RANGES) {
      const r = await timed(opts.reps, () =>
        pbQuery(pb as PbServer, gaugeId, endMs - rangeMs, endMs, BUCKETS),
      );
      log(
        `pulseboard ${label}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms (${r.buckets} buckets)`,
      );
      queries.push({
        label,
        rangeMs,
        pb: r,
        prom: { p50: Number.NaN, p99: Number.NaN, buckets: 0, mean: Number.NaN, reps: 0 },
      });
    }
    const exportAlone = await pbExportBounded(pb, gaugeId, EXPORT_LIMIT_MS);
    log(
      `pulseboard export: ${exportAlone.points.toLocaleString("en-US")} points in ${seconds(exportAlone.ms)} ` +
        `(${Math.round(exportAlone.pointsPerSec).toLocaleString("en-US")}/s)${exportAlone.finished ? "" : ", given up"}`,
    );
    log("pulseboard live path, quiet then under 20 concurrent 30 d queries + a full export:");
    const live = await runLive(pb, gaugeId, endMs, 30 * DAY, opts.quietSeconds, log);
    await pb.child.stop();
    pb = undefined;

    if (opts.promCompact) {
      log("prometheus: waiting for its first compaction of the backfilled blocks…");
      for (const p of proms) await waitCompacted(p);
    } else notes.push("Prometheus measured as backfilled (2 h blocks, --storage-no-compact).");
    for (const [i, d] of datasets.entries()) {
      const row = perDataset[i];
      if (row) row.prom.served = promDisk(promDir(d));
      if (i > 0) await proms[i]?.managed.stop();
    }
    const prom = proms[0] as PromServer;
    for (const q of queries) {
      q.prom = await timed(opts.reps, () =>
        promQuery(prom, gauge.series[0]?.name ?? "", endMs - q.rangeMs, endMs, BUCKETS),
      );
      log(
        `prometheus ${q.label}: p50 ${q.prom.p50.toFixed(1)} ms, p99 ${q.prom.p99.toFixed(1)} ms (${q.prom.buckets} buckets)`,
      );
    }

    return {
      started: started.toISOString(),
      commit,
      command: `npm run bench -- ${argv.join(" ")}`,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}`,
      loadBefore,
      loadAfter: loadavg(),
      opts,
      prometheusVersion: await prometheusVersion(bins.prometheus),
      storage: opts.db,
      datasets: perDataset,
      backfill: { omBytes, ms: backfillMs },
      queries,
      exportAlone,
      live,
      notes,
      minutes: (Date.now() - started.getTime()) / 60_000,
    };
  } finally {
    if (pb) await pb.child.stop();
    for (const p of proms) await p.managed.stop();
    closeAgent();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function mainStorage(
  opts: StorageOptions,
  argv: string[],
  out: string | undefined,
): Promise<void> {
  // --storage-report results.json: render a saved run again (e.g. after a change of the report).
  const result = opts.report
    ? (JSON.parse(readFileSync(opts.report, "utf8")) as StorageResult)
    : await runStorage(opts, argv);
  printStorage(result);
  if (opts.writeDoc) writeDoc(result);
  if (out && !opts.report) writeFileSync(out, JSON.stringify(result, null, 2));
}
