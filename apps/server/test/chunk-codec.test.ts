// The chunk codec: every point of a raw chunk comes back bit for bit, every field of every bucket
// as it went in (the mean to within float rounding, since a decimal bucket stores its exact sum),
// whatever the values are, and chunks written by the earlier formats still decode.
import { seededRandom } from "@pulseboard/test-support/random";
import { describe, expect, it } from "vitest";
import { decodeBucketColumns, decodeRaw, encodeBuckets, encodeRaw } from "../src/storage/codec.ts";
import { type Bucket, bucketAt, rollUp, type SeriesKind } from "../src/storage/rollup.ts";

function buckets(values: (i: number) => number, kind: SeriesKind, n = 3000, stepMs = 10_000): Bucket[] {
  const ts = Float64Array.from({ length: n }, (_, i) => 1_700_000_040_000 + i * stepMs);
  return rollUp(
    ts,
    Float64Array.from({ length: n }, (_, i) => values(i)),
    60_000,
    kind,
  );
}

function roundTrip(input: Bucket[]): void {
  const c = decodeBucketColumns(encodeBuckets(input));
  expect(c.n).toBe(input.length);
  input.forEach((b, i) => {
    const got = bucketAt(c, i);
    for (const f of ["ts", "count", "firstTs", "lastTs", "first", "last", "min", "max", "inc"] as const)
      if (!Object.is(got[f], b[f])) expect.fail(`bucket ${i} ${f}: ${got[f]} instead of ${b[f]}`);
    if (Object.is(got.mean, b.mean)) return;
    expect(Math.abs(got.mean - b.mean)).toBeLessThanOrEqual(1e-12 * Math.abs(b.mean));
  });
}

describe("raw chunks", () => {
  const rand = seededRandom(3);
  const cases: Array<[string, (i: number) => number]> = [
    ["a full-precision random walk", (i) => 1000 + Math.sin(i / 50) * 300 + rand()],
    ["values crossing zero and signs", () => (rand() - 0.5) * 1e-3],
    ["the extremes", (i) => [Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, -0, 0, 1, Math.PI][i % 7]!],
    [
      "bits ingest never stores, kept anyway",
      (i) => [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2][i % 4]!,
    ],
  ];
  for (const [name, value] of cases)
    it(`give back every value bit for bit: ${name}`, () => {
      const n = 5000;
      const run = {
        n,
        ts: Float64Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 1000),
        values: Float64Array.from({ length: n }, (_, i) => value(i)),
        offsets: Float64Array.from({ length: n }, (_, i) => i + 1),
      };
      const back = decodeRaw(encodeRaw(run));
      expect(Buffer.from(back.values.buffer).equals(Buffer.from(run.values.buffer))).toBe(true);
      expect([...back.ts]).toEqual([...run.ts]);
      expect([...back.offsets]).toEqual([...run.offsets]);
    });

  it("decode chunks whose values were XOR'd (the format before integer steps)", () => {
    const run = decodeRaw(Buffer.from(XOR_RAW_CHUNK, "base64"));
    expect([...run.values]).toEqual([0.1, -2.5e-300, 1.7e308, Math.PI]);
    expect([...run.ts]).toEqual([1000, 2000, 3000, 4000]);
  });
});

describe("bucket chunks", () => {
  const rand = seededRandom(7);
  const cases: Array<[string, (i: number) => number, SeriesKind]> = [
    ["percentages with 2 decimals", () => Math.round(rand() * 10_000) / 100, "gauge"],
    ["a byte counter with resets", (i) => (i % 700) * 1_234_567 + (i % 700 ? 17 : 0), "counter"],
    ["a counter of decimals", (i) => Math.round(i * 1.37 * 100) / 100, "counter"],
    ["full-precision doubles", () => rand() * 1e6 - 5e5, "gauge"],
    ["huge finite values", (i) => (i % 3 ? 1.7e308 : -1.7e308), "gauge"],
    [
      "tiny and negative zero",
      (i) => (i % 4 === 0 ? -0 : i % 4 === 1 ? 5e-324 : i % 4 === 2 ? 0 : -1e-300),
      "gauge",
    ],
    ["integers near 2^51", (i) => 2 ** 51 - (i % 5), "counter"],
    ["histogram observations", () => Math.round(rand() * 5000) / 10, "histogram"],
  ];
  for (const [name, values, kind] of cases)
    it(`give back every field: ${name} (${kind})`, () => roundTrip(buckets(values, kind)));

  it("keep a counter's increase and store none for a gauge", () => {
    const counter = decodeBucketColumns(encodeBuckets(buckets((i) => i * 2, "counter", 60)));
    expect([...counter.inc]).toEqual(new Array(10).fill(10));
    const gauge = decodeBucketColumns(encodeBuckets(buckets((i) => i * 2, "gauge", 60)));
    expect([...gauge.inc].every(Number.isNaN)).toBe(true);
  });

  it("store a collector's percentages in fewer bytes than the first format did", () => {
    const own = seededRandom(11);
    const input = buckets(() => Math.round(own() * 10_000) / 100, "gauge", 8640);
    expect(encodeBuckets(input).length).toBeLessThan(FIRST_FORMAT_SIZE_HINT);
  });

  it("decode chunks of the first bucket format", () => {
    const c = decodeBucketColumns(Buffer.from(FIRST_FORMAT_CHUNK, "base64"));
    expect(c.n).toBe(2);
    expect([...c.mean]).toEqual([1.5, 11]);
    expect([...c.min, ...c.max, ...c.first, ...c.last, ...c.inc]).toEqual([1, 10, 2, 12, 1, 10, 2, 12, 1, 2]);
    expect([...c.count]).toEqual([2, 3]);
  });
});

/** What the first format took for the same 8,640 percentages at 10 s (1,440 buckets). */
const FIRST_FORMAT_SIZE_HINT = 31_126;
/** Two buckets (1, 2 | 10, 11, 12) of a counter, as the first format's encoder wrote them. */
const FIRST_FORMAT_CHUNK = "AgKAkbD++WLAqQcCAwAA6AfQDwABHr4BAAACEgAABBQAAAISAAAEFAAAAgIA";
/** Four points (0.1, -2.5e-300, 1.7e308, π) at 1–4 s, as the XOR value encoder wrote them. */
const XOR_RAW_CHUNK = "AATQD9APAAACAgICAT++/j+5A1TnmVCLY5k+diqZKoNkmS7AM5mpCxaatVlu";
