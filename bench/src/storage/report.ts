// Owns the storage benchmark's report: one Markdown block (goals met or not, bytes per point,
// query times, ingest/export rates, the live path under heavy reads), every comparison a ratio
// against Prometheus measured in the same run. Printed, and with --storage-write-doc put into
// docs/BENCHMARKS.md in place of the block of the same configuration (days × metrics × database).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { StorageOptions } from "../options.ts";
import type { LiveResult, PhaseResult } from "./live.ts";
import type { PromDisk } from "./prometheus.ts";
import type { IngestResult } from "./pulseboard.ts";

type Timing = { p50: number; p99: number; buckets: number; mean: number; reps: number };
export type QueryRow = { label: string; rangeMs: number; pb: Timing; prom: Timing };

export type StorageResult = {
  started: string;
  /** The commit the run measured (HEAD when it started). */
  commit?: string;
  command: string;
  machine: string;
  loadBefore: number[];
  loadAfter: number[];
  opts: StorageOptions;
  prometheusVersion: string;
  storage: "sqlite" | "postgres";
  datasets: {
    key: string;
    label: string;
    points: number;
    series: number;
    pbBytes: number;
    ingest: IngestResult;
    prom: { backfilled: PromDisk; served: PromDisk };
  }[];
  backfill: { omBytes: number; ms: number };
  queries: QueryRow[];
  exportAlone: { ms: number; bytes: number; points: number; pointsPerSec: number; finished: boolean };
  live: LiveResult;
  notes: string[];
  minutes: number;
};

