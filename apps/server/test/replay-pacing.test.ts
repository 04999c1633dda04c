// Specification: a replay (timestamp `resume`) counts against the connection's send budget. It is
// read and sent page by page, each page only once the socket has taken the previous one, so a
// client that asks for far more than its socket can hold is neither conflated nor closed as a
// slow consumer, and gets every point, in order; another client's live stream goes on meanwhile.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { afterAll, expect, it } from "vitest";
import { startTestApp, type TestApp } from "./harness.ts";

let t: TestApp | undefined;
afterAll(() => t?.close());

it("paces a replay larger than the send budget: nothing conflated or closed, every point in order", {
  timeout: 180_000,
}, async () => {
  t = await startTestApp("sqlite", { config: { slowConsumerGraceMs: 1000, maxBufferedBytes: 1024 * 1024 } });
  await t.createUser("rex", "pw");
  const token = await t.createToken("rex");
  const dash = (await t.api("POST", "/api/v1/dashboards", { token, body: { name: "Replay" } })).body
    .id as number;
  // Long names make every frame ~450 bytes: 4 × 10,000 of them are ~18 MB, far past the socket's
  // buffers and the 1 MiB budget.
  const metrics: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
      token,
      body: { name: `${"x".repeat(190)}${i}`, type: "gauge" },
    });
    metrics.push(res.body.id);
  }
  const since = Date.now() - 3_600_000;
  for (const [k, m] of metrics.entries()) {
    const points = Array.from({ length: 10_000 }, (_, i) => ({
      metric_id: m,
      value: k * 100_000 + i,
      timestamp: new Date(since + 1000 + i * 100).toISOString(),
    }));
    expect((await t.api("POST", "/api/v1/ingest", { token, body: { points } })).status).toBe(200);
  }
  const connect = async () => {
    const c = await Communicator.connect(`${t!.wsUrl}/ws/dashboard/${dash}/`, { token });
    await c.assertAuthenticated();
    await c.receive("dashboard_config");
    for (let i = 0; i < 4; i++) await c.receive("metric_history");
    return c;
  };
  const slow = await connect();
  const live = await connect();
  const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  slow.sendMessage("resume", { since: new Date(since).toISOString() });
  // While the slow client reads nothing for longer than the grace period, a live point reaches
  // the other client.
  await new Promise((r) => setTimeout(r, 1500));
  expect(
    (
      await t.api("POST", "/api/v1/ingest", {
        token,
        body: { points: [{ metric_id: metrics[0], value: -1 }] },
      })
    ).status,
  ).toBe(200);
  const update = await live.receive("metric_update", 10_000);
  expect(update.payload).toMatchObject({ value: -1 });
  socket.resume();
  const frames: Frame[] = await slow.receiveUntil("resumed", { timeoutMs: 120_000 }).catch(async () => {
    throw new Error(`the replaying client was closed: ${JSON.stringify(await slow.closed)}`);
  });
  const resumed = frames.at(-1)!;
  expect(resumed.payload).toEqual({ count: 40_000 });
  const replayed = frames
    .filter((f) => f.action === "metric_update")
    .map((f) => (f.payload as { value: number }).value);
  for (const [k] of metrics.entries()) {
    const mine = replayed.filter((v) => v >= k * 100_000 && v < (k + 1) * 100_000);
    expect(mine).toEqual(Array.from({ length: 10_000 }, (_, i) => k * 100_000 + i));
  }
  expect(slow.isOpen).toBe(true);
  await slow.close();
  await live.close();
});
