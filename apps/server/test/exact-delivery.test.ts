// Specifications of exact delivery over real sockets: stream offsets and epochs on the wire,
// `resume {epoch, offset}` replaying every point committed while a client was away in offset order
// whatever their timestamps (back-dated, equal to the last seen), `recovered: false` with a reason
// when a gap cannot be replayed, clear errors for bad positions, and live points in offset order on
// every node even when two nodes ingest at once or a node's publish never comes.
import { RedisLayer } from "@pulseboard/channels/redis";
import { Communicator } from "@pulseboard/channels/testing";
import { type RedisHandle, startRedis } from "@pulseboard/test-support";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/config.ts";
import { DB_KINDS, KEEP_EVERYTHING, type Session, startTestApp, type TestApp } from "./harness.ts";

type Update = { metric_id: number; value: number; timestamp: string; offset: number };
type Resumed = { count: number; recovered?: boolean; epoch?: string; offset?: number; reason?: string };

const open: Communicator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Connects and reads up to the presence frame; answers the stream position it was given. */
async function ready(url: string, token: string) {
  const c = await Communicator.connect(url, { token });
  open.push(c);
  await c.assertAuthenticated();
  const config = (await c.receive("dashboard_config")).payload as {
    metrics: unknown[];
    epoch: string;
    offset: number;
  };
  for (const _ of config.metrics) await c.receive("metric_history");
  await c.receive("presence");
  return { c, epoch: config.epoch, offset: config.offset };
}

/** Updates until `resumed`; the resumed payload last. */
async function untilResumed(c: Communicator) {
  const frames = await c.receiveUntil("resumed", { timeoutMs: 20_000 });
  return {
    updates: frames.filter((f) => f.action === "metric_update").map((f) => f.payload as Update),
    resumed: frames.at(-1)!.payload as Resumed,
  };
}

async function setUp(t: TestApp, name = "Exact") {
  await t.createUser("erin", "pw");
  const owner: Session = await t.login("erin", "pw");
  const token = await t.createToken("erin");
  const dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name } })).body
    .id as number;
  const metric = async (n: string) =>
    (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: n, type: "gauge" },
      })
    ).body.id as number;
  const a = await metric("a");
  const b = await metric("b");
  const ingest = async (points: unknown[], app: TestApp = t) => {
    const res = await app.api("POST", "/api/v1/ingest", { token, body: { points } });
    expect(res.status).toBe(200);
  };
  return {
    owner,
    token,
    dash,
    a,
    b,
    ingest,
    url: (app: TestApp = t) => `${app.wsUrl}/ws/dashboard/${dash}/`,
  };
}

