// Limits: frame size (answered, or 1009 when huge), message rate (4029), Origin (HTTP 403),
// heartbeat (dead peers terminated) and slow consumers (4008).
import { afterEach, describe, expect, it, vi } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room> | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const member = (a: Running<typeof Room>, options = {}) => joinRoom(a, { token: "token-ann", ...options });

describe("frame size", () => {
  it("answers a frame over maxFrameBytes with an error, drops it and stays open", async () => {
    app = await start({ consumers: [Room], maxFrameBytes: 1024 });
    const c = await member(app);
    c.sendMessage("say", { text: "x".repeat(2000) });
    const frame = await c.receive();
    expect(frame.action).toBe("error");
    expect((frame.payload as { detail: string }).detail).toMatch(/exceeds the limit of 1024 bytes/);
    c.sendMessage("add", { a: 1, b: 2 });
    expect(await c.receive()).toEqual({ action: "sum", payload: 3 });
  });

  it("closes with 1009 on a frame over the hard limit (1 MiB by default)", async () => {
    app = await start({ consumers: [Room] });
    const c = await member(app);
    c.sendRaw(JSON.stringify({ action: "say", payload: { text: "x".repeat(1_100_000) } }));
    expect((await c.closed).code).toBe(1009);
  });
});

describe("rate limit", () => {
  it("closes a client that exceeds its message rate with 4029 and a reason", async () => {
    app = await start({ consumers: [Room], rateLimit: { messages: 5, perMs: 60_000 } });
    const c = await member(app);
    for (let i = 0; i < 10; i++) c.sendMessage("add", { a: i, b: 0 });
    const closed = await c.closed;
    expect(closed.code).toBe(4029);
    expect(closed.reason).toMatch(/Rate limit exceeded/);
  });

  it("lets a client that stays within its rate keep going", async () => {
    app = await start({ consumers: [Room], rateLimit: { messages: 5, perMs: 100 } });
    const c = await member(app);
    for (let i = 0; i < 8; i++) {
      c.sendMessage("add", { a: i, b: 0 });
      expect((await c.receive()).payload).toBe(i);
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(c.isOpen).toBe(true);
  });
});

describe("origin check", () => {
  it("refuses a disallowed browser Origin with HTTP 403 on upgrade", async () => {
    app = await start({ consumers: [Room], allowedOrigins: ["https://pulse.example"] });
    await expect(
      app.connect("/ws/room/1/", { token: "token-ann", origin: "https://evil.example" }),
    ).rejects.toMatchObject({
      status: 403,
    });
  });

  it("accepts an allowed Origin, and a client sending no Origin at all", async () => {
    app = await start({ consumers: [Room], allowedOrigins: ["https://pulse.example"] });
    await member(app, { origin: "https://pulse.example" });
    await member(app);
  });
});

describe("same-origin check", () => {
  it("accepts an Origin matching the Host header and refuses another, or a null Origin, with 403", async () => {
    app = await start({ consumers: [Room], allowedOrigins: ["same-origin"] });
    await member(app, { origin: `http://127.0.0.1:${app.port}` });
    for (const origin of [`http://127.0.0.1:${app.port + 1}`, "null", "http://evil.example"]) {
      await expect(app.connect("/ws/room/1/", { token: "token-ann", origin })).rejects.toMatchObject({
        status: 403,
      });
    }
  });
});

describe("heartbeat", () => {
  it("terminates a peer that does not answer pings, and keeps one that does", async () => {
    // 300 ms: long enough that a loaded machine's pauses never make the live peer look dead.
    app = await start({ consumers: [Room], heartbeatMs: 300 });
    const dead = await member(app, { wsOptions: { autoPong: false } });
    const alive = await member(app);
    const closed = await dead.closed;
    expect(closed.code).toBe(1006); // terminated, no closing handshake
    await new Promise((r) => setTimeout(r, 900));
    expect(alive.isOpen).toBe(true);
    expect(app.server.connectionCount).toBe(1);
  });
});

describe("slow consumer", () => {
  it("closes a client whose send buffer stays over maxBufferedBytes past the grace period with 4008", async () => {
    app = await start({ consumers: [Room], maxBufferedBytes: 64 * 1024, slowConsumerGraceMs: 200 });
    const c = await member(app);
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause(); // stop reading: the kernel buffers fill, then ws buffers in user space
    const chunk = "y".repeat(60 * 1024);
    for (let i = 0; i < 300; i++)
      await app.server.broadcast("room.1", "chat_message", { from: "x", text: chunk });
    const running = app;
    // Released at once, before the peer reads the close frame: logged, out of its groups and
    // no longer counted (others' presence must not wait for a peer that may never read again).
    await vi.waitFor(
      () => {
        expect(running.logs.some((l) => /PB_ERR_SLOW_CONSUMER/.test(JSON.stringify(l.obj)))).toBe(true);
        expect(running.server.connectionCount).toBe(0);
      },
      { timeout: 5000, interval: 20 },
    );
    socket.resume();
    expect((await c.closed).code).toBe(4008);
  });

  it("closes a client holding more than 10,000 unsent frames with 4008 and says so (not 'behind for … ms')", async () => {
    app = await start({ consumers: [Room], maxBufferedBytes: 64 * 1024, slowConsumerGraceMs: 60_000 });
    const c = await member(app);
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const chunk = "y".repeat(60 * 1024);
    for (let i = 0; i < 100; i++)
      await app.server.broadcast("room.1", "chat_message", { from: "x", text: chunk });
    await new Promise((r) => setTimeout(r, 100)); // written until the socket is full: now behind
    for (let i = 0; i < 10_500; i++)
      await app.server.broadcast("room.1", "chat_message", { from: "x", text: String(i) });
    const running = app;
    await vi.waitFor(() => expect(running.server.connectionCount).toBe(0), { timeout: 5000, interval: 20 });
    socket.resume();
    const closed = await c.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/more than 10000 frames waiting/);
  });
});
