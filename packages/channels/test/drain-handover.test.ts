// closeConnections with a hand-over window: every connection is told `draining` first and keeps
// being served until its client leaves; only the connections still open when the window ends are
// closed, with the given code.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
beforeEach(async () => {
  app = await start({ consumers: [Room] });
});
afterEach(() => app.stop());

describe("a drain with a hand-over window", () => {
  it("sends draining, keeps serving, and closes with the code only those still there at the end", async () => {
    const leaving = await joinRoom(app);
    const staying = await joinRoom(app);
    const drained = app.server.closeConnections(1012, "Service restart", { handoverMs: 600 });
    expect((await leaving.receive("draining")).payload).toEqual({ within_ms: 600 });
    expect((await staying.receive("draining")).payload).toEqual({ within_ms: 600 });
    // Still served during the window: a frame is answered, a group broadcast arrives.
    staying.sendMessage("ping", null);
    expect((await staying.receive("pong")).payload).toBeNull();
    await app.server.groupSend("room.1", "tick", { n: 2 });
    expect((await leaving.receive("tick")).payload).toEqual({ n: 2 });
    // One client moves (closes its socket); the drain goes on waiting for the other.
    leaving.ws.close(1000);
    expect((await leaving.closed).code).toBe(1000);
    expect(staying.isOpen).toBe(true);
    await drained;
    expect(await staying.closed).toEqual({ code: 1012, reason: "Service restart" });
  });

  it("refuses new upgrades during the window", async () => {
    const c = await joinRoom(app);
    const drained = app.server.closeConnections(1012, "Service restart", { handoverMs: 400 });
    await c.receive("draining");
    await expect(app.connect("/ws/room/1/", { token: "token-ann" })).rejects.toThrow();
    await drained;
    expect((await c.closed).code).toBe(1012);
  });
});
