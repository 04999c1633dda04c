// With sendCompletion on, every client frame is followed by {"action":"complete","payload":null}.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer({ sendCompletion: true });
let app: Running<typeof Room>;
beforeEach(async () => {
  app = await start({ consumers: [Room] });
});
afterEach(() => app.stop());

describe("completion messages", () => {
  it("sends complete after the reply, after a silent handler and after every kind of error", async () => {
    const c = await joinRoom(app);
    c.sendMessage("add", { a: 1, b: 1 });
    c.sendMessage("join", "extra");
    c.sendMessage("add", { a: "x" });
    c.sendRaw("not json");
    c.sendMessage("nope", null);
    c.sendMessage("fail", { kind: "crash" });
    const actions = (await c.receiveFrames(11)).map((f) => f.action);
    expect(await c.receiveAll(100)).toEqual([]);
    expect(actions).toEqual([
      "sum",
      "complete",
      "complete",
      "error",
      "complete",
      "error",
      "complete",
      "error",
      "complete",
      "error",
      "complete",
    ]);
  });

  it("sends no complete for frames of a consumer without sendCompletion", async () => {
    const Plain = roomConsumer();
    const other = await start({ consumers: [Plain] });
    try {
      const c = await other.connect("/ws/room/1/", { token: "token-ann" });
      await c.assertAuthenticated();
      c.sendMessage("join", "extra");
      c.sendMessage("ping", null);
      expect((await c.receiveUntil("pong")).map((f) => f.action)).toEqual(["welcome", "pong"]);
      expect(await c.receiveAll(200)).toEqual([]); // and no complete after it
    } finally {
      await other.stop();
    }
  });
});
