// Slow consumers over real sockets: a client that stops reading (its TCP socket paused) must not
// slow anyone else down; while it is behind it is owed only the latest value of each metric;
// if it stays behind past the grace period it is closed with 4008 and a reason.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { afterEach, describe, expect, it } from "vitest";
import { presenceReaches, startTestApp, type TestApp } from "./harness.ts";

// The close spec runs with a grace shorter than the 5 s default (which also proves the server's
// setting reaches the framework); the conflation spec with a long one, so that ingesting its
// batches on a loaded machine never outlasts it.
const GRACE_MS = 3000;
const LONG_GRACE_MS = 15_000;
const BATCH = 10_000; // largest ingest batch (API.md): ~4 MB of frames in one turn
// A burst the reading client can always take whole: 500 frames of ~400 bytes stay under the
// 256 KiB the server holds per socket before it conflates, even if the kernel took none of it.
const SMALL_BATCH = 500;

let t: TestApp;
let token: string;
let dashboardId: number;
let metrics: number[];
const clients: Communicator[] = [];
const paused: { resume(): void }[] = [];

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
  // A still-paused socket would hold its close handshake for ws's 30 s timeout.
  for (const p of paused.splice(0)) p.resume();
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
  const handle = { resume: () => socket.resume() };
  paused.push(handle);
  return handle;
}

/** Batch `index` carries values index*size+1 … for both metrics, alternating. */
async function ingestBatch(index: number, size = BATCH): Promise<void> {
  const points = Array.from({ length: size }, (_, i) => ({
    metric_id: metrics[i % 2] as number,
    value: index * size + i + 1,
  }));
  const res = await t.api("POST", "/api/v1/ingest", { token, body: { points } });
  expect(res.status).toBe(200);
}

/** Exactly `n` metric_update frames, in arrival order (each awaited, so no quiet-time guess). */
async function receiveUpdates(c: Communicator, n: number) {
  const got: { metric_id: number; value: number }[] = [];
  while (got.length < n) got.push((await c.receive("metric_update", 5000)).payload as (typeof got)[number]);
  return got;
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
    const stopped = pause(slow);
    // The reading client takes each burst before the next (as any client that keeps up does),
    // while the paused one's backlog grows to ~12 MB: past what the kernel buffers on loopback
    // (tcp_wmem max 4 MiB + the receive window), so the server must hold and conflate for it.
    const batches = 60;
    const total = batches * SMALL_BATCH;
    const fastGot: { metric_id: number; value: number }[] = [];
    for (let b = 0; b < batches; b++) {
      await ingestBatch(b, SMALL_BATCH);
      fastGot.push(...(await receiveUpdates(fast, SMALL_BATCH)));
    }
    expect(fastGot.map((u) => u.value)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(updates(await fast.receiveAll(200))).toEqual([]);

    stopped.resume();
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
    await presenceReaches(fast, 2);
    const stopped = pause(slow);
    const pausedAt = performance.now();
    // ~12 MB: past what the kernel buffers on loopback, so the server holds frames for it.
    for (let b = 0; b < 3; b++) await ingestBatch(b);
    // GRACE_MS after it fell behind the server closes it and releases it at once: the others
    // see presence drop. The close frame waits behind the backlog, and the server cuts the
    // socket 2 s later, so the client resumes reading now to see it.
    await presenceReaches(fast, 1, GRACE_MS + 10_000);
    expect(performance.now() - pausedAt).toBeGreaterThanOrEqual(GRACE_MS); // not before the grace
    stopped.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/too slow/i);

    await fast.receiveAll(300);
    await ingestBatch(3 * (BATCH / SMALL_BATCH), SMALL_BATCH);
    const after = await receiveUpdates(fast, SMALL_BATCH);
    expect(after.map((u) => u.value)).toEqual(
      Array.from({ length: SMALL_BATCH }, (_, i) => 3 * BATCH + i + 1),
    );
    expect(fast.isOpen).toBe(true);
  });
});
