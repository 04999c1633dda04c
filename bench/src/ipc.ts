// Owns the messages exchanged over IPC between the orchestrator (run.ts), the server child
// and the load-generator child, so every process agrees on one shape.

export type ClientProtocol = "pulseboard" | "ws" | "socketio";

/** Server child → orchestrator. */
export type ServerReady = {
  type: "ready";
  port: number;
  /** How to publish one point and how clients connect, filled in by the target. */
  publishPath: string;
  publishHeaders: Record<string, string>;
  /** JSON body template; the string "__VALUE__" is replaced by the send time. */
  publishBody: string;
  wsPath: string;
  wsHeaders: Record<string, string>;
  protocol: ClientProtocol;
  metricId: number;
};
export type ServerMemory = { type: "memory"; rss: number; heapUsed: number };
export type ToServer = { type: "gc" };

/** Orchestrator → load generator. */
export type ToLoadgen =
  | {
      type: "connect";
      count: number;
      port: number;
      path: string;
      headers: Record<string, string>;
      protocol: ClientProtocol;
      metricId: number;
      sourceAddresses: number;
      epoch: number;
      /** Handshakes in flight at once (default 64); `count` = all at once (a storm). */
      concurrency?: number;
      /** Each client first waits a random delay in [0, jitterMs) (the SDK's reconnect jitter). */
      jitterMs?: number;
      /** First source address index (several load generators use disjoint ranges). */
      addressOffset?: number;
    }
  | { type: "reset" }
  | { type: "stats" }
  | { type: "close" };

export type LoadgenStats = {
  type: "stats";
  received: number;
  p50: number;
  p99: number;
  max: number;
  open: number;
  closedUnexpectedly: number;
  lastCloseCode: number | undefined;
  lastCloseReason: string;
};
export type FromLoadgen =
  | { type: "connected"; ok: number; failed: number; firstError: string | undefined; ms: number }
  | { type: "reset-done" }
  | LoadgenStats;
