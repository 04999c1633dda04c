import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type ClientOptions, createClient, type PulseboardClient } from "../src/client.ts";
import {
  ClientClosedError,
  ClientInvalidMessageError,
  ClientNoWebSocketError,
  ClientQueueFullError,
} from "../src/errors.ts";
import type { ClientState, MetricUpdate } from "../src/index.ts";
import { type FakeDashboardServer, startFakeDashboardServer } from "./fake-dashboard-server.ts";
import { nextEvent, reachState, sleep, until } from "./helpers.ts";

let server: FakeDashboardServer;
const clients: PulseboardClient[] = [];
const fast = { initialMs: 20, maxMs: 200, factor: 2, jitter: 0 };

function connect(opts: Partial<ClientOptions> = {}): PulseboardClient {
  const client = createClient({
    url: server.url,
    token: "t0k",
    WebSocket,
    backoff: fast,
    heartbeatMs: 0,
    ...opts,
  });
  clients.push(client);
  return client;
}

function trackStates(client: PulseboardClient): ClientState[] {
  const states: ClientState[] = [client.state];
  client.on("state", (s) => states.push(s.state));
  return states;
}

beforeEach(async () => {
  server = await startFakeDashboardServer({ token: "t0k" });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
});

describe("createClient", () => {
  it("goes connecting → authenticating → open and delivers the dashboard config", async () => {
    const client = connect();
    const states = trackStates(client);
    const config = await nextEvent(client, "dashboard_config");
    await reachState(client, "open");
    expect(states).toEqual(["connecting", "authenticating", "open"]);
    expect(config.metrics.map((m) => m.name)).toEqual(["cpu", "requests"]);
  });

  it("streams metric_update only for subscribed metrics", async () => {
    const client = connect();
    const updates: MetricUpdate[] = [];
    client.on("metric_update", (u) => updates.push(u));
    client.send("subscribe", [1]);
    await reachState(client, "open");
    await until(() => server.received.some((m) => m.action === "subscribe"), "the server got the subscribe");
    server.push(2, 99);
    server.push(1, 42);
    await until(() => updates.length === 1, "one update arrived");
    await sleep(50);
    expect(updates.map((u) => [u.metric_id, u.value])).toEqual([[1, 42]]);
  });

  it("refuses to send a payload the protocol refuses, and sends nothing", async () => {
    const client = connect();
    await reachState(client, "open");
    expect(() => client.send("subscribe", [-1])).toThrow(ClientInvalidMessageError);
    expect(() => client.send("subscribe", ["1"] as unknown as number[])).toThrow(ClientInvalidMessageError);
    expect(() => client.send("resume", { since: "yesterday" })).toThrow(ClientInvalidMessageError);
    expect(() => (client.send as (a: string, p: unknown) => void)("drop_tables", null)).toThrow(
      ClientInvalidMessageError,
    );
    client.send("ping");
    await until(() => server.received.length > 0, "the ping arrived");
    expect(server.received).toEqual([{ action: "ping", payload: null }]);
  });

  it("reports a malformed server frame as protocol_error and stays open", async () => {
    const client = connect();
    await reachState(client, "open");
    const errors: string[] = [];
    client.on("protocol_error", (e) => errors.push(e.code));
    server.raw("{not json");
    server.raw(JSON.stringify({ action: "metric_update", payload: { metric_id: 1, value: "NaN" } }));
    server.raw(JSON.stringify({ action: "from_the_future", payload: {} }));
    client.send("ping");
    await nextEvent(client, "pong");
    expect(errors).toEqual(["PB_ERR_CLIENT_PROTOCOL", "PB_ERR_CLIENT_PROTOCOL", "PB_ERR_CLIENT_PROTOCOL"]);
    expect(client.state).toBe("open");
  });

  it("keeps delivering to other listeners when one throws", async () => {
    const client = connect();
    const unhandled: unknown[] = [];
    const onUncaught = (e: unknown) => unhandled.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      client.on("dashboard_config", () => {
        throw new Error("listener bug");
      });
      const config = await nextEvent(client, "dashboard_config");
      await reachState(client, "open");
      expect(config.id).toBe(1);
      await until(() => unhandled.length === 1, "the listener error was rethrown asynchronously");
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });

  it("fails clearly without a WebSocket implementation", () => {
    expect(() => createClient({ url: server.url })).toThrow(ClientNoWebSocketError);
  });

  it("close() ends the client for good: state closed, no reconnect, send throws", async () => {
    const client = connect();
    await reachState(client, "open");
    const states = trackStates(client);
    client.close();
    await sleep(100);
    expect(states).toEqual(["open", "closed"]);
    expect(server.connections).toBe(0);
    expect(() => client.send("ping")).toThrow(ClientClosedError);
  });
});

