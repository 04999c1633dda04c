// Admission pacing (server.ts): a burst of connections is let in a few handshakes at a time, in
// arrival order, and every one of them still completes — a reconnect storm queues, it is not refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineConsumer } from "../src/index.ts";
import type { Communicator } from "../src/testing.ts";
import { type Running, start } from "./helpers.ts";

let running = 0;
let most = 0;

const Slow = defineConsumer({
  path: "/ws/slow/",
  authenticators: [
    async (req) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 30));
      running--;
      return req.token ? { name: req.token } : null;
    },
  ],
  incoming: { ping: z.null() },
  outgoing: { pong: z.null() },
  handlers: { ping: () => ({ action: "pong", payload: null }) },
});

let app: Running<typeof Slow>;
beforeAll(async () => {
  app = await start({ consumers: [Slow], maxConcurrentHandshakes: 2 });
});
afterAll(() => app.stop());

describe("admission pacing", () => {
  it("runs at most maxConcurrentHandshakes handshakes at once and completes every one of a burst", async () => {
    const clients: Communicator[] = await Promise.all(
      Array.from({ length: 10 }, () => app.connect("/ws/slow/", { token: "t" })),
    );
    for (const c of clients) await c.assertAuthenticated(5000);
    for (const c of clients) c.sendMessage("ping", null);
    for (const c of clients) expect((await c.receive("pong")).payload).toBeNull();
    expect(most).toBe(2);
  });
});
