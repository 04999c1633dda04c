import { describe, expect, it } from "vitest";
import { SeriesRing } from "../src/ring.ts";

const arrays = (r: SeriesRing) => {
  const [t, v] = r.view();
  return [Array.from(t), Array.from(v)];
};

describe("SeriesRing", () => {
  it("keeps points in time order when they arrive in order", () => {
    const r = new SeriesRing(5);
    for (const t of [1, 2, 3]) r.push(t, t * 10);
    expect(arrays(r)).toEqual([
      [1, 2, 3],
      [10, 20, 30],
    ]);
  });

  it("drops the oldest point when full, however many times it fills", () => {
    const r = new SeriesRing(3);
    for (let t = 1; t <= 20; t++) r.push(t, t);
    expect(arrays(r)[0]).toEqual([18, 19, 20]);
    expect(r.length).toBe(3);
  });

  it("hands out one contiguous view of its own buffer (what uPlot takes without a copy)", () => {
    const r = new SeriesRing(4);
    for (const t of [1, 2, 3]) r.push(t, t);
    const [t1] = r.view();
    r.push(4, 4);
    const [t2, v2] = r.view();
    expect(t2.buffer).toBe(t1.buffer);
    expect(Array.from(t2)).toEqual([1, 2, 3, 4]);
    expect(v2.length).toBe(4);
  });

  it("inserts a late point at its place, also after the buffer slid", () => {
    const r = new SeriesRing(4);
    for (const t of [10, 20, 30, 40, 50, 70, 80, 90, 100]) r.push(t, t);
    expect(r.push(95, 6)).toBe(true);
    expect(arrays(r)).toEqual([
      [80, 90, 95, 100],
      [80, 90, 6, 100],
    ]);
  });

  it("keeps one point per timestamp: a repeat replaces the value and reports a duplicate", () => {
    const r = new SeriesRing(4);
    r.push(1, 1);
    r.push(2, 2);
    expect(r.push(1, 99)).toBe(false);
    expect(r.push(2, 98)).toBe(false);
    expect(arrays(r)).toEqual([
      [1, 2],
      [99, 98],
    ]);
  });

  it("refuses a point older than everything kept when full", () => {
    const r = new SeriesRing(2);
    r.push(5, 5);
    r.push(6, 6);
    expect(r.push(1, 1)).toBe(false);
    expect(arrays(r)[0]).toEqual([5, 6]);
  });

  it("with buckets, a point in the newest point's bucket replaces it", () => {
    const r = new SeriesRing(10, 60);
    r.push(0, 1);
    r.push(30, 2);
    r.push(61, 3);
    expect(arrays(r)).toEqual([
      [30, 61],
      [2, 3],
    ]);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new SeriesRing(0)).toThrow(RangeError);
    expect(() => new SeriesRing(1.5)).toThrow(RangeError);
  });
});
