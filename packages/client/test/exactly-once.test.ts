// The SDK's delivery guarantee, against real servers: two Pulseboard nodes on PostgreSQL and
// Redis behind Debian's nginx, the client's sockets cut by a TCP relay while ingest runs on both
// nodes with back-dated and equal-timestamp points, then each node stopped and started again (a
// failover behind the proxy, and a rolling restart). The client must deliver every committed
// point of its metrics exactly once, in offset order — checked against what storage committed.
// A gap the server cannot replay is reported as a `gap` event, never a silent hole.
import { RedisLayer } from "@pulseboard/channels/redis";
import { type NginxHandle, type RedisHandle, startNginx, startRedis } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { buildApp, type PulseboardApp } from "../../../apps/server/src/app.ts";
import { startTestApp, storedPoints, type TestApp } from "../../../apps/server/test/harness.ts";
import { createClient, type PulseboardClient } from "../src/client.ts";
import type { MetricUpdate } from "../src/protocol.ts";
import { nextEvent, reachState, sleep, until } from "./helpers.ts";
import { type Relay, startRelay } from "./relay.ts";

let redis: RedisHandle;
let nginx: NginxHandle;
let relay: Relay;
const nodes: TestApp[] = [];
/** The apps currently serving each node's port (a restarted node is a new app on the same port). */
const serving: Array<PulseboardApp | null> = [];
let token: string;
let dash: number;
let metrics: number[];
const clients: PulseboardClient[] = [];

async function restart(i: number): Promise<void> {
  const node = nodes[i]!;
  const app = await buildApp(node.config, { layer: new RedisLayer({ url: redis.url }) });
  await app.app.listen({ port: node.port, host: "127.0.0.1" });
  serving[i] = app;
}

async function stop(i: number): Promise<void> {
  const app = serving[i];
  serving[i] = null;
  await app?.close({ code: 1012, reason: "Service restart" });
}

beforeAll(async () => {
  redis = await startRedis();
  const first = await startTestApp("postgres", {
    config: { seedDemo: false },
    build: { layer: new RedisLayer({ url: redis.url }) },
  });
  const second = await startTestApp("postgres", {
    database: first.database,
    config: { seedDemo: false },
    build: { layer: new RedisLayer({ url: redis.url }) },
  });
  nodes.push(first, second);
  serving.push(first.pb, second.pb);
  nginx = await startNginx({ upstreams: nodes.map((n) => `127.0.0.1:${n.port}`) });
  relay = await startRelay(nginx.port);
  await first.createUser("olga");
  token = await first.createToken("olga");
  dash = (await first.api("POST", "/api/v1/dashboards", { token, body: { name: "Exactly once" } })).body.id;
  metrics = [];
  for (const name of ["a", "b"])
    metrics.push(
      (
        await first.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
          token,
          body: { name, type: "gauge" },
        })
      ).body.id,
    );
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await relay?.close();
  await nginx?.stop();
  for (const [i, app] of serving.entries()) if (app && app !== nodes[i]!.pb) await app.close();
  for (const n of [...nodes].reverse()) await n.close().catch(() => {});
  await redis?.stop();
});

/** POSTs a batch to whichever node is up (a stopped node's port refuses). */
async function ingest(points: unknown[]): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const up = nodes.filter((_, i) => serving[i]);
    const node = up[attempt % Math.max(1, up.length)];
    if (node) {
      try {
        const res = await fetch(`${node.url}/api/v1/ingest`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ points }),
        });
        if (res.status === 200) return;
        // 503 while a node drains: not stored, try the other one
      } catch {
        // refused: the node is down; the batch was not stored
      }
    }
    await sleep(50);
  }
  throw new Error("no node took the batch");
}

