// The handshake: accept, then an authentication frame (200, or 401/403/404 + close 4001/4003/4004),
// then the post-authentication hook, then any client frames that arrived meanwhile.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AuthResult, defineConsumer, ForbiddenError } from "../src/index.ts";
import { type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
const SlowRoom = roomConsumer({ slowAuthMs: 300, path: "/ws/slow/:id/" });
const Refusing = defineConsumer({
  path: "/ws/refusing/:mode/",
  authenticators: [
    (req) => {
      if (req.params.mode === "deny") return AuthResult.deny(401, "Token expired");
      if (req.params.mode === "throw") throw new ForbiddenError("Banned");
      if (req.params.mode === "crash") throw new Error("db down");
      return { id: 9 };
    },
  ],
  incoming: { ping: z.null().optional() },
  handlers: { ping: () => undefined },
});
let app: Running<typeof Room | typeof SlowRoom | typeof Refusing>;
beforeEach(async () => {
  app = await start({ consumers: [Room, SlowRoom, Refusing] });
});
afterEach(() => app.stop());

async function refused(path: string, options = {}) {
  const c = await app.connect(path, options);
  const closed = await c.closed;
  return { frames: await c.receiveAll(0), closed };
}

describe("handshake", () => {
  it("accepts valid credentials with a 200 authentication frame", async () => {
    const c = await app.connect("/ws/room/1/", { token: "token-bob" });
    expect(await c.receive()).toEqual({
      action: "authentication",
      payload: { status_code: 200, status_text: "OK", data: { detail: "OK" } },
    });
  });

  it("accepts a token from the ?token= query and a session from the cookie", async () => {
    const q = await app.connect("/ws/room/1/?token=token-ann");
    await q.assertAuthenticated();
    const k = await app.connect("/ws/room/1/", { cookie: "other=1; session=token-bob" });
    await k.assertAuthenticated();
  });

  it("refuses missing or unknown credentials with 401 and closes with 4001", async () => {
    for (const options of [{}, { token: "nope" }, { cookie: "session=nope" }]) {
      const { frames, closed } = await refused("/ws/room/1/", options);
      expect(frames).toEqual([
        {
          action: "authentication",
          payload: { status_code: 401, status_text: "Unauthorized", data: { detail: expect.any(String) } },
        },
      ]);
      expect(closed.code).toBe(4001);
    }
  });

  it("refuses an object that does not exist with 404 / 4004, after authentication", async () => {
    const { frames, closed } = await refused("/ws/room/999/", { token: "token-ann" });
    expect(frames[0]).toMatchObject({ action: "authentication", payload: { status_code: 404 } });
    expect(closed.code).toBe(4004);
    // unauthenticated callers learn nothing about which objects exist
    const anon = await refused("/ws/room/999/");
    expect(anon.closed.code).toBe(4001);
  });

  it("checks object-level permission on the loaded object: a non-member gets 403 / 4003", async () => {
    // bob is a member of room 1 but not of room 2
    const { frames, closed } = await refused("/ws/room/2/", { token: "token-bob" });
    expect(frames).toEqual([
      {
        action: "authentication",
        payload: {
          status_code: 403,
          status_text: "Forbidden",
          data: { detail: "You are not a member of this room" },
        },
      },
    ]);
    expect(closed).toEqual({ code: 4003, reason: "You are not a member of this room" });
    const ann = await app.connect("/ws/room/2/", { token: "token-ann" });
    await ann.assertAuthenticated();
  });

  it("lets an authenticator refuse with its own status and detail (deny or thrown error)", async () => {
    const denied = await refused("/ws/refusing/deny/");
    expect(denied.frames[0]).toMatchObject({
      payload: { status_code: 401, data: { detail: "Token expired" } },
    });
    expect(denied.closed.code).toBe(4001);
    const thrown = await refused("/ws/refusing/throw/");
    expect(thrown.frames[0]).toMatchObject({ payload: { status_code: 403, data: { detail: "Banned" } } });
    expect(thrown.closed.code).toBe(4003);
  });

  it("closes with 1011 and logs when an authenticator crashes, without leaking the error", async () => {
    const { frames, closed } = await refused("/ws/refusing/crash/");
    expect(frames).toEqual([]);
    expect(closed).toEqual({ code: 1011, reason: "Internal server error" });
    expect(app.logs.some((l) => l.level === "error" && l.msg === "handshake failed")).toBe(true);
  });

  it("closes with 1011 when the handshake does not finish within handshakeTimeoutMs", async () => {
    const Hanging = defineConsumer({
      path: "/ws/hanging/",
      authenticators: [() => new Promise<null>(() => {})],
      incoming: { ping: z.null().optional() },
      handlers: { ping: () => undefined },
    });
    const hanging = await start({ consumers: [Hanging], handshakeTimeoutMs: 200 });
    try {
      const c = await hanging.connect("/ws/hanging/");
      expect(await c.receiveAll(100)).toEqual([]);
      expect(await c.closed).toEqual({ code: 1011, reason: "Internal server error" });
      await vi.waitFor(() => expect(hanging.server.connectionCount).toBe(0));
    } finally {
      await hanging.stop();
    }
  });

  it("runs the post-authentication hook after the 200 frame and before anything else", async () => {
    const c = await app.connect("/ws/room/1/", { token: "token-ann" });
    const frames = await c.receiveUntil("welcome");
    expect(frames.map((f) => f.action)).toEqual(["authentication", "welcome"]);
    expect(frames[1]?.payload).toEqual({ user: "ann", room: "general" });
  });

  it("queues frames sent before authentication finishes and handles them after, in order", async () => {
    const c = await app.connect("/ws/slow/1/", { token: "token-ann" });
    c.sendMessage("add", { a: 1, b: 1 });
    c.sendRaw("garbage");
    c.sendMessage("add", { a: 2, b: 2 });
    const frames = await c.receiveUntil("sum", { predicate: (f) => f.payload === 4 });
    expect(frames.map((f) => f.action)).toEqual(["authentication", "welcome", "sum", "error", "sum"]);
    expect(frames.filter((f) => f.action === "sum").map((f) => f.payload)).toEqual([2, 4]);
  });

  it("drops queued frames of a connection whose authentication fails", async () => {
    const c = await app.connect("/ws/slow/1/", { token: "wrong" });
    c.sendMessage("add", { a: 1, b: 1 });
    expect((await c.closed).code).toBe(4001);
    const frames = await c.receiveAll(0);
    expect(frames.map((f) => f.action)).toEqual(["authentication"]);
  });
});

describe("handshake failures after authentication", () => {
  it("closes with 1011 and logs when the post-authentication hook throws", async () => {
    const Broken = defineConsumer({
      path: "/ws/broken/",
      incoming: { ping: z.null().optional() },
      onAuthenticated: () => {
        throw new Error("cannot load config");
      },
      handlers: { ping: () => undefined },
    });
    const other = await start({ consumers: [Broken] });
    try {
      const c = await other.connect("/ws/broken/");
      await c.assertAuthenticated();
      expect(await c.closed).toEqual({ code: 1011, reason: "Internal server error" });
      expect(other.logs.some((l) => l.level === "error" && l.msg === "onAuthenticated failed")).toBe(true);
    } finally {
      await other.stop();
    }
  });

  it("closes with 4029 a client that piles up more frames than maxQueuedFrames during the handshake", async () => {
    const other = await start({ consumers: [SlowRoom], maxQueuedFrames: 10, rateLimit: false });
    try {
      const c = await other.connect("/ws/slow/1/", { token: "token-ann" });
      for (let i = 0; i < 20; i++) c.sendMessage("ping", null);
      expect((await c.closed).code).toBe(4029);
    } finally {
      await other.stop();
    }
  });
});
