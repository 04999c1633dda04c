// Owns the shapes the chaos benchmark's processes agree on: the options, what the orchestrator
// tells a load child (start clients, cut sockets or not, score against what was committed), and
// what a child answers per client.

export type ChaosTarget = "pulseboard" | "socketio";

export type ChaosOptions = {
  targets: ChaosTarget[];
  /** How a Pulseboard node is started: from an esbuild bundle of main.ts (as the specs do), or through tsx. */
  start: "bundle" | "tsx";
  clients: number;
  /** Length of the chaotic phase (ingest + cuts + kill -9 + rolling restart). */
  seconds: number;
  /** Load-generator child processes the clients are spread over. */
  procs: number;
  /** Clients are spread over this many dashboards (Socket.IO: rooms); ingest round-robins them. */
  dashboards: number;
  /** Points per second, all dashboards together. */
  rate: number;
  /** Share of points stamped in the past (up to a minute), as a collector flushing its buffer. */
  backdated: number;
  /** Mean seconds between two cuts of one client's socket (exponential intervals). */
  cutMeanS: number;
  /** Most seconds to wait after ingest stops for every client to catch up. */
  drainS: number;
  out: string | undefined;
};

/** One dashboard (Socket.IO: one room) the clients are spread over. */
export type Stream = { dashboardId: number; metricId: number };

/** Committed points of one stream, in commit order: keys (offset or seq) and values (ingest seq). */
export type Committed = { keys: number[]; values: number[] };

/** One outage of a client: socket lost → open again (ms), why it was lost, attempts it took. */
export type Reconnect = {
  ms: number;
  cause: string;
  attempts: number;
  /** Wall clock (Date.now) when the socket was lost: ties a reconnect to the fault before it. */
  lostAtWall?: number;
  /** Pulseboard's phases of the outage: the SDK's backoff delays summed, then the attempt that
   * succeeded from socket start to upgrade done (`authenticating`) and from there to `open`. */
  phases?: { backoffMs: number; upgradeMs: number; authMs: number };
};

/** Where each ingest phase starts, as the first ingest seq (the value of a point) in it. */
export type PhaseMark = { name: string; fromSeq: number };

export type ToLoad =
  | {
      type: "start";
      target: ChaosTarget;
      /** http://127.0.0.1:<nginx port> */
      base: string;
      /** Client i uses tokens[i % tokens.length] (each token another user). */
      tokens: string[];
      streams: Stream[];
      /** Global index of this child's first client and how many it runs. */
      first: number;
      count: number;
      cutMeanMs: number;
    }
  | { type: "cuts"; on: boolean }
  | { type: "progress"; heads: number[] }
  | { type: "score"; committed: Committed[]; phases: PhaseMark[] }
  | { type: "close" };

export type ClientScore = {
  index: number;
  stream: number;
  expected: number;
  delivered: number;
  missing: number;
  duplicated: number;
  outOfOrder: number;
  /** Delivered with a key storage has but another value. */
  wrongValue: number;
  /** Delivered with a key storage never committed (Socket.IO: emitted but not acknowledged). */
  extra: number;
  /** Pulseboard `gap` events / Socket.IO reconnects with `recovered` false. */
  unrecovered: number;
  cuts: number;
  reconnects: number;
  /** Pulseboard: moves on `draining` to a new connection without going offline (not reconnects). */
  handovers: number;
  /** `error` frames received (Pulseboard), and the first. */
  errors: number;
  firstError: string | undefined;
  /** The client's state when scored (e.g. "open, waiting for resumed"). */
  finalState: string;
  missingByPhase: Record<string, number>;
};

export type FromLoad =
  | { type: "started"; ok: number; failed: number; firstError: string | undefined; ms: number }
  | { type: "cuts-ack" }
  | { type: "progress"; behind: number; open: number }
  | {
      type: "scored";
      clients: ClientScore[];
      /** Socket lost → open again, one per outage, with its cause and attempts. */
      reconnects: Reconnect[];
      /** Open → `resumed` (Pulseboard); Socket.IO replays inside the handshake (empty). */
      replayMs: number[];
      /** Socket lost → replay complete (Pulseboard `resumed`, Socket.IO `connect`). */
      recoveryMs: number[];
    };
