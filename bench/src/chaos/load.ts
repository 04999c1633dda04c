// Load child of the chaos benchmark: runs its share of the clients with the real SDKs (the
// Pulseboard client on `ws`, or socket.io-client over its WebSocket transport), cuts each
// client's TCP socket at random moments (exponential intervals, no close frame: the peer sees a
// dead connection), records every point each client delivers, and scores them against what the
// orchestrator says was committed. Runs in its own process so the clients' CPU and file
// descriptors are spread (one process holds at most 20,000 fds).
import { createClient, type PulseboardClient } from "@pulseboard/client";
import { io, type Socket } from "socket.io-client";
import { WebSocket } from "ws";
import type { ClientScore, Committed, FromLoad, PhaseMark, Reconnect, Stream, ToLoad } from "./types.ts";

const send = (msg: FromLoad) => process.send?.(msg);

/** What one client saw: delivered keys (offset / seq) and values, in delivery order. */
type Tracked = {
  index: number;
  stream: number;
  /** Keys at or below this were committed before the client was ready (not expected). */
  floor: number;
  keys: number[];
  values: number[];
  cuts: number;
  reconnects: number;
  /** Pulseboard: moves to a new connection on `draining`, without going offline. */
  handovers: number;
  unrecovered: number;
  /** When the current outage began (socket lost), until the socket is open again. */
  lostAt: number | undefined;
  /** The same moment by the wall clock, which the orchestrator's fault times share. */
  lostAtWall: number;
  /** When the first loss not yet recovered began: an outage chain ends at `resumed`. */
  recoveringSince: number | undefined;
  /** Open again and waiting for its `resumed`. */
  openAt: number | undefined;
  /** `error` frames the server sent, and the first one's text. */
  errors: number;
  firstError: string | undefined;
  state: () => string;
  /** The socket to cut (the client's current one). */
  cut: () => boolean;
  /** Newest key delivered. */
  last: number;
  close: () => void;
  /** Why the current outage began: "cut" (ours), or the server's close code; attempts made in it. */
  cause: string;
  attempts: number;
  /** Pulseboard only: backoff summed over this outage, and when the current attempt started / upgraded. */
  backoffMs: number;
  connectAt: number | undefined;
  upgradedAt: number | undefined;
};

const reconnects: Reconnect[] = [];
const replayMs: number[] = [];
const recoveryMs: number[] = [];
const clients: Tracked[] = [];
let cutting = false;
const timers = new Set<ReturnType<typeof setTimeout>>();
const now = () => performance.now();

function track(index: number, stream: number): Tracked {
  return {
    index,
    stream,
    floor: -1,
    keys: [],
    values: [],
    cuts: 0,
    reconnects: 0,
    handovers: 0,
    unrecovered: 0,
    lostAt: undefined,
    lostAtWall: 0,
    recoveringSince: undefined,
    openAt: undefined,
    errors: 0,
    firstError: undefined,
    state: () => "?",
    cut: () => false,
    last: -1,
    close: () => {},
    cause: "",
    attempts: 0,
    backoffMs: 0,
    connectAt: undefined,
    upgradedAt: undefined,
  };
}

function deliver(t: Tracked, key: number, value: number): void {
  t.keys.push(key);
  t.values.push(value);
  if (key > t.last) t.last = key;
}

function lost(t: Tracked, cause: string): void {
  if (t.lostAt === undefined) {
    t.cause = cause;
    t.attempts = 0;
    t.backoffMs = 0;
    t.lostAtWall = Date.now();
  }
  t.lostAt ??= now();
  t.recoveringSince ??= t.lostAt;
  t.openAt = undefined;
}

function opened(t: Tracked): number {
  const at = now();
  if (t.lostAt !== undefined) {
    const { connectAt, upgradedAt } = t;
    const phases =
      connectAt !== undefined && upgradedAt !== undefined
        ? { backoffMs: t.backoffMs, upgradeMs: upgradedAt - connectAt, authMs: at - upgradedAt }
        : undefined;
    reconnects.push({
      ms: at - t.lostAt,
      cause: t.cause,
      attempts: Math.max(1, t.attempts),
      lostAtWall: t.lostAtWall,
      ...(phases && { phases }),
    });
  }
  t.lostAt = undefined;
  t.reconnects++;
  return at;
}

