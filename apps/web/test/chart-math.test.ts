// What the charts compute from the points they have: outages found as gaps, counters as rates with
// resets handled, histogram percentiles per time bucket, units written for people, and the time
// range as written in the URL.
import { describe, expect, it } from "vitest";
import { parseLocalIso, rangeFromSearch, searchWithRange, toLocalIso } from "../src/charts/range.ts";
import { counterRate, findGaps, heatmap, percentileBuckets, quantile } from "../src/charts/transform.ts";
import { formatTick, formatValue } from "../src/charts/units.ts";

describe("gaps", () => {
  it("breaks a 1 s series where it had no data for a minute, and nowhere else", () => {
    const xs = [0, 1, 2, 3, 4, 64, 65, 66];
    expect(findGaps(xs)).toEqual([5]);
  });

  it("does not cut a series with jittery timing", () => {
    expect(findGaps([0, 1, 2.8, 3.1, 5, 6, 7.9, 9])).toEqual([]);
  });

  it("never calls less than the bucket floor a gap", () => {
    expect(findGaps([0, 10, 20, 100], 120)).toEqual([]);
  });
});

describe("counter rate", () => {
  it("is the per-second increase, and a reset counts from zero instead of a cliff", () => {
    const xs = [0, 10, 20, 30, 40];
    const ys = [100, 200, 300, 50, 150]; // restarted between 20 and 30
    const ox = new Float64Array(8);
    const oy = new Float64Array(8);
    const n = counterRate(xs, ys, ox, oy);
    expect(Array.from(ox.subarray(0, n))).toEqual([10, 20, 30, 40]);
    expect(Array.from(oy.subarray(0, n))).toEqual([10, 10, 5, 10]);
  });
});

describe("percentiles", () => {
  it("reads p50/p95/p99 of 1..1000 by linear interpolation", () => {
    const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBeCloseTo(500.5);
    expect(quantile(sorted, 0.95)).toBeCloseTo(950.05);
    expect(quantile(sorted, 0.99)).toBeCloseTo(990.01);
  });

  it("computes them per time bucket and leaves empty buckets out", () => {
    const xs = [1, 2, 3, 4, 25, 26];
    const ys = [10, 20, 30, 40, 5, 7];
    const p = percentileBuckets(xs, ys, 0, 30, 3);
    expect(p.xs).toEqual([5, 25]);
    expect(p.p50).toEqual([25, 6]);
  });

  it("counts observations per heatmap cell", () => {
    const map = heatmap([1, 1, 1, 9], [0, 0, 10, 10], 0, 10, 2, 2);
    expect(Array.from(map.counts)).toEqual([2, 1, 0, 1]);
    expect(map.maxCount).toBe(2);
  });
});

describe("units", () => {
  it("humanises byte rates in IEC units and bits in SI", () => {
    expect(formatValue(10_789_038, "B/s")).toBe("10.29 MiB/s");
    expect(formatValue(1536, "bytes")).toBe("1.5 KiB");
    expect(formatValue(2_500_000, "bps")).toBe("2.5 Mb/s");
    expect(formatTick(15 * 1024 * 1024, "B/s", 5 * 1024 * 1024)).toBe("15 MiB/s");
  });

  it("writes durations in the unit that reads best, readings of ms exact up to 10 s", () => {
    expect(formatValue(43.75, "ms")).toBe("43.75 ms");
    expect(formatValue(-1000, "ms")).toBe("-1,000 ms");
    expect(formatValue(45_000, "ms")).toBe("45 s");
    expect(formatValue(0.0005, "s")).toBe("500 µs");
    expect(formatValue(5400, "s")).toBe("90 min");
  });

  it("keeps plain units and percentages as written", () => {
    expect(formatValue(61.5, "%")).toBe("61.5%");
    expect(formatValue(1234, "jobs")).toBe("1,234 jobs");
    expect(formatValue(12.3456, "requests/s")).toBe("12.35 requests/s");
  });
});

describe("time range in the URL", () => {
  it("round-trips a relative range with its refresh", () => {
    const search = searchWithRange("?kiosk=1", { kind: "relative", seconds: 21_600 }, 30);
    expect(search).toBe("?kiosk=1&from=now-6h&to=now&refresh=30s");
    expect(rangeFromSearch(search)).toEqual({ range: { kind: "relative", seconds: 21_600 }, refresh: 30 });
  });

  it("round-trips an absolute range as ISO-8601", () => {
    const from = Date.UTC(2026, 11, 1, 8, 0, 0);
    const to = Date.UTC(2026, 11, 1, 9, 30, 0);
    const search = searchWithRange("", { kind: "absolute", from, to }, 0);
    expect(search).toBe("?from=2026-12-01T08:00:00.000Z&to=2026-12-01T09:30:00.000Z");
    expect(rangeFromSearch(search).range).toEqual({ kind: "absolute", from, to });
  });

  it("falls back to the last 5 minutes on anything unreadable", () => {
    expect(rangeFromSearch("?from=yesterday").range).toEqual({ kind: "relative", seconds: 300 });
  });

  it("reads and writes the picker's 24-hour local time", () => {
    const at = new Date(2026, 11, 1, 14, 5, 9).getTime();
    expect(toLocalIso(at)).toBe("2026-12-01 14:05:09");
    expect(parseLocalIso("2026-12-01 14:05:09")).toBe(at);
    expect(parseLocalIso("2026-12-01T14:05")).toBe(at - 9000);
    expect(parseLocalIso("2026-12-01 2:05 PM")).toBeNaN();
  });
});

describe("byte axes", () => {
  it("steps in powers of 1024 so labels are whole KiB/MiB", async () => {
    const { axisIncrs } = await import("../src/charts/units.ts");
    const incrs = axisIncrs("B/s") ?? [];
    expect(incrs).toContain(100 * 1024);
    expect(formatTick(500 * 1024, "B/s", 100 * 1024, 500 * 1024)).toBe("500 KiB/s");
    expect(axisIncrs("ms")).toBeUndefined();
  });
});
