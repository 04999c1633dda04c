// Small defects found by the abuse probe (issue 15), each pinned: a hysteresis so large that a
// firing rule could never resolve is refused, and a `?token=` in a request URL never reaches the
// log in full (the real server process, logging at info).
import { freePort } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, spawnMain, startTestApp, type TestApp, type TestDatabase } from "./harness.ts";

describe("alert rule bounds", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp("sqlite");
  });
  afterAll(() => t?.close());

  it("refuses a hysteresis of 1e308 (the rule could never resolve) with 400, storing nothing", async () => {
    await t.createUser("ann", "ann-password-1");
    const token = await t.createToken("ann");
    const dash = (await t.api("POST", "/api/v1/dashboards", { token, body: { name: "D" } })).body.id;
    const metric = (
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, { token, body: { name: "m", type: "gauge" } })
    ).body.id;
    const rules = `/api/v1/dashboards/${dash}/alert-rules`;
    const refused = await t.api("POST", rules, {
      token,
      body: { metric_id: metric, condition: "above", threshold: 1, hysteresis: 1e308 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].loc).toEqual(["body", "hysteresis"]);
    expect((await t.api("GET", rules, { token })).body).toEqual([]);
    const ok = await t.api("POST", rules, {
      token,
      body: { metric_id: metric, condition: "above", threshold: 1, hysteresis: 0.5 },
    });
    expect(ok.status).toBe(201);
    const patched = await t.api("PATCH", `/api/v1/alert-rules/${ok.body.id}`, {
      token,
      body: { hysteresis: 1e300 },
    });
    expect(patched.status).toBe(400);
  });
});

describe("request log", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase("sqlite");
  });
  afterAll(() => db?.destroy());

  it("logs a ?token= as [redacted], never the secret", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const main = await spawnMain(db, port, { LOG_LEVEL: "info", PULSEBOARD_DEMO: "0" });
    try {
      const secret = "pbt_supersecretvalue123";
      await fetch(`${main.url}/api/v1/dashboards?token=${secret}&x=1`);
      const deadline = Date.now() + 10_000;
      while (!main.output().includes("[redacted]") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(main.output()).toContain("token=[redacted]&x=1");
      expect(main.output()).not.toContain(secret);
    } finally {
      main.child.kill("SIGTERM");
      await main.exited;
    }
  });
});
