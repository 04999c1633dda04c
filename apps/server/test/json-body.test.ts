// Specification of REST JSON bodies over real HTTP: a body carrying a `__proto__` key or a
// `constructor.prototype` (at any depth, in a REST route or the OTLP/JSON receiver) is refused with
// a clear 400 PB_ERR_BAD_REQUEST, changes nothing and pollutes no prototype; the same words as
// plain string values are accepted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Session, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let owner: Session;
let token: string;

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("pia", "pw");
  owner = await t.login("pia", "pw");
  token = await t.createToken("pia");
});
afterAll(() => t?.close());

const dashboardNames = async () =>
  ((await t.api("GET", "/api/v1/dashboards", { session: owner })).body as Array<{ name: string }>).map(
    (d) => d.name,
  );

describe("JSON bodies", () => {
  it.each([
    ["a top-level __proto__ key", '{"name":"p1","__proto__":{"polluted":true}}'],
    ["a nested __proto__ key", '{"name":"p2","description":"d","x":{"y":[{"__proto__":{"polluted":true}}]}}'],
    ["a constructor.prototype", '{"name":"p3","constructor":{"prototype":{"polluted":true}}}'],
  ])("refuses %s with 400 PB_ERR_BAD_REQUEST and creates nothing", async (_what, raw) => {
    const res = await t.api("POST", "/api/v1/dashboards", { session: owner, raw });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("PB_ERR_BAD_REQUEST");
    expect(res.body.error.message).toMatch(/__proto__/);
    expect(await dashboardNames()).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses a poisoned OTLP/JSON body the same way", async () => {
    await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "OTLP", slug: "otlp" } });
    const res = await fetch(`${t.url}/v1/metrics?dashboard=otlp`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: '{"resourceMetrics":[],"__proto__":{"polluted":true}}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("PB_ERR_BAD_REQUEST");
  });

  it("accepts the same words as values and a constructor key without a prototype", async () => {
    const res = await t.api("POST", "/api/v1/dashboards", {
      session: owner,
      raw: '{"name":"__proto__","description":"constructor.prototype"}',
    });
    expect(res.status).toBe(201);
    expect((await dashboardNames()).sort()).toEqual(["OTLP", "__proto__"]);
  });
});
