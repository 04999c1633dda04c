// Specification of one state per rule: every rule is ok, pending, firing or no_data, with its
// history of events; editing, disabling or deleting a rule closes its open event (so a panel never
// shows a stale "firing" next to the new rule), and only the current firing state can be
// acknowledged. Over real HTTP + WebSocket, on SQLite and PostgreSQL.
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertServiceOf } from "../src/alerts/index.ts";
import { DB_KINDS, nextAlert, type Session, startTestApp, type TestApp } from "./harness.ts";
import { startHttpReceiver } from "./receivers.ts";

type State = {
  rule_id: number;
  status: string;
  event_id: number | null;
  enabled: boolean;
  threshold: number;
};

describe.each(DB_KINDS)("alert states on %s", (kind) => {
  let t: TestApp;
  let owner: Session;
  let token: string;
  let dash: number;
  let metrics = 0;
  const sockets: Communicator[] = [];

  beforeAll(async () => {
    t = await startTestApp(kind, { config: { alertAllowPrivate: true, alertPollMs: 100 } });
    const o = await t.createUser("olga");
    owner = await t.login("olga", o.password);
    token = await t.createToken("olga");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Home" } })).body.id;
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await t?.close();
  });

  async function setup(rule: Record<string, unknown>) {
    const metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: `temp${++metrics}`, type: "gauge", unit: "°C" },
      })
    ).body.id as number;
    const res = await t.api("POST", `/api/v1/dashboards/${dash}/alert-rules`, {
      session: owner,
      body: { metric_id: metric, condition: "above", threshold: 1, ...rule },
    });
    expect(res.status, res.text).toBe(201);
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, {
      cookie: `pb_session=${owner.cookie}`,
    });
    sockets.push(c);
    await c.assertAuthenticated();
    return { metric, ruleId: res.body.id as number, c };
  }
  async function ingest(metric: number, value: number) {
    const res = await t.api("POST", "/api/v1/ingest", {
      token,
      body: { points: [{ metric_id: metric, value }] },
    });
    expect(res.status).toBe(200);
    await alertServiceOf(t.pb.ctx)!.idle();
  }
  async function stateOf(ruleId: number): Promise<State> {
    const res = await t.api("GET", `/api/v1/dashboards/${dash}/alert-states`, { session: owner });
    expect(res.status).toBe(200);
    return (res.body as State[]).find((s) => s.rule_id === ruleId)!;
  }
  async function history(ruleId: number) {
    const res = await t.api("GET", `/api/v1/alert-rules/${ruleId}/events`, { session: owner });
    expect(res.status).toBe(200);
    return (res.body as { state: string; reason: string; open: boolean }[])
      .reverse()
      .map((e) => `${e.state}:${e.reason}:${e.open ? "open" : "closed"}`);
  }

  it("closes the firing event when the threshold is raised, and only the new state can be acknowledged", async () => {
    const { metric, ruleId, c } = await setup({});
    await ingest(metric, 21);
    const firing = await nextAlert(c, ruleId);
    expect(firing).toMatchObject({ state: "firing", status: "firing", threshold: 1 });
    const patched = await t.api("PATCH", `/api/v1/alert-rules/${ruleId}`, {
      session: owner,
      body: { threshold: 22.5 },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.threshold).toBe(22.5);
    expect(await nextAlert(c, ruleId)).toMatchObject({
      state: "resolved",
      status: "ok",
      reason: "rule_changed",
    });
    expect(await stateOf(ruleId)).toMatchObject({ status: "ok", event_id: null, threshold: 22.5 });
    const stale = await t.api("POST", `/api/v1/alerts/${firing.id}/ack`, { session: owner });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("PB_ERR_CONFLICT");
    await ingest(metric, 21); // below the new threshold: nothing
    expect((await stateOf(ruleId)).status).toBe("ok");
    await ingest(metric, 23);
    const again = await nextAlert(c, ruleId);
    expect(again).toMatchObject({ state: "firing", threshold: 22.5 });
    expect((await stateOf(ruleId)).event_id).toBe(again.id);
    expect((await t.api("POST", `/api/v1/alerts/${again.id}/ack`, { session: owner })).status).toBe(200);
    expect(await history(ruleId)).toEqual([
      "firing:threshold:closed",
      "resolved:rule_changed:closed",
      "firing:threshold:open",
    ]);
  });

  it("shows pending while a breach waits for duration_s, and lists problems first", async () => {
    const calm = await setup({ threshold: 1000 });
    await ingest(calm.metric, 5);
    const { metric, ruleId } = await setup({ duration_s: 3600 });
    await ingest(metric, 50);
    expect((await stateOf(ruleId)).status).toBe("pending");
    const hot = await setup({});
    await ingest(hot.metric, 50);
    const res = await t.api("GET", `/api/v1/dashboards/${dash}/alert-states`, { session: owner });
    const order = (res.body as State[]).map((s) => s.status);
    const rank = { firing: 0, no_data: 1, pending: 2, ok: 3 } as Record<string, number>;
    expect(order).toEqual([...order].sort((a, b) => rank[a]! - rank[b]!));
    expect(order[0]).toBe("firing");
  });

  it("goes to no_data when the metric is silent longer than no_data_s, and back when it speaks", async () => {
    const { metric, ruleId, c } = await setup({ threshold: 100, no_data_s: 1 });
    await ingest(metric, 5);
    const silent = await nextAlert(c, ruleId, 5000);
    expect(silent).toMatchObject({ state: "firing", status: "no_data", reason: "no_data" });
    expect((await stateOf(ruleId)).status).toBe("no_data");
    await ingest(metric, 6);
    expect(await nextAlert(c, ruleId)).toMatchObject({
      state: "resolved",
      status: "ok",
      reason: "data_returned",
    });
    expect((await stateOf(ruleId)).status).toBe("ok");
  });

  it("resolves the open event when the rule is disabled, and stops evaluating it", async () => {
    const { metric, ruleId, c } = await setup({});
    await ingest(metric, 50);
    await nextAlert(c, ruleId);
    await t.api("PATCH", `/api/v1/alert-rules/${ruleId}`, { session: owner, body: { enabled: false } });
    expect(await nextAlert(c, ruleId)).toMatchObject({ state: "resolved", reason: "rule_disabled" });
    expect(await stateOf(ruleId)).toMatchObject({ status: "ok", enabled: false, event_id: null });
    await ingest(metric, 60);
    expect((await stateOf(ruleId)).status).toBe("ok");
  });

  it("tells contact points a deleted rule's alert is over", async () => {
    const { metric, ruleId, c } = await setup({});
    const hook = await startHttpReceiver();
    try {
      await t.api("POST", `/api/v1/dashboards/${dash}/contact-points`, {
        session: owner,
        body: { name: "hook", type: "webhook", settings: { url: hook.url }, rule_ids: [ruleId] },
      });
      await ingest(metric, 50);
      await nextAlert(c, ruleId);
      expect((await t.api("DELETE", `/api/v1/alert-rules/${ruleId}`, { session: owner })).status).toBe(204);
      expect(await nextAlert(c, ruleId)).toMatchObject({ state: "resolved", reason: "rule_deleted" });
      const [fired, over] = await hook.waitFor(2);
      expect((fired!.json as { alerts: unknown[] }).alerts).toMatchObject([
        { rule_id: ruleId, state: "firing" },
      ]);
      expect((over!.json as { alerts: unknown[] }).alerts).toMatchObject([
        { rule_id: ruleId, state: "resolved", reason: "rule_deleted" },
      ]);
      expect(await stateOf(ruleId)).toBeUndefined();
    } finally {
      await hook.close();
    }
  });
});
