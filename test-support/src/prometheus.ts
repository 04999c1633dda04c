// Starts Debian's prometheus on a random loopback port with a config written for one test:
// scrape jobs (e.g. node-exporter, or Pulseboard's own /metrics) and optional remote_write
// targets, a fresh TSDB directory, short intervals so a test sees data within seconds.
// `query` runs PromQL through its HTTP API.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, requireBinary, spawnManaged, waitForPort } from "./process.ts";

export type ScrapeJob = { job: string; target: string; path?: string; bearerToken?: string };
export type RemoteWrite = { url: string; bearerToken?: string };

export type PrometheusHandle = {
  url: string;
  port: number;
  pid: number;
  output: () => string;
  /** An instant query's result vector. */
  query: (promql: string) => Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  stop: () => Promise<void>;
};

function yaml(jobs: ScrapeJob[], remoteWrite: RemoteWrite[], intervalS: number): string {
  const lines = [
    "global:",
    `  scrape_interval: ${intervalS}s`,
    `  evaluation_interval: ${intervalS}s`,
    "scrape_configs:",
  ];
  for (const j of jobs) {
    lines.push(
      `  - job_name: ${JSON.stringify(j.job)}`,
      `    metrics_path: ${JSON.stringify(j.path ?? "/metrics")}`,
    );
    if (j.bearerToken)
      lines.push("    authorization:", `      credentials: ${JSON.stringify(j.bearerToken)}`);
    lines.push("    static_configs:", `      - targets: [${JSON.stringify(j.target)}]`);
  }
  if (remoteWrite.length > 0) lines.push("remote_write:");
  for (const r of remoteWrite) {
    lines.push(`  - url: ${JSON.stringify(r.url)}`);
    if (r.bearerToken)
      lines.push("    authorization:", `      credentials: ${JSON.stringify(r.bearerToken)}`);
    // Send within a second of a scrape, and metadata (types, help) soon after start.
    lines.push(
      "    queue_config:",
      "      batch_send_deadline: 500ms",
      "      min_backoff: 100ms",
      "      max_backoff: 1s",
    );
    lines.push("    metadata_config:", "      send_interval: 2s");
  }
  return `${lines.join("\n")}\n`;
}

export async function startPrometheus(options: {
  jobs: ScrapeJob[];
  remoteWrite?: RemoteWrite[];
  intervalS?: number;
}): Promise<PrometheusHandle> {
  const binary = requireBinary(["/usr/bin/prometheus"], "prometheus");
  const dir = mkdtempSync(join(tmpdir(), "pb-prometheus-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(config, yaml(options.jobs, options.remoteWrite ?? [], options.intervalS ?? 1));
  const port = await freePort();
  const proc = spawnManaged(binary, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, "data")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 30_000, "prometheus", proc.output);
    // It listens before its TSDB is open; queries answer 503 until /-/ready does 200.
    const deadline = Date.now() + 30_000;
    while (
      (await fetch(`${url}/-/ready`).then(
        (r) => r.status,
        () => 0,
      )) !== 200
    ) {
      if (Date.now() > deadline) throw new Error(`prometheus never became ready:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    port,
    pid: proc.pid,
    output: proc.output,
    stop,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data?: { result: unknown }; error?: string };
      if (body.status !== "success") throw new Error(`prometheus query ${promql} failed: ${body.error}`);
      return body.data?.result as Awaited<ReturnType<PrometheusHandle["query"]>>;
    },
  };
}
