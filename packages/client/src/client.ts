// The connection: one logical client over a succession of WebSockets. Owns the state machine
// (connecting → authenticating → open → reconnecting … closed), reconnect with backoff, the
// heartbeat watchdog, re-sending subscriptions and `resume` after every reconnect, and the
// delivery guarantee: with a server that sends stream offsets, listeners get every committed point
// of a subscribed metric exactly once, in offset order, across dropped sockets and restarts (the
// client resumes from its position and holds live frames until the replay is in); when the server
// says the gap cannot be replayed, a `gap` event tells the application to refetch by REST. With
// an older server it falls back to `resume since` and drops repeated (metric_id, timestamp) pairs.
import { type BackoffOptions, backoffDelay, defaultBackoff } from "./backoff.ts";
import { Emitter } from "./emitter.ts";
import {
  type ClientAuthError,
  ClientClosedError,
  ClientInvalidMessageError,
  ClientNoWebSocketError,
  ClientProtocolError,
  errorForClose,
} from "./errors.ts";
import { Outbox } from "./outbox.ts";
import {
  type ClientAction,
  type ClientMessage,
  type ClientPayloads,
  clientMessages,
  type DashboardConfig,
  MAX_IDS_PER_FRAME,
  type ServerMessage,
  type ServerPayloads,
  serverMessage,
} from "./protocol.ts";
import { SeenPoints } from "./seen.ts";
import { frameText, OPEN, type WebSocketConstructor, type WebSocketLike } from "./socket.ts";

export type ClientState = "connecting" | "authenticating" | "open" | "reconnecting" | "closed";

export interface ClientOptions {
  /** `ws://host/ws/dashboard/{id}/` */
  url: string;
  /** API token, sent as `?token=` (browsers cannot set headers; the session cookie also works). */
  token?: string;
  /** WebSocket constructor; defaults to `globalThis.WebSocket`. In Node 20 pass `WebSocket` from `ws`. */
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  backoff?: Partial<BackoffOptions>;
  /** Ping interval; with no frame at all for 2× this, the socket is deemed dead. 0 disables. */
  heartbeatMs?: number;
  /** Most messages kept while offline (subscriptions are coalesced and do not count). */
  queueLimit?: number;
  /** Source of randomness for jitter (tests). */
  random?: () => number;
  /**
   * Where an earlier session of this client got to (e.g. kept in IndexedDB with the points it
   * drew): the first connection resumes from it instead of starting at the stream's head.
   */
  position?: StreamPosition;
  /**
   * On `draining` (the node is going away for a deploy), open the next connection first and switch
   * to it once it is authenticated, resuming there by position: the stream never stops. Default
   * true; false waits for the node's 1012 and reconnects then.
   */
  handover?: boolean;
}

export interface StateChange {
  state: ClientState;
  previous: ClientState;
  /** True on the `open` that follows a reconnect (subscriptions and `resume` were re-sent). */
  reconnected: boolean;
}

export type ClientEvents = ServerPayloads & {
  state: StateChange;
  /** Terminal: the server refused credentials/membership/dashboard (4001/4003/4004). */
  auth_error: ClientAuthError;
  /** A frame from the server was not valid JSON or not a protocol message; it was ignored. */
  protocol_error: ClientProtocolError;
  /** A reconnect attempt is scheduled. */
  reconnect: { attempt: number; delayMs: number };
  /**
   * What was committed while away could not be replayed (another epoch after a restore, past
   * retention, over the server's replay limit): refetch the visible range by REST. Streaming goes
   * on from `position`.
   */
  gap: { reason: string; position: StreamPosition };
  /** A draining node's clients moved to a new connection without going offline (`draining`). */
  handover: Record<string, never>;
};

/** Where a client is in its dashboard's stream: every point up to `offset` was delivered. */
export type StreamPosition = { epoch: string; offset: number };
type Update = ServerPayloads["metric_update"];
/** What each `resumed` the server will send answers, in order (the server runs them serially). */
type Pending = "position" | "other";

/** `send` arguments: payload optional for payload-less actions (`ping`, `pause`, `resume_stream`). */
export type SendArgs<A extends ClientAction> = undefined extends ClientPayloads[A]
  ? [payload?: ClientPayloads[A]]
  : [payload: ClientPayloads[A]];

