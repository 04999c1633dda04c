// Specification of `npm start`'s server process (main.ts) on first and later runs: the demo
// user and dashboards, the printed URL, and the synthetic generator feeding "Demo" through the
// same store-then-fan-out path as REST ingest.
import type { ChildProcess } from "node:child_process";
import { Communicator } from "@pulseboard/channels/testing";
import { freePort } from "@pulseboard/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, spawnMain, type TestDatabase } from "./harness.ts";

// Through tsx, as `npm start` runs it (other specs run the bundle of main.ts: test-support's
// bundles.ts), so the tsx path and the read workers' tsx shim stay under test.
function runMain(db: TestDatabase, port: number) {
  return spawnMain(db, port, { PULSEBOARD_COLLECTOR_INTERVAL_MS: "200" }, { viaTsx: true });
}

describe("main.ts (npm start)", () => {
  let db: TestDatabase;
  let port: number;
  let demoPassword = "";
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    db = await createTestDatabase("sqlite");
    port = await freePort();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await db?.destroy();
  });

  it("seeds the demo user on first run, prints it and the URL, and streams the Demo dashboard", {
    timeout: 60_000,
  }, async () => {
    const main = await runMain(db, port);
    children.push(main.child);
    // No fixed demo password: a random one, printed this once.
    const printed = /username "demo", password "([^"]+)" \(shown only this once/.exec(main.output())?.[1];
    expect(printed).toMatch(/^[A-Za-z0-9_-]{16}$/);
    demoPassword = printed!;
    expect(main.output()).toContain(`Pulseboard is running at http://127.0.0.1:${port}/`);

    const url = `http://127.0.0.1:${port}`;
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "demo", password: demoPassword }),
    });
    expect(login.status).toBe(200);
    const fixed = await fetch(`${url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "demo", password: "demo" }),
    });
    expect(fixed.status).toBe(401);
    const cookie = /pb_session=[^;]+/.exec(login.headers.get("set-cookie") ?? "")![0];
    const list = (await (await fetch(`${url}/api/v1/dashboards`, { headers: { cookie } })).json()) as Array<{
      id: number;
      name: string;
      role: string;
    }>;
    expect(list.map((d) => `${d.name}:${d.role}`)).toEqual(
      expect.arrayContaining(["System:owner", "Demo:owner"]),
    );

    const demo = list.find((d) => d.name === "Demo")!;
    // Wait for the generator to have created the counter, gauge and histogram metrics.
    let types: string[] = [];
    for (let i = 0; i < 50 && types.length < 3; i++) {
      const detail = (await (
        await fetch(`${url}/api/v1/dashboards/${demo.id}`, { headers: { cookie } })
      ).json()) as { metrics: Array<{ type: string }> };
      types = [...new Set(detail.metrics.map((m) => m.type))].sort();
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(types).toEqual(["counter", "gauge", "histogram"]);

    const c = await Communicator.connect(`ws://127.0.0.1:${port}/ws/dashboard/${demo.id}/`, {
      cookie,
      origin: url,
    });
    await c.assertAuthenticated();
    const update = await c.receive("metric_update", 5000);
    expect(update.payload).toMatchObject({
      metric_id: expect.any(Number),
      value: expect.any(Number),
      timestamp: expect.any(String),
    });
    await c.close();

    // The System dashboard is fed by the system collector, on by default under npm start.
    const system = list.find((d) => d.name === "System")!;
    const sys = await Communicator.connect(`ws://127.0.0.1:${port}/ws/dashboard/${system.id}/`, {
      cookie,
      origin: url,
    });
    await sys.assertAuthenticated();
    let names: string[] = [];
    for (let i = 0; i < 60 && !names.includes("cpu_percent"); i++) {
      const frame = await sys.receive(undefined, 5000);
      if (frame.action === "dashboard_config")
        names = (frame.payload as { metrics: Array<{ name: string }> }).metrics.map((m) => m.name);
    }
    expect(names).toEqual(expect.arrayContaining(["cpu_percent", "memory_percent"]));
    await sys.close();

    main.child.kill("SIGTERM");
    expect(await main.exited).toBe(0);
  });

  it("does not seed or print the demo password again on a later run", { timeout: 60_000 }, async () => {
    const main = await runMain(db, port);
    children.push(main.child);
    expect(main.output()).not.toContain("password");
    const users = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "demo", password: demoPassword }),
    });
    expect(users.status).toBe(200);
    main.child.kill("SIGTERM");
    await main.exited;
  });
});
