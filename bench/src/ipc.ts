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
  /** The abuse bench (BENCH_ABUSE=1): an attacker's token (a viewer) and the health route. */
  abuse?: { attackerToken: string; healthPath: string };
  /** Pulseboard only: what the storage benchmark needs to create metrics and measure the store. */
  storage?: StorageInfo;
};
export type StorageInfo = {
  kind: "sqlite" | "postgres";
  token: string;
  dashboardId: number;
  dataDir: string;
};
export type ServerMemory = { type: "memory"; rss: number; heapUsed: number };
/** Event-loop delay of the server child since the last "loop-delay-start", in ms. */
export type LoopDelay = { type: "loop-delay"; p50: number; p99: number; max: number; count: number };
/** Bytes the store holds: SQLite files after a WAL checkpoint, or PostgreSQL's database size. */
export type StoreSize = { type: "store-size"; databaseBytes: number; dataDirBytes: number; note: string };
export type ToServer =
  | { type: "gc" }
  | { type: "loop-delay-start" }
  | { type: "loop-delay" }
  | { type: "store-size" };

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
