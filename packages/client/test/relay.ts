// A TCP relay between the client and a real server, to misbehave at the network level: cut every
// connection, refuse new ones, or go silent (stop forwarding, keep TCP open) like a dead peer.

import type { AddressInfo } from "node:net";
import { connect, createServer, type Socket } from "node:net";

export interface Relay {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  refuse: boolean;
  /**
   * On connections accepted from now on, forward the client's first chunk (the upgrade request)
   * and hold what it sends after, until `release()`: the server answers, the client's frames wait.
   */
  holdRequests: boolean;
  /**
   * On connections accepted from now on, hold everything the server sends, its close included,
   * until `release()`.
   */
  holdResponses: boolean;
  release(): void;
  /** Stop forwarding on the current connections (not later ones); the sockets stay open. */
  freeze(): void;
  /** Destroy every relayed connection (the client sees an abnormal close). */
  cut(): void;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number): Promise<Relay> {
  const pairs = new Set<[Socket, Socket]>();
  const frozen = new WeakSet<Socket>();
  /** What waits for `release()`, in order: a chunk to write, or (null) the socket to end. */
  const heldChunks: [Socket, Buffer | null][] = [];
  const relay: Relay = {
    port: 0,
    accepted: 0,
    refuse: false,
    holdRequests: false,
    holdResponses: false,
    release() {
      relay.holdRequests = false;
      relay.holdResponses = false;
      for (const [to, chunk] of heldChunks.splice(0)) {
        if (to.destroyed) continue;
        if (chunk) to.write(chunk);
        else to.end();
      }
    },
    freeze() {
      for (const [a, b] of pairs) {
        frozen.add(a);
        frozen.add(b);
      }
    },
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        relay.cut();
        server.close(() => resolve());
      }),
  };
  const server = createServer((client) => {
    if (relay.refuse) {
      client.destroy();
      return;
    }
    relay.accepted++;
    const upstream = connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (!frozen.has(from)) to.write(chunk);
      });
    if (relay.holdRequests) {
      let first = true;
      client.on("data", (chunk) => {
        if (first || !relay.holdRequests) upstream.write(chunk);
        else heldChunks.push([upstream, chunk]);
        first = false;
      });
    } else forward(client, upstream);
    const holding = relay.holdResponses;
    if (holding)
      upstream.on("data", (chunk) => {
        if (relay.holdResponses) heldChunks.push([client, chunk]);
        else client.write(chunk);
      });
    else forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", end).on("error", end);
    // A held connection's close waits, behind its held bytes, for release() too.
    const upstreamEnd = () => {
      if (holding && relay.holdResponses) heldChunks.push([client, null]);
      else end();
    };
    upstream.on("close", upstreamEnd).on("error", upstreamEnd);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.port = (server.address() as AddressInfo).port;
  return relay;
}