/** A client through the relay (and nginx), subscribed to everything, once it knows its position. */
async function streamingClient(): Promise<PulseboardClient> {
  const client = createClient({
    url: `ws://127.0.0.1:${relay.port}/ws/dashboard/${dash}/`,
    token,
    WebSocket,
    heartbeatMs: 0,
    backoff: { initialMs: 20, maxMs: 200, factor: 2, jitter: 1 },
  });
  clients.push(client);
  client.on("dashboard_config", (c) => client.subscribeNew(c));
  await reachState(client, "open");
  await until(() => client.position !== undefined, "the stream position");
  return client;
}

describe("exactly once through failover, restarts and cut sockets", () => {
  it("delivers every committed point once, in offset order, back-dated and equal-timestamp ones too", async () => {
    const client = await streamingClient();
    const got: MetricUpdate[] = [];
    client.on("metric_update", (u) => got.push(u));
    const gaps: unknown[] = [];
    client.on("gap", (g) => gaps.push(g));
    const start = client.position!.offset;
    let running = true;
    let n = 0;
    const base = Date.now();
    const writer = (async () => {
      while (running) {
        const stamp = base + n * 100;
        const batch = [0, 1, 2, 3].map((k) => ({
          metric_id: metrics[k % 2],
          value: n * 4 + k,
          // one in ten back-dated by a minute, and pairs sharing a timestamp
          timestamp: new Date(k === 3 && n % 3 === 0 ? stamp - 60_000 : stamp + (k >> 1)).toISOString(),
        }));
        n++;
        await ingest(batch);
        await sleep(15);
      }
    })();
    const settle = () => sleep(400);
    await settle();
    for (let cut = 0; cut < 3; cut++) {
      relay.cut();
      await settle();
    }
    await stop(0); // failover: its clients move to the other node through nginx
    await settle();
    relay.cut();
    await settle();
    await restart(0);
    await settle();
    await stop(1); // rolling restart: the other one
    await settle();
    await restart(1);
    await settle();
    relay.cut();
    await settle();
    running = false;
    await writer;

    // What storage committed, in offset order.
    const reader = { pb: serving[0]! };
    const committed: Array<{ offset: number; metric_id: number; value: number }> = [];
    for (const m of metrics) {
      const p = await storedPoints(reader, m);
      for (let i = 0; i < p.n; i++)
        committed.push({ offset: p.offsets[i]!, metric_id: m, value: p.values[i]! });
    }
    committed.sort((x, y) => x.offset - y.offset);
    expect(committed.length).toBe(n * 4);
    const last = committed.at(-1)!.offset;
    await until(() => (client.position?.offset ?? 0) >= last, `the client to reach offset ${last}`, 20_000);
    expect(gaps).toEqual([]);
    const offsets = got.map((u) => u.offset);
    // nothing twice, nothing out of order, nothing missing
    expect(new Set(offsets).size).toBe(offsets.length);
    expect(offsets).toEqual([...offsets].sort((x, y) => x! - y!));
    expect(got.map((u) => ({ offset: u.offset, metric_id: u.metric_id, value: u.value }))).toEqual(
      committed.filter((c) => c.offset > start),
    );
    expect(got.length).toBe(n * 4);
  }, 120_000);

  it("reports a gap the server cannot replay as a `gap` event, and streams on", async () => {
    const client = await streamingClient();
    const epoch = client.position!.epoch;
    // a restore gives the stream a new epoch: positions from before it mean nothing
    await serving[0]!.db
      .updateTable("streams")
      .set({ epoch: "feedfacefeedface" })
      .where("dashboard_id", "=", dash)
      .execute();
    const gap = nextEvent(client, "gap", () => true, 10_000);
    relay.cut();
    expect(await gap).toMatchObject({ reason: "epoch", position: { epoch: "feedfacefeedface" } });
    expect(epoch).not.toBe("feedfacefeedface");
    const live = nextEvent(client, "metric_update", (u) => u.value === 424242, 10_000);
    await ingest([{ metric_id: metrics[0], value: 424242 }]);
    expect((await live).offset).toBe(client.position!.offset);
  }, 60_000);
});
