import { describe, expect, it } from "vitest";
import { backoffDelay } from "../src/backoff.ts";

const opts = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 1 };

describe("backoffDelay", () => {
  it("grows by factor per attempt and stops at maxMs when jitter is 0", () => {
    const exact = { ...opts, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffDelay(a, exact))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("with full jitter spreads the delay over [0, cap]", () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(800);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
    expect(backoffDelay(3, opts, () => 0.999_999)).toBe(0);
  });

  it("with partial jitter keeps the delay within [cap × (1 − jitter), cap]", () => {
    const half = { ...opts, jitter: 0.5 };
    expect(backoffDelay(1, half, () => 0)).toBe(200);
    expect(backoffDelay(1, half, () => 0.999_999)).toBe(100);
  });
});
