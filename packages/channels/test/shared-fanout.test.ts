// Shared batches (src/shared-fanout.ts): connections that share topics receive the frames of a
// turn as one pre-framed Buffer per cohort, with no event handler call per client — the same
// frames, in the same order, as the per-connection path delivers; a client with its own set, one
// that changes its set mid-turn, and one that falls behind each still get exactly their frames.
import { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineConsumer } from "../src/index.ts";
import type { Communicator, Frame } from "../src/testing.ts";
import { type Running, start } from "./helpers.ts";

const GROUP = "feed";
let handlerCalls = 0;

const Update = z.object({ key: z.number().int(), n: z.number().int(), pad: z.string().optional() });

const Feed = defineConsumer({
  path: "/ws/feed/",
  authenticators: [(req) => (req.token ? { name: req.token } : null)],
  incoming: {
    /** Filter by these keys; `share` also takes them from the shared batch. */
    topics: z.object({ keys: z.array(z.number().int()), share: z.boolean() }),
    /** Within one turn: publish, change to `keys`, publish again. */
    retopic: z.array(z.number().int()),
    ping: z.null(),
  },
  outgoing: { pong: z.null(), ready: z.null() },
  events: { update: Update, notice: z.object({ text: z.string() }) },
  state: () => ({ filter: new Set<number>() }),
  latestWins: { update: (u) => u.key },
  sharedEvents: { update: (u) => u.key },
  onAuthenticated: async (ctx) => {
    await ctx.join(GROUP);
    ctx.send("ready", null);
  },
  handlers: {
    topics: ({ keys, share }, ctx) => {
      ctx.state.filter = new Set(keys);
      ctx.shareTopics(share ? keys : null);
      return { action: "pong", payload: null };
    },
    retopic: async (keys, ctx) => {
      await ctx.groupSend(GROUP, "update", { key: 1, n: 100 });
      ctx.state.filter = new Set(keys);
      ctx.shareTopics(keys);
      await ctx.groupSend(GROUP, "update", { key: 1, n: 101 });
      await ctx.groupSend(GROUP, "update", { key: 2, n: 102 });
    },
    ping: () => ({ action: "pong", payload: null }),
  },
  eventHandlers: {
    // The per-connection path: exactly what sharedEvents promises for a connection in this state.
    update: (event, ctx, frame) => {
      handlerCalls++;
      if (ctx.state.filter.has(event.key)) ctx.sendRaw(frame);
    },
  },
});

let app: Running<typeof Feed>;

beforeAll(async () => {
  app = await start({ consumers: [Feed], slowConsumerGraceMs: 30_000, rateLimit: false });
});
afterAll(() => app.stop());

async function client(keys: number[], share: boolean): Promise<Communicator> {
  const c = await app.connect("/ws/feed/", { token: "t" });
  await c.assertAuthenticated();
  await c.receive("ready");
  c.sendMessage("topics", { keys, share });
  await c.receive("pong");
  return c;
}

const updates = (frames: Frame[]) =>
  frames.map((f) =>
    f.action === "update"
      ? (f.payload as { key: number; n: number }).n
      : `${f.action}:${JSON.stringify(f.payload)}`,
  );

