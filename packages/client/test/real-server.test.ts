// The client against the real Pulseboard server (apps/server over SQLite, started by its test
// harness): restart on the same port, resume across a gap larger than the history window, terminal
// auth failures, offline queue, a silent peer (a TCP relay that stops forwarding), and the live
// store on top: a saved view resumed by a new store, alert states following a live alert.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { buildApp, type PulseboardApp } from "../../../apps/server/src/app.ts";
import {
  createTestDatabase,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from "../../../apps/server/test/harness.ts";
import { AlertStates } from "../src/alert-states.ts";
import { type ClientOptions, createClient, type PulseboardClient } from "../src/client.ts";
import type { Alert, ClientState } from "../src/index.ts";
import { LiveConnection } from "../src/live-connection.ts";
import { LiveStore } from "../src/live-store.ts";
import { nextEvent, reachState, sleep, until } from "./helpers.ts";
import { startRelay } from "./relay.ts";

let database: TestDatabase;
let t: TestApp;
let restarted: PulseboardApp | undefined;
let token: string;
let outsiderToken: string;
let dash: number;
let cpu: number;
let mem: number;
const clients: PulseboardClient[] = [];
// Explicit, strictly increasing timestamps so points never collide on (metric_id, timestamp).
let clock = Date.now() - 3_600_000;
const nextTs = () => {
  clock += 1000;
  return new Date(clock).toISOString();
};

/** While closed, every connection attempt goes to a port that refuses: the client is kept away. */
let gateOpen = true;
class GatedWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[]) {
    super(gateOpen ? url : "ws://127.0.0.1:1/", protocols);
  }
}

