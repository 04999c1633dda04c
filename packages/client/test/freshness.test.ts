// The SDK's commit → render lag meter: percentiles of what was recorded, bounded memory.
import { describe, expect, it } from "vitest";
import { FreshnessMeter } from "../src/freshness.ts";

describe("FreshnessMeter", () => {
  it("answers p50 and p99 of the recorded lags", () => {
    const m = new FreshnessMeter();
    expect(m.snapshot()).toBeNull();
    for (let lag = 1; lag <= 100; lag++) m.record(1000, 1000 + lag);
    expect(m.snapshot()).toEqual({ p50_ms: 50, p99_ms: 99, samples: 100 });
  });

  it("keeps only the newest samples and counts a clock ahead of the server as zero lag", () => {
    const m = new FreshnessMeter();
    for (let i = 0; i < 5000; i++) m.record(0, 500);
    for (let i = 0; i < 2048; i++) m.record(0, 7);
    expect(m.snapshot()).toEqual({ p50_ms: 7, p99_ms: 7, samples: 2048 });
    m.reset();
    m.record(100, 90);
    expect(m.snapshot()?.p99_ms).toBe(0);
  });
});
