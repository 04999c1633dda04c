// One live socket: runs the handshake, queues client frames until the consumer is ready, then
// handles them one at a time in order; is the `ctx` every hook and handler receives; delivers
// group messages; and cleans up its memberships when the socket goes away.
import { randomUUID } from "node:crypto";
import type WebSocket from "ws";
import type { z } from "zod";
import type { Admission } from "./admission.ts";
import { liveRequest, runHandshake } from "./auth.ts";
import type {
  AnyConsumer,
  BroadcastOptions,
  ConsumerContext,
  HandshakeRequest,
  LiveRequest,
} from "./consumer.ts";
import type { AnyContract } from "./contract.ts";
import {
  asChannelsError,
  closeCodeFor,
  errorPayload,
  FrameTooLargeError,
  handshakeOutcome,
  isHandshakeError,
  RateLimitedError,
  SlowConsumerError,
  TooManyConnectionsError,
} from "./errors.ts";
import type { PreparedFrame } from "./frame.ts";
import type { GroupRegistry, Member } from "./groups.ts";
import type { LayerMessage } from "./layers/layer.ts";
import { SendBufferWatch, TokenBucket } from "./limits.ts";
import type { Logger } from "./logger.ts";
import { Outbox, type OutboxOptions } from "./outbox.ts";
import { CloseCode } from "./protocol.ts";
import { routeFrame } from "./router.ts";
import type { Topic } from "./shared-fanout.ts";
import type { ChannelsStats } from "./stats.ts";

/** What a connection needs from its server. */
export interface Hub {
  readonly registry: GroupRegistry;
  readonly logger: Logger;
  readonly maxFrameBytes: number;
  readonly maxQueuedFrames: number;
  readonly rateLimit: { messages: number; perMs: number } | false;
  readonly maxBufferedBytes: number;
  readonly slowConsumerGraceMs: number;
  readonly handshakeTimeoutMs: number;
  readonly keptHeaders: readonly string[] | undefined;
  readonly stats: ChannelsStats;
  readonly admission: Admission;
  publish(
    group: string,
    kind: LayerMessage["kind"],
    action: string,
    payload: unknown,
    exclude: string | null,
    contract?: AnyContract,
  ): Promise<void>;
  eventSchema(type: string): z.ZodType | undefined;
  removed(connection: Connection): void;
}

type Item = { text: string } | { error: Error };
/** Frames the outbox may hold for a client that is behind before it is closed (4008). */
const MAX_HELD_FRAMES = 10_000;
type Handler = (payload: unknown, ctx: Connection) => unknown;
type EventHandler = (event: unknown, ctx: Connection, frame: PreparedFrame) => unknown;

const CONNECTION = Symbol("connection");
type SocketWithConnection = WebSocket & { [CONNECTION]: Connection };

function onMessage(this: WebSocket, data: unknown, isBinary: boolean): void {
  (this as SocketWithConnection)[CONNECTION].onSocketFrame(data as Buffer | Buffer[] | ArrayBuffer, isBinary);
}
function onPong(this: WebSocket): void {
  (this as SocketWithConnection)[CONNECTION].alive = true;
}
function onError(this: WebSocket, err: Error): void {
  const connection = (this as SocketWithConnection)[CONNECTION];
  connection.socketError(err);
}
function onSocketClose(this: WebSocket, code: number, reason: Buffer): void {
  this.off("close", onSocketClose);
  (this as SocketWithConnection)[CONNECTION].onSocketClose(code, reason);
}

/**
 * Topic sets by cohort key, one copy for every connection with the same set (10,000 clients of a
 * dashboard hold one Set and one key string between them, not 10,000 of each).
 */
const interned = new Map<string, { key: string; set: ReadonlySet<Topic>; refs: number }>();
function acquire(key: string, set: ReadonlySet<Topic>): ReadonlySet<Topic> {
  let entry = interned.get(key);
  if (!entry) {
    entry = { key, set, refs: 0 };
    interned.set(key, entry);
  }
  entry.refs++;
  return entry.set;
}
function release(key: string | null): void {
  if (key === null) return;
  const entry = interned.get(key);
  if (entry && --entry.refs === 0) interned.delete(key);
}
function internedKey(key: string): string {
  return interned.get(key)?.key ?? key;
}