async function ingest(metricId: number, values: number[]): Promise<{ value: number; timestamp: string }[]> {
  const points = values.map((value) => ({ metric_id: metricId, value, timestamp: nextTs() }));
  let res: Awaited<ReturnType<TestApp["api"]>>;
  try {
    res = await t.api("POST", "/api/v1/ingest", { token, body: { points } });
  } catch {
    // fetch may pick a keep-alive socket of the server that was just restarted: that request
    // never reached a server, so sending it again cannot store anything twice.
    res = await t.api("POST", "/api/v1/ingest", { token, body: { points } });
  }
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${res.text}`);
  return points.map(({ value, timestamp }) => ({ value, timestamp }));
}

const clientOptions = (opts: Partial<ClientOptions>): ClientOptions => ({
  url: `${t.wsUrl}/ws/dashboard/${dash}/`,
  token,
  WebSocket: GatedWebSocket,
  heartbeatMs: 0,
  backoff: { initialMs: 30, maxMs: 200, factor: 2, jitter: 1 },
  ...opts,
});

function connect(opts: Partial<ClientOptions> = {}): PulseboardClient {
  const client = createClient(clientOptions(opts));
  clients.push(client);
  return client;
}

/** A live store fed by its own connection (frames: a 0 ms timer). */
function connectStore(opts: Partial<ClientOptions> = {}) {
  const store = new LiveStore((flush) => setTimeout(flush, 0));
  const connection = new LiveConnection(store, clientOptions(opts));
  return { store, connection };
}

beforeAll(async () => {
  database = await createTestDatabase("sqlite");
  t = await startTestApp("sqlite", { database, config: { seedDemo: false } });
  await t.createUser("alice");
  await t.createUser("mallory");
  token = await t.createToken("alice");
  outsiderToken = await t.createToken("mallory");
  dash = (await t.api("POST", "/api/v1/dashboards", { token, body: { name: "Ops" } })).body.id;
  const metric = async (name: string) =>
    (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        token,
        body: { name, type: "gauge", unit: "%" },
      })
    ).body.id as number;
  cpu = await metric("cpu");
  mem = await metric("mem");
});
afterEach(() => {
  gateOpen = true;
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await restarted?.close();
  await t?.close();
  await database?.destroy();
});

describe("client against the real server", () => {
  it("authenticates with a token and streams ingested points", async () => {
    const client = connect();
    const config = await nextEvent(client, "dashboard_config");
    expect(config.metrics.map((m) => m.name)).toEqual(["cpu", "mem"]);
    await reachState(client, "open");
    // Listen first: the live frame can arrive before the ingest request's own answer.
    const arriving = nextEvent(client, "metric_update", (u) => u.metric_id === cpu && u.value === 42);
    const [p] = await ingest(cpu, [42]);
    const update = await arriving;
    expect(update.timestamp).toBe(p!.timestamp);
    expect(update).toMatchObject({ metric_id: cpu, value: 42, metric_name: "cpu", unit: "%" });
  });

  it("a bad token is terminal: auth_error 401, closed, no reconnect loop", async () => {
    const client = connect({ token: "not-a-token" });
    const attempts: number[] = [];
    client.on("reconnect", (r) => attempts.push(r.attempt));
    const error = await nextEvent(client, "auth_error");
    expect(error).toMatchObject({ code: "PB_ERR_CLIENT_UNAUTHENTICATED", status: 401 });
    await sleep(300); // ten backoff periods
    expect(attempts).toEqual([]);
    expect(client.state).toBe("closed");
  });

  it("a non-member is terminal with 403, an unknown dashboard with 404", async () => {
    const outsider = connect({ token: outsiderToken });
    expect((await nextEvent(outsider, "auth_error")).status).toBe(403);
    const lost = connect({ url: `${t.wsUrl}/ws/dashboard/999999/` });
    expect((await nextEvent(lost, "auth_error")).status).toBe(404);
    await sleep(300);
    expect([outsider.state, lost.state]).toEqual(["closed", "closed"]);
  });

  it("after a kick, flushes the offline queue and re-sends the coalesced subscriptions", async () => {
    const relay = await startRelay(t.port);
    try {
      const client = connect({ url: `ws://127.0.0.1:${relay.port}/ws/dashboard/${dash}/` });
      const updates: number[] = [];
      client.on("metric_update", (u) => updates.push(u.metric_id));
      let histories = 0;
      client.on("metric_history", () => histories++);
      await reachState(client, "open");
      // The history (read off the event loop) follows the authentication: the client has seen
      // points, so it resumes on its own after the reconnect.
      await until(() => histories >= 2, "the history of both metrics arrived");
      relay.refuse = true;
      relay.cut();
      await reachState(client, "reconnecting");
      // The server subscribes a new connection to every metric: the unsubscribe must be re-sent.
      client.send("unsubscribe", [mem]);
      client.send("resume", { since: new Date(clock).toISOString() });
      expect(client.queued).toBe(1);
      const resumed: number[] = [];
      client.on("resumed", (r) => resumed.push(r.count));
      relay.refuse = false;
      await reachState(client, "open");
      // one `resumed` for the client's own resume after reconnecting, one for the queued one
      await until(() => resumed.length === 2, "both resumes were answered");
      expect(client.queued).toBe(0);
      const [, last] = await Promise.all([ingest(mem, [1]), ingest(cpu, [2])]);
      await until(() => client.newest(cpu) === last![0]!.timestamp, "the cpu point arrived");
      await sleep(100);
      expect(updates.filter((id) => id === mem)).toEqual([]);
    } finally {
      await relay.close();
    }
  });

  it("a pause that spans a reconnect still delivers every point once on resume", async () => {
    const relay = await startRelay(t.port);
    try {
      const client = connect({ url: `ws://127.0.0.1:${relay.port}/ws/dashboard/${dash}/` });
      // The metric_update stream alone has every point once (a history snapshot may show some too).
      const got = new Map<string, number>();
      client.on("metric_update", (u) => {
        if (u.metric_id === cpu) got.set(u.timestamp, (got.get(u.timestamp) ?? 0) + 1);
      });
      await reachState(client, "open");
      client.send("pause");
      await nextEvent(client, "paused");
      const whilePaused = await ingest(cpu, [1, 2]);
      relay.refuse = true;
      relay.cut();
      await reachState(client, "reconnecting");
      // more than the 100-point history of the new connection can show
      const whileAway = await ingest(
        cpu,
        Array.from({ length: 120 }, (_, i) => 3 + i),
      );
      // The new connection streams before the re-sent pause reaches the server: a point sent
      // then must neither reach the application nor move the client's position past the gap.
      relay.holdRequests = true;
      relay.refuse = false;
      await reachState(client, "open");
      const beforePause = await ingest(cpu, [4]);
      await sleep(100);
      relay.release();
      await nextEvent(client, "paused"); // the pause was re-sent on the new connection
      const afterReconnect = await ingest(cpu, [5]);
      await sleep(100);
      expect(got.has(beforePause[0]!.timestamp)).toBe(false); // paused: not delivered
      expect(got.has(afterReconnect[0]!.timestamp)).toBe(false); // still paused: not streamed
      client.send("resume_stream");
      const all = [...whilePaused, ...whileAway, ...beforePause, ...afterReconnect];
      await until(() => all.every((p) => got.has(p.timestamp)), "every point of the pause delivered");
      await sleep(100);
      expect(all.map((p) => got.get(p.timestamp))).toEqual(all.map(() => 1));
    } finally {
      await relay.close();
    }
  });

  it("detects a peer that stops answering through the heartbeat and reconnects", async () => {
    const relay = await startRelay(t.port);
    try {
      const client = connect({ url: `ws://127.0.0.1:${relay.port}/ws/dashboard/${dash}/`, heartbeatMs: 400 });
      await reachState(client, "open");
      // Pongs keep a healthy connection alive past 2× heartbeat (400 ms leaves room for a loaded machine).
      await sleep(1000);
      expect(client.state).toBe("open");
      const states: ClientState[] = [];
      client.on("state", (s) => states.push(s.state));
      relay.freeze(); // TCP stays up: only the missing pongs tell
      const reopened = await nextEvent(client, "state", (s) => s.state === "open", 5000);
      expect(reopened.reconnected).toBe(true);
      expect(states.slice(0, 2)).toEqual(["reconnecting", "connecting"]);
      expect(relay.accepted).toBe(2);
    } finally {
      await relay.close();
    }
  });
});