describe("authentication failures are terminal", () => {
  it("a bad token surfaces auth_error 401 and never reconnects", async () => {
    const client = connect({ token: "wrong" });
    const states = trackStates(client);
    const reconnects: number[] = [];
    client.on("reconnect", (r) => reconnects.push(r.attempt));
    const error = await nextEvent(client, "auth_error");
    expect(error.code).toBe("PB_ERR_CLIENT_UNAUTHENTICATED");
    expect(error.status).toBe(401);
    expect(error.message).toBe("refused 401");
    await sleep(200); // ten times the backoff: a loop would have shown by now
    expect(reconnects).toEqual([]);
    expect(states).toEqual(["connecting", "authenticating", "closed"]);
  });

  it("an unknown dashboard surfaces auth_error 404 and never reconnects", async () => {
    const client = connect({ url: server.url.replace("/1/", "/9/") });
    const error = await nextEvent(client, "auth_error");
    expect(error.code).toBe("PB_ERR_CLIENT_NOT_FOUND");
    await sleep(200);
    expect(client.state).toBe("closed");
  });
});

describe("reconnect", () => {
  it("reconnects after the server restarts on the same port: states, re-subscribe, resume", async () => {
    const client = connect();
    client.send("subscribe", [1]);
    await reachState(client, "open");
    await until(() => server.received.some((m) => m.action === "subscribe"), "the first subscribe");
    const seen = server.push(1, 1);
    await nextEvent(client, "metric_update");
    const states = trackStates(client);

    await server.stop();
    await reachState(client, "reconnecting");
    await sleep(100); // a few failed attempts against the closed port
    await server.start();
    const opened = await nextEvent(client, "state", (s) => s.state === "open");

    expect(opened.reconnected).toBe(true);
    expect(states.slice(0, 3)).toEqual(["open", "reconnecting", "connecting"]);
    expect(states.slice(-2)).toEqual(["authenticating", "open"]);
    await until(() => server.received.some((m) => m.action === "resume"), "the resume");
    const after = server.received.slice(server.received.findIndex((m) => m.action === "subscribe") + 1);
    expect(after.filter((m) => m.action !== "ping")).toEqual([
      { action: "subscribe", payload: [1] },
      { action: "resume", payload: { since: { "1": seen.timestamp } } },
    ]);
  });

  it("re-sends the series selectors it holds after a reconnect, after the id subscriptions", async () => {
    const client = connect();
    client.send("subscribe", [1]);
    client.send("subscribe_series", { selector: 'cpu{host=~"web-.*"}' });
    client.send("subscribe_series", { selector: "mem" });
    await reachState(client, "open");
    client.send("unsubscribe_series", { selector: "mem" });
    await until(
      () => server.received.some((m) => m.action === "unsubscribe_series"),
      "the unsubscribe_series",
    );
    expect(() => client.send("subscribe_series", { selector: "" })).toThrow(ClientInvalidMessageError);

    await server.stop();
    await reachState(client, "reconnecting");
    server.received.length = 0;
    await server.start();
    await nextEvent(client, "state", (s) => s.state === "open");
    await until(() => server.received.some((m) => m.action === "subscribe_series"), "the selector again");
    expect(server.received.filter((m) => m.action.includes("subscribe"))).toEqual([
      { action: "subscribe", payload: [1] },
      { action: "subscribe_series", payload: { selector: 'cpu{host=~"web-.*"}' } },
    ]);
    expect([...client.selectors]).toEqual(['cpu{host=~"web-.*"}']);
  });

  it("backs off exponentially between failed attempts, up to maxMs", async () => {
    const client = connect({ backoff: { initialMs: 10, maxMs: 40, factor: 2, jitter: 0 } });
    await reachState(client, "open");
    const delays: number[] = [];
    client.on("reconnect", (r) => delays.push(r.delayMs));
    await server.stop();
    await until(() => delays.length >= 5, "five attempts");
    expect(delays.slice(0, 5)).toEqual([10, 20, 40, 40, 40]);
  });

  it("reconnects at once, without a backoff, when the server closes with 1012 (a node restarting)", async () => {
    const client = connect({ backoff: { initialMs: 60_000, maxMs: 60_000, factor: 2, jitter: 0 } });
    await reachState(client, "open");
    const delays: number[] = [];
    client.on("reconnect", (r) => delays.push(r.delayMs));
    server.kick(1012);
    const opened = await nextEvent(client, "state", (s) => s.state === "open");
    expect(opened.reconnected).toBe(true);
    expect(delays).toEqual([0]);
  });

  it("waits its backoff after other closes (1001 going away)", async () => {
    const client = connect({ backoff: { initialMs: 60_000, maxMs: 60_000, factor: 2, jitter: 0 } });
    await reachState(client, "open");
    const delays: number[] = [];
    client.on("reconnect", (r) => delays.push(r.delayMs));
    server.kick(1001);
    await reachState(client, "reconnecting");
    expect(delays).toEqual([60_000]);
  });

  it("flushes the offline queue and the coalesced subscriptions after reconnecting", async () => {
    const client = connect({ queueLimit: 2 });
    client.send("subscribe", [1]);
    await reachState(client, "open");
    await server.stop();
    await reachState(client, "reconnecting");
    const base = server.received.length;
    client.send("subscribe", [2]);
    client.send("unsubscribe", [1]);
    client.send("subscribe", [1]);
    client.send("resume", { since: "2026-11-24T09:00:00Z" });
    client.send("resume", { since: "2026-11-24T09:30:00Z" });
    expect(() => client.send("resume", { since: "2026-11-24T09:45:00Z" })).toThrow(ClientQueueFullError);
    client.send("ping"); // meaningless offline: dropped, not queued
    expect(client.queued).toBe(2);
    await server.start();
    await reachState(client, "open");
    await until(() => server.received.length >= base + 3, "the flushed frames");
    expect(server.received.slice(base)).toEqual([
      { action: "subscribe", payload: [1, 2] },
      { action: "resume", payload: { since: "2026-11-24T09:00:00Z" } },
      { action: "resume", payload: { since: "2026-11-24T09:30:00Z" } },
    ]);
    expect(client.queued).toBe(0);
  });
});

