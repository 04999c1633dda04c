// Specifications of the dashboard WebSocket endpoint over real sockets: handshake, initial
// config and history, subscriptions, live updates after ingest, bad input, presence, resume
// and pause — on SQLite and PostgreSQL.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MAX_HELD } from "../src/ws/dashboard-consumer.ts";
import { DB_KINDS, type Session, startTestApp, type TestApp } from "./harness.ts";

describe.each(DB_KINDS)("dashboard consumer on %s", (kind) => {
  let t: TestApp;
  let token: string;
  let strangerToken: string;
  let owner: Session;
  let dash: number;
  let cpu: number;
  let mem: number;
  let otherDash: number;
  let foreign: number;
  const open: Communicator[] = [];

  const ws = (id: number | string = dash) => `${t.wsUrl}/ws/dashboard/${id}/`;
  async function connect(url = ws(), opts: Parameters<typeof Communicator.connect>[1] = { token }) {
    const c = await Communicator.connect(url, opts);
    open.push(c);
    return c;
  }
  /** Connects and consumes authentication, dashboard_config, every metric_history and its own presence. */
  async function ready(url = ws()) {
    const c = await connect(url);
    await c.assertAuthenticated();
    const config = await c.receive("dashboard_config");
    for (const _ of (config.payload as { metrics: unknown[] }).metrics) await c.receive("metric_history");
    await c.receive("presence");
    return c;
  }
  const ingest = (points: unknown[]) => t.api("POST", "/api/v1/ingest", { token, body: { points } });

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.createUser("wanda", "pw");
    await t.createUser("stan", "pw");
    owner = await t.login("wanda", "pw");
    token = await t.createToken("wanda");
    strangerToken = await t.createToken("stan");
    dash = (
      await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Live", description: "ws" } })
    ).body.id;
    cpu = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "cpu", type: "gauge", unit: "%" },
      })
    ).body.id;
    mem = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "mem", type: "gauge", unit: "B" },
      })
    ).body.id;
    otherDash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Other" } })).body
      .id;
    foreign = (
      await t.api("POST", `/api/v1/dashboards/${otherDash}/metrics`, {
        session: owner,
        body: { name: "secret", type: "gauge" },
      })
    ).body.id;
    const history = Array.from({ length: 150 }, (_, i) => ({
      metric_id: cpu,
      value: i,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    }));
    await ingest(history);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  afterAll(() => t?.close());

  it("authenticates a token, then sends dashboard_config and one metric_history per metric", async () => {
    const c = await connect();
    expect(await c.receive()).toEqual({
      action: "authentication",
      payload: { status_code: 200, status_text: "OK", data: { detail: "OK" } },
    });
    expect(await c.receive()).toEqual({
      action: "dashboard_config",
      payload: {
        id: dash,
        name: "Live",
        description: "ws",
        metrics: [
          { id: cpu, name: "cpu", description: "", type: "gauge", unit: "%" },
          { id: mem, name: "mem", description: "", type: "gauge", unit: "B" },
        ],
        // the stream's position: 150 points committed so far
        epoch: expect.stringMatching(/^[0-9a-f]+$/),
        offset: 150,
      },
    });
    const h1 = (await c.receive()) as Frame & {
      payload: { metric_id: number; values: Array<{ value: number; timestamp: string }> };
    };
    expect(h1.action).toBe("metric_history");
    expect(h1.payload).toMatchObject({ metric_id: cpu, metric_name: "cpu", unit: "%" });
    // the last 100 of 150, newest last, ISO timestamps
    expect(h1.payload.values).toHaveLength(100);
    // each point with its offset in the dashboard's stream; the history complete up to 150
    expect(h1.payload.values[0]).toEqual({ value: 50, timestamp: "2026-01-01T00:00:50.000Z", offset: 51 });
    expect(h1.payload.values[99]).toEqual({ value: 149, timestamp: "2026-01-01T00:02:29.000Z", offset: 150 });
    expect(h1.payload).toMatchObject({ offset: 150, epoch: expect.any(String) });
    expect(await c.receive()).toEqual({
      action: "metric_history",
      payload: {
        metric_id: mem,
        metric_name: "mem",
        unit: "B",
        values: [],
        epoch: expect.any(String),
        offset: 150,
      },
    });
  });

  it("authenticates a browser session cookie from the same origin", async () => {
    const c = await connect(ws(), { cookie: `pb_session=${owner.cookie}`, origin: t.url });
    await c.assertAuthenticated();
  });

  it("authenticates ?token= in the URL", async () => {
    const c = await connect(`${ws()}?token=${encodeURIComponent(token)}`, {});
    await c.assertAuthenticated();
  });

  it("refuses a cross-site Origin at the upgrade (the session cookie cannot be ridden)", async () => {
    await expect(
      connect(ws(), { cookie: `pb_session=${owner.cookie}`, origin: "https://evil.example" }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("refuses missing credentials with 401 and close code 4001", async () => {
    const c = await connect(ws(), {});
    const frame = await c.receive();
    expect(frame).toMatchObject({
      action: "authentication",
      payload: { status_code: 401, data: { detail: expect.any(String) } },
    });
    expect((await c.closed).code).toBe(4001);
  });

  it("refuses an invalid token with 401/4001", async () => {
    const c = await connect(ws(), { token: "pbt_forged" });
    expect((await c.receive()).payload).toMatchObject({ status_code: 401 });
    expect((await c.closed).code).toBe(4001);
  });

  it("refuses a non-member with 403 and close code 4003", async () => {
    const c = await connect(ws(), { token: strangerToken });
    expect((await c.receive()).payload).toMatchObject({
      status_code: 403,
      data: { detail: expect.stringMatching(/member/) },
    });
    expect((await c.closed).code).toBe(4003);
  });

  it.each(["999999", "abc", "0", "1e2"])(
    "refuses dashboard id %s with 404 and close code 4004",
    async (id) => {
      const c = await connect(ws(id));
      expect((await c.receive()).payload).toMatchObject({ status_code: 404 });
      expect((await c.closed).code).toBe(4004);
    },
  );

  it("answers ping with pong", async () => {
    const c = await ready();
    c.sendMessage("ping", null);
    expect(await c.receive()).toEqual({ action: "pong", payload: null });
    c.sendMessage("ping");
    expect(await c.receive()).toEqual({ action: "pong", payload: null });
  });

  it("streams an ingested point as metric_update with name, unit and its commit time", async () => {
    const c = await ready();
    const before = Date.now();
    expect((await ingest([{ metric_id: cpu, value: 42.5, timestamp: "2026-11-20T10:00:00Z" }])).status).toBe(
      200,
    );
    const after = Date.now();
    const update = await c.receive("metric_update");
    expect(update).toEqual({
      action: "metric_update",
      payload: {
        metric_id: cpu,
        value: 42.5,
        timestamp: "2026-11-20T10:00:00.000Z",
        metric_name: "cpu",
        unit: "%",
        committed_at: expect.any(String),
        offset: expect.any(Number),
      },
    });
    // stamped when the batch committed: within the ingest request, not the point's own timestamp
    const committed = Date.parse((update.payload as { committed_at: string }).committed_at);
    expect(committed).toBeGreaterThanOrEqual(before);
    expect(committed).toBeLessThanOrEqual(after);
  });

  it("stops streaming an unsubscribed metric and sends history again on re-subscribe", async () => {
    const c = await ready();
    c.sendMessage("unsubscribe", [cpu]);
    c.sendMessage("ping", null);
    await c.receive("pong");
    await ingest([
      { metric_id: cpu, value: 1 },
      { metric_id: mem, value: 2 },
    ]);
    const got = await c.receive("metric_update");
    expect(got.payload).toMatchObject({ metric_id: mem, value: 2 });
    expect((await c.receiveAll(200)).filter((f) => f.action === "metric_update")).toEqual([]);
    c.sendMessage("subscribe", [cpu]);
    const history = await c.receive();
    expect(history).toMatchObject({
      action: "metric_history",
      payload: { metric_id: cpu, metric_name: "cpu" },
    });
    await ingest([{ metric_id: cpu, value: 3 }]);
    expect((await c.receive("metric_update")).payload).toMatchObject({ metric_id: cpu, value: 3 });
  });

  it("does not resend history when subscribing to an already subscribed metric", async () => {
    const c = await ready();
    c.sendMessage("subscribe", [cpu, mem]);
    c.sendMessage("ping", null);
    expect(await c.receive()).toEqual({ action: "pong", payload: null });
  });

  it("refuses a subscribe to another dashboard's metric with an error and never streams it", async () => {
    const c = await ready();
    c.sendMessage("subscribe", [foreign]);
    const error = await c.receive();
    expect(error).toMatchObject({
      action: "error",
      payload: { detail: expect.stringContaining(String(foreign)) },
    });
    await ingest([{ metric_id: foreign, value: 666 }]);
    const frames = await c.receiveAll(300);
    expect(frames.filter((f) => (f.payload as { metric_id?: number } | null)?.metric_id === foreign)).toEqual(
      [],
    );
    expect(c.isOpen).toBe(true);
  });

  it("streams a metric created after connecting once subscribed", async () => {
    const c = await ready();
    const late = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: `late-${kind}-${Date.now()}`, type: "counter" },
      })
    ).body.id;
    await ingest([{ metric_id: late, value: 1 }]);
    expect((await c.receiveAll(200)).filter((f) => f.action === "metric_update")).toEqual([]);
    c.sendMessage("subscribe", [late]);
    expect((await c.receive()).payload).toMatchObject({ metric_id: late, values: [{ value: 1 }] });
    await ingest([{ metric_id: late, value: 2 }]);
    expect((await c.receive("metric_update")).payload).toMatchObject({ metric_id: late, value: 2 });
  });

  it("sends the new dashboard_config to connected members when a metric is created, renamed or deleted", async () => {
    const c = await ready();
    const name = `added-${kind}-${Date.now()}`;
    const added = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name, type: "gauge", unit: "rpm" },
      })
    ).body.id;
    const afterCreate = (await c.receive("dashboard_config")).payload as {
      metrics: { id: number; name: string }[];
    };
    expect(afterCreate.metrics).toContainEqual(expect.objectContaining({ id: added, name, unit: "rpm" }));
    await t.api("PATCH", `/api/v1/metrics/${added}`, { session: owner, body: { name: `${name}-renamed` } });
    const afterRename = (await c.receive("dashboard_config")).payload as {
      metrics: { id: number; name: string }[];
    };
    expect(afterRename.metrics.find((m) => m.id === added)?.name).toBe(`${name}-renamed`);
    await t.api("DELETE", `/api/v1/metrics/${added}`, { session: owner });
    const afterDelete = (await c.receive("dashboard_config")).payload as { metrics: { id: number }[] };
    expect(afterDelete.metrics.map((m) => m.id)).not.toContain(added);
    expect(afterDelete.metrics.map((m) => m.id)).toEqual(expect.arrayContaining([cpu, mem]));
  });

  it("does not tell members of other dashboards about a changed metric", async () => {
    const c = await ready();
    await t.api("POST", `/api/v1/dashboards/${otherDash}/metrics`, {
      session: owner,
      body: { name: `elsewhere-${kind}-${Date.now()}`, type: "gauge" },
    });
    expect((await c.receiveAll(300)).map((f) => f.action)).not.toContain("dashboard_config");
  });

  it("answers malformed JSON, an unknown action and wrong payload types with errors, and stays open", async () => {
    const c = await ready();
    c.sendRaw("{not json");
    expect((await c.receive()).action).toBe("error");
    c.sendMessage("drop_tables", null);
    expect((await c.receive()).payload).toMatchObject({ detail: expect.stringContaining("drop_tables") });
    c.sendMessage("subscribe", ["1", -2, 1.5]);
    const validation = await c.receive();
    expect(validation.action).toBe("error");
    expect(Array.isArray(validation.payload)).toBe(true);
    expect((validation.payload as Array<{ loc: unknown[] }>)[0]!.loc[0]).toBe("payload");
    c.sendMessage("resume", { since: "not a date" });
    expect((await c.receive()).action).toBe("error");
    c.sendMessage("ping", null);
    expect(await c.receive()).toEqual({ action: "pong", payload: null });
  });

  it("tells every member the connection count when a client joins or leaves", async () => {
    const quiet = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Presence" } }))
      .body.id;
    const a = await connect(ws(quiet));
    expect((await a.receive("presence")).payload).toEqual({ dashboard_id: quiet, connections: 1 });
    const b = await ready(ws(quiet));
    expect((await a.receive("presence")).payload).toEqual({ dashboard_id: quiet, connections: 2 });
    await b.close();
    expect((await a.receive("presence")).payload).toEqual({ dashboard_id: quiet, connections: 1 });
  });

  it("replays every stored point newer than `since` on resume, then sends resumed {count}", async () => {
    // Newer than anything earlier specs stored, yet within the 10 minutes ingest allows ahead.
    const base = Date.now() + 60_000;
    await ingest(
      [0, 1, 2, 3].map((i) => ({
        metric_id: mem,
        value: 100 + i,
        timestamp: new Date(base + i * 1000).toISOString(),
      })),
    );
    const c = await ready();
    await c.receiveAll(100);
    c.sendMessage("resume", { since: new Date(base + 1000).toISOString() });
    const updates = [await c.receive(), await c.receive()];
    expect(updates.map((f) => f.payload)).toEqual([
      {
        metric_id: mem,
        value: 102,
        timestamp: new Date(base + 2000).toISOString(),
        metric_name: "mem",
        unit: "B",
        offset: expect.any(Number),
      },
      {
        metric_id: mem,
        value: 103,
        timestamp: new Date(base + 3000).toISOString(),
        metric_name: "mem",
        unit: "B",
        offset: expect.any(Number),
      },
    ]);
    expect(await c.receive()).toEqual({ action: "resumed", payload: { count: 2 } });
  });

  it("resumes per metric with a {metric_id: since} map", async () => {
    const base = Date.now() + 120_000;
    await ingest([
      { metric_id: cpu, value: 7, timestamp: new Date(base).toISOString() },
      { metric_id: mem, value: 8, timestamp: new Date(base).toISOString() },
    ]);
    const c = await ready();
    await c.receiveAll(100);
    c.sendMessage("resume", { since: { [String(cpu)]: new Date(base - 1).toISOString() } });
    expect((await c.receive()).payload).toMatchObject({ metric_id: cpu, value: 7 });
    expect(await c.receive()).toEqual({ action: "resumed", payload: { count: 1 } });
  });

  it("holds updates while paused and replays them on resume_stream, then streams live", async () => {
    const c = await ready();
    await c.receiveAll(100);
    c.sendMessage("pause", null);
    const paused = await c.receive();
    expect(paused.action).toBe("paused");
    expect(Date.parse((paused.payload as { at: string }).at)).toBeGreaterThan(0);
    await ingest([
      { metric_id: cpu, value: 1 },
      { metric_id: mem, value: 2 },
    ]);
    await ingest([{ metric_id: cpu, value: 3 }]);
    expect((await c.receiveAll(300)).filter((f) => f.action === "metric_update")).toEqual([]);
    c.sendMessage("resume_stream", null);
    const replayed = [await c.receive(), await c.receive(), await c.receive()];
    expect(replayed.map((f) => (f.payload as { value: number }).value)).toEqual([1, 2, 3]);
    expect(await c.receive()).toEqual({
      action: "resumed",
      payload: { count: 3, epoch: expect.any(String), offset: expect.any(Number) },
    });
    await ingest([{ metric_id: cpu, value: 4 }]);
    expect((await c.receive("metric_update")).payload).toMatchObject({ value: 4 });
  });

  it("closes a removed member's open connections with 4003, then a deleted dashboard's with 4004", async () => {
    const shared = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Revoked" } }))
      .body.id;
    const metric = (
      await t.api("POST", `/api/v1/dashboards/${shared}/metrics`, {
        session: owner,
        body: { name: "x", type: "gauge" },
      })
    ).body.id;
    const stan = await t.addMember(shared, "stan", "viewer", { session: owner });
    const mine = await ready(ws(shared));
    const theirs = await connect(ws(shared), { token: strangerToken });
    await theirs.assertAuthenticated();

    const removed = await t.api("DELETE", `/api/v1/dashboards/${shared}/members/${stan.user_id}`, {
      session: owner,
    });
    expect(removed.status).toBe(204);
    expect(await theirs.closed).toEqual({ code: 4003, reason: "Your access to this dashboard was removed" });
    // The owner's stream goes on; the removed member cannot come back.
    await ingest([{ metric_id: metric, value: 1 }]);
    expect((await mine.receive("metric_update")).payload).toMatchObject({ metric_id: metric, value: 1 });
    const again = await connect(ws(shared), { token: strangerToken });
    expect((await again.receive("authentication")).payload).toMatchObject({ status_code: 403 });

    expect((await t.api("DELETE", `/api/v1/dashboards/${shared}`, { session: owner })).status).toBe(204);
    expect(await mine.closed).toEqual({ code: 4004, reason: "This dashboard was deleted" });
  });

  it("closes the sockets of a revoked API token and of a signed-out session with 4001, and only those", async () => {
    const created = await t.api("POST", "/api/v1/tokens", { session: owner, body: { name: "short-lived" } });
    expect(created.status).toBe(201);
    const byToken = await connect(ws(), { token: created.body.token });
    await byToken.assertAuthenticated();
    const session = await t.login("wanda", "pw");
    const bySession = await connect(ws(), { cookie: `pb_session=${session.cookie}` });
    await bySession.assertAuthenticated();
    const other = await ready(); // the suite's own token: untouched by either

    expect((await t.api("DELETE", `/api/v1/tokens/${created.body.id}`, { session: owner })).status).toBe(204);
    expect(await byToken.closed).toEqual({ code: 4001, reason: "This API token was revoked" });
    expect(bySession.isOpen).toBe(true);

    expect((await t.api("POST", "/api/v1/auth/logout", { session })).status).toBe(204);
    expect(await bySession.closed).toEqual({ code: 4001, reason: "Signed out" });

    await ingest([{ metric_id: cpu, value: 5 }]);
    expect((await other.receive("metric_update")).payload).toMatchObject({ metric_id: cpu, value: 5 });
    expect(other.isOpen).toBe(true);
  });

  it("serves a pause that outgrows what memory holds from storage: every point once, in order", async () => {
    const own = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Long pause" } }))
      .body.id;
    const ids: number[] = [];
    for (const name of ["a", "b"]) {
      const m = await t.api("POST", `/api/v1/dashboards/${own}/metrics`, {
        session: owner,
        body: { name, type: "gauge" },
      });
      ids.push(m.body.id);
    }
    const c = await ready(ws(own));
    c.sendMessage("pause", null);
    await c.receive("paused");
    // 1.5 × what the server holds in memory for a paused client, alternating metrics,
    // timestamps 1 ms apart, in ingest batches of at most 10,000.
    const total = 1.5 * MAX_HELD;
    const start = Date.now() - 60_000;
    const point = (i: number) => ({
      metric_id: ids[i % 2],
      value: i,
      timestamp: new Date(start + i).toISOString(),
    });
    for (let from = 0; from < total; from += 10_000) {
      const batch = Array.from({ length: Math.min(10_000, total - from) }, (_, k) => point(from + k));
      expect((await ingest(batch)).status).toBe(200);
    }
    c.sendMessage("resume_stream", null);
    // REST answers before it fans out: the last batch may still be arriving when resume_stream
    // does, and then comes live after `resumed`. Either way: each point once, in order.
    const frames = await c.receiveUntil("resumed", { timeoutMs: 20_000 });
    const resumed = frames.at(-1)?.payload as { count: number; recovered?: boolean };
    expect(resumed.count).toBeGreaterThanOrEqual(MAX_HELD);
    const got = frames
      .filter((f) => f.action === "metric_update")
      .map((f) => f.payload as { metric_id: number; value: number; offset: number });
    expect(got).toHaveLength(resumed.count);
    while (got.length < total) got.push((await c.receive("metric_update")).payload as (typeof got)[number]);
    expect(got).toHaveLength(total);
    const offsets = got.map((u) => u.offset);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(new Set(offsets).size).toBe(total);
    for (const [k, id] of ids.entries()) {
      const expected = Array.from({ length: total / 2 }, (_, j) => 2 * j + k);
      expect(got.filter((u) => u.metric_id === id).map((u) => u.value)).toEqual(expected);
    }
    await ingest([{ metric_id: ids[0], value: -1 }]);
    expect((await c.receive("metric_update")).payload).toMatchObject({ metric_id: ids[0], value: -1 });
  });
});