const DOC = resolve(import.meta.dirname, "../../../docs/BENCHMARKS.md");

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "–";
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${fmt(a / b, 2)}×` : "–");
const met = (ok: boolean) => (ok ? "**met**" : "not met");
// Latency histograms stop at 60 s (the last bin holds everything slower).
const CAP_MS = 60_000;
const lat = (n: number) => (n >= CAP_MS - 0.1 ? `≥ ${fmt(CAP_MS)}` : fmt(n, 1));
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");

export function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: resolve(import.meta.dirname, "../../.."),
    })
      .toString()
      .trim();
  } catch {
    return "unknown";
  }
}

export function configKey(o: StorageOptions): string {
  return `storage-${o.days}d-${o.metrics}m-${o.db}`;
}

function phaseRow(name: string, p: PhaseResult): string {
  const delivered = p.liveExpected ? (p.liveReceived / p.liveExpected) * 100 : Number.NaN;
  return (
    `| ${name} | ${fmt(p.seconds, 1)} s | ${fmt(p.loopP50, 1)} / **${fmt(p.loopP99, 1)}** / ${fmt(p.loopMax, 1)} | ` +
    `**${lat(Math.min(p.healthP99, p.healthMax))}** / ${fmt(p.healthMax, 1)} (${fmt(p.healthCount)} polls${p.healthFailed ? `, ${p.healthFailed} failed or over 60 s` : ""}) | ` +
    `${lat(Math.min(p.liveP50, p.liveMax))} / **${lat(Math.min(p.liveP99, p.liveMax))}** / ${fmt(p.liveMax, 1)} | ${fmt(delivered, 2)}%${p.publishFailed ? ` (${p.publishFailed} posts failed)` : ""} |`
  );
}

export function storageMarkdown(r: StorageResult): string {
  const o = r.opts;
  const out: string[] = [];
  const pbName = `Pulseboard (${r.storage === "sqlite" ? "SQLite" : "PostgreSQL"}, commit ${r.commit ?? gitCommit()})`;
  out.push(
    `### ${o.days} d × 1 Hz + ${o.metrics} metrics × ${o.collectorDays} d at 10 s, ${r.storage} — run started ${r.started.slice(0, 16).replace("T", " ")} UTC (${fmt(r.minutes, 1)} min)`,
  );
  out.push("");
  out.push(
    `Command: \`${r.command}\`. Machine: ${r.machine}, shared with other engineers' work: load average ` +
      `${load(r.loadBefore)} (1/5/15 min) at the start, ${load(r.loadAfter)} at the end. ` +
      `Baseline: Prometheus ${r.prometheusVersion}.`,
  );
  out.push("");

  const totalPoints = r.datasets.reduce((n, d) => n + d.points, 0);
  const totalPb = r.datasets.reduce((n, d) => n + d.pbBytes, 0);
  const totalProm = r.datasets.reduce((n, d) => n + d.prom.served.blockBytes, 0);
  const ingestMs = r.datasets.reduce((n, d) => n + d.ingest.ms, 0);
  const ingestRate = totalPoints / (ingestMs / 1000);
  const q30 = r.queries.find((q) => q.label === "30 d");
  const q1y = r.queries.find((q) => q.label === "1 y");
  const heavy = r.live.heavy;

  out.push("| goal (issue 9) | Pulseboard | Prometheus | ratio | |");
  out.push("|---|---|---|---|---|");
  for (const d of r.datasets) {
    const a = d.pbBytes / d.points;
    const b = d.prom.served.blockBytes / d.points;
    out.push(
      `| bytes/point ≤ Prometheus's: ${d.label} | ${fmt(a, 2)} | ${fmt(b, 2)} | ${ratio(a, b)} | ${met(a <= b)} |`,
    );
  }
  if (q30)
    out.push(
      `| 30 d, 1000 buckets: p50 ≤ 1/5 of Prometheus's | ${fmt(q30.pb.p50, 1)} ms | ${fmt(q30.prom.p50, 1)} ms | ${ratio(q30.pb.p50, q30.prom.p50)} | ${met(q30.pb.p50 <= q30.prom.p50 / 5)} |`,
    );
  if (q1y)
    out.push(
      `| 1 y, 1000 buckets: same bound (p50 ≤ 1/5 of Prometheus's) | ${fmt(q1y.pb.p50, 1)} ms | ${fmt(q1y.prom.p50, 1)} ms | ${ratio(q1y.pb.p50, q1y.prom.p50)} | ${met(q1y.pb.p50 <= q1y.prom.p50 / 5)} |`,
    );
  out.push(
    `| event-loop delay p99 ≤ 20 ms during heavy reads | ${fmt(heavy.loopP99, 1)} ms | | | ${met(heavy.loopP99 <= 20)} |`,
  );
  out.push(
    `| live metric_update p99 < 50 ms during heavy reads | ${lat(heavy.liveP99)} ms (quiet: ${lat(r.live.quiet.liveP99)} ms) | | | ${met(heavy.liveP99 < 50 && heavy.liveReceived === heavy.liveExpected)} |`,
  );
  out.push(
    `| CSV export ≥ 1,000,000 points/s (alone) | ${fmt(r.exportAlone.pointsPerSec)} /s (under the heavy reads: ${fmt(r.live.exportPointsPerSec)} /s) | | | ${met(r.exportAlone.pointsPerSec >= 1e6)} |`,
  );
  out.push(
    `| REST ingest ≥ 300,000 points/s in 10,000-point batches | ${fmt(ingestRate)} /s | | | ${met(ingestRate >= 300_000)} |`,
  );
  out.push("");

  out.push(
    `**Bytes on disk per point.** ${pbName}: ${
      r.storage === "sqlite"
        ? "every file of the data directory (database, -wal, -shm) after one compaction pass (which also gives freed pages back) and `PRAGMA wal_checkpoint(TRUNCATE)`"
        : "`pg_database_size` (plus the data directory's files) after one compaction pass"
    }, growth while the dataset was ingested. Prometheus: block directories (chunks, index, meta.json, tombstones) of a TSDB holding only that dataset${
      o.promCompact
        ? ", after its own compaction of the backfilled 2 h blocks"
        : ", as backfilled (2 h blocks)"
    }; WAL and head chunks are not included (${fmt(r.datasets.reduce((n, d) => n + d.prom.served.walBytes, 0) / 1024, 0)} KiB in all: no scraping).`,
  );
  out.push("");
  out.push(
    "| data | points | Pulseboard B/point | Prometheus B/point | ratio | Prometheus chunks only | Prometheus as backfilled (2 h blocks) |",
  );
  out.push("|---|---|---|---|---|---|---|");
  for (const d of r.datasets) {
    const a = d.pbBytes / d.points;
    const s = d.prom.served;
    const b = s.blockBytes / d.points;
    out.push(
      `| ${d.label} | ${fmt(d.points)} | ${fmt(a, 2)} | ${fmt(b, 2)} (${s.blocks} blocks) | ${ratio(a, b)} | ${fmt(s.chunkBytes / d.points, 2)} | ${fmt(d.prom.backfilled.blockBytes / d.points, 2)} (${d.prom.backfilled.blocks} blocks) |`,
    );
  }
  out.push(
    `| all | ${fmt(totalPoints)} | ${fmt(totalPb / totalPoints, 2)} | ${fmt(totalProm / totalPoints, 2)} | ${ratio(totalPb, totalProm)} | | |`,
  );
  out.push("");

  out.push(
    "**Range queries** over the 1 Hz gauge, ending where the data ends (the run's start), 1000 buckets: Pulseboard `GET /api/v1/metrics/:id/values?from&to&points=1000`, " +
      "Prometheus `query_range` of `avg_over_time(room_temperature[<step>])` with step = range / 1000 (the 1 y range covers the " +
      `${o.days} days that exist). Sequential, warm; ${o.reps} timed repetitions each, or as many as fit in 60 s (at least 5): the n column. ms:`,
  );
  out.push("");
  out.push(
    "| range | Pulseboard p50 | p99 | n | Prometheus p50 | p99 | n | ratio p50 | ratio p99 | buckets with data, Pulseboard / Prometheus |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|");
  for (const q of r.queries)
    out.push(
      `| ${q.label} | ${fmt(q.pb.p50, 1)} | ${fmt(q.pb.p99, 1)} | ${q.pb.reps} | ${fmt(q.prom.p50, 1)} | ${fmt(q.prom.p99, 1)} | ${q.prom.reps} | ${ratio(q.pb.p50, q.prom.p50)} | ${ratio(q.pb.p99, q.prom.p99)} | ${q.pb.buckets} / ${q.prom.buckets} |`,
    );
  out.push("");

  out.push("**Ingest and export.**");
  out.push("");
  for (const d of r.datasets)
    out.push(
      `- REST ingest of ${d.label}: ${fmt(d.ingest.points)} points in ${fmt(d.ingest.batches)} posts of ≤ 10,000, ${fmt(d.ingest.ms / 1000, 1)} s, **${fmt(d.ingest.pointsPerSec)} points/s** (two posts in flight, bodies built before the clock).`,
    );
  out.push(
    `- CSV export of the ${o.days}-day gauge alone: ${fmt(r.exportAlone.points)} points, ${fmt(r.exportAlone.bytes / 1e6, 1)} MB in ${fmt(r.exportAlone.ms / 1000, 2)} s, **${fmt(r.exportAlone.pointsPerSec)} points/s**` +
      `${r.exportAlone.finished ? "" : ` (not finished: given up after ${fmt(r.exportAlone.ms / 1000)} s; the rate is that of the points streamed so far)`}; ` +
      `during the heavy reads: ${fmt(r.live.exportPoints)} points in ${fmt(r.live.exportMs / 1000, 2)} s, ${fmt(r.live.exportPointsPerSec)} points/s` +
      `${r.live.exportFinished ? "" : " (not finished: given up at the heavy phase's 120 s bound)"}.`,
  );
  out.push(
    `- Prometheus side for reference: ${fmt(r.backfill.omBytes / 1e6)} MB of OpenMetrics text backfilled by promtool in ${fmt(r.backfill.ms / 1000, 1)} s (not a like-for-like ingest figure).`,
  );
  out.push("");

  out.push(
    `**Live path under heavy reads** (Pulseboard only): ${r.live.clients} WebSocket clients subscribed to a live metric that gets 20 posts/s, ` +
      `first quiet (${o.quietSeconds} s), then while 20 concurrent 30-day 1000-bucket queries (p50 ${fmt(r.live.queryP50)} ms, p99 ${fmt(r.live.queryP99)} ms each` +
      `${r.live.unfinishedQueries ? `; ${r.live.unfinishedQueries} not answered within the 120 s bound` : ""}) ` +
      "and the full CSV export run. Event-loop delay sampled inside the server process (`monitorEventLoopDelay`, 1 ms resolution); " +
      "`/api/v1/health` fired every 50 ms; live latency from the post's send time to the client's receipt. ms:",
  );
  out.push("");
  out.push(
    "| phase | length | event-loop delay p50 / p99 / max | health p99 / max | metric_update p50 / p99 / max | delivered |",
  );
  out.push("|---|---|---|---|---|---|");
  out.push(phaseRow("quiet", r.live.quiet));
  out.push(phaseRow("heavy reads", r.live.heavy));
  if (r.notes.length) {
    out.push("");
    for (const n of r.notes) out.push(`- Note: ${n}`);
  }
  return out.join("\n");
}

export function printStorage(r: StorageResult): void {
  console.log(`\n${storageMarkdown(r)}\n`);
}

/** Replaces (or appends) this configuration's block inside the "## Storage" section. */
export function writeDoc(r: StorageResult): void {
  const key = configKey(r.opts);
  const begin = `<!-- ${key}:begin -->`;
  const end = `<!-- ${key}:end -->`;
  const block = `${begin}\n${storageMarkdown(r)}\n${end}`;
  let doc = readFileSync(DOC, "utf8");
  const at = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (at !== -1 && to > at) doc = doc.slice(0, at) + block + doc.slice(to + end.length);
  else {
    const marker = "<!-- storage-results -->";
    if (!doc.includes(marker))
      doc = `${doc.trimEnd()}\n\n## Storage (\`npm run bench -- --storage\`)\n\n${marker}\n`;
    doc = doc.replace(marker, `${marker}\n\n${block}`);
  }
  writeFileSync(DOC, doc);
  process.stderr.write(`docs/BENCHMARKS.md: ${key} block written\n`);
}