describe("resume without gaps", () => {
  it("fills an outage longer than the history window: every point once, via history or replay", async () => {
    const client = connect();
    const delivered: string[] = [];
    const updates: string[] = [];
    const repeats: string[] = [];
    client.on("metric_history", (h) => {
      for (const p of h.values) if (!delivered.includes(p.timestamp)) delivered.push(p.timestamp);
    });
    client.on("metric_update", (u) => {
      // a replayed point must never repeat one the client already delivered
      if (delivered.includes(u.timestamp)) repeats.push(u.timestamp);
      else delivered.push(u.timestamp);
      updates.push(u.timestamp);
    });
    client.send("subscribe", [1]);
    await reachState(client, "open");
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    const all = [server.push(1, 1), server.push(1, 2)];
    await until(() => updates.length === 2, "live points");

    await server.stop();
    // 150 points while away: the 100-point history on reconnect cannot cover them all.
    for (let i = 0; i < 150; i++) all.push(server.store(1, i));
    await server.start();
    const resumed = await nextEvent(client, "resumed");
    expect(resumed.count).toBe(150); // the server replays everything newer than the last point seen
    all.push(server.push(1, 6));
    await until(() => delivered.length === all.length, `${all.length} points delivered`);
    await sleep(50);
    expect([...delivered].sort()).toEqual(all.map((p) => p.timestamp));
    expect(repeats).toEqual([]);
  });

  it("drops a metric_update whose (metric_id, timestamp) was already delivered", async () => {
    const client = connect();
    const got: number[] = [];
    client.on("metric_update", (u) => got.push(u.value));
    client.send("subscribe", [1]);
    await reachState(client, "open");
    await until(() => server.received.some((m) => m.action === "subscribe"), "subscribed");
    const p = server.push(1, 7);
    server.push(1, 8, p.timestamp); // same key: a replay would look like this
    server.push(1, 9);
    await until(() => got.length === 2, "two distinct points");
    await sleep(50);
    expect(got).toEqual([7, 9]);
  });
});

describe("heartbeat", () => {
  it("pings every heartbeatMs", async () => {
    const client = connect({ heartbeatMs: 50 });
    await reachState(client, "open");
    await until(() => server.received.filter((m) => m.action === "ping").length >= 3, "three pings");
  });

  it("treats a peer that stops answering as dead and reconnects", async () => {
    const client = connect({ heartbeatMs: 200 });
    await reachState(client, "open");
    const states = trackStates(client);
    server.freeze(); // TCP stays up; only silence tells
    await reachState(client, "reconnecting", 5000);
    expect(states).toEqual(["open", "reconnecting"]);
  });
});
