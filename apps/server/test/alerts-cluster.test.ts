// Specification of alerting in a cluster: two server nodes on one PostgreSQL database and one
// Redis channel layer (as behind nginx, no sticky sessions). Points of one metric ingested
// through either node feed ONE rule state: duration and hysteresis hold across nodes, a
// transition is stored once, and a member connected to any node receives it.

import { RedisLayer } from "@pulseboard/channels/redis";
import { Communicator } from "@pulseboard/channels/testing";
import { type RedisHandle, startRedis } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertServiceOf } from "../src/alerts/index.ts";
import {
  alertsOf,
  createTestDatabase,
  type Session,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from "./harness.ts";

type Alert = { rule_id: number; state: string; value: number };

describe("alerts across two nodes", () => {
  let redis: RedisHandle;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let owner: Session;
  let token: string;
  let dashboardId: number;
  const sockets: Communicator[] = [];
  let metrics = 0;

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase("postgres");
    const node = () =>
      startTestApp("postgres", {
        database,
        build: {
          layer: new RedisLayer({ url: redis.url }),
        },
      });
    a = await node();
    b = await node();
    const o = await a.createUser("olga");
    owner = await a.login("olga", o.password);
    token = await a.createToken("olga");
    dashboardId = (await a.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Ops" } })).body
      .id;
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await a?.close();
    await b?.close();
    await database?.destroy();
    await redis?.stop();
  });

  async function setup(rule: Record<string, unknown>) {
    const metric = (
      await a.api("POST", `/api/v1/dashboards/${dashboardId}/metrics`, {
        session: owner,
        body: { name: `c${++metrics}`, type: "gauge" },
      })
    ).body.id as number;
    const created = await b.api("POST", `/api/v1/dashboards/${dashboardId}/alert-rules`, {
      session: owner,
      body: { metric_id: metric, condition: "above", threshold: 90, ...rule },
    });
    expect(created.status).toBe(201);
    const c = await Communicator.connect(`${a.wsUrl}/ws/dashboard/${dashboardId}/`, {
      cookie: `pb_session=${owner.cookie}`,
    });
    sockets.push(c);
    await c.assertAuthenticated();
    await c.receive("dashboard_config");
    return { metric, ruleId: created.body.id as number, c };
  }

  /** One point through `node`, evaluated there before the next one is sent (points arrive in turn;
   * evaluation is asynchronous, so without waiting a later point on the other node could be
   * evaluated first). */
  async function ingest(node: TestApp, metric: number, value: number, timestamp: string) {
    const res = await node.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ metric_id: metric, value, timestamp }] },
    });
    expect(res.status).toBe(200);
    await alertServiceOf(node.pb.ctx)!.idle();
  }

  /** "state:value" of the `expected` alerts of this rule, then of any more until 500 ms of quiet. */
  const statesOf = async (c: Communicator, ruleId: number, expected = 0) =>
    (await alertsOf(c, ruleId, expected, { timeoutMs: 10_000, quietMs: 500 })).map(
      (a) => `${a.state}:${a.value}`,
    );

  async function stored(ruleId: number) {
    const res = await a.api("GET", `/api/v1/dashboards/${dashboardId}/alerts?limit=1000`, { session: owner });
    return (res.body as Alert[])
      .filter((e) => e.rule_id === ruleId)
      .reverse()
      .map((e) => `${e.state}:${e.value}`);
  }

  it("stores one firing event when both nodes see breaching points, and resolves through the other", async () => {
    const { metric, ruleId, c } = await setup({ hysteresis: 5 });
    const t0 = Date.now() - 60_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await ingest(b, metric, 95, at(0));
    await ingest(a, metric, 96, at(1));
    await ingest(b, metric, 88, at(2)); // inside the hysteresis band: still firing
    await ingest(a, metric, 80, at(3));
    expect(await statesOf(c, ruleId, 2)).toEqual(["firing:95", "resolved:80"]);
    expect(await stored(ruleId)).toEqual(["firing:95", "resolved:80"]);
  });

  it("counts the duration from a point ingested on the other node", async () => {
    const { metric, ruleId, c } = await setup({ duration_s: 60 });
    const t0 = Date.now() - 300_000;
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    await ingest(b, metric, 95, at(0));
    await ingest(a, metric, 95, at(59));
    expect(await statesOf(c, ruleId)).toEqual([]);
    await ingest(b, metric, 97, at(60));
    expect(await statesOf(c, ruleId, 1)).toEqual(["firing:97"]);
  });
});