describe("server restart on the same port", () => {
  it("reconnects, re-subscribes and resumes: the stream has every point once, gap filled", async () => {
    // a metric of its own, so the series holds exactly what this spec ingests
    const disk = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        token,
        body: { name: "disk", type: "gauge" },
      })
    ).body.id as number;
    const { store, connection } = connectStore();
    const client = connection.start();
    clients.push(client);
    const delivered = new Map<string, number>();
    const memUpdates: number[] = [];
    client.on("metric_update", (u) => u.metric_id === mem && memUpdates.push(u.value));
    client.on("metric_update", (u) => delivered.set(u.timestamp, (delivered.get(u.timestamp) ?? 0) + 1));
    client.send("unsubscribe", [mem]);
    await reachState(client, "open");
    const before = await ingest(disk, [1, 2, 3]);
    await until(() => client.newest(disk) === before[2]!.timestamp, "live points before the restart");

    const states: ClientState[] = [];
    client.on("state", (s) => states.push(s.state));
    gateOpen = false; // hold the client off until the gap is stored
    await t.pb.close();
    restarted = await buildApp(t.config);
    await restarted.app.listen({ port: t.port, host: "127.0.0.1" });
    // more than the 100-point history a new connection gets
    const gap = await ingest(
      disk,
      Array.from({ length: 150 }, (_, i) => 100 + i),
    );
    await ingest(mem, [7]);
    const resumed = nextEvent(client, "resumed", () => true, 10_000);
    gateOpen = true;
    const reopened = await nextEvent(client, "state", (s) => s.state === "open", 10_000);
    expect(reopened.reconnected).toBe(true);
    expect(states[0]).toBe("reconnecting");
    expect(states.slice(-2)).toEqual(["authenticating", "open"]);
    expect((await resumed).count).toBeGreaterThan(0);
    const [after] = await Promise.all([ingest(disk, [999]), ingest(mem, [8])]);
    await until(() => store.seriesFor(disk).ring.length === 3 + 150 + 1, "154 points in the store", 10_000);

    const all = [...before, ...gap, ...after!];
    const [ts, vs] = store.seriesFor(disk).ring.view();
    expect(Array.from(ts)).toEqual(all.map((p) => Date.parse(p.timestamp) / 1000));
    expect(Array.from(vs)).toEqual(all.map((p) => p.value));
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
    // the unsubscribe survived the restart: nothing was streamed for mem, before or after
    expect(memUpdates).toEqual([]);
  });
});