/**
 * Client i connects from 127.0.0.(2 + i % 100), as browsers come from many addresses: nginx
 * forwards it (X-Forwarded-For) and the nodes trust the proxy, so per-address limits apply per
 * client address rather than to the proxy.
 */
const sourceAddress = (index: number) => `127.0.0.${2 + (index % 100)}`;

function pulseboardClient(base: string, token: string, s: Stream, t: Tracked): Promise<void> {
  const localAddress = sourceAddress(t.index);
  let socket: WebSocket | undefined;
  let cutting = false;
  let closeCode = "";
  // The SDK takes a WebSocket constructor: this one remembers the socket so it can be cut, and
  // the close code of each, so that an outage is told by its cause.
  const Ctor = class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { localAddress });
      socket = this;
      this.on("close", (code) => {
        closeCode = cutting ? "cut" : `close ${code}`;
        cutting = false;
      });
    }
  };
  const client: PulseboardClient = createClient({
    url: `${base.replace(/^http/, "ws")}/ws/dashboard/${s.dashboardId}/`,
    token,
    WebSocket: Ctor,
  });
  t.cut = () => {
    if (client.state !== "open" || socket?.readyState !== WebSocket.OPEN) return false;
    cutting = true;
    socket.terminate();
    return true;
  };
  t.close = () => client.close();
  client.on("reconnect", ({ delayMs }) => {
    t.attempts++;
    t.backoffMs += delayMs;
  });
  let ready = false;
  t.state = () => `${client.state}${t.openAt !== undefined ? ", waiting for resumed" : ""}`;
  client.on("state", ({ state, previous }) => {
    if (state === "reconnecting" && previous !== "reconnecting") lost(t, closeCode || "?");
    if (state === "connecting") t.connectAt = now();
    if (state === "authenticating") t.upgradedAt = now();
    if (state === "open" && t.lostAt !== undefined) t.openAt = opened(t);
  });
  client.on("resumed", () => {
    if (t.openAt === undefined || t.recoveringSince === undefined) return;
    const at = now();
    replayMs.push(at - t.openAt);
    recoveryMs.push(at - t.recoveringSince);
    t.openAt = undefined;
    t.recoveringSince = undefined;
  });
  client.on("error", (e) => {
    t.errors++;
    t.firstError ??= JSON.stringify(e).slice(0, 200);
  });
  client.on("gap", () => t.unrecovered++);
  client.on("handover", () => t.handovers++);
  client.on("metric_update", (u) => {
    if (u.offset !== undefined) deliver(t, u.offset, u.value);
  });
  return new Promise<void>((resolve, reject) => {
    client.on("auth_error", (e) => reject(e));
    client.on("dashboard_config", (c) => {
      client.subscribeNew(c);
      if (!ready && client.position) t.floor = client.position.offset;
    });
    client.on("metric_history", (h) => {
      if (ready || h.metric_id !== s.metricId) return;
      ready = true;
      t.last = t.floor;
      resolve();
    });
  });
}

function socketioClient(base: string, s: Stream, t: Tracked): Promise<void> {
  const socket: Socket = io(base, {
    transports: ["websocket"],
    query: { room: String(s.dashboardId) },
    localAddress: sourceAddress(t.index),
  } as Parameters<typeof io>[1]);
  t.cut = () => {
    // engine.io's WebSocket transport keeps the `ws` socket as `.ws`.
    const ws = (socket.io.engine as unknown as { transport?: { ws?: WebSocket } } | undefined)?.transport?.ws;
    if (!socket.connected || ws?.readyState !== WebSocket.OPEN) return false;
    ws.terminate();
    return true;
  };
  t.close = () => socket.close();
  t.state = () => (socket.connected ? "connected" : "disconnected");
  socket.on("point", (p: { seq: number }) => deliver(t, p.seq, p.seq));
  socket.on("disconnect", (reason) => lost(t, reason));
  socket.io.on("reconnect_attempt", () => t.attempts++);
  return new Promise<void>((resolve, reject) => {
    let first = true;
    socket.on("connect_error", (e) => {
      if (first) reject(e);
    });
    socket.on("connect", () => {
      if (first) {
        first = false;
        resolve();
        return;
      }
      // Recovered packets are emitted before `connect` (they come with the handshake).
      const since = t.recoveringSince;
      const at = opened(t);
      if (since !== undefined) recoveryMs.push(at - since);
      t.recoveringSince = undefined;
      if (!socket.recovered) t.unrecovered++;
    });
  });
}

