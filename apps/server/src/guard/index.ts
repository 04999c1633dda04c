// Owns putting the abuse defences together for app.ts: the Host policy, the HTTP server with its
// timeouts and caps, the WebSocket admission limits and the upgrade path with its Host check.
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { ChannelsServerOptions } from "@pulseboard/channels";
import type { Principal } from "../auth/credentials.ts";
import type { Config } from "../config/config.ts";
import { type HostPolicy, hostPolicy } from "./hosts.ts";
import { type GuardedServer, guardedServer, refuseSocket } from "./http-server.ts";

export { registerRateLimits } from "./rate-limit.ts";

export type Guard = {
  hosts: HostPolicy;
  server: GuardedServer;
  /** The channels server's admission and Origin options. */
  channelOptions: Pick<
    ChannelsServerOptions<never>,
    | "allowedOrigins"
    | "maxPendingPerAddress"
    | "handshakeRate"
    | "maxConnectionsPerUser"
    | "refusalDelayMs"
    | "userKey"
    | "addressOf"
    | "rateLimit"
  >;
  /**
   * Routes upgrades to `handle` after the Host check; returns the function that stops taking
   * them. From then on an upgrade is answered 503 and closed at once: left unanswered, it would
   * hold the socket (and the server's close) until the idle timeout.
   */
  attachUpgrades(
    server: Server,
    handle: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean,
  ): () => void;
};

export function guard(config: Config, serverPort: () => number | undefined): Guard {
  const hosts = hostPolicy({
    allowedHosts: config.allowedHosts,
    publicUrl: config.publicUrl,
    allowedOrigins: config.allowedOrigins,
    bindHost: config.host,
    serverPort,
  });
  const server = guardedServer(
    {
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      maxSocketsPerAddress: config.maxSocketsPerAddress,
    },
    hosts,
    config.trustProxy,
  );
  return {
    hosts,
    server,
    channelOptions: {
      allowedOrigins: (origin) => hosts.originAllowed(origin),
      maxPendingPerAddress: config.wsMaxPendingPerAddress,
      // The per-minute rate, in bursts of at most 60: a flood's first burst is what costs.
      handshakeRate: config.wsHandshakesPerMinute > 0 ? handshakeBucket(config.wsHandshakesPerMinute) : false,
      maxConnectionsPerUser: config.wsMaxPerUser,
      // Held as REST's rate-limit refusals are (guard/rate-limit.ts).
      refusalDelayMs: config.rateLimitDelayMs,
      rateLimit:
        config.wsMessagesPerSecond > 0 ? { messages: config.wsMessagesPerSecond, perMs: 1000 } : false,
      userKey: (user) => (user as Principal).userId,
      // Behind a trusted proxy the client is the first X-Forwarded-For entry (as Fastify's request.ip).
      addressOf: (req) => {
        const forwarded = config.trustProxy ? req.headers["x-forwarded-for"] : undefined;
        const first = typeof forwarded === "string" ? forwarded.split(",")[0]?.trim() : undefined;
        return first || req.socket.remoteAddress || "unknown";
      },
    },
    attachUpgrades(http, handle) {
      let draining = false;
      http.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (draining) return refuseSocket(socket, "503 Service Unavailable\r\nRetry-After: 1");
        if (!server.upgradeAllowed(req, socket)) return;
        if (!handle(req, socket, head)) refuseSocket(socket, "404 Not Found");
      });
      return () => {
        draining = true;
      };
    },
  };
}

/** A bucket refilled at `perMinute` per minute holding at most 60 (a token bucket's burst). */
export function handshakeBucket(perMinute: number): { handshakes: number; perMs: number } {
  const burst = Math.min(perMinute, 60);
  return { handshakes: burst, perMs: (burst * 60_000) / perMinute };
}
