// Owns the rollup tiers: what one bucket of a tier holds (count, mean, min, max, first, last, the
// counter increase inside it, and for histograms a sparse log-scale sketch), how buckets merge, and
// how raw points become buckets. Every field merges associatively, so a late or back-dated point
// is just one more partial bucket that merges into the stored one on read or on compaction.
//
// The mean is kept instead of the sum: merging two means never leaves the range of the inputs,
// so three points of 1.7e308 average to 1.7e308 instead of overflowing.

/** What a series is: its rollups keep an increase for counters, a sketch for histograms. */
export type SeriesKind = "counter" | "gauge" | "histogram";
/** The kinds as the one byte per point a batch carries to the writer thread (PointColumns). */
export const KIND_CODES: readonly SeriesKind[] = ["gauge", "counter", "histogram"];

/** Tier 0 is raw points; tiers 1 and 2 are 1-minute and 1-hour buckets. */
export type Tier = 0 | 1 | 2;
export const TIER_RES_MS: Record<Tier, number> = { 0: 0, 1: 60_000, 2: 3_600_000 };
export const ROLLUP_TIERS = [1, 2] as const;

export type Bucket = {
  /** Bucket start, ms. */
  ts: number;
  count: number;
  mean: number;
  min: number;
  max: number;
  firstTs: number;
  first: number;
  lastTs: number;
  last: number;
  /**
   * Counter increase inside the bucket, resets counted as a restart from zero; NaN for gauges and
   * histograms, whose reads never ask for it (a kind is fixed when its metric is made), so their
   * chunks store no increase column.
   */
  inc: number;
  /** Histogram metrics only: sketch key → count (see sketchKey). */
  sketch: Map<number, number> | null;
};

/**
 * Buckets column by column (what a bucket chunk decodes to): a read of a month of 1-minute buckets
 * makes 11 typed arrays instead of 43,200 objects for the garbage collector to chase.
 */
export type BucketColumns = {
  n: number;
  ts: Float64Array;
  count: Float64Array;
  mean: Float64Array;
  min: Float64Array;
  max: Float64Array;
  firstTs: Float64Array;
  first: Float64Array;
  lastTs: Float64Array;
  last: Float64Array;
  inc: Float64Array;
  /** Histogram metrics only: each bucket's sketch (see sketchKey). */
  sketch: Array<Map<number, number> | null> | null;
};

const NUMERIC = ["ts", "count", "mean", "min", "max", "firstTs", "first", "lastTs", "last", "inc"] as const;

export function emptyColumns(n: number, histogram: boolean): BucketColumns {
  const c = { n, sketch: histogram ? new Array(n).fill(null) : null } as BucketColumns;
  for (const f of NUMERIC) c[f] = new Float64Array(n);
  return c;
}

export function toColumns(buckets: Bucket[]): BucketColumns {
  const c = emptyColumns(
    buckets.length,
    buckets.some((b) => b.sketch !== null),
  );
  buckets.forEach((b, i) => {
    for (const f of NUMERIC) c[f][i] = b[f];
    if (c.sketch) c.sketch[i] = b.sketch;
  });
  return c;
}

/** Bucket `i` of the columns as an object (its sketch shared, not copied). */
export function bucketAt(c: BucketColumns, i: number): Bucket {
  const b = { sketch: c.sketch?.[i] ?? null } as Bucket;
  for (const f of NUMERIC) b[f] = c[f][i]!;
  return b;
}

export function toBuckets(c: BucketColumns): Bucket[] {
  const out: Bucket[] = [];
  for (let i = 0; i < c.n; i++) out.push(bucketAt(c, i));
  return out;
}

/** The buckets [start, end) of several column sets, one after the other, in one set. */
export function concatColumns(parts: Array<{ c: BucketColumns; start: number; end: number }>): BucketColumns {
  let n = 0;
  for (const p of parts) n += p.end - p.start;
  const out = emptyColumns(
    n,
    parts.some((p) => p.c.sketch !== null),
  );
  let at = 0;
  for (const { c, start, end } of parts) {
    for (const f of NUMERIC) out[f].set(c[f].subarray(start, end), at);
    if (out.sketch) for (let i = start; i < end; i++) out.sketch[at + i - start] = c.sketch?.[i] ?? null;
    at += end - start;
  }
  return out;
}

/** Counter step from one sample to the next; a drop is a reset, counted from zero. */
export function counterStep(prev: number, next: number): number {
  return next >= prev ? next - prev : next;
}

/**
 * Merges one part, given field by field, into `a`: the one rule that merging two buckets
 * (mergeInto), adding a point (rollUp) and merging a decoded column (mergeColumnInto) share.
 */