export class PulseboardClient extends Emitter<ClientEvents> {
  #state: ClientState = "connecting";
  #socket: WebSocketLike | undefined;
  /** The connection a `draining` asked for, until it is authenticated and takes over. */
  #next: WebSocketLike | undefined;
  #attempt = 0;
  #everOpen = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  /**
   * A reconnect happened while paused: `resume_stream` alone would miss the outage, so it is
   * followed by `resume` from what was seen before the (first) reconnect — captured then, because
   * the new connection's history advances what has been seen past the gap.
   */
  #sinceBeforeReconnect: Record<string, string> | undefined;
  #position: StreamPosition | undefined;
  /** Live frames held while a replay by position is under way (until its `resumed`). */
  #recovering: Update[] | null = null;
  /** A reconnect happened while paused: the replay by position goes out with `resume_stream`. */
  #positionBeforeReconnect = false;
  #pending: Pending[] = [];
  readonly #outbox: Outbox;
  readonly #seen = new SeenPoints();
  readonly #ctor: WebSocketConstructor;
  readonly #url: string;
  readonly #backoff: BackoffOptions;
  readonly #heartbeatMs: number;

  constructor(private readonly options: ClientOptions) {
    super();
    const ctor =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? undefined;
    if (!ctor) throw new ClientNoWebSocketError();
    this.#ctor = ctor;
    const url = new URL(options.url);
    if (options.token !== undefined) url.searchParams.set("token", options.token);
    this.#url = url.toString();
    this.#backoff = { ...defaultBackoff, ...options.backoff };
    this.#heartbeatMs = options.heartbeatMs ?? 20_000;
    this.#outbox = new Outbox(options.queueLimit ?? 1000);
    if (options.position) this.#position = { ...options.position };
    this.#connect();
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The metric ids the client is subscribed to (re-sent after each reconnect). */
  get subscriptions(): ReadonlySet<number> {
    return this.#outbox.subscribed;
  }

  /** The series selectors subscribed with `subscribe_series` (re-sent after each reconnect). */
  get selectors(): ReadonlySet<string> {
    return this.#outbox.selectors;
  }

  /** The metric ids explicitly unsubscribed (also re-sent, as the server may subscribe to all on connect). */
  get unsubscriptions(): ReadonlySet<number> {
    return this.#outbox.unsubscribed;
  }

  get paused(): boolean {
    return this.#outbox.paused;
  }

  /** Messages waiting for the connection. */
  get queued(): number {
    return this.#outbox.queued;
  }

  /** The stream position delivered up to (undefined until a server that sends offsets said it). */
  get position(): StreamPosition | undefined {
    return this.#position && { ...this.#position };
  }

  /** Newest timestamp seen for a metric (what `resume` will ask from). */
  newest(metricId: number): string | undefined {
    return this.#seen.newest(metricId);
  }

  /**
   * Sends a typed message. Offline, `subscribe`/`unsubscribe`, `subscribe_series`/`unsubscribe_series`
   * and `pause`/`resume_stream` update the
   * intent re-sent on connect, `ping` is dropped, anything else is queued (ClientQueueFullError
   * at `queueLimit`). Throws ClientInvalidMessageError for a payload the protocol refuses.
   */
  send<A extends ClientAction>(action: A, ...args: SendArgs<A>): void {
    if (this.#state === "closed") throw new ClientClosedError();
    const schema = clientMessages[action] as (typeof clientMessages)[ClientAction] | undefined;
    if (!schema) throw new ClientInvalidMessageError(`unknown action ${JSON.stringify(action)}`);
    const parsed = schema.safeParse({ action, payload: args[0] ?? null });
    if (!parsed.success) {
      throw new ClientInvalidMessageError(`invalid ${action}: ${parsed.error.issues[0]?.message ?? "?"}`);
    }
    const message = parsed.data;
    const online = this.#state === "open";
    switch (message.action) {
      case "subscribe":
        this.#outbox.subscribe(message.payload);
        if (online) this.#write(message);
        return;
      case "unsubscribe":
        this.#outbox.unsubscribe(message.payload);
        if (online) this.#write(message);
        return;
      case "subscribe_series":
        this.#outbox.selectors.add(message.payload.selector);
        if (online) this.#write(message);
        return;
      case "unsubscribe_series":
        this.#outbox.selectors.delete(message.payload.selector);
        if (online) this.#write(message);
        return;
      case "pause":
        this.#outbox.paused = true;
        if (online) this.#write(message);
        return;
      case "resume_stream":
        this.#outbox.paused = false;
        if (online) this.#resumeStream();
        return;
      case "ping":
        if (online) this.#write(message);
        return;
      case "resume":
        // The application's own resume: its `resumed` is not a recovery of ours.
        if (online) {
          this.#pending.push("other");
          this.#write(message);
        } else this.#outbox.enqueue(message);
        return;
      default:
        if (online) this.#write(message);
        else this.#outbox.enqueue(message);
    }
  }

  /**
   * Subscribes to the metrics of a `dashboard_config` not yet subscribed, leaving alone those the
   * application unsubscribed from. Call it on every `dashboard_config`: the server re-announces
   * the config when metrics are added. Returns the ids it subscribed.
   */
  subscribeNew(config: DashboardConfig): number[] {
    const subscribed = this.subscriptions;
    const unsubscribed = this.unsubscriptions;
    const fresh = config.metrics
      .map((m) => m.id)
      .filter((id) => !subscribed.has(id) && !unsubscribed.has(id));
    if (fresh.length > 0) this.send("subscribe", fresh);
    return fresh;
  }

  /** Closes for good (no reconnect). */
  close(): void {
    if (this.#state === "closed") return;
    this.#clearTimers();
    clearTimeout(this.#reconnectTimer);
    this.#abandonNext();
    const socket = this.#detach();
    try {
      socket?.close(1000, "client closed");
    } catch {
      // already closing
    }
    this.#setState("closed");
  }

  // ---- connection lifecycle ------------------------------------------------------------------

  #connect(): void {
    this.#abandonNext();
    this.#setState("connecting");
    let socket: WebSocketLike;
    try {
      socket = new this.#ctor(this.#url, this.options.protocols);
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    // Also bounds a connect that hangs: no open and no frame within 2× heartbeat counts as dead.
    this.#armWatchdog();
    socket.onopen = () => {
      if (socket !== this.#socket) return;
      this.#armWatchdog();
      this.#setState("authenticating");
      this.#startHeartbeat();
    };
    this.#wire(socket);
  }

  #startHeartbeat(): void {
    if (this.#heartbeatMs > 0) {
      this.#pingTimer = setInterval(() => this.#write({ action: "ping", payload: null }), this.#heartbeatMs);
    }
  }

  /** Frames and the close of `socket` reach this client while it is the current socket. */
  #wire(socket: WebSocketLike): void {
    socket.onmessage = (ev: { data: unknown }) => {
      if (socket !== this.#socket) return;
      this.#armWatchdog();
      this.#receive(frameText(ev.data));
    };
    socket.onclose = (ev: { code?: number; reason?: string }) => {
      if (socket !== this.#socket) return;
      this.#lost(ev.code, ev.reason);
    };
    // Errors are always followed by a close, which is where recovery happens.
    socket.onerror = () => {};
  }

  /**
   * `draining`: the next connection is opened beside this one (the proxy sends it to another
   * node). When it is authenticated it takes over: this one is closed, and the usual reconnect
   * sequence (subscriptions, `resume` from the position) runs on the new one, so every point comes
   * once, in offset order, and the client never goes offline. If it fails first, nothing changes:
   * the node's 1012 later brings the ordinary reconnect.
   */
  #handover(): void {
    if (this.options.handover === false || this.#state !== "open" || this.#next) return;
    let next: WebSocketLike;
    try {
      next = new this.#ctor(this.#url, this.options.protocols);
    } catch {
      return;
    }
    this.#next = next;
    // Failed before it took over: stay where we are, or, if the node already closed us, reconnect
    // now (that reconnect meets any refusal and reports it).
    const failed = () => {
      if (next !== this.#next) return;
      this.#abandonNext();
      if (!this.#socket) this.#scheduleReconnect(true);
    };
    next.onerror = () => {};
    next.onclose = failed;
    next.onmessage = (ev: { data: unknown }) => {
      if (next !== this.#next) return;
      const text = frameText(ev.data);
      if (!authenticatedBy(text)) {
        failed();
        return;
      }
      this.#next = undefined;
      const handedOver = this.#socket !== undefined;
      const old = this.#detach();
      this.#clearTimers();
      try {
        old?.close(1000, "handed over");
      } catch {
        // already closing
      }
      this.#socket = next;
      this.#wire(next);
      this.#armWatchdog();
      this.#startHeartbeat();
      if (handedOver) this.emit("handover", {});
      this.#receive(text);
    };
  }

  #abandonNext(): void {
    const next = this.#next;
    this.#next = undefined;
    if (!next) return;
    next.onopen = null;
    next.onmessage = null;
    next.onclose = null;
    try {
      next.close(1000);
    } catch {
      // never opened
    }
  }

  #lost(closeCode: number | undefined, reason?: string): void {
    this.#detach();
    this.#clearTimers();
    const terminal = errorForClose(closeCode, undefined, reason);
    if (terminal) {
      this.#fail(terminal);
      return;
    }
    if (this.#next) {
      // The node closed us (1012) before the hand-over's connection was in: that connection is
      // the reconnect (a second one would only queue behind it on the node taking over).
      this.#setState("reconnecting");
      this.#armWatchdog();
      return;
    }
    // 1012 "Service Restart": this node is draining for a deploy and the others are up, so the
    // first retry goes at once (the proxy sends it to another node) instead of after a backoff.
    this.#scheduleReconnect(closeCode === 1012);
  }

  #fail(error: ClientAuthError): void {
    this.#clearTimers();
    this.#abandonNext();
    const socket = this.#detach();
    try {
      socket?.close(1000);
    } catch {
      // already closing
    }
    this.#setState("closed");
    this.emit("auth_error", error);
  }

  #scheduleReconnect(now = false): void {
    if (this.#state === "closed") return;
    this.#setState("reconnecting");
    const attempt = this.#attempt++;
    const delayMs = now && attempt === 0 ? 0 : backoffDelay(attempt, this.#backoff, this.options.random);
    this.emit("reconnect", { attempt, delayMs });
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === "reconnecting") this.#connect();
    }, delayMs);
  }

  #armWatchdog(): void {
    if (this.#heartbeatMs <= 0) return;
    clearTimeout(this.#watchdog);
    this.#watchdog = setTimeout(() => {
      // The peer went silent (no pong, no data): don't wait for TCP to notice, drop it now.
      this.#abandonNext();
      const socket = this.#detach();
      this.#clearTimers();
      try {
        if (socket?.terminate) socket.terminate();
        else socket?.close(4000, "heartbeat timeout");
      } catch {
        // nothing to do: the socket is being abandoned
      }
      this.#scheduleReconnect();
    }, 2 * this.#heartbeatMs);
  }

  #clearTimers(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#watchdog);
    this.#pingTimer = undefined;
    this.#watchdog = undefined;
  }

  /** Forgets the current socket so late events from it are ignored; returns it. */
  #detach(): WebSocketLike | undefined {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      // Not null: `ws` emits "error" when a CONNECTING socket is closed, and an EventEmitter
      // "error" without a listener would crash the process.
      socket.onerror = () => {};
    }
    return socket;
  }