/** One OutboxOptions per consumer and server, shared by its connections. */
const sharedOutboxOptions = new WeakMap<AnyConsumer, WeakMap<Hub, OutboxOptions>>();
function outboxOptions(consumer: AnyConsumer, hub: Hub): OutboxOptions {
  let byHub = sharedOutboxOptions.get(consumer);
  if (!byHub) {
    byHub = new WeakMap();
    sharedOutboxOptions.set(consumer, byHub);
  }
  let options = byHub.get(hub);
  if (!options) {
    const latestWins = consumer.definition.latestWins as
      | Record<string, ((payload: unknown) => string | number | undefined) | undefined>
      | undefined;
    options = {
      // Hold (and conflate) well before the hard limit, so a lagging client gets fresh values.
      holdAboveBytes: Math.min(hub.maxBufferedBytes, 256 * 1024),
      graceMs: hub.slowConsumerGraceMs,
      maxHeldFrames: MAX_HELD_FRAMES,
      conflationKey: latestWins ? (frame) => latestWins[frame.action]?.(frame.payload) : undefined,
      stats: hub.stats,
    };
    byHub.set(hub, options);
  }
  return options;
}

// A close reason is limited to 123 bytes by the protocol.
function reasonOf(text: string): string {
  const buf = Buffer.from(text);
  return buf.length <= 123
    ? text
    : buf
        .subarray(0, 120)
        .toString()
        .replace(/\uFFFD$/, "");
}

export class Connection implements ConsumerContext, Member {
  // randomUUID() builds its text by concatenation: a tree of ~14 string pieces (about 450 bytes),
  // kept for the connection's life. Copied out once, it is one flat 36-character string.
  readonly id = Buffer.from(randomUUID(), "latin1").toString("latin1");
  user: unknown = null;
  object: unknown = null;
  state: unknown;
  readonly params: Record<string, string>;
  readonly groups = new Set<string>();
  /** Heartbeat: set by pong, cleared by each ping tick. */
  alive = true;
  /** Topics asked for with shareTopics (null: every event through the handler). */
  #topics: ReadonlySet<Topic> | null = null;
  #shareKey: string | null = null;
  /** Fell behind: on the per-connection path until the outbox drains. */
  #demoted = false;

  readonly request: LiveRequest;
  /** The full upgrade request, only until the handshake has run. */
  #handshake: HandshakeRequest | null;
  readonly #queue: Item[] = [];
  /** Handshake passed: group messages are delivered, onDisconnect will run. */
  #authenticated = false;
  /** onAuthenticated finished: client frames are handled. */
  #ready = false;
  #pumping = false;
  #closed = false;
  /** The server closed it for a limit (counted in stats once). */
  #failed = false;
  /** Counted against the per-user connection limit under this key until closed. */
  /** The per-user cap's key this connection counts under (undefined: not counted). */
  #userKey: string | number | undefined;
  /** Gives back the address's pending slot; dropped once called (no closure kept while idle). */
  #settled: (() => void) | null;
  readonly #bucket: TokenBucket | null;
  readonly #watch: SendBufferWatch;
  /** Coalesced writes and slow-consumer holding (outbox.ts); every frame to the client goes through it. */
  readonly #outbox: Outbox;

