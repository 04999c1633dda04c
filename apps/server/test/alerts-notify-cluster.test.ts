// Specification of notifications in a cluster: two server nodes on one PostgreSQL database and one
// Redis channel layer, both running the outbox, both seeing points of the same rules. A webhook
// receiver counts deliveries: every transition arrives exactly once, whichever node evaluated it
// and whichever node claimed its outbox row.
import { RedisLayer } from "@pulseboard/channels/redis";
import { type RedisHandle, startRedis } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertOutboxOf, alertServiceOf } from "../src/alerts/index.ts";
import {
  createTestDatabase,
  type Session,
  startTestApp,
  type TestApp,
  type TestDatabase,
} from "./harness.ts";
import { type HttpReceiver, startHttpReceiver } from "./receivers.ts";

type Item = { notification_id: number; rule_id: number; state: string };

describe("alert notifications across two nodes", () => {
  let redis: RedisHandle;
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let hook: HttpReceiver;
  let owner: Session;
  let token: string;
  let dashboardId: number;

  beforeAll(async () => {
    redis = await startRedis();
    database = await createTestDatabase("postgres");
    hook = await startHttpReceiver();
    const node = () =>
      startTestApp("postgres", {
        database,
        config: { alertAllowPrivate: true, alertPollMs: 50, alertRetryBaseMs: 20 },
        build: { layer: new RedisLayer({ url: redis.url }) },
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
    await a?.close();
    await b?.close();
    await hook?.close();
    await database?.destroy();
    await redis?.stop();
  });

  async function ingest(node: TestApp, metric: number, value: number, at: number) {
    const res = await node.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ metric_id: metric, value, timestamp: new Date(at).toISOString() }] },
    });
    expect(res.status).toBe(200);
    await alertServiceOf(node.pb.ctx)!.idle();
  }
  const items = () => hook.requests.flatMap((r) => (r.json as { alerts: Item[] }).alerts);
  async function itemsReach(count: number) {
    for (let n = 1; items().length < count; n++)
      await hook.waitFor(Math.max(n, hook.requests.length + 1), 20_000);
    return items();
  }

  it("delivers every transition exactly once", async () => {
    const rules: number[] = [];
    const metrics: number[] = [];
    for (let i = 0; i < 8; i++) {
      const metric = (
        await a.api("POST", `/api/v1/dashboards/${dashboardId}/metrics`, {
          session: owner,
          body: { name: `c${i}`, type: "gauge" },
        })
      ).body.id as number;
      const rule = await b.api("POST", `/api/v1/dashboards/${dashboardId}/alert-rules`, {
        session: owner,
        body: { metric_id: metric, condition: "above", threshold: 90 },
      });
      metrics.push(metric);
      rules.push(rule.body.id);
    }
    const cp = await a.api("POST", `/api/v1/dashboards/${dashboardId}/contact-points`, {
      session: owner,
      body: { name: "hook", type: "webhook", settings: { url: hook.url } },
    });
    expect(cp.status, cp.text).toBe(201);
    const t0 = Date.now() - 60_000;
    // Each rule: breaching points through both nodes (one transition), then a clear.
    for (const [i, metric] of metrics.entries()) {
      const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
      await ingest(first, metric, 95, t0 + 1000);
      await ingest(second, metric, 96, t0 + 2000);
      await ingest(second, metric, 10, t0 + 3000);
      await ingest(first, metric, 11, t0 + 4000);
    }
    const expected = rules.flatMap((r) => [`${r}:firing`, `${r}:resolved`]).sort();
    await itemsReach(expected.length);
    // one more transition, delivered after everything above was claimed: nothing arrives twice before it
    await ingest(a, metrics[0]!, 99, t0 + 5000);
    await itemsReach(expected.length + 1);
    await alertOutboxOf(a.pb.ctx)!.idle();
    await alertOutboxOf(b.pb.ctx)!.idle();
    const got = items();
    expect(
      got
        .slice(0, -1)
        .map((i) => `${i.rule_id}:${i.state}`)
        .sort(),
    ).toEqual(expected);
    expect(got.at(-1)).toMatchObject({ rule_id: rules[0], state: "firing" });
    expect(new Set(got.map((i) => i.notification_id)).size).toBe(got.length);
  });
});