describe("dashboard consumer and session expiry", () => {
  it("closes a session's socket with 4001 when the session expires, not before", async () => {
    const t = await startTestApp("sqlite", { config: { sessionTtlMs: 1500 } });
    try {
      await t.createUser("ella", "pw");
      const beforeLogin = Date.now(); // the session expires 1.5 s after it was made, so after this
      const session = await t.login("ella", "pw");
      const id = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Expiring" } })).body.id;
      const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${id}/`, {
        cookie: `pb_session=${session.cookie}`,
      });
      await c.assertAuthenticated();
      expect(await c.closed).toEqual({ code: 4001, reason: "Session expired" });
      expect(Date.now() - beforeLogin).toBeGreaterThanOrEqual(1500);
    } finally {
      await t.close();
    }
  });
});

describe("dashboard consumer with send_completion on", () => {
  it("answers every client frame, good or bad, with complete after its reply", async () => {
    const t = await startTestApp("sqlite", { config: { sendCompletion: true } });
    try {
      await t.createUser("cora", "pw");
      const token = await t.createToken("cora");
      const session = await t.login("cora", "pw");
      const id = (await t.api("POST", "/api/v1/dashboards", { session, body: { name: "Done" } })).body.id;
      const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${id}/`, { token });
      await c.assertAuthenticated();
      await c.receive("dashboard_config");
      const answer = async () =>
        (await c.receiveUntil("complete")).map((f) => f.action).filter((a) => a !== "presence");
      c.sendMessage("ping", null);
      expect(await answer()).toEqual(["pong", "complete"]);
      c.sendRaw("{not json");
      expect(await answer()).toEqual(["error", "complete"]);
      await c.close();
    } finally {
      await t.close();
    }
  });
});
