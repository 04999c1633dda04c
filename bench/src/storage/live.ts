// Owns the "reads must not stall the live path" part of the storage benchmark: 100 WebSocket
// clients (the load-generator child) watch a live metric that receives a steady 20 posts/s
// (each carrying its send time, as in the fan-out bench), first in a quiet phase, then while
// 20 concurrent long-range queries and a full CSV export run. For each phase: the server's own
// event-loop delay (sampled inside the server child), /api/v1/health latency polled every
// 50 ms, and ingest→client latency of metric_update.
import { setMaxListeners } from "node:events";
import { type Child, startChild } from "../children.ts";
import { Histogram } from "../histogram.ts";
import type { FromLoadgen, LoadgenStats, LoopDelay } from "../ipc.ts";
import { publish } from "../publisher.ts";
import { http, percentile } from "./http.ts";
import { type PbServer, pbExport, pbQuery } from "./pulseboard.ts";

export const CLIENTS = 100;
const RATE = 20;
const HEALTH_EVERY_MS = 50;
const HEAVY_LIMIT_S = 120;

export type PhaseResult = {
  seconds: number;
  loopP50: number;
  loopP99: number;
  loopMax: number;
  healthP99: number;
  healthMax: number;
  healthCount: number;
  healthFailed: number;
  liveP50: number;
  liveP99: number;
  liveMax: number;
  liveReceived: number;
  liveExpected: number;
  publishFailed: number;
};

export type LiveResult = {
  clients: number;
  quiet: PhaseResult;
  heavy: PhaseResult;
  queries: number;
  /** Queries given up at the heavy phase's bound (120 s). */
  unfinishedQueries: number;
  exportFinished: boolean;
  queryP50: number;
  queryP99: number;
  exportPoints: number;
  exportMs: number;
  exportBytes: number;
  exportPointsPerSec: number;
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Fires GET /api/v1/health every 50 ms on a fixed schedule (a slow answer does not delay the next). */
function pollHealth(pb: PbServer) {
  const hist = new Histogram();
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const p = http(`${pb.url}/api/v1/health`, { timeoutMs: 60_000 }).then(
      (a) => {
        if (a.status === 200) hist.record(a.ms);
        else failed++;
      },
      () => {
        failed++;
      },
    );
    pending.add(p);
    void p.finally(() => pending.delete(p));
  }, HEALTH_EVERY_MS);
  return async () => {
    clearInterval(timer);
    await Promise.all(pending);
    return { hist, failed };
  };
}

async function phase(
  pb: PbServer,
  loadgen: Child,
  epoch: number,
  work: (stop: AbortController) => Promise<void>,
  maxSeconds: number,
): Promise<PhaseResult> {
  await pb.child.request({ type: "loop-delay-start" }, "loop-delay-started");
  await loadgen.request({ type: "reset" }, "reset-done");
  const stopHealth = pollHealth(pb);
  const stop = new AbortController();
  const t0 = performance.now();
  const target = {
    port: pb.ready.port,
    path: pb.ready.publishPath,
    headers: pb.ready.publishHeaders,
    body: pb.ready.publishBody,
    epoch,
  };
  const publishing = publish(target, RATE, maxSeconds, stop.signal);
  await work(stop);
  stop.abort();
  const pub = await publishing;
  const seconds = (performance.now() - t0) / 1000;
  const loop = await pb.child.request<LoopDelay>({ type: "loop-delay" }, "loop-delay");
  const health = await stopHealth();
  // Drain: every accepted post reaches every client, or 3 s pass without anything new.
  const expected = pub.accepted * CLIENTS;
  let stats = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
  for (let quiet = 0; stats.received < expected && quiet < 30; quiet++) {
    await sleep(100);
    const s = await loadgen.request<LoadgenStats>({ type: "stats" }, "stats");
    if (s.received !== stats.received) quiet = 0;
    stats = s;
  }
  return {
    seconds,
    loopP50: loop.p50,
    loopP99: loop.p99,
    loopMax: loop.max,
    // The histogram reports a bin's upper edge (0.1 ms bins): never above the largest sample.
    healthP99: Math.min(health.hist.percentile(99), health.hist.max),
    healthMax: health.hist.max,
    healthCount: health.hist.count,
    healthFailed: health.failed,
    liveP50: Math.min(stats.p50, stats.max),
    liveP99: Math.min(stats.p99, stats.max),
    liveMax: stats.max,
    liveReceived: stats.received,
    liveExpected: expected,
    publishFailed: pub.failed,
  };
}

