// "Missing" and "not yours" get the same answer where docs/API.md says existence is not revealed:
// ingest by a metric id of another dashboard answers exactly like a metric id that does not
// exist, and a dashboard id the caller cannot see exactly like one that does not exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allStoredValues, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let token: string;
let foreignMetric: number;
let foreignDash: number;

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("mallory", "mallory-password");
  await t.createUser("alice", "alice-password");
  token = await t.createToken("mallory");
  const alice = await t.createToken("alice");
  foreignDash = (await t.api("POST", "/api/v1/dashboards", { token: alice, body: { name: "Private" } })).body
    .id;
  foreignMetric = (
    await t.api("POST", `/api/v1/dashboards/${foreignDash}/metrics`, {
      token: alice,
      body: { name: "secret", type: "gauge" },
    })
  ).body.id;
});
afterAll(() => t?.close());

const ingest = (points: unknown[]) => t.api("POST", "/api/v1/ingest", { token, body: { points } });

describe("ingest", () => {
  it("answers a foreign metric id exactly like a missing one", async () => {
    const foreign = await ingest([{ metric_id: foreignMetric, value: 1 }]);
    const missing = await ingest([{ metric_id: foreignMetric + 1000, value: 1 }]);
    expect(foreign.status).toBe(404);
    expect({ status: foreign.status, body: foreign.body }).toEqual({
      status: missing.status,
      body: missing.body,
    });
    expect(await allStoredValues(t)).toEqual([]);
  });

  it("answers a foreign dashboard id exactly like a missing one", async () => {
    const foreign = await ingest([{ dashboard_id: foreignDash, metric: "secret", value: 1 }]);
    const missing = await ingest([{ dashboard_id: foreignDash + 1000, metric: "secret", value: 1 }]);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });
});
