// Write coalescing: frames for one client produced within one turn of the event loop leave in
// one socket write (one writev), not one write per frame — still one JSON message per frame.
import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Communicator } from "../src/testing.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
let ann: Communicator;

beforeAll(async () => {
  app = await start({ consumers: [Room] });
  ann = await joinRoom(app);
});
afterAll(() => app.stop());

/** Counts the stream-level writes (each one syscall) made by sockets other than `except`. */
function countWrites(except: Socket) {
  let writes = 0;
  const proto = Socket.prototype as unknown as Record<"_write" | "_writev", (...args: unknown[]) => unknown>;
  const spies = (["_write", "_writev"] as const).map((name) => {
    const original = proto[name];
    return vi.spyOn(proto, name).mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (this !== except) writes++;
      return original.apply(this, args);
    });
  });
  return {
    get writes() {
      return writes;
    },
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

describe("write coalescing", () => {
  it("sends twenty broadcasts of one turn to a client in a single socket write", async () => {
    const clientSocket = (ann.ws as unknown as { _socket: Socket })._socket;
    const counter = countWrites(clientSocket);
    try {
      for (let n = 0; n < 20; n++)
        void app.server.broadcast("room.1", "chat_message", { from: "system", text: `m${n}` });
      const frames = await ann.receiveFrames(20);
      expect(frames.map((f) => (f.payload as { text: string }).text)).toEqual(
        Array.from({ length: 20 }, (_, n) => `m${n}`),
      );
      expect(counter.writes).toBe(1);
    } finally {
      counter.restore();
    }
  });

  it("writes frames of different turns separately, in order", async () => {
    const clientSocket = (ann.ws as unknown as { _socket: Socket })._socket;
    const counter = countWrites(clientSocket);
    try {
      for (let n = 0; n < 3; n++) {
        await app.server.broadcast("room.1", "chat_message", { from: "system", text: `t${n}` });
        await new Promise((r) => setTimeout(r, 20));
      }
      const frames = await ann.receiveFrames(3);
      expect(frames.map((f) => (f.payload as { text: string }).text)).toEqual(["t0", "t1", "t2"]);
      expect(counter.writes).toBe(3);
    } finally {
      counter.restore();
    }
  });
});
