// Shared by every server child: answers the orchestrator's "gc" request with the memory figures
// after a full collection (children run with --expose-gc), and announces readiness.
import type { ServerMemory, ServerReady, ToServer } from "../ipc.ts";

export function serveControl(ready: Omit<ServerReady, "type">, onStop?: () => Promise<void>): void {
  process.on("message", (msg: ToServer) => {
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