describe("a live store's saved view", () => {
  it("resumes a new store from the saved position: the points committed meanwhile arrive once, none twice", async () => {
    const net = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        token,
        body: { name: "net", type: "gauge" },
      })
    ).body.id as number;
    const first = connectStore();
    const c1 = first.connection.start();
    clients.push(c1);
    await reachState(c1, "open");
    const before = await ingest(net, [1, 2, 3]);
    await until(() => first.store.seriesFor(net).ring.length === 3, "three points drawn");
    // the view is complete up to the position the connection had when its last frame was drawn
    const saved = await savedAfterFrame(first.store);
    expect(saved.position).toEqual(c1.position);
    first.connection.close();

    const meanwhile = await ingest(net, [4, 5]);
    const next = connectStore();
    next.store.seedSaved(saved);
    const c2 = next.connection.start(saved.position);
    clients.push(c2);
    const replayed: number[] = [];
    c2.on("metric_update", (u) => u.metric_id === net && replayed.push(u.value));
    await nextEvent(c2, "resumed", () => true, 10_000);
    const after = await ingest(net, [6]);
    await until(() => next.store.seriesFor(net).ring.length === 6, "six points drawn", 10_000);
    const [ts, vs] = next.store.seriesFor(net).ring.view();
    const all = [...before, ...meanwhile, ...after];
    expect(Array.from(ts)).toEqual(all.map((p) => Date.parse(p.timestamp) / 1000));
    expect(Array.from(vs)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(replayed).toEqual([4, 5, 6]);
  });
});

describe("alert states beside a live store", () => {
  it("follow a live alert frame: the rule's state turns firing, once per transition, with its line", async () => {
    const temp = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        token,
        body: { name: "temp", type: "gauge" },
      })
    ).body.id as number;
    const rule = (
      await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
        token,
        body: { metric_id: temp, condition: "above", threshold: 50 },
      })
    ).body as { id: number };
    const { store, connection } = connectStore();
    const c = connection.start();
    clients.push(c);
    const read = async (path: string) =>
      (await t.api("GET", `/api/v1/dashboards/${dash}/${path}`, { token })).body;
    const states = new AlertStates(store, {
      load: async () => Promise.all([read("alert-states"), read("alert-rules")]),
      refreshMs: 60_000,
    });
    const transitions: Alert[] = [];
    const offTransitions = states.onTransition((a) => transitions.push(a));
    const off = states.subscribe(() => {});
    try {
      await until(() => states.getSnapshot().loaded, "the states loaded");
      expect(states.forMetric(temp)).toEqual({
        status: "ok",
        lines: [{ ruleId: rule.id, condition: "above", threshold: 50, hysteresis: 0, status: "ok" }],
      });
      await reachState(c, "open");
      await ingest(temp, [70]);
      await until(() => states.getSnapshot().firing === 1, "the rule firing", 10_000);
      expect(states.forMetric(temp).status).toBe("firing");
      expect(transitions.map((a) => [a.state, a.metric_id])).toEqual([["firing", temp]]);
      expect(store.getSnapshot().alerts[0]?.state).toBe("firing");
    } finally {
      off();
      offTransitions();
    }
  });
});

/** The store's view once a frame has drawn the connection's newest position. */
async function savedAfterFrame(store: LiveStore) {
  let saved: ReturnType<LiveStore["toSave"]> = null;
  await until(() => {
    saved = saved ?? store.toSave(dash);
    return saved !== null;
  }, "a saved view");
  return saved!;
}
