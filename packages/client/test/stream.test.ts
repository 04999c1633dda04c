import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { createClient, type PulseboardClient } from "../src/client.ts";
import { DashboardStream, type StreamChange } from "../src/stream.ts";
import { type FakeDashboardServer, startFakeDashboardServer } from "./fake-dashboard-server.ts";
import { nextEvent, reachState, sleep, until } from "./helpers.ts";

let server: FakeDashboardServer;
let client: PulseboardClient;
let stream: DashboardStream;
let changes: StreamChange[];
/** A manual "animation frame": flushes only when the test says so. */
let pending: Array<() => void>;
const frame = () => {
  for (const f of pending.splice(0)) f();
};

beforeEach(async () => {
  server = await startFakeDashboardServer();
  client = createClient({
    url: server.url,
    WebSocket,
    heartbeatMs: 0,
    backoff: { initialMs: 20, maxMs: 100, factor: 2, jitter: 0 },
  });
  pending = [];
  changes = [];
  stream = new DashboardStream(client, {
    capacity: 50,
    schedule: (flush) => {
      pending.push(flush);
      return () => pending.splice(pending.indexOf(flush), 1);
    },
  });
  stream.on("change", (c) => changes.push(c));
});
afterEach(async () => {
  stream.dispose();
  client.close();
  await server.close();
});

const values = (id: number) => Array.from(stream.snapshot.series.get(id)?.v ?? []);

describe("DashboardStream", () => {
  it("subscribes to every metric of the dashboard config", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "a subscribe");
    expect(server.received.find((m) => m.action === "subscribe")).toEqual({
      action: "subscribe",
      payload: [1, 2],
    });
  });

  it("emits one change per frame however many updates arrived", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    await sleep(20);
    frame();
    changes.length = 0;
    for (let i = 0; i < 30; i++) server.push(1, i);
    server.push(2, 5);
    await until(() => client.newest(2) !== undefined, "the last update reached the client");
    expect(changes).toHaveLength(0);
    frame();
    expect(changes).toHaveLength(1);
    expect([...changes[0]!.metrics].sort()).toEqual([1, 2]);
    expect(values(1)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("keeps the series of an unchanged metric as the same object", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    server.push(2, 1);
    await until(() => client.newest(2) !== undefined, "metric 2 has a point");
    frame();
    const before = stream.snapshot.series.get(2);
    server.push(1, 1);
    await until(() => client.newest(1) !== undefined, "metric 1 has a point");
    frame();
    expect(stream.snapshot.series.get(2)).toBe(before);
    expect(values(1)).toEqual([1]);
  });

  it("bounds each series at its capacity, keeping the newest points", async () => {
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    let last = server.push(1, 0);
    for (let i = 1; i < 80; i++) last = server.push(1, i);
    await until(() => client.newest(1) === last.timestamp, "the 80th point reached the client");
    frame();
    expect(values(1)).toEqual(Array.from({ length: 50 }, (_, i) => i + 30));
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
    frame();
    expect(values(1)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(stream.snapshot.state).toBe("open");
  });

  it("pause() sends pause and shows paused; resume() sends resume_stream", async () => {
    await reachState(client, "open");
    stream.pause();
    frame();
    expect(stream.snapshot.paused).toBe(true);
    stream.resume();
    frame();
    expect(stream.snapshot.paused).toBe(false);
    await until(() => server.received.some((m) => m.action === "resume_stream"), "resume_stream");
    expect(server.received.filter((m) => m.action === "pause" || m.action === "resume_stream")).toEqual([
      { action: "pause", payload: null },
      { action: "resume_stream", payload: null },
    ]);
  });
});

describe("DashboardStream with a refused connection", () => {
  it("shows the auth error and the closed state", async () => {
    const refused = createClient({ url: server.url.replace("/1/", "/2/"), WebSocket, heartbeatMs: 0 });
    const s = new DashboardStream(refused, {
      schedule: (f) => {
        pending.push(f);
        return () => {};
      },
    });
    await nextEvent(refused, "auth_error");
    frame();
    expect(s.snapshot.state).toBe("closed");
    expect(s.snapshot.error?.code).toBe("PB_ERR_CLIENT_NOT_FOUND");
    s.dispose();
  });
});