describe.each(DB_KINDS)("exact delivery on %s", (kind) => {
  let t: TestApp;
  let s: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    t = await startTestApp(kind, { config: { maxReplay: 500 } });
    s = await setUp(t);
  });
  afterAll(() => t?.close());

  it("carries offsets on metric_update, and the position on dashboard_config and metric_history", async () => {
    const { c, epoch, offset } = await ready(s.url(), s.token);
    expect(epoch).toMatch(/^[0-9a-f]{16}$/);
    await s.ingest([
      { metric_id: s.a, value: 1 },
      { metric_id: s.b, value: 2 },
    ]);
    const u1 = (await c.receive("metric_update")).payload as Update;
    const u2 = (await c.receive("metric_update")).payload as Update;
    expect([u1.offset, u2.offset]).toEqual([offset + 1, offset + 2]);
    // a new connection starts where the stream is, its history including both
    const again = await Communicator.connect(s.url(), { token: s.token });
    open.push(again);
    await again.assertAuthenticated();
    const config = (await again.receive("dashboard_config")).payload as { epoch: string; offset: number };
    expect(config).toMatchObject({ epoch, offset: offset + 2 });
    const history = (await again.receive("metric_history")).payload as {
      values: Array<{ value: number; offset: number }>;
      offset: number;
    };
    expect(history.offset).toBe(offset + 2);
    expect(history.values.at(-1)).toMatchObject({ value: 1, offset: offset + 1 });
  });

  it("replays every point committed while away, back-dated and equal-timestamp ones too, in offset order", async () => {
    const first = await ready(s.url(), s.token);
    const lastSeenAt = Date.now();
    await s.ingest([{ metric_id: s.a, value: 100, timestamp: new Date(lastSeenAt).toISOString() }]);
    const seen = (await first.c.receive("metric_update")).payload as Update;
    await first.c.close();
    // while away: 7 new, 3 back-dated (a collector flushing its buffer), 1 stamped exactly as the last seen
    const away = [
      ...Array.from({ length: 7 }, (_, i) => ({
        metric_id: s.a,
        value: 200 + i,
        timestamp: new Date(lastSeenAt + 1000 * (i + 1)).toISOString(),
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        metric_id: s.b,
        value: 300 + i,
        timestamp: new Date(lastSeenAt - 60_000 * (i + 1)).toISOString(),
      })),
      { metric_id: s.a, value: 400, timestamp: new Date(lastSeenAt).toISOString() },
    ];
    for (const p of away) await s.ingest([p]);
    const back = await ready(s.url(), s.token);
    back.c.sendMessage("resume", { epoch: first.epoch, offset: seen.offset });
    const { updates, resumed } = await untilResumed(back.c);
    expect(updates.map((u) => u.value)).toEqual(away.map((p) => p.value));
    expect(updates.map((u) => u.offset)).toEqual(away.map((_, i) => seen.offset + 1 + i));
    expect(resumed).toEqual({ count: 11, recovered: true, epoch: first.epoch, offset: back.offset });
    // and live goes on after it, once
    await s.ingest([{ metric_id: s.a, value: 500 }]);
    expect((await back.c.receive("metric_update")).payload).toMatchObject({
      value: 500,
      offset: back.offset + 1,
    });
  });

  it("does not send twice what the connection already streamed live before the resume arrived", async () => {
    const first = await ready(s.url(), s.token);
    await first.c.close();
    await s.ingest([{ metric_id: s.a, value: 1 }]);
    const back = await ready(s.url(), s.token);
    await s.ingest([{ metric_id: s.b, value: 2 }]); // live on the new connection
    const live = (await back.c.receive("metric_update")).payload as Update;
    back.c.sendMessage("resume", { epoch: first.epoch, offset: first.offset });
    const { updates, resumed } = await untilResumed(back.c);
    expect(updates.map((u) => u.offset)).toEqual([first.offset + 1]);
    expect(resumed).toMatchObject({ count: 1, recovered: true, offset: live.offset });
  });

  it("answers recovered:false with a reason when the gap cannot be replayed, and keeps streaming", async () => {
    const { c, epoch, offset } = await ready(s.url(), s.token);
    c.sendMessage("resume", { epoch: "0123456789abcdef", offset: 1 });
    expect((await untilResumed(c)).resumed).toEqual({
      count: 0,
      recovered: false,
      reason: "epoch",
      epoch,
      offset,
    });
    c.sendMessage("resume", { epoch, offset: offset + 1000 });
    expect((await untilResumed(c)).resumed).toMatchObject({
      recovered: false,
      reason: "beyond_head",
      offset,
    });
    // more than maxReplay (500 here) committed since the position
    const many = Array.from({ length: 600 }, (_, i) => ({ metric_id: s.b, value: i }));
    await s.ingest(many);
    const streamed: Update[] = [];
    while (streamed.length < 600) streamed.push((await c.receive("metric_update")).payload as Update);
    c.sendMessage("resume", { epoch, offset });
    const over = await untilResumed(c);
    expect(over.updates).toEqual([]);
    expect(over.resumed).toMatchObject({
      count: 0,
      recovered: false,
      reason: "limit",
      offset: streamed.at(-1)!.offset,
    });
    await s.ingest([{ metric_id: s.a, value: 7 }]);
    expect((await c.receive("metric_update")).payload).toMatchObject({
      value: 7,
      offset: streamed.at(-1)!.offset + 1,
    });
  });

  it("stays paused when a pause arrives while a resume is replaying", async () => {
    const { c, epoch, offset } = await ready(s.url(), s.token);
    const watcher = await ready(s.url(), s.token);
    await s.ingest([{ metric_id: s.a, value: 11 }]);
    await c.receive("metric_update");
    await watcher.c.receive("metric_update");
    // one after the other: the pause is handled while the replay reads storage
    c.sendMessage("resume", { epoch, offset });
    c.sendMessage("pause", null);
    await untilResumed(c);
    await s.ingest([{ metric_id: s.a, value: 12 }]);
    // fanned out (the other connection has it), held here
    expect((await watcher.c.receive("metric_update")).payload).toMatchObject({ value: 12 });
    c.sendMessage("resume_stream", null);
    const { updates, resumed } = await untilResumed(c);
    expect(updates.map((u) => u.value)).toEqual([12]);
    expect(resumed.count).toBe(1);
  });

  it("refuses positions that are negative, not integers or half given with a clear error, and stays open", async () => {
    const { c, epoch } = await ready(s.url(), s.token);
    const bad: Array<[unknown, string]> = [
      [{ epoch, offset: -1 }, "offset"],
      [{ epoch, offset: 1.5 }, "offset"],
      [{ epoch, offset: "7" }, "offset"],
      [{ epoch }, "offset"],
      [{ offset: 3 }, "epoch"],
      [{ epoch: "", offset: 3 }, "epoch"],
      [{}, "since"],
    ];
    for (const [payload, field] of bad) {
      c.sendMessage("resume", payload);
      const issues = (await c.receive("error")).payload as Array<{
        type: string;
        loc: unknown[];
        msg: string;
      }>;
      expect(issues.length).toBeGreaterThan(0);
      expect(issues[0]!.loc.at(-1)).toBe(field);
    }
    c.sendMessage("ping", null);
    await c.receive("pong");
  });

  it("answers recovered:false (retention) for a position retention has cut, and replays what is after it", async () => {
    const { c, epoch, offset } = await ready(s.url(), s.token);
    const old = Date.now() - 5 * 86_400_000;
    await s.ingest([{ metric_id: s.a, value: 1, timestamp: new Date(old).toISOString() }]);
    const cut = (await c.receive("metric_update")).payload as Update;
    // retention run as if 60 years had passed: every chunk is past it
    expect(await t.pb.ctx.storage.upkeep.retainNow(Date.now() + 60 * 365 * 86_400_000)).toBeGreaterThan(0);
    c.sendMessage("resume", { epoch, offset });
    expect((await untilResumed(c)).resumed).toMatchObject({ recovered: false, reason: "retention" });
    await s.ingest([{ metric_id: s.a, value: 2 }]);
    const after = (await c.receive("metric_update")).payload as Update;
    c.sendMessage("resume", { epoch, offset: cut.offset });
    const { updates, resumed } = await untilResumed(c);
    expect(updates).toEqual([]); // sent live already on this connection
    expect(resumed).toMatchObject({ recovered: true, offset: after.offset });
  });
});

