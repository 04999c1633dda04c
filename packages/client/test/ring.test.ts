import { describe, expect, it } from "vitest";
import { SeriesBuffer } from "../src/ring.ts";

const arrays = (b: SeriesBuffer) => {
  const { t, v } = b.toArrays();
  return [Array.from(t), Array.from(v)];
};

describe("SeriesBuffer", () => {
  it("keeps points in time order when they arrive in order", () => {
    const b = new SeriesBuffer(5);
    for (const t of [1, 2, 3]) b.insert(t, t * 10);
    expect(arrays(b)).toEqual([
      [1, 2, 3],
      [10, 20, 30],
    ]);
  });

  it("drops the oldest point when full", () => {
    const b = new SeriesBuffer(3);
    for (const t of [1, 2, 3, 4, 5]) b.insert(t, t);
    expect(arrays(b)[0]).toEqual([3, 4, 5]);
  });

  it("inserts a late point at its place, also after wrapping around", () => {
    const b = new SeriesBuffer(4);
    for (const t of [10, 20, 30, 40, 50, 70]) b.insert(t, t);
    expect(b.insert(60, 6)).toBe(true);
    expect(arrays(b)).toEqual([
      [40, 50, 60, 70],
      [40, 50, 6, 70],
    ]);
  });

  it("refuses a point with a timestamp it already holds, keeping the first value", () => {
    const b = new SeriesBuffer(4);
    b.insert(1, 1);
    b.insert(2, 2);
    expect(b.insert(1, 99)).toBe(false);
    expect(b.insert(2, 99)).toBe(false);
    expect(arrays(b)).toEqual([
      [1, 2],
      [1, 2],
    ]);
  });

  it("refuses a point older than everything kept when full", () => {
    const b = new SeriesBuffer(2);
    b.insert(5, 5);
    b.insert(6, 6);
    expect(b.insert(1, 1)).toBe(false);
    expect(arrays(b)[0]).toEqual([5, 6]);
  });

  it("refuses NaN and infinite values or timestamps", () => {
    const b = new SeriesBuffer(2);
    expect(b.insert(Number.NaN, 1)).toBe(false);
    expect(b.insert(1, Number.POSITIVE_INFINITY)).toBe(false);
    expect(b.length).toBe(0);
  });

  it("rejects a capacity that is not a positive integer", () => {
    expect(() => new SeriesBuffer(0)).toThrow(RangeError);
    expect(() => new SeriesBuffer(1.5)).toThrow(RangeError);
  });
});