  constructor(
    readonly ws: WebSocket,
    readonly consumer: AnyConsumer,
    request: HandshakeRequest,
    private readonly hub: Hub,
    /** Called once when the handshake settles (the per-address pending count). */
    settled: (() => void) | null = null,
  ) {
    this.#settled = settled;
    this.params = request.params;
    this.#handshake = request;
    this.request = liveRequest(request, hub.keptHeaders);
    this.state = consumer.definition.state?.() ?? {};
    this.#bucket = hub.rateLimit ? new TokenBucket(hub.rateLimit.messages, hub.rateLimit.perMs) : null;
    this.#outbox = new Outbox(ws, outboxOptions(consumer, hub), this);
    this.#watch = new SendBufferWatch(hub.maxBufferedBytes, hub.slowConsumerGraceMs, this);
    // Listeners shared by every connection (module functions, no closure per connection).
    (ws as SocketWithConnection)[CONNECTION] = this;
    ws.on("message", onMessage);
    ws.on("pong", onPong);
    // ws reports protocol violations (e.g. > maxPayload → 1009) here and closes by itself.
    ws.on("error", onError);
    ws.on("close", onSocketClose);
  }

  /** @internal (server.ts) Sends the 101 held for the first frames (see Outbox.releaseUpgrade). */
  releaseUpgrade(): void {
    this.#outbox.releaseUpgrade();
  }