describe("exact delivery across nodes (PostgreSQL + Redis)", () => {
  let redis: RedisHandle;
  let a: TestApp;
  let b: TestApp;
  let lone: TestApp;
  let s: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startTestApp("postgres", { build: { layer: new RedisLayer({ url: redis.url }) } });
    b = await startTestApp("postgres", {
      database: a.database,
      build: { layer: new RedisLayer({ url: redis.url }) },
    });
    // a node whose channel layer reaches no one: what it commits is never published to a or b
    lone = await startTestApp("postgres", { database: a.database });
    s = await setUp(a, "Two nodes");
  });
  afterAll(async () => {
    await lone?.close();
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  it("delivers points ingested on two nodes at once to a client of either, each once, in offset order", async () => {
    const onA = await ready(s.url(a), s.token);
    const onB = await ready(s.url(b), s.token);
    const batches = Array.from({ length: 40 }, (_, i) =>
      Array.from({ length: 5 }, (_, k) => ({ metric_id: k % 2 ? s.a : s.b, value: i * 5 + k })),
    );
    await Promise.all(batches.map((batch, i) => s.ingest(batch, i % 2 ? a : b)));
    for (const client of [onA, onB]) {
      const got: Update[] = [];
      while (got.length < 200) got.push((await client.c.receive("metric_update", 10_000)).payload as Update);
      expect(got.map((u) => u.offset)).toEqual(Array.from({ length: 200 }, (_, i) => onA.offset + 1 + i));
      expect(new Set(got.map((u) => u.value)).size).toBe(200);
    }
  });

  it("fills from storage a point whose publish never came, before the later ones", async () => {
    const { c, offset } = await ready(s.url(a), s.token);
    await s.ingest([{ metric_id: s.a, value: 1 }], lone); // committed, never published
    await s.ingest([{ metric_id: s.b, value: 2 }], b);
    const got = [
      (await c.receive("metric_update", 5000)).payload,
      (await c.receive("metric_update", 5000)).payload,
    ];
    expect(got).toMatchObject([
      { value: 1, offset: offset + 1 },
      { value: 2, offset: offset + 2 },
    ]);
  });
});

describe("exact delivery while the read pool refuses", () => {
  it("replays a reconnecting client's gap and sends its history even while REST reads are refused as saturated", async () => {
    // A queue of 0: every bounded read (REST history, exports) is refused at once, as under a storm.
    const storage = { ...loadConfig(KEEP_EVERYTHING).storage, readQueue: 0 };
    const t = await startTestApp("sqlite", { config: { storage } });
    try {
      const s = await setUp(t, "Saturated");
      const first = await ready(s.url(t), s.token);
      await s.ingest([{ metric_id: s.a, value: 1 }]);
      const seen = (await first.c.receive("metric_update")).payload as Update;
      await first.c.close();
      await s.ingest(Array.from({ length: 5 }, (_, i) => ({ metric_id: s.a, value: 10 + i })));
      const rest = await t.api("GET", `/api/v1/metrics/${s.a}/values?points=10`, { token: s.token });
      expect([rest.status, rest.body.error?.code]).toEqual([503, "PB_ERR_UNAVAILABLE"]);
      const back = await ready(s.url(t), s.token);
      back.c.sendMessage("resume", { epoch: first.epoch, offset: seen.offset });
      const { updates, resumed } = await untilResumed(back.c);
      expect(updates.map((u) => u.value)).toEqual([10, 11, 12, 13, 14]);
      expect(resumed).toMatchObject({ count: 5, recovered: true });
    } finally {
      await Promise.all(open.splice(0).map((c) => c.close()));
      await t.close();
    }
  });
});