/** Exponential intervals with the given mean: cuts are a Poisson process per client. */
function scheduleCuts(t: Tracked, meanMs: number): void {
  const timer = setTimeout(
    () => {
      timers.delete(timer);
      if (cutting && t.cut()) t.cuts++;
      scheduleCuts(t, meanMs);
    },
    -Math.log(1 - Math.random()) * meanMs,
  );
  timers.add(timer);
}

function score(t: Tracked, committed: Committed, phases: PhaseMark[]): ClientScore {
  const committedValue = new Map<number, number>();
  for (let i = 0; i < committed.keys.length; i++)
    committedValue.set(committed.keys[i]!, committed.values[i]!);
  const seen = new Set<number>();
  let duplicated = 0;
  let outOfOrder = 0;
  let wrongValue = 0;
  let extra = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < t.keys.length; i++) {
    const key = t.keys[i]!;
    if (seen.has(key)) {
      duplicated++;
      continue;
    }
    seen.add(key);
    if (key < max) outOfOrder++;
    else max = key;
    const v = committedValue.get(key);
    if (v === undefined) extra++;
    else if (v !== t.values[i]) wrongValue++;
  }
  let expected = 0;
  let missing = 0;
  const missingByPhase: Record<string, number> = {};
  for (const p of phases) missingByPhase[p.name] = 0;
  for (let i = 0; i < committed.keys.length; i++) {
    if (committed.keys[i]! <= t.floor) continue;
    expected++;
    if (seen.has(committed.keys[i]!)) continue;
    missing++;
    const value = committed.values[i]!;
    const phase = [...phases].reverse().find((p) => value >= p.fromSeq);
    if (phase) missingByPhase[phase.name] = (missingByPhase[phase.name] ?? 0) + 1;
  }
  return {
    index: t.index,
    stream: t.stream,
    expected,
    delivered: t.keys.length,
    missing,
    duplicated,
    outOfOrder,
    wrongValue,
    extra,
    unrecovered: t.unrecovered,
    cuts: t.cuts,
    reconnects: t.reconnects,
    handovers: t.handovers,
    errors: t.errors,
    firstError: t.firstError,
    finalState: t.state(),
    missingByPhase,
  };
}

async function start(msg: Extract<ToLoad, { type: "start" }>): Promise<void> {
  const t0 = now();
  let failed = 0;
  let firstError: string | undefined;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < msg.count; i++) {
    const index = msg.first + i;
    const stream = index % msg.streams.length;
    const t = track(index, stream);
    clients.push(t);
    const s = msg.streams[stream]!;
    const ready =
      msg.target === "pulseboard"
        ? pulseboardClient(msg.base, msg.tokens[index % msg.tokens.length]!, s, t)
        : socketioClient(msg.base, s, t);
    pending.push(
      ready.catch((e: Error) => {
        failed++;
        firstError ??= e.message;
      }),
    );
    // A few at a time, so the handshakes do not all queue behind each other.
    if (pending.length % 50 === 0) await Promise.all(pending.slice(-50));
  }
  await Promise.all(pending);
  for (const t of clients) scheduleCuts(t, msg.cutMeanMs);
  send({ type: "started", ok: msg.count - failed, failed, firstError, ms: Math.round(now() - t0) });
}

process.on("message", (msg: ToLoad) => {
  switch (msg.type) {
    case "start":
      void start(msg);
      return;
    case "cuts":
      cutting = msg.on;
      send({ type: "cuts-ack" });
      return;
    case "progress": {
      const behind = clients.filter((t) => t.last < (msg.heads[t.stream] ?? 0)).length;
      send({ type: "progress", behind, open: clients.length });
      return;
    }
    case "score":
      send({
        type: "scored",
        clients: clients.map((t) => score(t, msg.committed[t.stream]!, msg.phases)),
        reconnects,
        replayMs,
        recoveryMs,
      });
      return;
    case "close":
      for (const timer of timers) clearTimeout(timer);
      for (const t of clients) t.close();
      setTimeout(() => process.exit(0), 200);
  }
});
process.on("disconnect", () => process.exit(0));
