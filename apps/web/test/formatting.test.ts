// Axis labels and times as people read them: neighbouring ticks never read the same, and one
// 24-hour time format everywhere (axes, feed, alerts, playback).
import { describe, expect, it } from "vitest";
import { clockTime, dateTime } from "../src/charts/clock.ts";
import { formatTick } from "../src/charts/units.ts";

const labels = (splits: number[], incr: number, unit = "") => splits.map((v) => formatTick(v, unit, incr));

describe("axis labels", () => {
  it("shows as many decimals as a small step needs", () => {
    expect(labels([2.4, 2.42, 2.44, 2.46], 0.02)).toEqual(["2.4", "2.42", "2.44", "2.46"]);
  });

  it("keeps half-steps of thousands apart", () => {
    expect(labels([130_000, 132_500, 135_000], 2500)).toEqual(["130k", "132.5k", "135k"]);
  });

  it("prints whole steps without decimals, with % for percentages", () => {
    expect(labels([0, 20, 40], 20, "%")).toEqual(["0%", "20%", "40%"]);
  });

  it("scales millions and billions", () => {
    expect(labels([1_500_000, 2_000_000], 500_000)).toEqual(["1.5M", "2M"]);
    expect(labels([3e9], 1e9)).toEqual(["3G"]);
  });
});

describe("times", () => {
  it("writes a time of day in 24-hour form, and a playback moment with its date", () => {
    const at = new Date(2026, 10, 24, 14, 5, 9).getTime(); // local time, as the browser shows it
    expect(clockTime(at)).toBe("14:05:09");
    expect(clockTime(at, false)).toBe("14:05");
    expect(dateTime(at)).toBe("24 Nov 14:05:09");
    expect(dateTime(Number.NaN)).toBe("–");
  });
});
