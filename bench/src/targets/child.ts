// Shared by every server child: answers the orchestrator's "gc" request with the memory figures
// after a full collection (children run with --expose-gc), announces readiness, and on request
// measures the child's own event-loop delay (the server runs on this thread, so this is the
// server's event loop: the bench probe, no server code involved).
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { LoopDelay, ServerMemory, ServerReady, ToServer } from "../ipc.ts";

let loop: IntervalHistogram | undefined;

function loopDelay(msg: ToServer): void {
  if (msg.type === "loop-delay-start") {
    // 1 ms resolution: the goal (p99 ≤ 20 ms) needs finer than the 10 ms default.
    loop ??= monitorEventLoopDelay({ resolution: 1 });
    loop.disable();
    loop.reset();
    loop.enable();
    process.send?.({ type: "loop-delay-started" });
  } else if (msg.type === "loop-delay") {
    const h = loop;
    const ms = (ns: number) => ns / 1e6;
    const answer: LoopDelay = h
      ? {
          type: "loop-delay",
          p50: ms(h.percentile(50)),
          p99: ms(h.percentile(99)),
          max: ms(h.max),
          count: h.count,
        }
      : { type: "loop-delay", p50: Number.NaN, p99: Number.NaN, max: Number.NaN, count: 0 };
    process.send?.(answer);
  }
}

export function serveControl(ready: Omit<ServerReady, "type">, onStop?: () => Promise<void>): void {
  process.on("message", (msg: ToServer) => {
    loopDelay(msg);
    if (msg.type !== "gc") return;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    gc?.();
    const mem = process.memoryUsage();
    const answer: ServerMemory = { type: "memory", rss: mem.rss, heapUsed: mem.heapUsed };
    process.send?.(answer);
  });
  process.on("disconnect", () => {
    const stopping = onStop ? onStop().catch(() => {}) : Promise.resolve();
    void stopping.finally(() => process.exit(0));
  });
  process.send?.({ type: "ready", ...ready } satisfies ServerReady);
}

/** A baseline server: listen on a free loopback port, then announce its publish and WebSocket paths. */
export function listenBaseline(
  server: import("node:http").Server,
  ws: { wsPath: string; protocol: ServerReady["protocol"] },
): void {
  // The same accept queue as Pulseboard's (PULSEBOARD_LISTEN_BACKLOG), for the connect storm.
  server.listen({ port: 0, host: "127.0.0.1", backlog: benchBacklog() }, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    serveControl({
      port,
      publishPath: "/publish",
      publishHeaders: {},
      publishBody: BASELINE_BODY,
      wsHeaders: {},
      metricId: 1,
      ...ws,
    });
  });
}

/** Reads a small JSON request body (the publish path of the baselines). */
export function readBody(req: import("node:http").IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}

export const BASELINE_BODY = '{"metric_id":1,"value":__VALUE__}';

/** The accept queue every target listens with: `--backlog` (BENCH_BACKLOG), else Pulseboard's default. */
export function benchBacklog(): number {
  return Number(process.env.BENCH_BACKLOG ?? 4096);
}
