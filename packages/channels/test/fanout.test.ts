// Fan-out serializes each broadcast once: one JSON.stringify for 100 recipients, whether the
// frame goes straight to clients or through per-client event handlers forwarding it with sendRaw.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { Communicator } from "../src/testing.ts";
import { joinRoom, type Running, roomConsumer, start } from "./helpers.ts";

const Room = roomConsumer();
let app: Running<typeof Room>;
let clients: Communicator[];

beforeAll(async () => {
  app = await start({ consumers: [Room] });
  clients = await Promise.all(
    Array.from({ length: 100 }, (_, i) => joinRoom(app, { token: i % 2 ? "token-ann" : "token-bob" })),
  );
});
afterAll(() => app.stop());
afterEach(() => vi.restoreAllMocks());

// Counts serializations of outgoing frames only: Zod compiles its object parsers once, lazily,
// and that compilation calls JSON.stringify on property names.
function frameSerializations(calls: unknown[][]): number {
  return calls.filter(([value]) => typeof value === "object" && value !== null && "action" in value).length;
}

describe("fan-out", () => {
  it("serializes a broadcast to 100 clients exactly once", async () => {
    const stringify = vi.spyOn(JSON, "stringify");
    await app.server.broadcast("room.1", "chat_message", { from: "system", text: "once" });
    const calls = frameSerializations(stringify.mock.calls);
    stringify.mockRestore();
    expect(calls).toBe(1);
    for (const c of clients)
      expect(await c.receive()).toEqual({
        action: "chat_message",
        payload: { from: "system", text: "once" },
      });
  });

  it("serializes an event once even when 100 event handlers forward it with sendRaw", async () => {
    const stringify = vi.spyOn(JSON, "stringify");
    await app.server.groupSend("room.1", "tick", { n: 8 });
    const calls = frameSerializations(stringify.mock.calls);
    stringify.mockRestore();
    expect(calls).toBe(1);
    for (const c of clients) expect(await c.receive()).toEqual({ action: "tick", payload: { n: 8 } });
  });

  it("does not serialize an event at all when no handler forwards it", async () => {
    const stringify = vi.spyOn(JSON, "stringify");
    await app.server.groupSend("room.1", "tick", { n: 7 }); // odd ticks are filtered out by every handler
    const calls = frameSerializations(stringify.mock.calls);
    stringify.mockRestore();
    expect(calls).toBe(0);
    expect(await clients[0]!.receiveAll(100)).toEqual([]);
  });
});
