// Owns the Prometheus baseline: the same datasets written as OpenMetrics text, turned into TSDB
// blocks by `promtool tsdb create-blocks-from openmetrics`, served by a real `prometheus` on
// 127.0.0.1, measured on disk (block directories; the WAL is counted apart) and queried with
// `avg_over_time(x[step])` over `query_range`, the PromQL form of a 1000-bucket average.
//
// promtool 2.42 cuts 2 h blocks and re-reads its whole input file once per block, so one 30-day
// file would be parsed 360 times; the input is split into files of a few aligned blocks each
// instead (same blocks, same bytes, a fraction of the time).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
// Relative, as the harness the targets use: the bench takes test-support from the tree, not a dependency.
import { freePort, type Managed, spawnManaged } from "../../../test-support/src/index.ts";
import { requireBinary } from "../../../test-support/src/process.ts";
import { type Dataset, valueText } from "./data.ts";
import { http } from "./http.ts";

const BLOCK_MS = 2 * 3_600_000;

export function prometheusBinaries(): { prometheus: string; promtool: string } {
  // MissingBinaryError's message says "apt-get install -y prometheus".
  return {
    prometheus: requireBinary(["/usr/bin/prometheus"], "prometheus"),
    promtool: requireBinary(["/usr/bin/promtool"], "prometheus"),
  };
}

export function prometheusVersion(prometheus: string): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn(prometheus, ["--version"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.stderr.on("data", (d) => {
      out += d;
    });
    p.on("exit", () => resolve(/version (\S+)/.exec(out)?.[1] ?? "unknown"));
  });
}

/**
 * Writes the dataset as OpenMetrics files, each covering `w` aligned 2 h blocks, `w` chosen so
 * that promtool's per-process start (~0.2 s) and its per-block re-read cost about the same.
 */
export function writeOpenMetrics(dataset: Dataset, dir: string): { files: string[]; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const perBlock = dataset.series.reduce((n, s) => n + BLOCK_MS / s.stepMs, 0);
  const w = Math.min(12, Math.max(1, Math.round(Math.sqrt(0.2 / (perBlock * 0.6e-6)))));
  const windowMs = w * BLOCK_MS;
  const first = Math.min(...dataset.series.map((s) => s.startMs));
  const last = Math.max(...dataset.series.map((s) => s.startMs + (s.values.length - 1) * s.stepMs));
  const files: string[] = [];
  let bytes = 0;
  for (let from = Math.floor(first / windowMs) * windowMs; from <= last; from += windowMs) {
    const to = from + windowMs;
    const parts: string[] = [];
    for (const s of dataset.series) {
      const i0 = Math.max(0, Math.ceil((from - s.startMs) / s.stepMs));
      const i1 = Math.min(s.values.length, Math.ceil((to - s.startMs) / s.stepMs));
      if (i1 <= i0) continue;
      parts.push(`# TYPE ${s.name} gauge\n`);
      const lines: string[] = new Array(i1 - i0);
      for (let i = i0; i < i1; i++)
        lines[i - i0] =
          `${s.name} ${valueText(s.values[i] as number)} ${(s.startMs + i * s.stepMs) / 1000}\n`;
      parts.push(lines.join(""));
    }
    if (parts.length === 0) continue;
    parts.push("# EOF\n");
    const text = parts.join("");
    const file = join(dir, `w-${from}.om`);
    writeFileSync(file, text);
    bytes += Buffer.byteLength(text);
    files.push(file);
  }
  return { files, bytes };
}

function runPromtool(promtool: string, file: string, outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(promtool, ["tsdb", "create-blocks-from", "openmetrics", "-q", file, outDir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    p.stderr.on("data", (d) => {
      err = (err + d).slice(-2000);
    });
    p.on("error", reject);
    p.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`promtool failed on ${file}: ${err}`)),
    );
  });
}

