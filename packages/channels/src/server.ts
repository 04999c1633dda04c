// The server: owns the upgrade (path match, Origin check), the set of live connections, the
// heartbeat timer, and the bridge between groups and the channel layer.
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { z } from "zod";
import { Admission, peerAddress } from "./admission.ts";
import { buildHandshakeRequest } from "./auth.ts";
import { Connection, type Hub } from "./connection.ts";
import type { AnyConsumer, EventName, EventPayload } from "./consumer.ts";
import type { AnyContract, ContractSender } from "./contract.ts";
import { ValidationError } from "./errors.ts";
import { PreparedFrame } from "./frame.ts";
import { GroupRegistry } from "./groups.ts";
import type { ChannelLayer, LayerMessage } from "./layers/layer.ts";
import { InMemoryLayer } from "./layers/memory.ts";
import type { Logger } from "./logger.ts";
import { CloseCode } from "./protocol.ts";
import { ChannelsStats } from "./stats.ts";

export type { Logger };

export interface ChannelsServerOptions<C extends AnyConsumer> {
  consumers: readonly C[];
  /** Default: a new InMemoryLayer (one process). */
  layer?: ChannelLayer;
  /**
   * Browser Origins allowed to connect (exact `scheme://host[:port]`); the entry "same-origin"
   * allows an Origin whose host equals the request's Host header. A request without Origin
   * (non-browser client) is always allowed. Unset: every Origin is allowed.
   */
  allowedOrigins?: readonly string[] | ((origin: string, req: IncomingMessage) => boolean);
  /** Larger frames are answered with an error and dropped (default 64 KiB). */
  maxFrameBytes?: number;
  /** Larger frames close the connection with 1009 (default 1 MiB). */
  hardMaxFrameBytes?: number;
  /** Client frames waiting for their turn (e.g. during a slow handshake); over → close 4029. Default 1000. */
  maxQueuedFrames?: number;
  /** Token bucket per connection; over → close 4029. Default 50 per 1000 ms; false disables. */
  rateLimit?: { messages: number; perMs: number } | false;
  /** Authentication, object lookup and permissions must finish within this; else close 1011. Default 10 s. */
  handshakeTimeoutMs?: number;
  /**
   * The request headers a connection keeps after its handshake (`ctx.request.headers`), by lower-case
   * name; default all. Node's headers object is a dictionary of every header (credentials included),
   * about 700 bytes an idle connection holds for its whole life: a server whose handlers read none
   * passes []. `ctx.request.cookies` is kept only with "cookie", `ctx.request.token` only with
   * "authorization".
   */
  keptHeaders?: readonly string[];
  /**
   * Handshakes (authentication, object lookup, permissions, onAuthenticated) running at once, and
   * started per event-loop turn; the others wait in arrival order. Bounds what a reconnect storm
   * takes from live clients. Default 64.
   */
  maxConcurrentHandshakes?: number;
  /** Ping interval; a peer that has not answered by the next tick is terminated. 0 disables. Default 30 s. */
  heartbeatMs?: number;
  /** Upgrades from one client address still in their handshake; over → HTTP 429. Default 0 (off). */
  maxPendingPerAddress?: number;
  /** New upgrades per client address (burst, refilled over `perMs`); over → HTTP 429. Default off. */
  handshakeRate?: { handshakes: number; perMs: number } | false;
  /** Open connections per user (see `userKey`) on this node; over → handshake 429, close 4029. Default 0 (off). */
  maxConnectionsPerUser?: number;
  /**
   * How long a per-address refusal (HTTP 429) is held before it is written: a flood that waits
   * for each answer then sends a few upgrades a second instead of thousands. Default 0 (at once).
   */
  refusalDelayMs?: number;
  /** What identifies a user for `maxConnectionsPerUser` (undefined: not counted). */
  userKey?: (user: unknown) => string | number | undefined;
  /** The client address of an upgrade for the per-address limits (default: the TCP peer). */
  addressOf?: (req: IncomingMessage) => string;
  /** Send buffer limit per connection (default 4 MiB)… */
  maxBufferedBytes?: number;
  /** …over it for longer than this closes with 4008 (default 5 s). */
  slowConsumerGraceMs?: number;
  logger?: Logger;
}

