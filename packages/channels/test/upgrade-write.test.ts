// The answer to the upgrade (101) leaves with the handshake's first frames, in one write; a
// handshake that has to wait for its turn (admission pacing) gets its 101 at once.
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineConsumer } from "../src/index.ts";
import { type Running, start } from "./helpers.ts";

let release: () => void = () => {};
const Held = defineConsumer({
  path: "/ws/held/",
  authenticators: [
    async (req) => {
      // "slow" waits until the spec lets it go; the others take one timer turn.
      if (req.token === "slow") await new Promise<void>((r) => (release = r));
      else await new Promise((r) => setTimeout(r, 20));
      return { name: req.token ?? "anon" };
    },
  ],
  incoming: { ping: z.null() },
  outgoing: { pong: z.null() },
  handlers: { ping: () => ({ action: "pong", payload: null }) },
});

let app: Running<typeof Held>;
beforeAll(async () => {
  app = await start({ consumers: [Held], maxConcurrentHandshakes: 1 });
});
afterAll(() => app.stop());

/** A raw upgrade; resolves with the socket and every chunk it receives from then on. */
async function upgrade(token: string): Promise<{ socket: Socket; chunks: string[] }> {
  const socket = connect(app.port, "127.0.0.1");
  const chunks: string[] = [];
  socket.on("data", (c) => chunks.push(c.toString("latin1")));
  await new Promise<void>((r) => socket.once("connect", () => r()));
  socket.write(
    `GET /ws/held/ HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  return { socket, chunks };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("the upgrade's answer", () => {
  it("goes out in the same write as the authentication frame that follows it", async () => {
    const { socket, chunks } = await upgrade("quick");
    try {
      await until(() => chunks.join("").includes('"action":"authentication"'), "authenticated");
      expect(chunks[0]).toMatch(/^HTTP\/1\.1 101 /);
      expect(chunks[0]).toContain('"action":"authentication"');
    } finally {
      socket.destroy();
    }
  });

  it("is not held while the handshake waits for its turn", async () => {
    const first = await upgrade("slow"); // takes the only handshake slot and keeps it
    const second = await upgrade("quick");
    try {
      await until(() => second.chunks.join("").startsWith("HTTP/1.1 101 "), "the waiting one got its 101");
      expect(second.chunks.join("")).not.toContain('"action":"authentication"');
      release();
      await until(() => second.chunks.join("").includes('"action":"authentication"'), "its turn came");
      expect(first.chunks.join("")).toContain('"action":"authentication"');
    } finally {
      first.socket.destroy();
      second.socket.destroy();
    }
  });
});
