import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { PulseboardClient } from "../src/client.ts";
import { LiveConnection } from "../src/live-connection.ts";
import { LiveStore } from "../src/live-store.ts";
import { type FakeDashboardServer, startFakeDashboardServer } from "./fake-dashboard-server.ts";
import { nextEvent, reachState, until } from "./helpers.ts";

let server: FakeDashboardServer;
let store: LiveStore;
let connection: LiveConnection;
let client: PulseboardClient;
/** A manual "animation frame": the store flushes only when the test says so. */
let pending: Array<() => void>;
/** The store's clock (ms), for its frame budget: only a test's own draws advance it. */
let clock = 0;
/** Runs the queued flushes, and the draws each lets run after its first (microtasks). */
const frame = async () => {
  for (const f of pending.splice(0)) await f();
};
const options = () => ({
  WebSocket,
  heartbeatMs: 0,
  backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
});

beforeEach(async () => {
  server = await startFakeDashboardServer();
  pending = [];
  store = new LiveStore(
    (flush) => pending.push(flush),
    () => clock,
  );
  connection = new LiveConnection(store, { ...options(), url: server.url });
  client = connection.start();
});
afterEach(async () => {
  connection.close();
  await server.close();
});

const values = (s: LiveStore, id: number) => Array.from(s.seriesFor(id).ring.view()[1]);

describe("LiveStore fed by a LiveConnection", () => {
  it("subscribes to every metric of the dashboard config and shows its description", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "a subscribe");
    expect(server.received.find((m) => m.action === "subscribe")).toEqual({
      action: "subscribe",
      payload: [1, 2],
    });
    expect(store.getSnapshot().name).toBe("Main");
    expect(store.getSnapshot().metrics.map((m) => m.id)).toEqual([1, 2]);
  });

  it("applies a burst of updates in one frame: each changed series tells its listeners once", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    await frame();
    const calls = { 1: 0, 2: 0 };
    store.seriesFor(1).listeners.add(() => calls[1]++);
    store.seriesFor(2).listeners.add(() => calls[2]++);
    for (let i = 0; i < 30; i++) server.push(1, i);
    server.push(2, 5);
    await until(() => client.newest(2) !== undefined, "the last update reached the client");
    expect(values(store, 1)).toEqual([]); // queued, not drawn before the frame
    await frame();
    expect(calls).toEqual({ 1: 1, 2: 1 });
    expect(values(store, 1)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(store.received).toBe(31);
  });

  it("draws a chart of several changed series once per frame; past the frame's budget the rest draw in the next frame, the deferred first", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    await frame();
    const drawn: string[] = [];
    // The store's clock: a draw "takes" what the test says.
    const busy = (ms: number) => {
      clock += ms;
    };
    // One chart drawing both series; then three slow single-series charts.
    const both = () => drawn.push("both");
    store.seriesFor(1).listeners.add(both);
    store.seriesFor(2).listeners.add(both);
    for (const name of ["a", "b", "c"])
      store.seriesFor(1).listeners.add(() => {
        drawn.push(name);
        busy(3);
      });
    const before = store.received;
    server.push(1, 1);
    server.push(2, 2);
    await until(() => store.received === before + 2, "both updates reached the store");
    await frame();
    // 4 ms of budget: "both" and two 3 ms charts are drawn (the second crosses it), "c" waits; the next frame is already asked for.
    expect(drawn).toEqual(["both", "a", "b"]);
    expect(pending.length).toBe(1);
    server.push(1, 3);
    await until(() => store.received === before + 3, "the next update reached the store");
    await frame();
    // The deferred chart first (drawing the new point too, so it is not owed again), then the ones
    // the new point made owe a draw, until the budget.
    expect(drawn.slice(3)).toEqual(["c", "both", "a"]);
    await frame();
    expect(drawn.slice(6)).toEqual(["b"]);
    expect(pending.length).toBe(0);
    expect(values(store, 1)).toEqual([1, 3]);
  });

  it("after a restart the series has every point once: history, replay and live merged", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    server.push(1, 1);
    server.push(1, 2);
    await nextEvent(client, "metric_update", (u) => u.value === 2);
    await server.stop();
    for (let i = 3; i <= 20; i++) server.store(1, i);
    await server.start();
    await nextEvent(client, "resumed");
    server.push(1, 21);
    await nextEvent(client, "metric_update", (u) => u.value === 21);
    await frame();
    expect(values(store, 1)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(store.getSnapshot().state).toBe("open");
  });

  it("pause() sends pause and shows paused; resumeStream() sends resume_stream", async () => {
    await reachState(client, "open");
    connection.pause();
    expect(store.getSnapshot().paused).toBe(true);
    connection.resumeStream();
    expect(store.getSnapshot().paused).toBe(false);
    await until(() => server.received.some((m) => m.action === "resume_stream"), "resume_stream");
    expect(server.received.filter((m) => m.action === "pause" || m.action === "resume_stream")).toEqual([
      { action: "pause", payload: null },
      { action: "resume_stream", payload: null },
    ]);
  });

  it("a refused connection shows as denied with the server's reason", async () => {
    const refusedStore = new LiveStore((flush) => pending.push(flush));
    const refused = new LiveConnection(refusedStore, { ...options(), url: server.url.replace("/1/", "/2/") });
    const c = refused.start();
    await nextEvent(c, "auth_error");
    await until(() => c.state === "closed", "the client closed");
    expect(refusedStore.getSnapshot().state).toBe("denied");
    expect(refusedStore.getSnapshot().error?.code).toBe("PB_ERR_CLIENT_NOT_FOUND");
    refused.close();
  });
});
