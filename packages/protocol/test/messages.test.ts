import { describe, expect, it } from "vitest";
import { clientMessage, serverMessage, terminalCloseCodes } from "../src/messages.ts";

describe("dashboard protocol schemas", () => {
  it("accepts a subscribe with positive integer ids", () => {
    expect(clientMessage.parse({ action: "subscribe", payload: [1, 2] })).toEqual({
      action: "subscribe",
      payload: [1, 2],
    });
  });

  it("refuses a subscribe with non-integer, negative or string ids", () => {
    for (const payload of [[1.5], [-1], ["1"], [0], null, "1"]) {
      expect(clientMessage.safeParse({ action: "subscribe", payload }).success).toBe(false);
    }
  });

  it("refuses an unknown action", () => {
    expect(clientMessage.safeParse({ action: "drop_tables", payload: null }).success).toBe(false);
  });

  it("accepts ping with a null payload or none at all", () => {
    expect(clientMessage.safeParse({ action: "ping", payload: null }).success).toBe(true);
    expect(clientMessage.safeParse({ action: "ping" }).success).toBe(true);
  });

  it("accepts resume since one timestamp or per-metric timestamps", () => {
    expect(
      clientMessage.safeParse({ action: "resume", payload: { since: "2026-11-24T10:00:00Z" } }).success,
    ).toBe(true);
    expect(
      clientMessage.safeParse({ action: "resume", payload: { since: { "3": "2026-11-24T10:00:00.123Z" } } })
        .success,
    ).toBe(true);
  });

  it("refuses resume with a non-timestamp or a non-numeric metric key", () => {
    expect(clientMessage.safeParse({ action: "resume", payload: { since: "yesterday" } }).success).toBe(
      false,
    );
    expect(
      clientMessage.safeParse({ action: "resume", payload: { since: { abc: "2026-11-24T10:00:00Z" } } })
        .success,
    ).toBe(false);
  });

  it("refuses a metric_update whose value is not finite", () => {
    const base = { metric_id: 1, timestamp: "2026-11-24T10:00:00Z", metric_name: "cpu", unit: "%" };
    expect(
      serverMessage.safeParse({ action: "metric_update", payload: { ...base, value: 1.5 } }).success,
    ).toBe(true);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(serverMessage.safeParse({ action: "metric_update", payload: { ...base, value } }).success).toBe(
        false,
      );
    }
  });

  it("accepts both shapes of error payload", () => {
    expect(
      serverMessage.safeParse({
        action: "error",
        payload: [{ type: "missing", loc: ["payload", 0], msg: "x" }],
      }).success,
    ).toBe(true);
    expect(serverMessage.safeParse({ action: "error", payload: { detail: "nope" } }).success).toBe(true);
  });

  it("treats 4001, 4003 and 4004 as terminal close codes but not 4008 or 1006", () => {
    expect([4001, 4003, 4004].every((c) => terminalCloseCodes.has(c))).toBe(true);
    expect(terminalCloseCodes.has(4008) || terminalCloseCodes.has(1006)).toBe(false);
  });
});
