// The server: owns the upgrade (path match, Origin check), the set of live connections, the
// heartbeat timer, and the bridge between groups and the channel layer.
import type { Server as HttpServer, IncomingMessage } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { AnyConsumer, EventName, EventPayload } from "./consumer.ts";
import type { ChannelLayer } from "./layers/layer.ts";

/** pino-compatible subset. */
export interface Logger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface ChannelsServerOptions<C extends AnyConsumer> {
  consumers: readonly C[];
  /** Default: a new InMemoryLayer (one process). */
  layer?: ChannelLayer;
  /** Browser Origins allowed to connect; a request without Origin (non-browser) is always allowed. */
  allowedOrigins?: readonly string[] | ((origin: string, req: IncomingMessage) => boolean);
  /** Larger frames are answered with an error and dropped (default 64 KiB). */
  maxFrameBytes?: number;
  /** Larger frames close the connection with 1009 (default 1 MiB). */
  hardMaxFrameBytes?: number;
  /** Token bucket per connection; over → close 4029. Default 50 per 1000 ms; false disables. */
  rateLimit?: { messages: number; perMs: number } | false;
  /** Ping interval; a peer that has not answered by the next tick is terminated. 0 disables. Default 30 s. */
  heartbeatMs?: number;
  /** Send buffer limit per connection (default 4 MiB)… */
  maxBufferedBytes?: number;
  /** …over it for longer than this closes with 4008 (default 5 s). */
  slowConsumerGraceMs?: number;
  logger?: Logger;
}

export interface ChannelsServer<C extends AnyConsumer = AnyConsumer> {
  readonly consumers: readonly C[];
  readonly layer: ChannelLayer;
  /** Live connections on this node. */
  readonly connectionCount: number;
  /** Handles every 'upgrade' of this HTTP server (unknown path → HTTP 404). */
  attach(server: HttpServer | HttpsServer): void;
  /** For frameworks that route upgrades themselves. Returns false (socket untouched) if no consumer matches. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Server-side event to a group from outside any socket; members' event handlers receive it. */
  groupSend<K extends EventName<C>>(group: string, type: K, payload: EventPayload<C, K>): Promise<void>;
  /** A frame straight to a group's clients (no event handler), serialized once. */
  broadcast(group: string, action: string, payload: unknown): Promise<void>;
  /** Members of a group connected to THIS node. */
  localGroupSize(group: string): number;
  /** Closes every connection (1001), stops timers, closes the layer. */
  close(): Promise<void>;
}

export function createChannelsServer<C extends AnyConsumer>(
  _options: ChannelsServerOptions<C>,
): ChannelsServer<C> {
  throw new Error("not implemented yet");
}
