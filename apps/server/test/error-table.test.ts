// Specifications of the error table over a real server: REST answers carry the table's status for
// their code, and a refused WebSocket handshake the table's status and close code for the same
// code, so 401 is PB_ERR_UNAUTHORIZED on both transports.
import { errorCodes } from "@pulseboard/channels";
import { Communicator } from "@pulseboard/channels/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Session, startTestApp, type TestApp } from "./harness.ts";

let t: TestApp;
let owner: Session;
let dash: number;

beforeAll(async () => {
  t = await startTestApp("sqlite");
  await t.createUser("erin", "pw");
  owner = await t.login("erin", "pw");
  dash = (await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: "Errors" } })).body.id;
});
afterAll(() => t?.close());

describe("error answers follow the one error table", () => {
  it("answers each REST failure with the status its code has in the table", async () => {
    const metric = { name: "twice", type: "gauge" };
    await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, { session: owner, body: metric });
    const answers = [
      await t.api("GET", "/api/v1/dashboards"),
      await t.api("POST", "/api/v1/dashboards", { session: owner, body: { name: 42 } }),
      await t.api("POST", "/api/v1/dashboards", { session: owner, raw: "{not json" }),
      await t.api("POST", "/api/v1/dashboards", { session: owner, csrf: false, body: { name: "x" } }),
      await t.api("GET", "/api/v1/dashboards/999999", { session: owner }),
      await t.api("POST", `/api/v1/dashboards/${dash}/metrics`, { session: owner, body: metric }),
    ];
    expect(answers.map((a) => a.body.error.code)).toEqual([
      "PB_ERR_UNAUTHORIZED",
      "PB_ERR_VALIDATION",
      "PB_ERR_BAD_REQUEST",
      "PB_ERR_CSRF",
      "PB_ERR_NOT_FOUND",
      "PB_ERR_CONFLICT",
    ]);
    for (const a of answers) {
      const code = a.body.error.code as keyof typeof errorCodes;
      expect(a.status, code).toBe(errorCodes[code].status);
    }
  });

  it("refuses a WebSocket without credentials with the same 401 code's status and close code", async () => {
    const c = await Communicator.connect(`${t.wsUrl}/ws/dashboard/${dash}/`);
    const auth = await c.receive("authentication");
    const closed = await c.closed;
    const spec = errorCodes.PB_ERR_UNAUTHORIZED;
    expect((auth.payload as { status_code: number }).status_code).toBe(spec.status);
    expect(closed.code).toBe(spec.close);
  });
});
