// The handshake from memory (src/ws/handshake-cache.ts, recent-cache.ts): a token connecting again
// reads no storage; the history it is sent equals what the database holds, points ingested since
// included; and whatever revokes access (token revoked, signed out, member removed, dashboard
// deleted, dashboard changed) is seen by the very next handshake although it was cached.
import { Communicator, type Frame } from "@pulseboard/channels/testing";
import SQLite from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Metric } from "../src/db/schema.ts";
import { recentValues } from "../src/history/history.ts";
import { type Session, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let owner: Session;
let token: string;
let dash: number;
let metric: number;
const open: Communicator[] = [];

const ws = (id = dash) => `${t.wsUrl}/ws/dashboard/${id}/`;

/** Connects and returns what the handshake sent: the config and every metric_history. */
async function handshake(opts: Parameters<typeof Communicator.connect>[1], id = dash) {
  const c = await Communicator.connect(ws(id), opts);
  open.push(c);
  await c.assertAuthenticated();
  const config = await c.receive("dashboard_config");
  const history: Frame[] = [];
  for (const _ of (config.payload as { metrics: unknown[] }).metrics)
    history.push(await c.receive("metric_history"));
  return { c, config, history };
}

/** The refusal a handshake gets: its authentication status and close code. */
async function refused(opts: Parameters<typeof Communicator.connect>[1], id = dash) {
  const c = await Communicator.connect(ws(id), opts);
  open.push(c);
  const auth = await c.receive("authentication");
  const closed = await c.closed;
  return { status: (auth.payload as { status_code: number }).status_code, code: closed.code };
}

const ingest = (points: unknown[]) => t.api("POST", "/api/v1/ingest", { token, body: { points } });
const iso = (ms: number) => new Date(ms).toISOString();
/** The metric's newest 100 points as storage answers them (a read worker, as the server reads). */
const stored = async () =>
  (await recentValues(t.pb.ctx.storage, [{ id: metric } as Metric], 100)).get(metric);

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("hana", "pw");
  await t.createUser("sam", "pw");
  owner = await t.login("hana", "pw");
  token = await t.createToken("hana");
  dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Cached" } })).body.id;
  metric = (
    await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
      session: owner,
      body: { name: "temp", type: "gauge", unit: "C" },
    })
  ).body.id;
});
afterAll(async () => {
  for (const c of open) c.ws.terminate();
  await t.close();
});

describe("handshakes from memory", () => {
  it("sends on connect the history the database holds, points ingested since included", async () => {
    const base = Date.now() - 3600_000;
    await ingest(
      Array.from({ length: 150 }, (_, i) => ({
        metric_id: metric,
        value: i,
        timestamp: iso(base + i * 1000),
      })),
    );
    const first = await handshake({ token });
    expect((first.history[0]!.payload as { values: unknown[] }).values).toEqual(await stored());
    // Newer points, an older one that lands inside the last 100, and two with the same timestamp.
    for (const [value, at] of [
      [1000, base + 200_000],
      [1001, base + 120_500],
      [1002, base + 300_000],
      [1003, base + 300_000],
    ] as const) {
      expect((await ingest([{ metric_id: metric, value, timestamp: iso(at) }])).status).toBe(200);
      await first.c.receive("metric_update"); // fanned out, so the node's cache has seen it
    }
    const again = await handshake({ token });
    const values = (again.history[0]!.payload as { values: Array<{ value: number }> }).values;
    expect(values).toEqual(await stored());
    expect(values.slice(-3).map((v) => v.value)).toEqual([1000, 1002, 1003]);
    expect(values.map((v) => v.value)).toContain(1001);
  });

  it("reads no storage when the same token connects again to a dashboard this node serves", async () => {
    await handshake({ token });
    const prepare = vi.spyOn(SQLite.prototype, "prepare");
    try {
      await handshake({ token });
      // The alert outbox polls its table every second whatever the sockets do: not the handshake's.
      const selects = prepare.mock.calls
        .map(([sql]) => String(sql))
        .filter((sql) => /^\s*select/i.test(sql) && !/from "alert_/.test(sql));
      expect(selects).toEqual([]);
    } finally {
      prepare.mockRestore();
    }
  });

  it("refuses a cached token once it is revoked", async () => {
    const created = (await t.api("POST", "/api/v1/tokens", { session: owner, body: { name: "short-lived" } }))
      .body;
    const { c } = await handshake({ token: created.token });
    await c.close();
    expect((await t.api("DELETE", `/api/v1/tokens/${created.id}`, { session: owner })).status).toBe(204);
    expect(await refused({ token: created.token })).toEqual({ status: 401, code: 4001 });
  });

  it("refuses a cached session once it is signed out", async () => {
    const session = await t.login("hana", "pw");
    const { c } = await handshake({ headers: { cookie: `pb_session=${session.cookie}` } });
    await c.close();
    expect((await t.api("POST", "/api/v1/auth/logout", { session })).status).toBe(204);
    expect(await refused({ headers: { cookie: `pb_session=${session.cookie}` } })).toEqual({
      status: 401,
      code: 4001,
    });
  });

  it("refuses a cached member once removed, and every cached connection once the dashboard is deleted", async () => {
    const d = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Shared" } })).body
      .id;
    const sam = await t.addMember(d, "sam", "viewer", { session: owner });
    const samToken = await t.createToken("sam");
    const first = await handshake({ token: samToken }, d);
    await first.c.close();
    expect(
      (await t.api("DELETE", `/api/v1/dashboards/${d}/members/${sam.user_id}`, { session: owner })).status,
    ).toBe(204);
    expect(await refused({ token: samToken }, d)).toEqual({ status: 403, code: 4003 });
    (await handshake({ token }, d)).c.ws.terminate();
    expect((await t.api("DELETE", `/api/v1/dashboards/${d}`, { session: owner })).status).toBe(204);
    expect(await refused({ token }, d)).toEqual({ status: 404, code: 4004 });
  });

  it("sends the changed dashboard_config at the next handshake after a rename or a new metric", async () => {
    await handshake({ token });
    expect(
      (await t.api("PATCH", `/api/v1/dashboards/${dash}`, { session: owner, body: { name: "Renamed" } }))
        .status,
    ).toBe(200);
    const added = await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
      session: owner,
      body: { name: "hum", type: "gauge" },
    });
    expect(added.status).toBe(201);
    const { config, history } = await handshake({ token });
    expect(config.payload).toMatchObject({
      name: "Renamed",
      metrics: [{ id: metric }, { id: added.body.id, name: "hum" }],
    });
    expect(history.map((h) => (h.payload as { metric_id: number }).metric_id)).toEqual([
      metric,
      added.body.id,
    ]);
  });
});
