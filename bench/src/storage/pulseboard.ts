// Owns the Pulseboard side of the storage benchmark: the real server in a child process
// (targets/pulseboard-server.ts), its metrics created over REST, the datasets ingested through
// POST /api/v1/ingest in batches of 10,000 points (ISO timestamps, back-dated), the bytes its
// store holds, and range queries through GET /api/v1/metrics/:id/values?points=1000.
import { type Child, startChild } from "../children.ts";
import type { ServerReady, StorageInfo, StoreSize } from "../ipc.ts";
import { type Dataset, type Series, valueText } from "./data.ts";
import { httpOk } from "./http.ts";
import { mean } from "./prometheus.ts";

export const BATCH = 10_000;
/** Two batches in flight: the next one is sent while the server stores the last. */
const IN_FLIGHT = 2;

export type PbServer = {
  child: Child;
  ready: ServerReady;
  storage: StorageInfo;
  url: string;
  auth: Record<string, string>;
};

export async function startPulseboard(db: "sqlite" | "postgres", cpuProf?: string): Promise<PbServer> {
  const child = startChild("targets/pulseboard-server.ts", {
    nodeArgs: ["--expose-gc", ...(cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${cpuProf}`] : [])],
    env: { LOG_LEVEL: "warn", BENCH_DB: db },
  });
  try {
    const ready = await child.next<ServerReady>("ready", 120_000);
    if (!ready.storage) throw new Error("the Pulseboard target announced no storage info");
    return {
      child,
      ready,
      storage: ready.storage,
      url: `http://127.0.0.1:${ready.port}`,
      auth: { authorization: `Bearer ${ready.storage.token}` },
    };
  } catch (err) {
    await child.stop();
    throw err;
  }
}

/** Creates one metric per series over REST; returns their ids by series name. */
export async function createMetrics(pb: PbServer, datasets: Dataset[]): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const s of datasets.flatMap((d) => d.series)) {
    const a = await httpOk(`${pb.url}/api/v1/dashboards/${pb.storage.dashboardId}/metrics`, {
      method: "POST",
      headers: pb.auth,
      body: JSON.stringify({ name: s.name, type: s.type, unit: s.unit }),
    });
    ids.set(s.name, (JSON.parse(a.text) as { id: number }).id);
  }
  return ids;
}

/**
 * The dataset's points in the order a sender would post them: a single series oldest first;
 * several series time-major (every metric's point of one collection, then the next collection),
 * as a collector posts them.
 */
function* batches(dataset: Dataset, ids: Map<string, number>): Generator<string> {
  const series = dataset.series;
  const prefixes = series.map((s) => `{"metric_id":${ids.get(s.name)},"value":`);
  const longest = Math.max(...series.map((s) => s.values.length));
  let parts: string[] = [];
  const flush = () => {
    const body = `{"points":[${parts.join(",")}]}`;
    parts = [];
    return body;
  };
  for (let i = 0; i < longest; i++) {
    for (let k = 0; k < series.length; k++) {
      const s = series[k] as Series;
      if (i >= s.values.length) continue;
      const ts = new Date(s.startMs + i * s.stepMs).toISOString();
      parts.push(`${prefixes[k]}${valueText(s.values[i] as number)},"timestamp":"${ts}"}`);
      if (parts.length === BATCH) yield flush();
    }
  }
  if (parts.length) yield flush();
}

export type IngestResult = { points: number; batches: number; ms: number; pointsPerSec: number };

export async function ingestDataset(
  pb: PbServer,
  dataset: Dataset,
  ids: Map<string, number>,
  progress: (done: number) => void,
): Promise<IngestResult> {
  // Bodies built before the clock starts (as the receivers' ingest section does): building 10,000
  // points of JSON took the generator ~20 ms a batch, on the 2 cores the server measured shares.
  const bodies: Buffer[] = [];
  for (const body of batches(dataset, ids)) bodies.push(Buffer.from(body));
  let sent = 0;
  let accepted = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (sent < bodies.length) {
      const body = bodies[sent++]!;
      const a = await httpOk(`${pb.url}/api/v1/ingest`, {
        method: "POST",
        headers: pb.auth,
        body,
      });
      accepted += (JSON.parse(a.text) as { accepted: number }).accepted;
      if (sent % 50 === 0) progress(accepted);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const ms = performance.now() - t0;
  if (accepted !== dataset.points)
    throw new Error(`ingest of ${dataset.key}: ${accepted} points accepted of ${dataset.points}`);
  return { points: accepted, batches: sent, ms, pointsPerSec: accepted / (ms / 1000) };
}

export function storeSize(pb: PbServer): Promise<StoreSize> {
  return pb.child.request<StoreSize>({ type: "store-size" }, "store-size", 120_000);
}

/** The bytes the store holds: database (files, or pg_database_size) plus, for PostgreSQL, the data dir. */
export const storeBytes = (kind: "sqlite" | "postgres", s: StoreSize) =>
  kind === "sqlite" ? s.databaseBytes : s.databaseBytes + s.dataDirBytes;

export async function pbQuery(
  pb: PbServer,
  metricId: number,
  fromMs: number,
  toMs: number,
  buckets: number,
  signal?: AbortSignal,
) {
  const qs = new URLSearchParams({
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    points: String(buckets),
  });
  const a = await httpOk(`${pb.url}/api/v1/metrics/${metricId}/values?${qs}`, { headers: pb.auth, signal });
  const values = (JSON.parse(a.text) as { values: { value: number }[] }).values;
  return { ms: a.ms, buckets: values.length, mean: mean(values.map((v) => v.value)) };
}

/** The full CSV export of one metric, streamed and counted (header line excluded from points). */
export async function pbExport(
  pb: PbServer,
  metricId: number,
  o: { signal?: AbortSignal; progress?: { bytes: number; lines: number } } = {},
) {
  const a = await httpOk(
    `${pb.url}/api/v1/dashboards/${pb.storage.dashboardId}/export?format=csv&metric_id=${metricId}`,
    { headers: pb.auth, countOnly: true, timeoutMs: 600_000, ...o },
  );
  const points = Math.max(0, a.lines - 1);
  return { ms: a.ms, bytes: a.bytes, points, pointsPerSec: points / (a.ms / 1000) };
}

/** pbExport given up after `limitMs`; then the rate is that of the points streamed so far. */
export async function pbExportBounded(pb: PbServer, metricId: number, limitMs: number) {
  const giveUp = new AbortController();
  const progress = { bytes: 0, lines: 0 };
  const timer = setTimeout(() => giveUp.abort(), limitMs);
  const t0 = performance.now();
  try {
    return { ...(await pbExport(pb, metricId, { signal: giveUp.signal, progress })), finished: true };
  } catch (err) {
    if (!giveUp.signal.aborted) throw err;
    const ms = performance.now() - t0;
    const points = Math.max(0, progress.lines - 1);
    return { ms, bytes: progress.bytes, points, pointsPerSec: points / (ms / 1000), finished: false };
  } finally {
    clearTimeout(timer);
  }
}
