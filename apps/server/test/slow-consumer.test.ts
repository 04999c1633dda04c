// Slow consumers over real sockets: a client that stops reading (its TCP socket paused) must not
// slow anyone else down; while it is behind it is owed only the latest value of each metric;
// if it stays behind past the grace period it is closed with 4008 and a reason.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { afterEach, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./harness.ts";

// The close spec runs with a grace shorter than the 5 s default (which also proves the server's
// setting reaches the framework); the conflation spec with a long one, so that ingesting its
// batches on a loaded machine never outlasts it.
const GRACE_MS = 3000;
const LONG_GRACE_MS = 15_000;
const BATCH = 10_000; // largest ingest batch (API.md)

let t: TestApp;
let token: string;
let dashboardId: number;
let metrics: number[];
const clients: Communicator[] = [];

async function setup(slowConsumerGraceMs: number) {
  t = await startTestApp("sqlite", { config: { slowConsumerGraceMs } });
  await t.createUser("slow");
  token = await t.createToken("slow");
  const d = await t.api("POST", "/api/v1/dashboards", { token, body: { name: "Slow", slug: "slow" } });
  dashboardId = d.body.id;
  metrics = [];
  // Long names make every frame ~400 bytes, so a few batches overflow the kernel's socket buffers.
  for (const n of [1, 2]) {
    const m = await t.api("POST", `/api/v1/dashboards/${dashboardId}/metrics`, {
      token,
      body: { name: `m${n}-${"x".repeat(190)}`, type: "gauge", unit: "u".repeat(50) },
    });
    metrics.push(m.body.id);
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  await t.close();
});

async function connect(): Promise<Communicator> {
  const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dashboardId}/`, { token });
  clients.push(c);
  await c.assertAuthenticated();
  await c.receive("dashboard_config");
  await c.receive("metric_history");
  await c.receive("metric_history");
  return c;
}

function pause(c: Communicator): { resume(): void } {
  const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  return { resume: () => socket.resume() };
}

/** Batch `index` carries values index*BATCH+1 … for both metrics, alternating. */
async function ingestBatch(index: number): Promise<void> {
  const points = Array.from({ length: BATCH }, (_, i) => ({
    metric_id: metrics[i % 2] as number,
    value: index * BATCH + i + 1,
  }));
  const res = await t.api("POST", "/api/v1/ingest", { token, body: { points } });
  expect(res.status).toBe(200);
}

function updates(frames: Frame[]) {
  return frames
    .filter((f) => f.action === "metric_update")
    .map((f) => f.payload as { metric_id: number; value: number });
}

describe("slow consumers", () => {
  it("gives a client that stops reading the latest value of each metric, while others get every update in order", async () => {
    await setup(LONG_GRACE_MS);
    const fast = await connect();
    const slow = await connect();
    const paused = pause(slow);
    const batches = 4;
    for (let b = 0; b < batches; b++) await ingestBatch(b);
    const total = batches * BATCH;

    const fastGot = updates(await fast.receiveAll(500));
    expect(fastGot).toHaveLength(total);
    expect(fastGot.map((u) => u.value)).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    paused.resume();
    const slowGot = updates(await slow.receiveAll(500));
    expect(slow.isOpen).toBe(true);
    // Behind, it was spared the backlog: fewer frames, yet the newest value of each metric.
    expect(slowGot.length).toBeLessThan(total);
    for (const [i, metricId] of metrics.entries()) {
      const values = slowGot.filter((u) => u.metric_id === metricId).map((u) => u.value);
      expect(values.at(-1)).toBe(total - 1 + i);
      // Never out of order per metric.
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }
  });

  it("closes a client that stays behind past the grace period with 4008 and a reason, and keeps serving the others", async () => {
    await setup(GRACE_MS);
    const fast = await connect();
    const slow = await connect();
    const paused = pause(slow);
    const started = Date.now();
    // One batch overflows the buffers at once; more keep it behind.
    await ingestBatch(0);
    const behind = Date.now(); // it fell behind between `started` and now
    expect(behind - started).toBeLessThan(1000); // else the window below cannot be hit
    for (let b = 1; b < 3; b++) await ingestBatch(b);
    // The server closes GRACE_MS after the client fell behind and then gives the peer 2 s to read
    // the close frame: resuming at behind + GRACE_MS + 1 s lands inside that window.
    await new Promise((r) => setTimeout(r, Math.max(0, behind + GRACE_MS + 1000 - Date.now())));
    paused.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/too slow/i);

    await fast.receiveAll(300);
    await ingestBatch(3);
    const after = updates(await fast.receiveAll(300));
    expect(after).toHaveLength(BATCH);
    expect(fast.isOpen).toBe(true);
  });
});