export interface ChannelsServer<C extends AnyConsumer = AnyConsumer> extends ContractSender {
  readonly consumers: readonly C[];
  readonly layer: ChannelLayer;
  /** Live connections on this node. */
  readonly connectionCount: number;
  /** Delivery counters since start (stats.ts). */
  readonly stats: ChannelsStats;
  /** Live connections on this node by the value of one path parameter (e.g. dashboard `id`). */
  connectionsBy(param: string): Map<string, number>;
  /** Handles every 'upgrade' of this HTTP server (unknown path → HTTP 404). */
  attach(server: HttpServer | HttpsServer): void;
  /** For frameworks that route upgrades themselves. Returns false (socket untouched) if no consumer matches. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Server-side event to a group from outside any socket; members' event handlers receive it. The
   * event is one of `contract`'s, its payload checked against it (by tsc, and validated here).
   */
  groupSend<T extends AnyContract, K extends EventName<T>>(
    contract: T,
    group: string,
    type: K,
    payload: EventPayload<T, K>,
  ): Promise<void>;
  /** The same, the event looked up among this server's consumers' events. */
  groupSend<K extends EventName<C>>(group: string, type: K, payload: EventPayload<C, K>): Promise<void>;
  /** A frame straight to a group's clients (no event handler), serialized once. */
  broadcast(group: string, action: string, payload: unknown): Promise<void>;
  /** Members of a group connected to THIS node. */
  localGroupSize(group: string): number;
  /** False when nobody on any node can receive what is sent to `group` (the layer knows). */
  reaches(group: string): boolean;
  /**
   * Refuses new upgrades and closes every connection with `code` (default 1001), leaving the
   * layer open so in-flight work can still publish: a draining node sends 1012 here. With
   * `handoverMs`, every connection is first sent `draining {within_ms}` and keeps streaming until
   * its client has moved (closed it) or the time is up; only those left are closed with `code`.
   */
  closeConnections(code?: number, reason?: string, options?: { handoverMs?: number }): Promise<void>;
  /** Closes every connection (1001 unless closeConnections ran first), stops timers, closes the layer. */
  close(): Promise<void>;
}

const defaultLogger: Logger = {
  error: (obj, msg) => console.error(`[channels] ${msg ?? ""}`, obj),
  warn: (obj, msg) => console.warn(`[channels] ${msg ?? ""}`, obj),
  info: () => {},
  debug: () => {},
};

export function createChannelsServer<C extends AnyConsumer>(
  options: ChannelsServerOptions<C>,
): ChannelsServer<C> {
  // groupSend's typed signature is enforced at the public boundary; inside, events are strings.
  return new Server(options) as unknown as ChannelsServer<C>;
}

