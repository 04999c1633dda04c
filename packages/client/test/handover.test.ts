// The SDK's hand-over on `draining` when it cannot complete in time: the node (the real server's
// channels, draining with a short window) closes the client with 1012 while the hand-over's
// connection is still waiting for its answer (a TCP relay holds it). That connection is the
// reconnect: no second one is opened behind it; when it fails, the client reconnects at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { startTestApp, type TestApp } from "../../../apps/server/test/harness.ts";
import { createClient } from "../src/client.ts";
import type { ClientState } from "../src/index.ts";
import { nextEvent, reachState, until } from "./helpers.ts";
import { startRelay } from "./relay.ts";

let t: TestApp;
let token: string;
let dash: number;
beforeAll(async () => {
  t = await startTestApp("sqlite", { config: { seedDemo: false } });
  await t.createUser("alice");
  token = await t.createToken("alice");
  dash = (await t.api("POST", "/api/v1/dashboards", { token, body: { name: "Ops" } })).body.id;
});
afterAll(() => t?.close());

describe("a hand-over the node closes before it is in", () => {
  it("keeps the pending connection as the reconnect, and reconnects at once when it fails", async () => {
    const relay = await startRelay(t.port);
    const client = createClient({
      url: `ws://127.0.0.1:${relay.port}/ws/dashboard/${dash}/`,
      token,
      WebSocket,
      heartbeatMs: 0,
      backoff: { initialMs: 30_000, maxMs: 30_000, factor: 2, jitter: 0 }, // only "at once" counts here
    });
    try {
      await reachState(client, "open");
      const states: ClientState[] = [];
      client.on("state", (s) => states.push(s.state));
      let handovers = 0;
      client.on("handover", () => handovers++);
      const reconnects: number[] = [];
      client.on("reconnect", (r) => reconnects.push(r.delayMs));
      relay.holdResponses = true; // the hand-over's connection gets no answer until release
      const drained = t.pb.channels.closeConnections(1012, "Service restart", { handoverMs: 300 });
      expect((await nextEvent(client, "draining")).within_ms).toBe(300);
      await until(() => relay.accepted === 2, "the hand-over's connection was opened");
      await drained; // the old connection got its 1012
      await until(() => client.state === "reconnecting", "the client knows it is offline");
      expect(relay.accepted).toBe(2); // no second connection behind the pending one
      expect(reconnects).toEqual([]); // nor one scheduled
      relay.release(); // the draining node's answer to it: refused (503)
      await until(() => reconnects.length > 0, "a reconnect was scheduled");
      expect(reconnects[0]).toBe(0); // at once (then backing off: this node refuses it too)
      await until(() => relay.accepted === 3, "the reconnect was made");
      expect(handovers).toBe(0);
      expect(states.slice(0, 2)).toEqual(["reconnecting", "connecting"]);
    } finally {
      client.close();
      await relay.close();
    }
  });
});