export async function runLive(
  pb: PbServer,
  metricId: number,
  endMs: number,
  rangeMs: number,
  quietSeconds: number,
  log: (line: string) => void,
): Promise<LiveResult> {
  const loadgen = startChild("loadgen.ts");
  try {
    const epoch = Date.now();
    const connected = await loadgen.request<Extract<FromLoadgen, { type: "connected" }>>(
      {
        type: "connect",
        count: CLIENTS,
        port: pb.ready.port,
        path: `${pb.ready.wsPath}?token=${encodeURIComponent(pb.storage.token)}`,
        headers: {},
        protocol: "pulseboard",
        metricId: pb.ready.metricId,
        sourceAddresses: 1,
        epoch,
      },
      "connected",
      60_000,
    );
    if (connected.ok !== CLIENTS)
      throw new Error(`${connected.failed} of ${CLIENTS} WebSocket clients failed: ${connected.firstError}`);
    // Warm-up of the live path (JIT, sockets), not recorded.
    await publish(
      {
        port: pb.ready.port,
        path: pb.ready.publishPath,
        headers: pb.ready.publishHeaders,
        body: pb.ready.publishBody,
        epoch,
      },
      RATE,
      1,
    );
    await sleep(300);

    const quiet = await phase(pb, loadgen, epoch, () => sleep(quietSeconds * 1000), quietSeconds + 1);
    log(
      `  quiet: loop delay p99 ${quiet.loopP99.toFixed(1)} ms, health p99 ${quiet.healthP99.toFixed(1)} ms, live p99 ${quiet.liveP99.toFixed(1)} ms`,
    );

    const queryMs: number[] = [];
    let unfinished = 0;
    let exp: Awaited<ReturnType<typeof pbExport>> | undefined;
    const progress = { bytes: 0, lines: 0 };
    let exportMs = Number.NaN;
    const heavy = await phase(
      pb,
      loadgen,
      epoch,
      async (stop) => {
        const to = endMs;
        // A bound, not a failure: reads still running after it are given up and reported as such.
        const giveUp = new AbortController();
        setMaxListeners(32, giveUp.signal); // one per read in flight
        const limit = setTimeout(() => giveUp.abort(), HEAVY_LIMIT_S * 1000);
        const t0 = performance.now();
        try {
          const queries = Array.from(
            { length: 20 },
            (): Promise<void> =>
              pbQuery(pb, metricId, to - rangeMs, to, 1000, giveUp.signal).then(
                (q) => {
                  queryMs.push(q.ms);
                },
                () => {
                  unfinished++;
                },
              ),
          );
          const exporting = pbExport(pb, metricId, { signal: giveUp.signal, progress }).then(
            (e) => {
              exp = e;
            },
            () => {
              exportMs = performance.now() - t0;
            },
          );
          await Promise.all([...queries, exporting]);
        } finally {
          clearTimeout(limit);
          stop.abort();
        }
      },
      HEAVY_LIMIT_S,
    );
    log(
      `  heavy: loop delay p99 ${heavy.loopP99.toFixed(1)} ms, health p99 ${heavy.healthP99.toFixed(1)} ms, live p99 ${heavy.liveP99.toFixed(1)} ms`,
    );
    const e = exp as Awaited<ReturnType<typeof pbExport>> | undefined;
    return {
      clients: connected.ok,
      quiet,
      heavy,
      queries: queryMs.length,
      queryP50: percentile(queryMs, 50),
      queryP99: percentile(queryMs, 99),
      unfinishedQueries: unfinished,
      exportFinished: e !== undefined,
      exportPoints: e?.points ?? Math.max(0, progress.lines - 1),
      exportMs: e?.ms ?? exportMs,
      exportBytes: e?.bytes ?? progress.bytes,
      exportPointsPerSec: e?.pointsPerSec ?? Math.max(0, progress.lines - 1) / (exportMs / 1000),
    };
  } finally {
    if (loadgen.proc.connected) loadgen.proc.send({ type: "close" });
    await loadgen.stop();
  }
}
