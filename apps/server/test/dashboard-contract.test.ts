// Specifications of the dashboard contract (ws/dashboard-contract.ts) on the REST side of a real
// server: a publish through `ctx.channels` is checked against the contract (by tsc, and at the
// sender), so a malformed live point is refused and reaches no client, while ingest streams as
// before; `LivePoint` is the `metric_update` schema's type, not a copy of it.
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import { dashboardContract } from "../src/ws/dashboard-contract.ts";
import { dashboardGroup, type LivePoint } from "../src/ws/fanout.ts";
import { startTestApp, type TestApp } from "./harness.ts";

describe("the dashboard contract on the REST side", () => {
  let t: TestApp;
  let token: string;
  let dash: number;
  let cpu: number;

  beforeAll(async () => {
    t = await startTestApp("sqlite");
    await t.createUser("carla", "pw");
    const owner = await t.login("carla", "pw");
    token = await t.createToken("carla");
    dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Contract" } })).body
      .id;
    cpu = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, {
        session: owner,
        body: { name: "cpu", type: "gauge", unit: "%" },
      })
    ).body.id;
  });
  afterAll(() => t?.close());

  it("refuses a malformed live point at the sender: no client gets it, the next ingest streams", async () => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`, { token });
    try {
      await c.assertAuthenticated();
      await c.receive("dashboard_config");
      await c.receive("metric_history");
      await c.receive("presence");
      const bad = t.pb.ctx.channels.groupSend(dashboardContract, dashboardGroup(dash), "metric_update", {
        metric_id: cpu,
        // @ts-expect-error a value is a number on the wire; the contract says so to tsc and at runtime
        value: "42",
        timestamp: new Date().toISOString(),
        metric_name: "cpu",
        unit: "%",
      });
      await expect(bad).rejects.toMatchObject({ code: "PB_ERR_VALIDATION" });
      const timestamp = new Date().toISOString();
      const res = await t.api("POST", "/api/v1/ingest", {
        token,
        body: { points: [{ metric_id: cpu, value: 7, timestamp }] },
      });
      expect(res.status).toBeLessThan(300);
      const next = await c.receive();
      expect(next.action).toBe("metric_update");
      expect(next.payload).toMatchObject({ metric_id: cpu, value: 7, metric_name: "cpu", unit: "%" });
      expect(await c.receiveAll(150)).toEqual([]);
    } finally {
      await c.close();
    }
  });

  it("types every publish from the contract (checked by tsc)", () => {
    expectTypeOf<LivePoint>().toEqualTypeOf<z.input<typeof dashboardContract.events.metric_update>>();
    const send = t.pb.ctx.channels.groupSend;
    const typeOnly = () => {
      // @ts-expect-error no such event in the dashboard contract
      void send(dashboardContract, dashboardGroup(dash), "metric_updated", {});
      // @ts-expect-error an alert needs its fields
      void send(dashboardContract, dashboardGroup(dash), "alert", { id: 1 });
      void send(dashboardContract, dashboardGroup(dash), "presence", { dashboard_id: dash, connections: 1 });
    };
    void typeOnly;
  });
});