class Server implements Hub {
  readonly consumers: readonly AnyConsumer[];
  readonly layer: ChannelLayer;
  readonly logger: Logger;
  readonly registry: GroupRegistry;
  readonly maxFrameBytes: number;
  readonly maxQueuedFrames: number;
  readonly rateLimit: { messages: number; perMs: number } | false;
  readonly maxBufferedBytes: number;
  readonly slowConsumerGraceMs: number;
  readonly handshakeTimeoutMs: number;
  readonly keptHeaders: readonly string[] | undefined;
  readonly stats = new ChannelsStats();
  readonly admission: Admission;
  readonly #allowedOrigins: ChannelsServerOptions<AnyConsumer>["allowedOrigins"];
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #maxHandshakes: number;
  readonly #refusalDelayMs: number;
  #handshaking = 0;
  /** Accepted sockets waiting for a handshake slot (FIFO; #waitingHead is the next). */
  #waiting: Connection[] = [];
  #waitingHead = 0;
  #admitScheduled = false;
  /** Handshakes started straight from an upgrade in this event-loop turn. */
  #startedThisTurn = 0;
  readonly #heartbeat: NodeJS.Timeout | null;
  readonly #attached: Array<{
    server: HttpServer | HttpsServer;
    listener: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  }> = [];
  #closing = false;
  #closed = false;
  readonly #onSocketError = (err: Error) => this.logger.debug({ err }, "upgrade socket error");

  constructor(options: ChannelsServerOptions<AnyConsumer>) {
    this.consumers = options.consumers;
    this.layer = options.layer ?? new InMemoryLayer();
    this.logger = options.logger ?? defaultLogger;
    this.maxFrameBytes = options.maxFrameBytes ?? 64 * 1024;
    this.maxQueuedFrames = options.maxQueuedFrames ?? 1000;
    this.rateLimit = options.rateLimit ?? { messages: 50, perMs: 1000 };
    this.maxBufferedBytes = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.slowConsumerGraceMs = options.slowConsumerGraceMs ?? 5000;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.keptHeaders = options.keptHeaders;
    this.#allowedOrigins = options.allowedOrigins;
    this.admission = new Admission({
      maxPendingPerAddress: options.maxPendingPerAddress ?? 0,
      handshakeRate: options.handshakeRate ?? false,
      maxConnectionsPerUser: options.maxConnectionsPerUser ?? 0,
      userKey: options.userKey,
      addressOf: options.addressOf ?? peerAddress,
    });
    this.#maxHandshakes = Math.max(1, options.maxConcurrentHandshakes ?? 64);
    this.#refusalDelayMs = options.refusalDelayMs ?? 0;
    this.registry = new GroupRegistry(this.layer, (err, group) =>
      this.logger.error({ err, group }, "channel layer unsubscribe failed"),
    );
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      // Frames between maxFrameBytes and this are answered with an error; above it ws closes 1009.
      maxPayload: Math.max(options.hardMaxFrameBytes ?? 1024 * 1024, this.maxFrameBytes + 1),
    });
    const heartbeatMs = options.heartbeatMs ?? 30_000;
    this.#heartbeat = heartbeatMs > 0 ? setInterval(() => this.#tick(), heartbeatMs) : null;
    this.#heartbeat?.unref();
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  connectionsBy(param: string): Map<string, number> {
    const counts = new Map<string, number>();
    for (const c of this.#connections) {
      const value = c.params[param];
      if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
    }
    return counts;
  }

  attach(server: HttpServer | HttpsServer): void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (!this.handleUpgrade(req, socket, head)) refuse(socket, 404, "Not Found");
    };
    server.on("upgrade", listener);
    this.#attached.push({ server, listener });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      return false;
    }
    let consumer: AnyConsumer | undefined;
    let params: Record<string, string> | null = null;
    for (const c of this.consumers) {
      params = c.match(url.pathname);
      if (params) {
        consumer = c;
        break;
      }
    }
    if (!consumer || !params) return false;
    // Not a closure here: it would share this function's context (the request, its
    // IncomingMessage) and keep it alive for as long as the socket lives.
    socket.on("error", this.#onSocketError);
    if (this.#closing) {
      refuse(socket, 503, "Service Unavailable");
      return true;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin, req)) {
      this.logger.info({ origin, path: url.pathname }, "refused WebSocket upgrade from disallowed Origin");
      refuse(socket, 403, "Forbidden");
      return true;
    }
    const address = this.admission.options.addressOf(req);
    const refusal = this.admission.enter(address);
    if (refusal) {
      this.logger.debug({ address, path: url.pathname }, `refused WebSocket upgrade: ${refusal.reason}`);
      const answer = () =>
        refuse(socket, 429, "Too Many Requests", `Retry-After: ${refusal.retryAfterS}\r\n`);
      if (this.#refusalDelayMs <= 0) answer();
      else {
        const timer = setTimeout(answer, this.#refusalDelayMs);
        socket.once("close", () => clearTimeout(timer));
      }
      return true;
    }
    const settle = pendingSlot(this.admission, address, socket);
    const found = consumer;
    const request = buildHandshakeRequest(req, url, params);
    // The 101 waits in the socket for the handshake's first frames (authentication, the
    // consumer's first sends): one write for both instead of two (outbox.ts releases it).
    socket.cork();
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new Connection(ws, found, request, this, settle);
      this.#connections.add(connection);
      this.#admit(connection);
    });
    return true;
  }

  async groupSend(
    ...args: [AnyContract, string, string, unknown] | [string, string, unknown]
  ): Promise<void> {
    if (typeof args[0] === "string") {
      const [group, type, payload] = args as [string, string, unknown];
      await this.publish(group, "event", type, payload, null);
    } else {
      const [contract, group, type, payload] = args as [AnyContract, string, string, unknown];
      await this.publish(group, "event", type, payload, null, contract);
    }
  }

  async broadcast(group: string, action: string, payload: unknown): Promise<void> {
    await this.publish(group, "frame", action, payload, null);
  }

  /** False when nobody on any node can receive what is sent to `group` (the layer knows). */
  reaches(group: string): boolean {
    return this.layer.reaches?.(group) ?? true;
  }

  localGroupSize(group: string): number {
    return this.registry.size(group);
  }

  async publish(
    group: string,
    kind: LayerMessage["kind"],
    action: string,
    payload: unknown,
    exclude: string | null,
    /** Whose events `action` is one of (default: the first of this server's consumers that has it). */
    contract?: AnyContract,
  ): Promise<void> {
    // Nobody anywhere can receive it: not validated, serialized or published (ingest fans out
    // every point, most of them to dashboards nobody has open).
    if (!this.reaches(group)) return;
    let value = payload;
    if (kind === "event") {
      // Validated once here, at the sender, so every receiver's handler can trust its type.
      const schema =
        contract && Object.hasOwn(contract.events, action)
          ? contract.events[action]
          : this.eventSchema(action);
      if (schema) {
        const result = schema.safeParse(payload);
        if (!result.success) throw ValidationError.fromZod(result.error);
        value = result.data;
      }
    }
    await this.layer.publish(group, { kind, frame: PreparedFrame.of(action, value), exclude });
  }

  eventSchema(type: string): z.ZodType | undefined {
    for (const c of this.consumers) {
      if (Object.hasOwn(c.events, type)) return c.events[type];
    }
    return undefined;
  }

  /**
   * Admission pacing: handshakes start from a queue, at most #maxHandshakes per event-loop turn
   * and at most #maxHandshakes at once, in arrival order. A storm of reconnects then yields to
   * I/O and to the write phase between slices, so live connections keep getting their frames.
   */
  #admit(connection: Connection): void {
    if (
      this.#handshaking < this.#maxHandshakes &&
      this.#startedThisTurn < this.#maxHandshakes &&
      this.#waitingHead >= this.#waiting.length
    ) {
      if (this.#startedThisTurn++ === 0) setImmediate(() => (this.#startedThisTurn = 0));
      this.#handshaking++;
      void connection.start().finally(() => {
        this.#handshaking--;
        this.#scheduleAdmission();
      });
      return;
    }
    // Waiting for its turn: the 101 goes now, not after the queue.
    connection.releaseUpgrade();
    this.#waiting.push(connection);
    this.#scheduleAdmission();
  }

  #scheduleAdmission(): void {
    if (this.#admitScheduled || this.#waitingHead >= this.#waiting.length) return;
    this.#admitScheduled = true;
    setImmediate(() => {
      this.#admitScheduled = false;
      let started = 0;
      while (
        started < this.#maxHandshakes &&
        this.#handshaking < this.#maxHandshakes &&
        this.#waitingHead < this.#waiting.length
      ) {
        const next = this.#waiting[this.#waitingHead++] as Connection;
        if (next.ws.readyState !== 1) continue; // gone while waiting
        started++;
        this.#handshaking++;
        void next.start().finally(() => {
          this.#handshaking--;
          this.#scheduleAdmission();
        });
      }
      if (this.#waitingHead >= this.#waiting.length) {
        this.#waiting = [];
        this.#waitingHead = 0;
      } else if (this.#handshaking < this.#maxHandshakes) this.#scheduleAdmission();
    });
  }

  removed(connection: Connection): void {
    this.#connections.delete(connection);
  }

  async closeConnections(
    code: number = CloseCode.goingAway,
    reason = "Server shutting down",
    options: { handoverMs?: number } = {},
  ): Promise<void> {
    this.#closing = true;
    for (const { server, listener } of this.#attached) server.off("upgrade", listener);
    const handoverMs = options.handoverMs ?? 0;
    if (handoverMs > 0 && this.#connections.size > 0) {
      for (const c of this.#connections) c.send("draining", { within_ms: handoverMs });
      const deadline = Date.now() + handoverMs;
      while (this.#connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    }
    const closed = [...this.#connections].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.ws.readyState === 3) return resolve();
          c.ws.once("close", () => resolve());
          c.close(code, reason);
          setTimeout(() => c.ws.terminate(), 1000).unref();
        }),
    );
    await Promise.all(closed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    await this.closeConnections();
    await this.registry.clear();
    await this.layer.close();
  }

  #originAllowed(origin: string, req: IncomingMessage): boolean {
    const allowed = this.#allowedOrigins;
    if (allowed === undefined) return true;
    if (typeof allowed === "function") return allowed(origin, req);
    if (allowed.includes(origin)) return true;
    if (!allowed.includes("same-origin")) return false;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false; // "null" or garbage Origin
    }
  }

  /** Heartbeat: terminate peers that did not pong since the previous tick, ping the rest. */
  #tick(): void {
    this.admission.sweep();
    for (const c of this.#connections) {
      if (!c.alive) {
        this.logger.info({ connection: c.id }, "terminating unresponsive peer");
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      if (c.ws.readyState === 1) c.ws.ping();
    }
  }
}

/**
 * The address's pending slot, given back once: when the handshake settles or the socket goes. Made
 * here, not in handleUpgrade: a closure there would share that function's context (the request)
 * and keep it alive for as long as the socket lives.
 */
function pendingSlot(admission: Admission, address: string, socket: Duplex): () => void {
  let pending = true;
  const settle = () => {
    if (!pending) return;
    pending = false;
    socket.off("close", settle);
    admission.leave(address);
  };
  socket.once("close", settle);
  return settle;
}

function refuse(socket: Duplex, status: number, text: string, headers = ""): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\n${headers}Connection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}