/** Counts stream-level socket writes (each one syscall) while `run` runs. */
async function countingWrites<T>(run: () => Promise<T>): Promise<{ writes: number; result: T }> {
  let writes = 0;
  const proto = Socket.prototype as unknown as Record<"_write" | "_writev", (...args: unknown[]) => unknown>;
  const spies = (["_write", "_writev"] as const).map((name) => {
    const original = proto[name];
    return vi.spyOn(proto, name).mockImplementation(function (this: Socket, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    });
  });
  try {
    const result = await run();
    return { writes, result };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe("shared batches", () => {
  it("deliver the same frames in the same order as the per-connection path, in one write per client and no handler call", async () => {
    const shared = await Promise.all(Array.from({ length: 20 }, () => client([1, 2], true)));
    const own = await client([1, 2], false); // same filter, through its handler: the reference
    handlerCalls = 0;
    const { writes, result } = await countingWrites(async () => {
      void app.server.groupSend(GROUP, "update", { key: 1, n: 1 });
      void app.server.groupSend(GROUP, "update", { key: 3, n: 2 });
      void app.server.groupSend(GROUP, "notice", { text: "to everyone" });
      void app.server.broadcast(GROUP, "pong", null);
      void app.server.groupSend(GROUP, "update", { key: 2, n: 3 });
      void app.server.groupSend(GROUP, "update", { key: 1, n: 4 });
      return Promise.all([own, ...shared].map((c) => c.receiveFrames(5)));
    });
    const expected = [1, 'notice:{"text":"to everyone"}', "pong:null", 3, 4];
    for (const frames of result) expect(updates(frames)).toEqual(expected);
    expect(handlerCalls).toBe(4); // the four updates, for the one client on its own path only
    expect(writes).toBe(21);
    for (const c of [own, ...shared]) {
      expect(await c.receiveAll(100)).toEqual([]);
      await c.close();
    }
  });

  it("give a client with its own subscription set exactly its frames", async () => {
    const one = await client([1], true);
    const twoThree = await client([2, 3], true);
    const alone = await client([3], false);
    const none = await client([], true);
    for (const [key, n] of [
      [1, 10],
      [2, 11],
      [3, 12],
      [1, 13],
      [4, 14],
    ] as const)
      void app.server.groupSend(GROUP, "update", { key, n });
    expect(updates(await one.receiveFrames(2))).toEqual([10, 13]);
    expect(updates(await twoThree.receiveFrames(2))).toEqual([11, 12]);
    expect(updates(await alone.receiveFrames(1))).toEqual([12]);
    for (const c of [one, twoThree, alone, none]) {
      expect(await c.receiveAll(100)).toEqual([]);
      await c.close();
    }
  });

  it.each([
    { from: [1], to: [2], mover: [100, 102] },
    { from: [2], to: [1], mover: [101] },
  ])("apply a change of set mid-turn ($from → $to) to what is published after it, not before", async (t) => {
    const mover = await client(t.from, true);
    const stayer = await client([1], true);
    mover.sendMessage("retopic", t.to);
    expect(updates(await mover.receiveFrames(t.mover.length))).toEqual(t.mover);
    expect(updates(await stayer.receiveFrames(2))).toEqual([100, 101]);
    for (const c of [mover, stayer]) {
      expect(await c.receiveAll(100)).toEqual([]);
      await c.close();
    }
  });

  it("hold and conflate for a client that falls behind, then take it back into the batch", async () => {
    const reader = await client([1, 2], true);
    const slow = await client([1, 2], true);
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause(); // stops reading: the server's send buffer fills
    const pad = "x".repeat(4096);
    const total = 3000;
    for (let n = 1; n <= total; n++) {
      void app.server.groupSend(GROUP, "update", { key: 1 + (n % 2), n, pad });
      if (n % 50 === 0) await new Promise((r) => setImmediate(r)); // many turns, as live traffic
    }
    const all = await reader.receiveFrames(total, 20_000);
    expect(updates(all)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    socket.resume();
    const got = await slow.receiveUntil("update", {
      timeoutMs: 20_000,
      predicate: (f) => (f.payload as { n: number }).n === total,
    });
    const seen = updates(got) as number[];
    // Frames were skipped (held and conflated), never reordered; each key ends on its latest value.
    expect(seen.length).toBeLessThan(total);
    for (const key of [1, 2]) {
      const ofKey = got
        .filter((f) => (f.payload as { key: number }).key === key)
        .map((f) => (f.payload as { n: number }).n);
      expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
      expect(ofKey.at(-1)).toBe(key === 1 ? total : total - 1);
    }
    // Caught up: it takes the shared batch again (no handler call for it).
    await slow.receiveAll(200);
    handlerCalls = 0;
    void app.server.groupSend(GROUP, "update", { key: 1, n: total + 1 });
    expect(updates(await slow.receiveFrames(1))).toEqual([total + 1]);
    expect(updates(await reader.receiveFrames(1))).toEqual([total + 1]);
    expect(handlerCalls).toBe(0);
    await Promise.all([reader.close(), slow.close()]);
  });

  it("are counted in the delivery stats as the per-connection path counts them: each frame and its bytes per recipient", async () => {
    const shared = await Promise.all(Array.from({ length: 3 }, () => client([1], true)));
    const own = await client([1], false);
    const before = { ...app.server.stats };
    void app.server.groupSend(GROUP, "update", { key: 1, n: 40 });
    void app.server.groupSend(GROUP, "update", { key: 1, n: 41 });
    for (const c of [own, ...shared]) expect(updates(await c.receiveFrames(2))).toEqual([40, 41]);
    // Each frame: 2 bytes of WebSocket header (short payload) + the JSON text.
    const bytes = [40, 41]
      .map((n) => 2 + Buffer.byteLength(JSON.stringify({ action: "update", payload: { key: 1, n } })))
      .reduce((a, b) => a + b);
    expect(app.server.stats.framesSent - before.framesSent).toBe(4 * 2);
    expect(app.server.stats.bytesSent - before.bytesSent).toBe(4 * bytes);
    for (const c of [own, ...shared]) await c.close();
  });
});
