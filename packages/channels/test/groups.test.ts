// Groups: join/leave, cleanup on disconnect, broadcast (excludeCurrent), and server-side events
// from outside any socket handled by typed event handlers.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defineConsumer, ValidationError } from "../src/index.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
beforeEach(async () => {
  app = await start({ consumers: [Room] });
});
afterEach(() => app.stop());

const member = (token: string, room = 1) => joinRoom(app, { token }, room);

async function until(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe("groups", () => {
  it("broadcasts to the other members of the sender's group, excluding the sender", async () => {
    const ann = await member("token-ann");
    const bob = await member("token-bob");
    const annElsewhere = await member("token-ann", 2);
    ann.sendMessage("say", { text: "hello <b>all</b>" });
    expect(await bob.receive()).toEqual({
      action: "chat_message",
      payload: { from: "ann", text: "hello <b>all</b>" },
    });
    expect(await ann.receiveAll(150)).toEqual([]);
    expect(await annElsewhere.receiveAll(50)).toEqual([]);
  });

  it("delivers only to members: a connection that left a group stops receiving it", async () => {
    const ann = await member("token-ann");
    const bob = await member("token-bob");
    bob.sendMessage("leave", "room.1");
    await until(() => app.server.localGroupSize("room.1") === 1);
    await app.server.broadcast("room.1", "chat_message", { from: "system", text: "hi" });
    expect((await ann.receive()).payload).toEqual({ from: "system", text: "hi" });
    expect(await bob.receiveAll(150)).toEqual([]);
  });

  it("removes every membership of a connection when it disconnects", async () => {
    const ann = await member("token-ann");
    const bob = await member("token-bob");
    bob.sendMessage("join", "extra.a");
    bob.sendMessage("join", "extra.b");
    await until(() => app.server.localGroupSize("extra.b") === 1);
    expect(app.server.localGroupSize("room.1")).toBe(2);
    await bob.close();
    await until(() => app.server.connectionCount === 1);
    expect(app.server.localGroupSize("room.1")).toBe(1);
    expect(app.server.localGroupSize("extra.a")).toBe(0);
    expect(app.server.localGroupSize("extra.b")).toBe(0);
    await ann.close();
  });

  it("delivers a server-side event from outside any socket to the typed event handler", async () => {
    const ann = await member("token-ann");
    const bob = await member("token-bob");
    for (const n of [1, 2, 3, 4]) await app.server.groupSend("room.1", "tick", { n });
    // the handler forwards only even ticks, so the client sees its filtering
    for (const c of [ann, bob]) {
      const frames = await c.receiveFrames(2);
      expect(await c.receiveAll(150)).toEqual([]); // ticks 1 and 3 never come
      expect(frames).toEqual([
        { action: "tick", payload: { n: 2 } },
        { action: "tick", payload: { n: 4 } },
      ]);
    }
  });

  it("forwards an event the consumer has no handler for to the client as a frame", async () => {
    const ann = await member("token-ann");
    await app.server.groupSend("room.1", "notice", { text: "maintenance at noon" });
    expect(await ann.receive()).toEqual({ action: "notice", payload: { text: "maintenance at noon" } });
  });

  it("rejects an event payload that fails its schema at the sender, delivering nothing", async () => {
    const ann = await member("token-ann");
    // @ts-expect-error wrong payload type on purpose
    const bad = app.server.groupSend("room.1", "tick", { n: "NaN" });
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    await expect(app.server.groupSend("room.1", "tick", { n: 1.5 })).rejects.toMatchObject({
      code: "PB_ERR_VALIDATION",
    });
    expect(await ann.receiveAll(150)).toEqual([]);
  });

  it("sends nothing and fails nothing for a group without members", async () => {
    await expect(app.server.groupSend("room.404", "tick", { n: 2 })).resolves.toBeUndefined();
  });

  it("logs an event handler failure and still delivers the event to the other members", async () => {
    const Base = roomConsumer();
    const Fragile = defineConsumer({
      ...Base.definition,
      eventHandlers: {
        tick: (event, ctx, frame) => {
          if (ctx.user.name === "ann") throw new Error("handler bug");
          if (event.n % 2 === 0) ctx.sendRaw(frame);
        },
      },
    });
    const other = await start({ consumers: [Fragile] });
    try {
      const ann = await other.connect("/ws/room/1/", { token: "token-ann" });
      const bob = await other.connect("/ws/room/1/", { token: "token-bob" });
      for (const c of [ann, bob]) {
        await c.assertAuthenticated();
        await c.receive("welcome");
      }
      await other.server.groupSend("room.1", "tick", { n: 2 });
      expect(await bob.receive()).toEqual({ action: "tick", payload: { n: 2 } });
      expect(other.logs.some((l) => l.level === "error" && l.msg === "event handler failed")).toBe(true);
      ann.sendMessage("ping", null);
      expect(await ann.receive()).toEqual({ action: "pong", payload: null });
    } finally {
      await other.stop();
    }
  });
});
