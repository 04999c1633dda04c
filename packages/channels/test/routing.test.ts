// Routing by action: validated payloads reach their handler and the return value goes back.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
beforeEach(async () => {
  app = await start({ consumers: [Room] });
});
afterEach(() => app.stop());

const ann = () => joinRoom(app);

describe("routing", () => {
  it("routes a frame by action and sends the handler's return value to the sender", async () => {
    const c = await ann();
    c.sendMessage("add", { a: 2, b: 40 });
    expect(await c.receive()).toEqual({ action: "sum", payload: 42 });
  });

  it("accepts a frame without payload when the schema allows it", async () => {
    const c = await ann();
    c.sendRaw(JSON.stringify({ action: "ping" }));
    expect(await c.receive()).toEqual({ action: "pong", payload: null });
  });

  it("keeps per-connection typed state between frames", async () => {
    const c = await ann();
    c.sendMessage("add", { a: 1, b: 1 });
    c.sendMessage("add", { a: 1, b: 1 });
    c.sendMessage("whoami", null);
    const me = await c.receive("me");
    expect(me.payload).toEqual({ user: "ann", groups: ["room.1"], seen: 2 });
  });

  it("handles frames of one connection one at a time, in order", async () => {
    const c = await ann();
    for (let i = 0; i < 20; i++) c.sendMessage("add", { a: i, b: 0 });
    const frames = await c.receiveFrames(20);
    expect(frames.map((f) => f.payload)).toEqual([...Array(20).keys()]);
    expect(await c.receiveAll(100)).toEqual([]);
  });

  it("matches the path with or without its trailing slash and refuses an unknown path with 404", async () => {
    const c = await app.connect("/ws/room/1", { token: "token-ann" });
    await c.assertAuthenticated();
    await expect(app.connect("/ws/nowhere/", { token: "token-ann" })).rejects.toMatchObject({ status: 404 });
  });

  it("decodes path params and refuses malformed percent-escapes with 404", async () => {
    const c = await app.connect("/ws/room/%31/", { token: "token-ann" }); // %31 is "1"
    await c.assertAuthenticated();
    await expect(app.connect("/ws/room/%E0%A4%A/", { token: "token-ann" })).rejects.toMatchObject({
      status: 404,
    });
    const other = await app.connect("/ws/room/1%2F2/", { token: "token-ann" }); // param "1/2": no such room
    expect((await other.receive()).payload).toMatchObject({ status_code: 404 });
  });
});