  /** @internal (outbox.ts) Behind for longer than the grace ("time") or too many held frames ("held"). */
  outboxSlow(why: "time" | "held"): void {
    this.#fail(
      new SlowConsumerError(
        why === "held"
          ? `Client too slow: more than ${MAX_HELD_FRAMES} frames waiting to be sent`
          : `Client too slow: behind for more than ${this.hub.slowConsumerGraceMs} ms`,
      ),
    );
  }

  /** @internal The socket's own buffer is measured where it changes, after a write, not per frame queued. */
  outboxWritten(): void {
    this.#watch.check();
  }

  /** @internal */
  outboxBehind(): void {
    this.demote();
  }

  /** @internal */
  outboxIdle(): void {
    if (!this.#demoted || this.#closed) return;
    this.#demoted = false;
    this.hub.registry.reshare(this.groups, this);
  }

  /** @internal (limits.ts) */
  sendBufferSlow(): void {
    this.#fail(new SlowConsumerError());
  }

  /** @internal socket events */
  onSocketFrame(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    this.#onFrame(data, isBinary);
  }

  /** @internal */
  socketError(err: Error): void {
    this.hub.logger.debug({ err, connection: this.id }, "socket error");
  }

  /** @internal */
  onSocketClose(code: number, reason: Buffer): void {
    void this.#onClose(code, String(reason));
  }

  get sharedTopics(): ReadonlySet<Topic> | null {
    return this.shareKey === null ? null : this.#topics;
  }

  get shareKey(): string | null {
    return this.#demoted || this.#closed || !this.#outbox.direct ? null : this.#shareKey;
  }

  shareTopics(topics: Iterable<Topic> | null): void {
    if (this.#closed) return;
    const set = topics === null ? null : new Set(topics);
    const key =
      set === null
        ? null
        : `${this.consumer.path}\u0000${[...set]
            .map((t) => `${typeof t}:${t}`)
            .sort()
            .join(",")}`;
    if (key === this.#shareKey) return;
    release(this.#shareKey);
    this.#topics = set === null || key === null ? null : acquire(key, set);
    this.#shareKey = key === null ? null : internedKey(key);
    this.hub.registry.reshare(this.groups, this);
  }

  writeShared(bytes: Buffer, frames: number): boolean {
    return this.#outbox.writeShared(bytes, frames);
  }

  demote(): void {
    if (this.#demoted) return;
    this.#demoted = true;
    this.hub.registry.reshare(this.groups, this);
  }

  #settle(): void {
    const settled = this.#settled;
    this.#settled = null;
    settled?.();
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /** Closed, or closing: nothing more it is sent will reach the client. */
  get isClosed(): boolean {
    return this.#closed || this.ws.readyState > 1;
  }

  /** Runs the handshake, then the post-auth hook, then whatever the client sent meanwhile. */
  async start(): Promise<void> {
    const definition = this.consumer.definition;
    try {
      // An authenticator or loader that never settles must not hold the socket open forever.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`handshake took longer than ${this.hub.handshakeTimeoutMs} ms`)),
          this.hub.handshakeTimeoutMs,
        );
      });
      const { user, object } = await Promise.race([
        runHandshake(definition, this.#handshake!),
        timeout,
      ]).finally(() => clearTimeout(timer));
      this.#handshake = null;
      if (this.#closed) return;
      const slot = this.hub.admission.admitUser(user);
      if (!slot) throw new TooManyConnectionsError("Too many open connections for this user");
      this.#userKey = slot.key;
      this.user = user;
      this.object = object;
    } catch (err) {
      this.#handshake = null;
      this.#settle();
      if (isHandshakeError(err)) {
        const outcome = handshakeOutcome(err);
        this.send("authentication", outcome.payload);
        this.close(outcome.close ?? CloseCode.forbidden, err.message);
      } else {
        this.hub.logger.error({ err, path: this.request.url.pathname }, "handshake failed");
        this.close(CloseCode.internalError, "Internal server error");
      }
      return;
    }
    this.#settle();
    if (this.#closed) return;
    this.send("authentication", handshakeOutcome(null).payload);
    this.#authenticated = true;
    try {
      await definition.onAuthenticated?.(this);
    } catch (err) {
      this.hub.logger.error({ err, connection: this.id }, "onAuthenticated failed");
      this.close(CloseCode.internalError, "Internal server error");
      return;
    }
    this.#ready = true;
    void this.#pump();
  }

  send(action: string, payload: unknown): boolean {
    if (this.ws.readyState !== 1) return false;
    this.#outbox.enqueue(JSON.stringify({ action, payload: payload ?? null }));
    return true;
  }

  sendRaw(frame: PreparedFrame | string): boolean {
    if (this.ws.readyState !== 1) return false;
    this.#outbox.enqueue(frame);
    return true;
  }

  async join(group: string): Promise<void> {
    if (this.#closed || this.groups.has(group)) return;
    this.groups.add(group);
    try {
      await this.hub.registry.join(group, this);
    } catch (err) {
      this.groups.delete(group);
      throw err;
    }
    // The socket may have gone while the layer subscribed: do not leave a ghost member behind.
    if (this.#closed) await this.hub.registry.leave(group, this);
  }

  async leave(group: string): Promise<void> {
    if (!this.groups.delete(group)) return;
    await this.hub.registry.leave(group, this);
  }

  async broadcast(action: string, payload: unknown, options: BroadcastOptions = {}): Promise<void> {
    const targets = options.group !== undefined ? [options.group] : [...this.groups];
    const exclude = options.excludeCurrent ? this.id : null;
    // One prepared frame per group publish; the layer shares it across members.
    await Promise.all(targets.map((g) => this.hub.publish(g, "frame", action, payload, exclude)));
  }

  async groupSend(
    group: string,
    type: string,
    payload: unknown,
    options: { excludeCurrent?: boolean } = {},
  ): Promise<void> {
    const exclude = options.excludeCurrent ? this.id : null;
    // Validated against this consumer's own events (another consumer may use the same name).
    await this.hub.publish(group, "event", type, payload, exclude, this.consumer.contract);
  }

  close(code: number = CloseCode.normal, reason = ""): void {
    // Frames sent before the close (e.g. a refused handshake's answer) go out before it.
    this.#outbox.flush();
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(code, reasonOf(reason));
  }

  /** A group message for this connection (called by the registry, synchronously). */
  deliver(message: LayerMessage): void {
    if (!this.#authenticated || this.#closed) return;
    const frame = message.frame;
    const handler =
      message.kind === "event"
        ? (this.consumer.definition.eventHandlers?.[frame.action] as EventHandler | undefined)
        : undefined;
    if (!handler) {
      this.sendRaw(frame);
      return;
    }
    try {
      const result = handler(frame.payload, this, frame);
      if (result instanceof Promise) result.catch((err) => this.#eventFailed(err, frame.action));
    } catch (err) {
      this.#eventFailed(err, frame.action);
    }
  }

  #eventFailed(err: unknown, type: string): void {
    this.hub.logger.error({ err, connection: this.id, event: type }, "event handler failed");
  }

  #onFrame(data: Buffer | Buffer[] | ArrayBuffer, _isBinary: boolean): void {
    // Closing (e.g. just rate-limited): frames still in flight from the peer are ignored.
    if (this.#closed || this.ws.readyState !== 1) return;
    const limit = this.hub.rateLimit;
    if (limit && this.#bucket && !this.#bucket.take()) {
      this.#fail(
        new RateLimitedError(`Rate limit exceeded (${limit.messages} messages per ${limit.perMs} ms)`),
      );
      return;
    }
    if (this.#queue.length >= this.hub.maxQueuedFrames) {
      this.#fail(new RateLimitedError("Too many frames waiting to be handled"));
      return;
    }
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (buf.length > this.hub.maxFrameBytes) {
      this.#queue.push({ error: new FrameTooLargeError(buf.length, this.hub.maxFrameBytes) });
    } else {
      this.#queue.push({ text: buf.toString("utf8") });
    }
    if (this.#ready) void this.#pump();
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (let item = this.#queue.shift(); item && !this.#closed; item = this.#queue.shift()) {
        await this.#handle(item);
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #handle(item: Item): Promise<void> {
    const definition = this.consumer.definition;
    let action: string | undefined;
    try {
      if ("error" in item) throw item.error;
      const routed = routeFrame(item.text, this.consumer.incoming);
      action = routed.action;
      const handler = (definition.handlers as Record<string, Handler>)[routed.action]!;
      const reply = (await handler(routed.payload, this)) as { action: string; payload: unknown } | undefined;
      if (reply && typeof reply === "object" && typeof reply.action === "string") {
        this.send(reply.action, reply.payload);
      }
    } catch (err) {
      this.#answerError(err, action);
    } finally {
      if (definition.sendCompletion) this.send("complete", null);
    }
  }

  #answerError(err: unknown, action: string | undefined): void {
    const error = asChannelsError(err);
    if (error !== err) this.hub.logger.error({ err, connection: this.id, action }, "handler failed");
    const close = closeCodeFor(error);
    if (close !== null) this.close(close, error.message);
    else this.send("error", errorPayload(error));
  }

  /** Errors that end the connection (rate limit, slow consumer). */
  #fail(error: Error): void {
    const ce = asChannelsError(error);
    this.hub.logger.info({ connection: this.id, code: ce.code }, `closing connection: ${ce.message}`);
    this.#queue.length = 0;
    const code = closeCodeFor(ce) ?? CloseCode.internalError;
    // Both slow-consumer watches may report one connection (the outbox even from inside the
    // close below, as its last flush finds the peer still behind): it is counted once.
    if (!this.#failed) {
      this.#failed = true;
      if (ce instanceof SlowConsumerError) this.hub.stats.slowConsumerCloses++;
      else if (ce instanceof RateLimitedError) this.hub.stats.rateLimitCloses++;
    }
    this.close(code, ce.message);
    // The connection is over now, whether or not the peer ever reads the close frame: it leaves
    // its groups and disconnect hooks run (others see presence drop) without waiting for the
    // close handshake. A slow peer may never read it, so it is cut off after 2 s.
    void this.#onClose(code, ce.message);
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  async #onClose(code: number, reason: string): Promise<void> {
    if (this.#closed) return; // already released by #fail
    this.#closed = true;
    this.#queue.length = 0;
    this.#watch.stop();
    this.#outbox.close();
    release(this.#shareKey);
    this.#shareKey = null;
    this.#topics = null;
    const wasAuthenticated = this.#authenticated;
    this.#ready = false;
    this.#authenticated = false;
    const groups = [...this.groups];
    this.groups.clear();
    await Promise.all(groups.map((g) => this.hub.registry.leave(g, this)));
    this.hub.removed(this);
    this.hub.admission.releaseUser(this.#userKey);
    this.#userKey = undefined;
    if (!wasAuthenticated) return;
    try {
      await this.consumer.definition.onDisconnect?.(this, { code, reason });
    } catch (err) {
      this.hub.logger.error({ err, connection: this.id }, "onDisconnect failed");
    }
  }
}