function mergeParts(
  a: Bucket,
  count: number,
  mean: number,
  min: number,
  max: number,
  firstTs: number,
  first: number,
  lastTs: number,
  last: number,
  inc: number,
): void {
  const total = a.count + count;
  const diff = mean - a.mean;
  // Equal means stay exact; only when the difference overflows (huge values of opposite sign)
  // are the two means weighted separately, each term bounded by its input.
  a.mean = Number.isFinite(diff)
    ? a.mean + diff * (count / total)
    : a.mean * (a.count / total) + mean * (count / total);
  if (min < a.min) a.min = min;
  if (max > a.max) a.max = max;
  // Increase across the seam: exact when the two parts do not interleave in time.
  if (a.lastTs <= firstTs) a.inc = a.inc + inc + counterStep(a.last, first);
  else if (lastTs <= a.firstTs) a.inc = a.inc + inc + counterStep(last, a.first);
  else a.inc = a.inc + inc;
  if (firstTs < a.firstTs) {
    a.firstTs = firstTs;
    a.first = first;
  }
  if (lastTs >= a.lastTs) {
    a.lastTs = lastTs;
    a.last = last;
  }
  a.count = total;
}

function mergeSketch(a: Bucket, sketch: Map<number, number>): void {
  a.sketch ??= new Map();
  for (const [k, c] of sketch) a.sketch.set(k, (a.sketch.get(k) ?? 0) + c);
}

export function mergeInto(a: Bucket, b: Bucket): void {
  mergeParts(a, b.count, b.mean, b.min, b.max, b.firstTs, b.first, b.lastTs, b.last, b.inc);
  if (b.sketch) mergeSketch(a, b.sketch);
}

/** Merges bucket `j` of the columns into `a`, as mergeInto would the bucket as an object. */
export function mergeColumnInto(a: Bucket, c: BucketColumns, j: number): void {
  mergeParts(
    a,
    c.count[j]!,
    c.mean[j]!,
    c.min[j]!,
    c.max[j]!,
    c.firstTs[j]!,
    c.first[j]!,
    c.lastTs[j]!,
    c.last[j]!,
    c.inc[j]!,
  );
  const sketch = c.sketch?.[j];
  if (sketch) mergeSketch(a, sketch);
}

export function pointBucket(bucketTs: number, ts: number, value: number, kind: SeriesKind): Bucket {
  return {
    ts: bucketTs,
    count: 1,
    mean: value,
    min: value,
    max: value,
    firstTs: ts,
    first: value,
    lastTs: ts,
    last: value,
    inc: kind === "counter" ? 0 : Number.NaN,
    sketch: kind === "histogram" ? new Map([[sketchKey(value), 1]]) : null,
  };
}

/** Adds one point to a bucket: exactly `mergeInto(b, pointBucket(b.ts, ts, value, kind))`. */
function addPoint(a: Bucket, ts: number, value: number): void {
  mergeParts(a, 1, value, value, value, ts, value, ts, value, 0);
  if (a.sketch) {
    const k = sketchKey(value);
    a.sketch.set(k, (a.sketch.get(k) ?? 0) + 1);
  }
}

/** Buckets of one tier from points sorted by time (no object per point: the write path's loop). */
export function rollUp(
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  res: number,
  kind: SeriesKind,
): Bucket[] {
  const out: Bucket[] = [];
  let cur: Bucket | undefined;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const v = values[i]!;
    const start = Math.floor(t / res) * res;
    if (cur && cur.ts === start) addPoint(cur, t, v);
    else {
      cur = pointBucket(start, t, v, kind);
      out.push(cur);
    }
  }
  return out;
}

/** Merges buckets with the same start; input in any order, output sorted by start. */
export function mergeBuckets(parts: Bucket[]): Bucket[] {
  parts.sort((a, b) => a.ts - b.ts || a.firstTs - b.firstTs);
  const out: Bucket[] = [];
  for (const b of parts) {
    const last = out[out.length - 1];
    if (last && last.ts === b.ts) mergeInto(last, b);
    else out.push({ ...b, sketch: b.sketch ? new Map(b.sketch) : null });
  }
  return out;
}

// ---- histogram sketch ------------------------------------------------------------------------
// Log-scale buckets with ratio γ = 1.02: any quantile is within 1% of a true sample value
// (DDSketch's idea with a fixed γ). Keys: 0 for |v| < 1e-300, ±(index + KEY_BIAS) by sign.

const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
const KEY_BIAS = 40_000;

export function sketchKey(v: number): number {
  const a = Math.abs(v);
  if (a < 1e-300) return 0;
  const k = Math.ceil(Math.log(a) / LOG_GAMMA) + KEY_BIAS;
  return v > 0 ? k : -k;
}

export function sketchValue(key: number): number {
  if (key === 0) return 0;
  const idx = Math.abs(key) - KEY_BIAS;
  const v = (2 * GAMMA ** idx) / (GAMMA + 1);
  return key > 0 ? v : -v;
}

/** The q-quantile (0…1) of a sketch, or NaN when empty. */
export function sketchQuantile(sketch: Map<number, number>, q: number): number {
  const keys = [...sketch.keys()].sort((a, b) => sketchValue(a) - sketchValue(b));
  let total = 0;
  for (const c of sketch.values()) total += c;
  if (total === 0) return Number.NaN;
  const rank = q * (total - 1);
  let seen = 0;
  for (const k of keys) {
    seen += sketch.get(k)!;
    if (seen > rank) return sketchValue(k);
  }
  return sketchValue(keys[keys.length - 1]!);
}
