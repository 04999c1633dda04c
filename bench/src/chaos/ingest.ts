// The chaos benchmark's ingest: `rate` points/s in batches every 100 ms, round-robin over the
// streams, one in ten (by default) stamped up to a minute in the past. Every point's value is
// its ingest sequence number, so a missing point can be traced to the phase it was sent in.
// Batches go one at a time to the first node that is up (node 0 unless it is down), so their
// order is the publish order; a batch refused (connection refused, 503 while draining) is sent
// to the other node, one that failed after reaching a server is not retried (it may have been
// stored: a retry would store it twice). What counts as committed comes from storage
// (Pulseboard) or from the acknowledged publishes (Socket.IO).
import type { Nodes } from "./nodes.ts";
import type { ChaosTarget, Stream } from "./types.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK_MS = 100;

export type IngestStats = { sent: number; accepted: number; failed: number; firstError: string | undefined };

export type Ingest = {
  /** Next ingest seq (the value the next point will carry). */
  readonly seq: number;
  stats: IngestStats;
  /** Socket.IO: acknowledged seqs per stream, in publish order. */
  acknowledged: number[][];
  stop(): Promise<void>;
};

type Point = { stream: number; seq: number; timestamp: string };

export function startIngest(
  target: ChaosTarget,
  nodes: Nodes,
  streams: Stream[],
  opts: { rate: number; backdated: number; token: string },
): Ingest {
  let seq = 0;
  let running = true;
  const stats: IngestStats = { sent: 0, accepted: 0, failed: 0, firstError: undefined };
  const acknowledged = streams.map(() => [] as number[]);
  const queue: Point[] = [];

  const body = (points: Point[]) =>
    target === "pulseboard"
      ? {
          points: points.map((p) => ({
            metric_id: streams[p.stream]!.metricId,
            value: p.seq,
            timestamp: p.timestamp,
          })),
        }
      : {
          points: points.map((p) => ({
            room: streams[p.stream]!.dashboardId,
            seq: p.seq,
            timestamp: p.timestamp,
          })),
        };
  const path = target === "pulseboard" ? "/api/v1/ingest" : "/publish";

  /** "ok", "refused" (not stored: try another node) or "failed" (may be stored: give up). */
  async function post(node: number, points: Point[]): Promise<"ok" | "refused" | "failed"> {
    try {
      const res = await fetch(nodes.url(node) + path, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${opts.token}` },
        body: JSON.stringify(body(points)),
        signal: AbortSignal.timeout(5000),
      });
      await res.body?.cancel();
      if (res.status === 200) return "ok";
      if (res.status === 503) return "refused";
      stats.firstError ??= `HTTP ${res.status}`;
      return "failed";
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === "ECONNREFUSED") return "refused";
      stats.firstError ??= `${(err as Error).message}${code ? ` (${code})` : ""}`;
      return "failed";
    }
  }

  async function sendLoop(): Promise<void> {
    while (running || queue.length > 0) {
      if (queue.length === 0) {
        await sleep(10);
        continue;
      }
      const points = queue.splice(0, queue.length);
      stats.sent += points.length;
      let outcome: "ok" | "refused" | "failed" = "refused";
      for (let attempt = 0; attempt < 200 && outcome === "refused"; attempt++) {
        const node = nodes.up(0) ? 0 : nodes.up(1) ? 1 : attempt % 2;
        outcome = await post(node, points);
        if (outcome === "refused") await sleep(50);
      }
      if (outcome === "ok") {
        stats.accepted += points.length;
        for (const p of points) acknowledged[p.stream]!.push(p.seq);
      } else stats.failed += points.length;
    }
  }

  const perTick = (opts.rate * TICK_MS) / 1000;
  const t0 = performance.now();
  let ticks = 0;
  const producer = (async () => {
    while (running) {
      ticks++;
      const due = Math.round(ticks * perTick);
      while (seq < due) {
        const backdated = Math.random() < opts.backdated;
        const at = Date.now() - (backdated ? 1000 + Math.floor(Math.random() * 59_000) : 0);
        queue.push({ stream: seq % streams.length, seq, timestamp: new Date(at).toISOString() });
        seq++;
      }
      const wait = t0 + ticks * TICK_MS - performance.now();
      if (wait > 0) await sleep(wait);
    }
  })();
  const sender = sendLoop();
  return {
    get seq() {
      return seq;
    },
    stats,
    acknowledged,
    async stop() {
      running = false;
      await producer;
      await sender;
    },
  };
}
