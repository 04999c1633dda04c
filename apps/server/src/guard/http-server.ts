// Owns the HTTP server under Fastify, where abuse is cheapest to refuse: timeouts for headers,
// bodies and idle keep-alive connections (Fastify's defaults leave a slow body open for ever), a
// per-address cap on open connections that have not become WebSockets (slow-loris sockets from
// one address cannot use up the process's descriptors), the Host check, before any routing,
// for plain requests and WebSocket upgrades alike, and a close that does not wait for connections
// on which no request ever began.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { ChannelsError } from "../http/errors.ts";
import type { HostPolicy } from "./hosts.ts";

export type HttpLimits = {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Inactivity on a connection before it is closed (0: never). */
  idleTimeoutMs: number;
  /** Open non-WebSocket connections per peer address (0: no cap). */
  maxSocketsPerAddress: number;
};

const HOST_NOT_ALLOWED = new ChannelsError(
  "This server does not answer to that host name (see PULSEBOARD_ALLOWED_HOSTS)",
  "PB_ERR_HOST_NOT_ALLOWED",
);
const MISDIRECTED = JSON.stringify({ error: HOST_NOT_ALLOWED.toJSON() });

/** The Host a request names (X-Forwarded-Host first when a trusted proxy sets it). */
function requestHost(req: IncomingMessage, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? req.headers["x-forwarded-host"] : undefined;
  const value = typeof forwarded === "string" && forwarded ? forwarded.split(",")[0] : req.headers.host;
  return value?.trim();
}

/** Answers a raw socket with a bare status (and headers) and closes it, reading nothing more. */
export function refuseSocket(socket: Duplex, status: string): void {
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export type GuardedServer = {
  factory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  /** For WebSocket upgrades: false (socket already answered 421) when the Host is not allowed. */
  upgradeAllowed(req: IncomingMessage, socket: Duplex): boolean;
};

export function guardedServer(limits: HttpLimits, hosts: HostPolicy, trustProxy: boolean): GuardedServer {
  const open = new Map<string, number>();
  // The HTTP connections that have not become WebSockets, by address: what the per-address cap
  // counts, and what close looks through for connections on which no request ever began.
  const plain = new Map<Socket, string>();
  // One listener for every socket (no closure per connection): `this` is the socket.
  function release(this: Socket): void {
    const address = plain.get(this);
    if (address === undefined) return;
    plain.delete(this);
    if (limits.maxSocketsPerAddress <= 0) return;
    const left = (open.get(address) ?? 1) - 1;
    if (left <= 0) open.delete(address);
    else open.set(address, left);
  }

  const factory: GuardedServer["factory"] = (handler) => {
    const server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        keepAliveTimeout: limits.keepAliveTimeoutMs,
        // How often Node looks for requests over their timeouts (its default, 30 s, would let
        // a slow body live up to 30 s past requestTimeout).
        connectionsCheckingInterval: Math.max(250, Math.min(limits.headersTimeoutMs, 1000)),
      },
      (req, res) => {
        if (!hosts.hostAllowed(requestHost(req, trustProxy))) {
          res.writeHead(HOST_NOT_ALLOWED.status, {
            "content-type": "application/json; charset=utf-8",
            connection: "close",
          });
          res.end(MISDIRECTED);
          return;
        }
        handler(req, res);
      },
    );
    if (limits.idleTimeoutMs > 0) server.setTimeout(limits.idleTimeoutMs);
    server.on("connection", (socket: Socket) => {
      const max = limits.maxSocketsPerAddress;
      const address = socket.remoteAddress ?? "unknown";
      if (max > 0) {
        const count = open.get(address) ?? 0;
        if (count >= max) {
          // Answered without reading anything: a few bytes, then the descriptor is free again.
          refuseSocket(socket, "429 Too Many Requests\r\nRetry-After: 1");
          return;
        }
        open.set(address, count + 1);
      }
      plain.set(socket, address);
      socket.on("close", release);
    });
    // A socket that became a WebSocket is counted by the channels server (per user) from now on,
    // and its liveness is the heartbeat's: the HTTP idle timeout would stay armed for the socket's
    // life (a timer object per connection, re-armed by every frame written) and do nothing.
    server.prependListener("upgrade", (req: IncomingMessage) => {
      release.call(req.socket);
      forgetIdleTimer(req.socket);
    });
    closeUnusedWithIdle(server, plain.keys.bind(plain));
    return server;
  };

  return {
    factory,
    upgradeAllowed(req, socket) {
      if (hosts.hostAllowed(requestHost(req, trustProxy))) return true;
      refuseSocket(socket, "421 Misdirected Request");
      return false;
    },
  };
}

/**
 * Makes the server's idle connections include those that never sent a byte. Browsers open a
 * connection ahead of the request they may make, and fetch (undici) left two unused here after
 * cancelled downloads (storage.test.ts, whose PostgreSQL app then took a minute to close);
 * Node counts such a connection as active, so close() (which ends idle keep-alive connections,
 * server.close() and Fastify's preClose both call closeIdleConnections) waited for it until the
 * idle timeout, a minute by default. Nothing is lost by ending it: no request was sent on it. A
 * connection on which a request has begun is left to finish (bytesRead counts bytes the HTTP
 * parser took from the handle too).
 */
function closeUnusedWithIdle(server: Server, plainSockets: () => Iterable<Socket>): void {
  const closeIdle = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => {
    closeIdle();
    for (const socket of plainSockets()) if (socket.bytesRead === 0) socket.destroy();
  };
}

/**
 * Stops a socket's HTTP idle timer. Node's setTimeout(0) clears the timer but keeps it (and a bound
 * callback) on the socket, about 200 bytes an idle WebSocket would hold for its life; the
 * reference is dropped too when Node's internal slot is where Node 20 keeps it.
 */
function forgetIdleTimer(socket: Socket): void {
  socket.setTimeout(0);
  const slot = Object.getOwnPropertySymbols(socket).find((s) => s.description === "timeout");
  if (slot) (socket as unknown as Record<symbol, unknown>)[slot] = null;
}
