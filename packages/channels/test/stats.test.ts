// The server's delivery counters (stats.ts), read by an operator's /metrics: frames and bytes
// handed to sockets, frames conflated while a client was behind, and the connections the server
// closed itself for sending too fast (4029) or reading too slowly (4008).
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineConsumer } from "../src/index.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
const Feed = defineConsumer({
  path: "/ws/feed/:id/",
  authenticators: [() => ({ id: 1 })],
  loadObject: () => ({}),
  incoming: {},
  handlers: {},
  outgoing: { tick: z.object({ key: z.string(), n: z.number(), pad: z.string() }) },
  latestWins: { tick: (p: unknown) => (p as { key: string }).key },
  onAuthenticated: async (ctx) => {
    await ctx.join("feed");
  },
});
let app: Running<typeof Room> | Running<typeof Feed> | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const pauseReading = (ws: unknown) => (ws as { _socket: { pause(): void; resume(): void } })._socket;

describe("delivery counters", () => {
  it("count each frame and its bytes once per recipient", async () => {
    const running = await start({ consumers: [Room] });
    app = running;
    const ann = await joinRoom(running, { token: "token-ann" });
    const bob = await joinRoom(running, { token: "token-bob" });
    const before = { ...running.server.stats };
    await running.server.broadcast("room.1", "chat_message", { from: "x", text: "hello" });
    await ann.receive("chat_message");
    await bob.receive("chat_message");
    const frame = JSON.stringify({ action: "chat_message", payload: { from: "x", text: "hello" } });
    expect(running.server.stats.framesSent - before.framesSent).toBe(2);
    // Each frame: 2 bytes of WebSocket header (short payload) + the JSON text.
    expect(running.server.stats.bytesSent - before.bytesSent).toBe(2 * (2 + Buffer.byteLength(frame)));
    expect(running.server.connectionsBy("id")).toEqual(new Map([["1", 2]]));
  });

  it("count a client closed for exceeding its message rate", async () => {
    const running = await start({ consumers: [Room], rateLimit: { messages: 5, perMs: 10_000 } });
    app = running;
    const c = await joinRoom(running);
    for (let i = 0; i < 10; i++) c.sendMessage("ping");
    expect((await c.closed).code).toBe(4029);
    expect(running.server.stats.rateLimitCloses).toBe(1);
    expect(running.server.stats.slowConsumerCloses).toBe(0);
  });

  it("count a client closed for reading too slowly", async () => {
    const running = await start({ consumers: [Room], maxBufferedBytes: 64 * 1024, slowConsumerGraceMs: 200 });
    app = running;
    const c = await joinRoom(running);
    const socket = pauseReading(c.ws);
    socket.pause();
    const chunk = "y".repeat(60 * 1024);
    for (let i = 0; i < 300; i++)
      await running.server.broadcast("room.1", "chat_message", { from: "x", text: chunk });
    await vi.waitFor(() => expect(running.server.stats.slowConsumerCloses).toBe(1), {
      timeout: 5000,
      interval: 20,
    });
    socket.resume();
    expect((await c.closed).code).toBe(4008);
    expect(running.server.stats.rateLimitCloses).toBe(0);
  });

  it("count frames replaced by a newer value of the same key while a client is behind", async () => {
    const running = await start({
      consumers: [Feed],
      maxBufferedBytes: 64 * 1024,
      slowConsumerGraceMs: 10_000,
    });
    app = running;
    const c = await running.connect("/ws/feed/1/");
    await c.assertAuthenticated();
    const socket = pauseReading(c.ws);
    socket.pause();
    const pad = "z".repeat(60 * 1024);
    for (let n = 0; n < 300; n++) await running.server.broadcast("feed", "tick", { key: "cpu", n, pad });
    await vi.waitFor(() => expect(running.server.stats.conflated).toBeGreaterThan(0), {
      timeout: 5000,
      interval: 20,
    });
    socket.resume();
    // The newest value still arrives last.
    let last = -1;
    while (last !== 299) last = ((await c.receive("tick", 5000)).payload as { n: number }).n;
    expect(running.server.stats.framesSent).toBeLessThan(300);
  });
});