  #setState(state: ClientState, reconnected = false): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.emit("state", { state, previous, reconnected });
  }

  // ---- frames ----------------------------------------------------------------------------------

  #receive(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.emit("protocol_error", new ClientProtocolError("frame is not JSON", text));
      return;
    }
    const parsed = serverMessage.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.join(".") || "frame";
      this.emit("protocol_error", new ClientProtocolError(`${where}: ${issue?.message ?? "invalid"}`, text));
      return;
    }
    this.#dispatch(parsed.data);
  }

  #dispatch(message: ServerMessage): void {
    switch (message.action) {
      case "authentication": {
        const failure = errorForClose(undefined, message.payload);
        if (failure) this.#fail(failure);
        else if (message.payload.status_code === 200) this.#authenticated();
        this.emit("authentication", message.payload);
        return;
      }
      case "metric_update": {
        const update = message.payload;
        if (update.offset === undefined || !this.#position) {
          if (!this.#seen.add(update.metric_id, update.timestamp)) return;
          this.emit("metric_update", update);
          return;
        }
        if (this.#recovering) this.#recovering.push(update);
        else this.#deliver(update);
        return;
      }
      case "metric_history":
        for (const p of message.payload.values) this.#seen.add(message.payload.metric_id, p.timestamp);
        this.emit("metric_history", message.payload);
        return;
      case "dashboard_config": {
        const { epoch, offset } = message.payload;
        // The first position comes with the first config; after that only `resumed` moves it.
        if (!this.#position && epoch !== undefined && offset !== undefined)
          this.#position = { epoch, offset };
        this.emit("dashboard_config", message.payload);
        return;
      }
      case "draining":
        this.#handover();
        this.emit("draining", message.payload);
        return;
      case "resumed": {
        const answers = this.#pending.shift();
        if (answers === "position") this.#recovered(message.payload);
        else if (this.#position && message.payload.offset !== undefined && !this.#recovering)
          this.#position.offset = Math.max(this.#position.offset, message.payload.offset);
        this.emit("resumed", message.payload);
        return;
      }
      default:
        // Each member of the union carries its own action/payload pair.
        this.emit(message.action, message.payload as never);
    }
  }

  #authenticated(): void {
    const reconnected = this.#everOpen;
    // A position from an earlier session: the first connection resumes too.
    const resumes = reconnected || this.#position !== undefined;
    this.#everOpen = true;
    this.#attempt = 0;
    clearTimeout(this.#reconnectTimer);
    // A new socket: nothing is pending on it; live frames wait for the replay when one is due.
    this.#pending = [];
    this.#recovering = null;
    // Order matters: the server must know the subscriptions before `resume` replays them.
    const outbox = this.#outbox;
    for (const ids of chunks(outbox.subscribed)) this.#write({ action: "subscribe", payload: ids });
    for (const ids of chunks(outbox.unsubscribed)) this.#write({ action: "unsubscribe", payload: ids });
    for (const selector of outbox.selectors)
      this.#write({ action: "subscribe_series", payload: { selector } });
    if (outbox.paused) {
      this.#write({ action: "pause", payload: null });
      if (resumes) {
        if (this.#position) {
          // Until the server has the pause, the new socket streams: those frames wait for the
          // replay too, so they neither reach the application nor move the position past the gap.
          this.#positionBeforeReconnect = true;
          this.#recovering = [];
        } else this.#sinceBeforeReconnect = { ...this.#seen.since(), ...this.#sinceBeforeReconnect };
      }
    } else if (resumes) {
      this.#sendResume();
    }
    for (const message of outbox.drain()) {
      if (message.action === "resume") this.#pending.push("other");
      this.#write(message);
    }
    this.#setState("open", reconnected);
  }

  #resumeStream(): void {
    // The server replays from its own pause only; a reconnect during the pause needs more, and
    // it goes first, so the pause's held frames come after the replay.
    if (this.#positionBeforeReconnect || this.#sinceBeforeReconnect) this.#sendResume();
    this.#pending.push("other");
    this.#write({ action: "resume_stream", payload: null });
  }

  /**
   * `resume` from our position (exact), or, with a server that sends no offsets, from the oldest
   * of: what was seen before a paused reconnect, the newest seen now.
   */
  #sendResume(): void {
    this.#positionBeforeReconnect = false;
    if (this.#position) {
      this.#recovering ??= [];
      this.#pending.push("position");
      this.#write({ action: "resume", payload: { ...this.#position } });
      return;
    }
    const since = { ...this.#seen.since(), ...this.#sinceBeforeReconnect };
    this.#sinceBeforeReconnect = undefined;
    if (Object.keys(since).length > 0) {
      this.#pending.push("other");
      this.#write({ action: "resume", payload: { since } });
    }
  }

  /** A live or replayed point with an offset: delivered once, in offset order. */
  #deliver(update: Update): void {
    const position = this.#position!;
    if (update.offset! <= position.offset) return; // had it (history, replay or a repeat)
    position.offset = update.offset!;
    this.#seen.add(update.metric_id, update.timestamp);
    this.emit("metric_update", update);
  }

  /** The replay by position is in: what came meanwhile, in offset order, then streaming. */
  #recovered(resumed: ServerPayloads["resumed"]): void {
    const held = this.#recovering ?? [];
    this.#recovering = null;
    held.sort((a, b) => a.offset! - b.offset!);
    const position = this.#position!;
    if (resumed.recovered === false) {
      // Nothing older is coming: the server goes on from its own position; offsets of another
      // epoch mean nothing against it.
      const to = { epoch: resumed.epoch ?? position.epoch, offset: resumed.offset ?? position.offset };
      if (to.epoch !== position.epoch) position.offset = -1;
      position.epoch = to.epoch;
      for (const u of held) this.#deliver(u);
      position.offset = Math.max(position.offset, to.offset);
      this.emit("gap", { reason: resumed.reason ?? "unknown", position: { ...position } });
      return;
    }
    for (const u of held) this.#deliver(u);
    if (resumed.offset !== undefined) position.offset = Math.max(position.offset, resumed.offset);
  }

  #write(message: ClientMessage): void {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return;
    socket.send(JSON.stringify(message));
  }
}

/** True for the `authentication` frame of a handshake that succeeded. */
function authenticatedBy(text: string): boolean {
  try {
    const frame = JSON.parse(text) as { action?: unknown; payload?: { status_code?: unknown } };
    return frame.action === "authentication" && frame.payload?.status_code === 200;
  } catch {
    return false;
  }
}

function* chunks(set: ReadonlySet<number>): Generator<number[]> {
  const ids = [...set].sort((a, b) => a - b);
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_FRAME) yield ids.slice(i, i + MAX_IDS_PER_FRAME);
}

/** Connects at once; see `PulseboardClient`. */
export function createClient(options: ClientOptions): PulseboardClient {
  return new PulseboardClient(options);
}