/** Backfills every file into `outDir`, two promtool processes at a time (two cores). */
export async function backfill(promtool: string, files: string[], outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  let next = 0;
  const worker = async () => {
    while (next < files.length) await runPromtool(promtool, files[next++] as string, outDir);
  };
  await Promise.all([worker(), worker()]);
}

export type PromDisk = { blocks: number; blockBytes: number; chunkBytes: number; walBytes: number };

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Apparent sizes of the block directories (chunks counted apart) and of the WAL + head chunks. */
export function promDisk(dir: string): PromDisk {
  const out: PromDisk = { blocks: 0, blockBytes: 0, chunkBytes: 0, walBytes: 0 };
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const p = join(dir, entry.name);
    if (ULID.test(entry.name)) {
      out.blocks++;
      out.blockBytes += dirBytes(p);
      out.chunkBytes += dirBytes(join(p, "chunks"));
    } else if (entry.name === "wal" || entry.name === "chunks_head") out.walBytes += dirBytes(p);
  }
  return out;
}

export type PromServer = { port: number; dir: string; managed: Managed; startedAt: number };

export async function startPrometheus(prometheus: string, dir: string): Promise<PromServer> {
  const port = await freePort();
  const config = join(dir, "..", `${dir.split("/").at(-1)}.yml`);
  // No scrape jobs: the TSDB holds only the backfilled blocks (the WAL stays empty).
  writeFileSync(config, "global:\n  scrape_interval: 1h\n");
  const managed = spawnManaged(prometheus, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${dir}`,
    "--storage.tsdb.retention.time=5y",
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const startedAt = performance.now();
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (managed.child.exitCode !== null) throw new Error(`prometheus exited:\n${managed.output()}`);
    const ready = await http(`http://127.0.0.1:${port}/-/ready`, { timeoutMs: 2000 }).catch(() => undefined);
    if (ready?.status === 200) break;
    if (Date.now() > deadline) {
      await managed.stop();
      throw new Error(`prometheus on ${dir} was not ready within 60 s:\n${managed.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { port, dir, managed, startedAt };
}

async function promMetric(port: number, name: string): Promise<number> {
  const a = await http(`http://127.0.0.1:${port}/metrics`);
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(a.text);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * Prometheus compacts the 2 h blocks into longer ones (up to 10% of retention, at most 31 d) on
 * its first compaction tick, one minute after start: what a Prometheus that had been running for
 * the whole span would hold. Waits until that tick ran and the block count stopped changing.
 */
export async function waitCompacted(p: PromServer, timeoutMs = 180_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let lastBlocks = Number.NaN;
  let stable = 0;
  while (performance.now() < deadline) {
    const triggered = await promMetric(p.port, "prometheus_tsdb_compactions_triggered_total");
    const blocks = await promMetric(p.port, "prometheus_tsdb_blocks_loaded");
    stable = blocks === lastBlocks ? stable + 1 : 0;
    lastBlocks = blocks;
    if (triggered >= 1 && stable >= 3) return promMetric(p.port, "prometheus_tsdb_compactions_total");
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`prometheus on ${p.dir} did not finish compacting within ${timeoutMs / 1000} s`);
}

/** `avg_over_time(name[step])` over [start, end] in `buckets` steps; resolves with the answer. */
export async function promQuery(
  p: PromServer,
  name: string,
  startMs: number,
  endMs: number,
  buckets: number,
) {
  const stepMs = Math.max(1, Math.round((endMs - startMs) / buckets));
  const query = `avg_over_time(${name}[${stepMs}ms])`;
  const qs = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepMs / 1000),
  });
  const a = await http(`http://127.0.0.1:${p.port}/api/v1/query_range?${qs}`);
  if (a.status !== 200)
    throw new Error(`prometheus query_range ${query}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
  const body = JSON.parse(a.text) as { data: { result: { values: [number, string][] }[] } };
  const values = body.data.result[0]?.values ?? [];
  return { ms: a.ms, buckets: values.length, mean: mean(values.map((v) => Number(v[1]))) };
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}
